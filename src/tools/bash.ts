import * as z from "zod";
import { discardOutput, runForeground } from "../lanes/foreground.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { displayPath } from "../present/task-text.js";
import { finishedCommandReply, movedCommandReply } from "../present/bash-reply.js";
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
        const content = movedCommandReply(output.text, record.id, where);
        return { content, details };
      }
      const { result } = outcome;
      if (!output.truncated && typeof outcome.leftovers !== "object") discardOutput(outcome.outputFile);
      const details: BashDetails = {
        kind: "finished",
        exit_code: result.exitCode,
        signal: result.signal,
        reason: result.reason,
        leftover_task_id: typeof outcome.leftovers === "object" ? outcome.leftovers.id : null,
        leftovers_ended: outcome.leftovers === "ended",
        output_bytes: output.bytes,
        output_file: output.truncated ? outcome.outputFile : null,
      };
      const leftovers =
        typeof outcome.leftovers === "object" ? { taskId: outcome.leftovers.id } : outcome.leftovers;
      const content = finishedCommandReply(output.text, {
        reason: result.reason,
        exitCode: result.exitCode,
        signal: result.signal,
        error: result.error,
        timeoutMs: input.timeout_ms ?? 0,
        leftovers,
      });
      return { content, details };
    },
  });
}
