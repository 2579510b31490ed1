import type { ApprovalAnswer, ApprovalRequest } from "../approval/gate.js";
import { rememberAllowRule } from "../config/user-config.js";
import { displayCommand } from "../lanes/format.js";
import { terminalSafe } from "../text/width.js";
import type { Key } from "./line-editor.js";
import type { ReplView } from "./view.js";
import type { Style } from "../text/style.js";

/** Long enough to read what will run; a 100 KB heredoc is not drawn in full. */
const SHOWN_COMMAND_CHARS = 2000;

interface Question {
  request: ApprovalRequest;
  resolve: (answer: ApprovalAnswer) => void;
}

/**
 * The REPL's approval question: "yes once / yes for commands starting the same way / no", answered
 * with one key while a turn waits. Questions come one at a time; Ctrl+C (the turn's signal) is a no.
 */
export class ApprovalPrompt {
  private readonly queue: Question[] = [];

  constructor(
    private readonly view: ReplView,
    private readonly style: Style,
  ) {}

  /** A question is on screen: keys answer it instead of editing the prompt. */
  get active(): boolean {
    return this.queue.length > 0;
  }

  readonly ask = (request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> =>
    new Promise((resolve) => {
      const question: Question = {
        request,
        resolve: (answer) => {
          signal.removeEventListener("abort", onAbort);
          resolve(answer);
        },
      };
      const onAbort = (): void => this.answer(question, "no");
      signal.addEventListener("abort", onAbort, { once: true });
      this.queue.push(question);
      if (this.queue.length === 1) this.show(question);
    });

  /** Returns true when the key was for the question (every key is, while one is shown). */
  key(str: string | undefined, key: Key): boolean {
    const question = this.queue[0];
    if (question === undefined) return false;
    const typed = (str ?? "").toLowerCase();
    if (typed === "y") this.answer(question, "once");
    else if (typed === "a" && question.request.prefix !== undefined) this.answer(question, "prefix");
    else if (typed === "n" || key.name === "escape") this.answer(question, "no");
    return true;
  }

  /** The gate's `remember`: the answer goes into the user's config for this workspace, and says where. */
  remember(workspace: string): (prefix: string) => void {
    return (prefix) => {
      const shown = terminalSafe(prefix);
      try {
        const file = rememberAllowRule(workspace, prefix);
        this.view.notice(
          this.style.dim(`  saved: commands starting \`${shown}\` run without asking here (${file})`),
        );
      } catch (error) {
        this.view.notice(this.style.red(`  not saved (${(error as Error).message}); allowed until you exit`));
      }
    };
  }

  private show({ request }: Question): void {
    const { style } = this;
    const command = terminalSafe(displayCommand(request.command, SHOWN_COMMAND_CHARS));
    const lines =
      request.kind === "escalate"
        ? [
            `${style.yellow("?")} The model asks to run this outside the sandbox:`,
            `    ${style.bold(command)}`,
            `  reason: ${terminalSafe(request.reason ?? "")}`,
          ]
        : request.kind === "guard"
          ? [
              `${style.yellow("?")} The safety guard flags this command (${terminalSafe(request.reason ?? "")}):`,
              `    ${style.bold(command)}`,
              "  Run it anyway?",
            ]
          : [`${style.yellow("?")} Run this command? (approval: untrusted)`, `    ${style.bold(command)}`];
    lines.push(`  ${this.choices(request)}`);
    this.view.notice(lines.join("\n"));
    this.view.setHint(`Answer: ${this.choices(request)}`);
  }

  private choices(request: ApprovalRequest): string {
    const same =
      request.prefix === undefined
        ? ""
        : `   [a] yes, and don't ask again for commands starting \`${terminalSafe(request.prefix)}\``;
    return `[y] yes, once${same}   [n] no`;
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
    this.view.setHint(undefined);
    question.resolve(answer);
    const next = this.queue[0];
    if (next !== undefined) this.show(next);
  }
}
