import { createInterface } from "node:readline";
import type { ApprovalPrompt } from "./approval-prompt.js";
import { runSlashCommand } from "./commands.js";
import { runShellLine } from "./shell-line.js";
import { choicesLine, completeAt } from "./tab-complete.js";
import { terminalSafe } from "../../text/width.js";
import { appendHistory, historyFile, loadHistory } from "./history.js";
import { readKeys } from "./keys.js";
import { LineEditor, type Key } from "./line-editor.js";
import type { TurnRunner } from "./turn.js";
import { settle } from "../../agent/settle.js";
import type { ReplView } from "./view.js";
import type { Session } from "../../session/session.js";
import type { Style } from "../../text/style.js";
import { endingCount, endOfInputHint, interruptExitHint } from "./exit-hints.js";

/** How long a first Ctrl+C at the prompt waits for the second. */
const EXIT_CONFIRM_MS = 2000;
/** How long a first Ctrl+D with running tasks waits for the second. */
const END_CONFIRM_MS = 3000;

/**
 * What the person does, turned into turns and commands: keys and pastes at a terminal or lines from a pipe,
 * the history, messages queued while a turn runs, Ctrl+C / Ctrl+B / Ctrl+D, and leaving.
 */
export class Repl {
  private readonly editor: LineEditor;
  private readonly historyPath = historyFile();
  private queued: string[] = [];
  private lastInterrupt = 0;
  private lastEndOfInput = 0;
  private hintTimer: NodeJS.Timeout | undefined;
  private exitRequested = false;
  private requestExit: () => void = () => {};
  /** Submissions still running (a turn, a /tasks kill): exit waits for them to settle. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private interactive = false;
  /** A result landed that no turn has taken yet: the model is woken once the prompt is empty and idle. */
  private wakePending = false;
  private waking = false;
  /** Tasks the person ended with /tasks kill: they know, so that end does not wake the model. */
  private readonly userKilled = new Set<string>();
  /** Ends the running `!cmd`. */
  private shellAbort: AbortController | undefined;

  constructor(
    private readonly session: Session,
    private readonly view: ReplView,
    private readonly style: Style,
    private readonly turns: TurnRunner,
    private readonly approvals?: ApprovalPrompt,
    /** `wake_on_result`: a result landing at an empty, idle prompt wakes the model. */
    private readonly wakeOnResult = false,
  ) {
    this.editor = new LineEditor(process.stdin.isTTY ? loadHistory(this.historyPath) : []);
  }

  /** Resolves when the user asked to leave and the running turn (if any) has stopped. */
  async fromTerminal(): Promise<void> {
    this.interactive = true;
    const exited = new Promise<void>((resolve) => (this.requestExit = resolve));
    const restore = readKeys(process.stdin, process.stdout, {
      interrupt: () => this.interrupt(),
      background: () => {
        if (!this.turns.moveToBackground())
          this.flash("Ctrl+B moves a running bash command into a background lane; none is running.");
      },
      endOfInput: () =>
        this.editor.text === "" ? this.endOfInput() : this.key(undefined, { name: "d", ctrl: true }),
      redraw: () => this.view.clearScreen(),
      suspending: () => this.view.suspend(),
      resumed: () => this.view.resume(),
      cannotSuspend: () =>
        this.flash("Ctrl+Z: no job control here (no shell to resume lanes with fg); Ctrl+D exits."),
      paste: (text) => {
        this.approvals?.typing();
        this.editor.insert(text.replace(/\n+$/, ""));
        this.showInput();
      },
      key: (str, key) => this.key(str, key),
    });
    process.on("SIGINT", this.onSignal);
    const stopWaking = this.session.lanes.subscribe((event) => {
      if (event.type !== "notification" || !this.wakeOnResult) return;
      if (event.notification.kind === "ended" && this.userKilled.delete(event.notification.taskId)) return;
      this.wakePending = true;
      this.maybeWake();
    });
    this.showInput();
    await exited;
    stopWaking();
    process.off("SIGINT", this.onSignal);
    await Promise.all(this.inFlight);
    restore();
  }

