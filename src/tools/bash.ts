import { z } from "zod";
import { discardOutput, runForeground } from "../lanes/foreground.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { displayPath } from "../present/task-text.js";
import { formatDuration } from "../text/preview.js";
import { readCommandOutput } from "./command-output.js";
import { noQuestionsGate, UNSANDBOXED_REASON, type CommandGate } from "../approval/gate.js";
import { ToolError, defineTool, type ToolResult } from "./define-tool.js";
import type { BashDetails } from "./tool-details.js";

export const MAX_BASH_TIMEOUT_MS = 600_000;
export const DEFAULT_BACKGROUND_AFTER_MS = 60_000;

const schema = z.object({
  command: z.string().min(1).describe("Shell command, run with /bin/sh -c in the workspace"),
  timeout_ms: z
    .number()
    .int()
    .positive()
    .max(MAX_BASH_TIMEOUT_MS)
    .optional()
    .describe(
      "Kill the command after this long (max 600000). Without it, a long command moves to a background lane",
    ),
  keep_background_processes: z
    .boolean()
    .optional()
    .describe("Track processes the command left running (cmd &) as a background task instead of ending them"),
  unsandboxed_reason: UNSANDBOXED_REASON,
});

export interface BashToolOptions {
  /** Default 60 s; a still-running command then becomes a background task instead of being killed. */
  backgroundAfterMs?: number;
  /** Hook for the REPL's Ctrl+B: resolves when the user wants the running command moved to a lane. */
  moveToBackground?: () => Promise<void>;
}

export function createBashTool(
  lanes: LaneManager,
  options: BashToolOptions = {},
  gate: CommandGate = noQuestionsGate(),
) {
  const after = formatDuration(options.backgroundAfterMs ?? DEFAULT_BACKGROUND_AFTER_MS);
  return defineTool({
    name: "bash",
    description: `Run a shell command and wait for it (stdout and stderr interleaved). For slow commands (installs, test suites, builds, servers) prefer background_run. A command still running after ${after} moves to a background lane automatically and you are notified when it ends.`,
    schema,
    async run(input, { signal }): Promise<ToolResult<BashDetails>> {
      const { outsideSandbox } = await gate.check(input.command, {
        unsandboxedReason: input.unsandboxed_reason,
        signal,
      });
      const outcome = await runForeground(lanes, {
        command: input.command,
        ...(outsideSandbox ? { sandbox: false as const } : {}),
        timeoutMs: input.timeout_ms,
        backgroundAfterMs:
          input.timeout_ms === undefined
            ? (options.backgroundAfterMs ?? DEFAULT_BACKGROUND_AFTER_MS)
            : undefined,
        keepLeftovers: input.keep_background_processes,
        moveToBackground: options.moveToBackground?.(),
        signal,
      });
      // A command that never started (its sandbox refused it, the spawn failed) has no output file: the
      // reason is the answer, not an ENOENT about the file.
      if (outcome.kind === "finished" && outcome.result.reason === "spawn_error")
        throw new ToolError(`the command did not start: ${outcome.result.error ?? "spawn failed"}`);
      const where = displayPath(lanes.workspace, outcome.outputFile);
      const output = readCommandOutput(outcome.outputFile, where);
      if (outcome.kind === "backgrounded") {
        const { record } = outcome;
        const details: BashDetails = {
          kind: "backgrounded",
          task_id: record.id,
          output_file: outcome.outputFile,
        };
        const content = `${output.text}\n\n[Still running, so it was moved to background task ${record.id} (output_file=${where}). You will be notified when it ends; use wait_background or check_background instead of re-running it.]`;
        return { content, details };
      }
      const { result } = outcome;
      const notes: string[] = [];
      if (result.reason === "timeout")
        notes.push(
          `Timed out after ${formatDuration(input.timeout_ms ?? 0)}; the command's process group was killed.`,
        );
      else if (result.reason === "killed") notes.push("Cancelled; the command's process group was killed.");
      if (result.signal) notes.push(`Terminated by ${result.signal}.`);
      else if (result.exitCode !== 0)
        notes.push(`Exit code: ${result.exitCode ?? "unknown"}${result.error ? ` (${result.error})` : ""}`);
      if (outcome.leftovers === "ended")
        notes.push(
          "Processes it left running in the background (cmd &) were ended; use background_run for long-lived processes.",
        );
      else if (typeof outcome.leftovers === "object")
        notes.push(`Processes it left running are tracked as background task ${outcome.leftovers.id}.`);
      if (!output.truncated && typeof outcome.leftovers !== "object") discardOutput(outcome.outputFile);
      const text = output.text.length > 0 ? output.text : "(no output)";
      const details: BashDetails = {
        kind: "finished",
        exit_code: result.exitCode,
        signal: result.signal,
        reason: result.reason,
        leftover_task_id: typeof outcome.leftovers === "object" ? outcome.leftovers.id : null,
        leftovers_ended: outcome.leftovers === "ended",
      };
      return { content: notes.length > 0 ? `${text}\n\n${notes.join("\n")}` : text, details };
    },
  });
}
