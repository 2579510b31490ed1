import type { ApprovalAnswer, ApprovalRequest } from "../../approval/gate.js";
import { rememberAllowRule } from "../../config/user-config.js";
import { displayCommand } from "../../present/task-text.js";
import { terminalSafe } from "../../text/width.js";
import { ArmingClock, ARMING_MS } from "./arming.js";
import type { Key } from "./line-editor.js";
import type { ReplView } from "./view.js";
import type { Style } from "../../text/style.js";

/** Long enough to read what will run; a 100 KB heredoc is not drawn in full. */
const SHOWN_COMMAND_CHARS = 2000;

/** A question's own first line replaces "Run this command?" (the write question of untrusted mode). */
export type PromptRequest = ApprovalRequest & { heading?: string };

interface Question {
  request: PromptRequest;
  resolve: (answer: ApprovalAnswer) => void;
  /** "remember": `a` was pressed and waits for a second, deliberate `y` before anything is saved. */
  step: "choose" | "remember";
}

/**
 * The REPL's approval question: "yes once / yes and don't ask again / no", answered with one key while a
 * turn waits. Keys count only once the question is armed (see ArmingClock): until then, and for any key
 * that is not an answer, they go on into the prompt, so typing ahead answers nothing and loses nothing.
 * Questions come one at a time; Ctrl+C (the turn's signal) is a no.
 */
export class ApprovalPrompt {
  private readonly queue: Question[] = [];
  private readonly clock = new ArmingClock(() => this.showHint());

  constructor(
    private readonly view: ReplView,
    private readonly style: Style,
    /** A question opened (true) or the last one closed (false): the spinner must not say the command runs. */
    private readonly onOpen: (open: boolean) => void = () => {},
  ) {}

  /** A question is on screen. */
  get active(): boolean {
    return this.queue.length > 0;
  }

  readonly ask = (request: PromptRequest, signal: AbortSignal): Promise<ApprovalAnswer> =>
    new Promise((resolve) => {
      const question: Question = {
        request,
        step: "choose",
        resolve: (answer) => {
          signal.removeEventListener("abort", onAbort);
          resolve(answer);
        },
      };
      const onAbort = (): void => this.answer(question, "no");
      signal.addEventListener("abort", onAbort, { once: true });
      this.queue.push(question);
      if (this.queue.length === 1) {
        this.onOpen(true);
        this.show(question);
      }
    });

  /** True when the key answered the question; false when it is for the prompt (typing, or not armed yet). */
  key(str: string | undefined, key: Key): boolean {
    const question = this.queue[0];
    if (question === undefined) return false;
    if (!this.clock.armed) return this.typing();
    // Lower case only: a sentence typed after a pause starts with a capital.
    const no = str === "n" || key.name === "escape";
    if (question.step === "remember") {
      if (str === "y") this.answer(question, "prefix");
      else if (no) this.step(question, "choose");
      else return this.typing();
    } else if (str === "y") this.answer(question, "once");
    else if (str === "a" && question.request.prefix !== undefined) this.step(question, "remember");
    else if (no) this.answer(question, "no");
    else return this.typing();
    return true;
  }

  /** Text reached the prompt (a key or a paste) while a question is open: it is not armed until quiet. */
  typing(): false {
    if (this.queue.length > 0) {
      this.clock.restart();
      this.showHint();
    }
    return false;
  }

  /** The gate's `remember`: the answer goes into the user's config for this workspace, and says where. */
  remember(workspace: string): (prefix: string) => void {
    return (prefix) => {
      const shown = terminalSafe(prefix);
      try {
        const file = rememberAllowRule(workspace, prefix, process.env);
        this.view.notice(
          this.style.dim(`  saved: commands starting \`${shown}\` run without asking here (${file})`),
        );
      } catch (error) {
        this.view.notice(this.style.red(`  not saved (${(error as Error).message}); allowed until you exit`));
      }
    };
  }

  private show(question: Question): void {
    const { style } = this;
    const { request } = question;
    const command = terminalSafe(displayCommand(request.command, SHOWN_COMMAND_CHARS));
    const lines =
      request.kind === "escalate"
        ? [
            `${style.yellow("?")} ${request.heading ?? "The model asks to run this outside the sandbox:"}`,
            `    ${style.bold(command)}`,
            `  reason: ${terminalSafe(request.reason ?? "")}`,
          ]
        : request.kind === "guard"
          ? [
              `${style.yellow("?")} ${request.heading ?? "The safety guard flags this command"} (${terminalSafe(request.reason ?? "")}):`,
              `    ${style.bold(command)}`,
              "  Run it anyway?",
            ]
          : [
              `${style.yellow("?")} ${request.heading ?? "Run this command? (approval: untrusted)"}`,
              `    ${style.bold(command)}`,
            ];
    lines.push(`  ${this.choices(question)}`);
    this.view.notice(lines.join("\n"));
    this.clock.restart();
    this.showHint();
  }

  private step(question: Question, step: Question["step"]): void {
    question.step = step;
    const prefix = terminalSafe(question.request.prefix ?? "");
    const where = question.request.kind === "escalate" ? "outside the sandbox " : "";
    if (step === "remember")
      this.view.notice(
        `  Save \`${prefix}\` in your config, so commands starting with it run ${where}without asking in this workspace?\n  ${this.choices(question)}`,
      );
    else this.view.notice(`  ${this.choices(question)}`);
    this.clock.restart();
    this.showHint();
  }

  private choices({ request, step }: Question): string {
    if (step === "remember") return "[y] yes, save it   [n] back";
    const same =
      request.prefix === undefined
        ? ""
        : `   [a] yes, and don't ask again for commands starting \`${terminalSafe(request.prefix)}\``;
    return `[y] yes, once${same}   [n] no`;
  }

  private showHint(): void {
    const question = this.queue[0];
    if (question === undefined) return;
    this.view.setHint(
      this.clock.armed
        ? `Answer: ${this.choices(question)}`
        : `Question arming: keys answer it after ${ARMING_MS} ms without typing (what you type goes to the prompt)`,
    );
  }

  private answer(question: Question, answer: ApprovalAnswer): void {
    const at = this.queue.indexOf(question);
    if (at === -1) return;
    this.queue.splice(at, 1);
    const said =
      answer === "once"
        ? "yes, once"
        : answer === "prefix"
          ? `yes, and for commands starting \`${terminalSafe(question.request.prefix ?? "")}\``
          : "no";
    this.view.notice(this.style.dim(`  → ${said}`));
    this.clock.stop();
    this.view.setHint(undefined);
    const next = this.queue[0];
    if (next === undefined) this.onOpen(false);
    question.resolve(answer);
    if (next !== undefined) this.show(next);
  }
}
