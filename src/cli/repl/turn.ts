import type { AgentEvent } from "../../agent/events.js";
import type { AgentStop } from "../../agent/loop.js";
import { describeToolCall } from "../../present/tool-call-text.js";
import { renderAgentEvent } from "../render-events.js";
import { MarkdownStream } from "./markdown-stream.js";
import type { Activity } from "./spinner.js";
import type { ReplView } from "./view.js";
import type { Session } from "../../session/session.js";
import { modelFailureHint } from "../model-failure-hint.js";
import type { Style } from "../../text/style.js";
import { endedIds, HeldEndLines } from "./held-end-lines.js";

/**
 * The bash tool's `moveToBackground` hook: each call waits for the next Ctrl+B. A Ctrl+B pressed after the
 * bash call showed on screen but before the tool asked for its hook is kept for that call, not lost.
 */
export class MoveRequests {
  private waiters: Array<() => void> = [];
  private requested = false;

  next(): Promise<void> {
    if (this.requested) {
      this.requested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Releases whoever waits, or the next caller if nobody waits yet. */
  fire(): void {
    const waiters = this.waiters;
    this.waiters = [];
    this.requested = waiters.length === 0;
    for (const resolve of waiters) resolve();
  }

  /** The command ended: forget waiters (their promises are simply never settled) and any request. */
  clear(): void {
    this.waiters = [];
    this.requested = false;
  }
}

const CANCEL_KEYS = "Ctrl+C cancel";

/**
 * One model turn at a time: renders its events, keeps the spinner saying what it waits for (the model, a
 * tool), and lets Ctrl+C cancel it and Ctrl+B move its running bash command into a lane.
 */
export class TurnRunner {
  readonly moves = new MoveRequests();
  /** ■ lines held while wait_background runs (see HeldEndLines). */
  readonly endLines = new HeldEndLines();
  private controller: AbortController | undefined;
  private tool: string | undefined;
  /** What the spinner says while the current tool runs, to put back after an approval question. */
  private toolActivity: Activity | undefined;
  private thinking = false;

  /** Renders the model's text as Markdown; absent without colours (NO_COLOR, a pipe): the text as it came. */
  private readonly markdown: MarkdownStream | undefined;

  constructor(
    private readonly view: ReplView,
    private readonly style: Style,
    markdown = false,
  ) {
    this.markdown = markdown ? new MarkdownStream(style, (text) => view.print(text)) : undefined;
  }

  get busy(): boolean {
    return this.controller !== undefined;
  }

  /** The tool running now, if any. */
  get currentTool(): string | undefined {
    return this.tool;
  }

  /** The session's event sink. */
  readonly onEvent = (event: AgentEvent): void => {
    // The failed attempt's text is void: the unfinished line goes (lines already scrolled up stay, and
    // the retry notice says the answer starts over).
    if (event.type === "model-retry" && event.discarded_text !== "") this.view.dropPartialLine();
    if (event.type === "model-retry") this.markdown?.reset();
    if (this.markdown && event.type === "text-delta") this.markdown.push(event.text);
    else if (this.markdown && event.type === "assistant-message") this.markdown.flush();
    else renderAgentEvent(event, this.style, (text) => this.view.print(text));
    if (event.type === "turn-start") this.think();
    else if (event.type === "text-delta" && this.thinking) {
      this.thinking = false;
      this.view.setActivity(undefined);
    } else if (event.type === "tool-call") {
      this.thinking = false;
      this.tool = event.name;
      const keys = event.name === "bash" ? `Ctrl+B background · ${CANCEL_KEYS}` : CANCEL_KEYS;
      this.toolActivity = { label: describeToolCall(event.name, event.input), startedAt: Date.now(), keys };
      this.view.setActivity(this.toolActivity);
    } else if (event.type === "tool-result") {
      const told = event.name === "wait_background" ? endedIds(event.details) : undefined;
      for (const line of this.endLines.release(told)) this.view.notice(line);
      this.endTool();
      this.think();
    }
  };

  /**
   * Runs one message through the model, or with `text` undefined the pending background results alone (a
   * wake); never throws (errors are shown, the conversation is kept).
   */
  async run(session: Session, text: string | undefined): Promise<AgentStop | "error"> {
    const controller = new AbortController();
    this.controller = controller;
    this.think();
    try {
      const result =
        text === undefined
          ? ((await session.wake(controller.signal)) ?? { stop: "end_turn" as const, turns: 0 })
          : await session.send(text, controller.signal);
      this.markdown?.flush();
      this.view.endLine();
      if (result.stop === "cancelled") this.cancelled();
      else if (result.stop === "max_turns")
        this.view.notice(this.style.yellow(`Stopped after ${result.turns} model calls (max_turns).`));
      return result.stop;
    } catch (error) {
      this.markdown?.flush();
      this.view.endLine();
      if (controller.signal.aborted) {
        this.cancelled();
        return "cancelled";
      }
      const hint = modelFailureHint(error, session.provider, process.env);
      this.view.notice(
        this.style.red(`Error: ${(error as Error).message}`) +
          (hint === undefined ? "" : `\n${hint}`) +
          this.style.dim("\nThe conversation is kept; send another message to go on."),
      );
      return "error";
    } finally {
      this.controller = undefined;
      this.thinking = false;
      for (const line of this.endLines.release()) this.view.notice(line);
      this.endTool();
      this.view.setActivity(undefined);
    }
  }

  /** An approval question is open: the spinner says the command waits for the user, not that it runs. */
  questionOpen(open: boolean): void {
    if (open)
      this.view.setActivity({
        label: "waiting for your answer, nothing runs yet",
        startedAt: Date.now(),
        keys: "Ctrl+C no",
      });
    else if (this.toolActivity) this.view.setActivity({ ...this.toolActivity, startedAt: Date.now() });
  }

  /** Ctrl+C during a turn: the loop stops at its next step; background lanes are not touched. */
  cancel(): void {
    this.controller?.abort();
  }

  /** Ctrl+B: true when a running bash command was handed to a lane. */
  moveToBackground(): boolean {
    if (this.tool !== "bash") return false;
    this.moves.fire();
    return true;
  }

  private think(): void {
    this.thinking = true;
    this.view.setActivity({ label: "thinking", startedAt: Date.now(), keys: CANCEL_KEYS });
  }

  private endTool(): void {
    this.tool = undefined;
    this.toolActivity = undefined;
    this.moves.clear();
  }

  private cancelled(): void {
    this.view.notice(this.style.yellow("Cancelled. Background tasks keep running (/tasks)."));
  }
}
