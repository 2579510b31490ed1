import { statSync } from "node:fs";
import { InvalidArgumentError, Option } from "commander";
import { APPROVAL_MODES, type ApprovalMode } from "../config/approval-modes.js";
import { MAX_TIMER_MS } from "../config/limits.js";
import { SANDBOX_MODES, type SandboxMode } from "../sandbox/policy.js";
import type { ProviderName } from "../model/create-provider.js";
import type { OutputFormat } from "./print-mode.js";

/** Every flag's value after parsing, the main command's and the subcommands' merged. */
export interface MainOptions {
  continue?: boolean;
  /** true: `--resume` without an id lists the sessions. */
  resume?: string | true;
  print?: string | true;
  outputFormat: OutputFormat;
  model?: string;
  provider?: ProviderName;
  cwd?: string;
  maxTurns?: number;
  maxWait?: number;
  laneLimit?: Record<string, number>;
  sandbox?: SandboxMode;
  approval?: ApprovalMode;
}

function collectLaneLimit(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^([\w.-]+)=(\d+)$/.exec(value);
  if (!match?.[1] || !match[2] || Number(match[2]) < 1)
    throw new InvalidArgumentError("expected LANE=N, e.g. tests=2");
  return { ...previous, [match[1]]: Number(match[2]) };
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

/** --model: a model id, or script:FILE.json; a bare file name or a mistyped prefix is told the form. */
export function modelValue(value: string): string {
  const id = value.trim();
  if (id === "") throw new InvalidArgumentError("expected a model id, or script:FILE.json");
  if (id === "script:") throw new InvalidArgumentError("script: needs a file: script:FILE.json");
  if (/\.json$/i.test(id) && !id.startsWith("script:"))
    throw new InvalidArgumentError(`a scripted model is given as script:${id.replace(/^[a-z]*:/i, "")}`);
  if (/\s/.test(id)) throw new InvalidArgumentError("a model id has no spaces");
  return id;
}

/** --cwd must name an existing folder: checked before anything runs, so nothing is created elsewhere. */
function existingDirectory(value: string): string {
  const stat = statSync(value, { throwIfNoEntry: false });
  if (!stat) throw new InvalidArgumentError(`${value} does not exist`);
  if (!stat.isDirectory()) throw new InvalidArgumentError(`${value} is not a folder`);
  return value;
}

/** Seconds that become a timer: capped where Node timers stop honouring them (about 24 days). */
export function timerSeconds(value: string): number {
  const n = positiveInt(value);
  if (n * 1000 > MAX_TIMER_MS)
    throw new InvalidArgumentError(`at most ${Math.floor(MAX_TIMER_MS / 1000)} seconds`);
  return n;
}

/** Flags that several commands take: each call is a new Option, as commander wants one per command. */
export const sharedOption = {
  cwd: () =>
    new Option(
      "--cwd <dir>",
      "workspace root (an existing folder; default: the nearest folder up with .lanes/ or .git)",
    ).argParser(existingDirectory),
  provider: () =>
    new Option("--provider <name>", "model API (overrides LANES_PROVIDER; default anthropic)").choices([
      "anthropic",
      "openai",
    ]),
  sandbox: () =>
    new Option(
      "--sandbox <mode>",
      "OS sandbox for commands (default workspace-write; danger-full-access runs them unsandboxed)",
    ).choices([...SANDBOX_MODES]),
  laneLimit: () =>
    new Option(
      "--lane-limit <lane=n>",
      "concurrency limit of a lane, repeatable (default lane: 8)",
    ).argParser(collectLaneLimit),
  approval: () =>
    new Option(
      "--approval <mode>",
      "when to ask before a command (default: on-request in the REPL, never with -p)",
    ).choices(APPROVAL_MODES),
};
