import * as z from "zod";
import type { ApprovalMode } from "../config/trust-settings.js";
import { ToolError } from "../errors/tool-error.js";
import { checkCommand } from "../shell/guard.js";
import { assertCommandRunnable } from "../shell/runnable.js";
import { isReadOnly } from "./read-only.js";
import { suggestPrefix } from "./prefix.js";
import { allowedBy, deniedBy } from "./rules.js";

/** Why the user is asked: the model wants the command outside the sandbox, untrusted mode, a guard hit. */
export type ApprovalKind = "escalate" | "untrusted" | "guard";

export interface ApprovalRequest {
  kind: ApprovalKind;
  command: string;
  /** The model's reason (escalate) or the guard's (guard). */
  reason?: string | undefined;
  /** What "yes, for commands starting the same way" would remember; absent when that is not offered. */
  prefix?: string | undefined;
}

/** once: run it; prefix: run it and remember the prefix as an allow rule; no: do not run it. */
export type ApprovalAnswer = "once" | "prefix" | "no";

/** Asks the user (the REPL). Resolves "no" when the signal aborts. */
export type Approver = (request: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalAnswer>;

export interface GateOptions {
  mode: ApprovalMode;
  allow?: readonly string[] | undefined;
  deny?: readonly string[] | undefined;
  /** Who can be asked; absent with -p, in `lanes mcp` and from a pipe: a question becomes a refusal. */
  approver?: Approver | undefined;
  /** Stores a "same way" answer (the user's config, for this workspace); shows its own errors, never throws. */
  remember?: ((prefix: string) => void) | undefined;
}

/** What the command may do once the gate lets it through. */
export interface GateDecision {
  /** The user (or an allow rule) approved running this one command outside the sandbox. */
  outsideSandbox: boolean;
}

const NOBODY = "nobody can be asked here (lanes -p, lanes mcp or piped input), so the command was not run";

/**
 * The one place a model's command is screened before `bash` or `background_run` starts it: the
 * argument limits, the user's deny rules, the guard, approval mode and the model's request to run outside
 * the sandbox. A refusal is a ToolError, which the model reads as the call's error.
 */
export class CommandGate {
  private readonly allow: string[];
  private readonly deny: readonly string[];

  constructor(private readonly options: GateOptions) {
    this.allow = [...(options.allow ?? [])];
    this.deny = options.deny ?? [];
  }

  get mode(): ApprovalMode {
    return this.options.mode;
  }

  async check(
    command: string,
    request: { unsandboxedReason?: string | undefined; signal: AbortSignal },
  ): Promise<GateDecision> {
    assertCommandRunnable(command);
    const denied = deniedBy(command, this.deny);
    if (denied !== undefined)
      throw new ToolError(
        `Refused: the user's deny rule \`${denied}\` matches this command, so it was not run. Do not retry it; do the task another way or ask the user.`,
      );
    const allowed = allowedBy(command, this.allow);
    const verdict = checkCommand(command);
    // An allow rule does not cover a guard hit: each one is the user's call, once.
    let asked = false;
    if (!verdict.allowed) {
      asked = true;
      const answer = await this.ask({ kind: "guard", command, reason: verdict.reason }, request.signal);
      if (answer === undefined) throw new ToolError(`Command refused by the safety guard: ${verdict.reason}`);
      if (answer === "no")
        throw new ToolError(
          `Command refused by the safety guard (${verdict.reason}) and the user declined to run it anyway.`,
        );
    }
    const reason = request.unsandboxedReason?.trim();
    if (reason !== undefined && reason !== "") {
      // Only the user's own allow rules grant leaving; the read-only list spares questions inside only.
      if (allowedBy(command, this.allow, "ignore")) return { outsideSandbox: true };
      if (this.options.mode === "never")
        throw new ToolError(
          `Running outside the sandbox needs the user's approval and approval is "never" here, so the command was not run. Run it without unsandboxed_reason (inside the sandbox), or tell the user what you need and why.`,
        );
      const answer = await this.ask(
        { kind: "escalate", command, reason, prefix: suggestPrefix(command, "ignore") },
        request.signal,
      );
      if (answer === undefined)
        throw new ToolError(
          `Running outside the sandbox needs the user's approval, and ${NOBODY}. Run it without unsandboxed_reason (inside the sandbox), or say in your answer what you need and why.`,
        );
      if (answer === "no")
        throw new ToolError(
          "The user declined to run this command outside the sandbox; it was not run. Do not ask again for it; go on inside the sandbox or ask the user what to do.",
        );
      this.rememberIf(answer, suggestPrefix(command, "ignore"));
      return { outsideSandbox: true };
    }
    if (this.options.mode === "untrusted" && !asked && !allowed && !isReadOnly(command)) {
      const answer = await this.ask(
        { kind: "untrusted", command, prefix: suggestPrefix(command, "count") },
        request.signal,
      );
      if (answer === undefined)
        throw new ToolError(
          `Approval is "untrusted": commands that are not known to only read need the user's approval, and ${NOBODY}.`,
        );
      if (answer === "no") throw new ToolError("The user declined to run this command; it was not run.");
      this.rememberIf(answer, suggestPrefix(command, "count"));
    }
    return { outsideSandbox: false };
  }

  /** undefined when there is nobody to ask (or approval is never). */
  private async ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer | undefined> {
    if (this.options.approver === undefined || this.options.mode === "never") return undefined;
    if (signal.aborted) return "no";
    return this.options.approver(request, signal);
  }

  /** A "don't ask again" answer to a question that offered no prefix remembers nothing. */
  private rememberIf(answer: ApprovalAnswer, prefix: string | undefined): void {
    if (answer !== "prefix" || prefix === undefined) return;
    this.allow.push(prefix);
    this.options.remember?.(prefix);
  }
}

/** `unsandboxed_reason` of `bash` and `background_run`: the model's way to ask for one command outside. */
export const UNSANDBOXED_REASON = z
  .string()
  .min(1)
  .max(500)
  .optional()
  .describe(
    "Only to ask the user to run this one command outside the sandbox (it needs the network or to write outside the workspace, and the sandbox refused it): one sentence saying why. The user is asked in the interactive REPL; with lanes -p, in lanes mcp or with approval never the request is refused and nothing runs. Leave it out otherwise.",
  );

/** Where nobody is asked and nothing runs outside the sandbox (the MCP server, tests). */
export function noQuestionsGate(options: Omit<GateOptions, "mode" | "approver"> = {}): CommandGate {
  return new CommandGate({ ...options, mode: "never" });
}