  /** One message per line from a pipe; a line ending in `\` continues on the next. */
  async fromPipe(): Promise<void> {
    process.on("SIGINT", this.onSignal);
    const lines = createInterface({ input: process.stdin, terminal: false });
    this.requestExit = () => lines.close();
    let pending = "";
    for await (const line of lines) {
      if (line.endsWith("\\")) {
        pending += `${line.slice(0, -1)}\n`;
        continue;
      }
      const text = pending + line;
      pending = "";
      if ((await this.submit(text)) === "exit" || this.exitRequested) break;
    }
    // Input that ended on a continued line still sends what it had.
    if (pending !== "" && !this.exitRequested) await this.submit(pending.replace(/\n$/, ""));
    lines.close();
    process.off("SIGINT", this.onSignal);
  }

  private readonly onSignal = (): void => this.interrupt();

  private key(str: string | undefined, key: Key): void {
    this.lastInterrupt = 0;
    this.lastEndOfInput = 0;
    // An armed question takes its answer keys; every other key (and any before it arms) edits the prompt.
    if (this.approvals?.key(str, key)) return;
    // Esc cancels the turn as Ctrl+C does (Claude Code's key); at rest it is left to the editor.
    if (key.name === "escape" && !key.ctrl && (this.turns.busy || this.shellAbort)) return this.interrupt();
    if (key.name === "tab" && !key.ctrl && !key.meta) return this.complete();
    const result = this.editor.handleKey(str, key);
    if (result === "submit") {
      const text = this.editor.take();
      const done = this.submit(text).then((outcome) => (outcome === "exit" ? this.exit() : undefined));
      this.inFlight.add(done);
      void done.finally(() => this.inFlight.delete(done));
    }
    if (result !== "ignored") this.showInput();
    // The line may be empty again (erased, or sent as a /command): a wake that waited for it goes now.
    this.maybeWake();
  }

