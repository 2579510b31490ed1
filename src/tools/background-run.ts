import * as z from "zod";
import { MAX_TIMER_MS } from "../config/limits.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { displayPath } from "../present/task-text.js";
import { startedReply } from "../present/background-replies.js";
import { noQuestionsGate, UNSANDBOXED_REASON, type CommandGate } from "../approval/gate.js";
import { defineTool, ToolError } from "./define-tool.js";
import type { BackgroundRunDetails } from "./tool-details.js";
import { Pattern } from "../patterns/pattern.js";
import { deliveryText, type ResultDelivery } from "./result-delivery.js";

/** Node's timers hold 32 bits: a longer delay fires after 1 ms, which would end the task at once. */
export const MAX_TASK_TIMEOUT_MS = MAX_TIMER_MS;

const schema = z.object({
  command: z.string().min(1).describe("Shell command, run with /bin/sh -c in the workspace"),
  description: z.string().max(200).optional().describe("Short label for listings"),
  timeout_ms: z
    .number()
    .int()
    .positive()
    .max(MAX_TASK_TIMEOUT_MS)
    .optional()
    .describe("Kill the task (whole process group) after this long (max 2147483647, about 24 days)"),
  notify_on: z
    .string()
    .max(500)
    .optional()
    .describe(
      'Regex (RE2 syntax: no lookaround or backreferences): also notify once when an output line first matches (e.g. "ready|listening")',
    ),
  lane: z
    .string()
    .regex(/^[\w.-]{1,40}$/)
    .optional()
    .describe("Named lane; each lane has a concurrency limit and queues the rest"),
  stall_ms: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("Notify if the task prints nothing for this long (default 45000, 0 = never)"),
  persist: z
    .boolean()
    .optional()
    .describe("Keep running after lanes exits (dev servers); stays listed and killable"),
  unsandboxed_reason: UNSANDBOXED_REASON,
});

/** Remote lanes from the user's config, one line each: the only difference the model sees. */
function remoteLanesText(lines: readonly string[]): string {
  return lines.length === 0
    ? ""
    : `\nRemote lanes (lane: NAME; they see a synced copy of the workspace):\n${lines.map((line) => `- ${line}`).join("\n")}`;
}

export function createBackgroundRunTool(
  lanes: LaneManager,
  delivery: ResultDelivery = "before-next-turn",
  gate: CommandGate = noQuestionsGate(),
) {
  const told = deliveryText(delivery);
  return defineTool({
    name: "background_run",
    description: `Start a shell command in a background lane and return its task id at once. ${told.run}${remoteLanesText(lanes.remoteLanes)}`,
    schema,
    async run(input, { signal }) {
      const { outsideSandbox } = await gate.check(input.command, {
        unsandboxedReason: input.unsandboxed_reason,
        signal,
      });
      let notifyOn: Pattern | undefined;
      if (input.notify_on !== undefined) {
        try {
          notifyOn = Pattern.compile(input.notify_on);
        } catch (error) {
          throw new ToolError(`\`notify_on\`: ${(error as Error).message}`);
        }
      }
      const record = lanes.start({
        command: input.command,
        description: input.description,
        timeoutMs: input.timeout_ms,
        notifyOn,
        lane: input.lane,
        stallMs: input.stall_ms,
        persist: input.persist,
        ...(outsideSandbox ? { sandbox: false as const } : {}),
      });
      const file = displayPath(told.pathsFrom(lanes.workspace), record.output_file);
      const wait = lanes.waitingFor(record.id);
      const content = startedReply(record, file, wait, told.stillRunning(false));
      const details: BackgroundRunDetails = { task_id: record.id, queued: wait !== undefined, record };
      return { content, details };
    },
  });
}