  /**
   * Wakes the model for results that landed, when nobody else will bring them: no turn runs (a turn takes
   * them before its next model call), nothing is typed (the message being written will carry them), and
   * lanes is not leaving. Otherwise the wake stays pending and is tried again after each key and turn.
   */
  private maybeWake(): void {
    if (!this.wakePending || this.waking || this.turns.busy || this.exitRequested) return;
    if (this.editor.text !== "") return;
    this.wakePending = false;
    this.waking = true;
    // Results that landed during the woken turn's last steps get a wake of their own.
    const done = this.wake().finally(() => {
      this.waking = false;
      this.maybeWake();
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private async wake(): Promise<void> {
    const { lanes } = this.session;
    // Results landing a few ms apart (three tasks started together) wake the model once.
    await settle(
      {
        onLanding: (callback) => lanes.subscribe((event) => event.type === "notification" && callback()),
        stillRunning: () => lanes.active().some((record) => !record.persist),
      },
      new AbortController().signal,
    );
    // Meanwhile the person may have started typing or sent a message (which took the results).
    if (this.turns.busy || this.editor.text !== "" || this.exitRequested) {
      this.wakePending = lanes.notifications.size > 0;
      return;
    }
    if (lanes.notifications.size === 0) return;
    this.view.notice(this.style.dim("\n↻ background results"));
    await this.runTurns(undefined);
  }

  /** A message or a command. Messages typed while a turn runs wait for it; commands run at once. */
  private async submit(text: string): Promise<"exit" | undefined> {
    if (text.trim() === "") return undefined;
    this.remember(text);
    if (text.startsWith("!")) {
      this.echo(text);
      const shell = new AbortController();
      this.shellAbort = shell;
      await runShellLine(text.slice(1), this.session, this.view, this.style, shell.signal)
        .catch((error: Error) => this.view.notice(this.style.red(error.message)))
        .finally(() => (this.shellAbort = undefined));
      return undefined;
    }
    if (text.trim().startsWith("/")) {
      this.echo(text);
      const { session, view, style, userKilled } = this;
      const context = { session, view, style, busy: this.turns.busy, userKilled };
      return runSlashCommand(text, context);
    }
    if (this.turns.busy) {
      this.queued.push(text);
      const count = this.queued.length > 1 ? `${this.queued.length} messages` : "message";
      this.view.setHint(`${count} queued, sent when this turn ends (Ctrl+C cancels the turn)`);
      return undefined;
    }
    await this.runTurns(text);
    return undefined;
  }

  /**
   * Runs a turn for a message (or, with undefined, for the pending results: a wake), then the messages
   * queued while it ran, one turn for all of them.
   */
  private async runTurns(first: string | undefined): Promise<void> {
    let next = first;
    let wake = first === undefined;
    while ((wake || next !== undefined) && !this.exitRequested) {
      if (next !== undefined) this.echo(next, true);
      const stop = await this.turns.run(this.session, next);
      wake = false;
      next = this.queued.length > 0 && stop !== "cancelled" ? this.queued.join("\n\n") : undefined;
      if (stop === "cancelled" && this.queued.length > 0) {
        this.editor.set([...this.queued, this.editor.text].filter((part) => part !== "").join("\n"));
        this.flash("Queued messages are back in the prompt.");
      }
      this.queued = [];
      this.view.setHint(undefined);
      this.showInput();
    }
    // A result that landed after the turn's last model call has not reached the model yet.
    this.maybeWake();
  }

  /** What was sent, in the transcript; a message to the model gets a blank line before it. */
  private echo(text: string, message = false): void {
    // A line-mode terminal has already echoed what was typed.
    if (!this.interactive && process.stdin.isTTY) return;
    const lines = `${this.style.cyan("›")} ${text.replace(/\n/g, "\n  ")}`;
    this.view.notice(message ? `\n${lines}` : lines);
  }

  private interrupt(): void {
    if (this.shellAbort) return this.shellAbort.abort();
    if (this.turns.busy) return this.turns.cancel();
    // From a pipe there is no prompt to come back to: one Ctrl+C at rest ends lanes.
    if (!this.interactive) return this.exit();
    if (Date.now() - this.lastInterrupt < EXIT_CONFIRM_MS) return this.exit();
    this.lastInterrupt = Date.now();
    this.editor.take();
    this.showInput();
    this.flash(interruptExitHint(endingCount(this.session.lanes.active())), EXIT_CONFIRM_MS);
    // The draft is gone: a wake that waited for the line to empty goes now, as after Ctrl+U.
    this.maybeWake();
  }

  /** Ctrl+D at an empty prompt: with tasks that exiting would end, it asks once first. */
  private endOfInput(): void {
    const ending = endingCount(this.session.lanes.active());
    if (ending === 0 || Date.now() - this.lastEndOfInput < END_CONFIRM_MS) return this.exit();
    this.lastEndOfInput = Date.now();
    this.flash(endOfInputHint(ending), END_CONFIRM_MS);
  }

  /** Tab: completes a slash command or an `@path` mention; ambiguous choices are listed. */
  private complete(): void {
    const done = completeAt(this.editor.text, this.editor.cursor, this.session.workspace());
    if (done === undefined) return;
    this.editor.text = done.text;
    this.editor.cursor = done.cursor;
    if (done.choices.length > 0) this.view.notice(this.style.dim(terminalSafe(choicesLine(done.choices))));
    this.showInput();
  }

  private exit(): void {
    this.exitRequested = true;
    this.turns.cancel();
    this.requestExit();
  }

  private remember(text: string): void {
    if (!process.stdin.isTTY) return;
    this.editor.remember(text);
    try {
      appendHistory(this.historyPath, text);
    } catch (error) {
      this.flash(`History not saved: ${(error as Error).message}`);
    }
  }

  private showInput(): void {
    this.view.setInput({ text: this.editor.text, cursor: this.editor.cursor });
  }

  private flash(hint: string, ms = 3000): void {
    clearTimeout(this.hintTimer);
    this.view.setHint(hint);
    this.hintTimer = setTimeout(() => this.view.setHint(undefined), ms).unref();
  }
}
