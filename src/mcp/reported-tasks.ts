import type { LaneManager } from "../lanes/lane-manager.js";
import type { Tool } from "../tools/define-tool.js";

/**
 * The tasks whose end a tool call's own reply will report: wait_background (the tasks it waits for) and
 * kill_background (the task it kills). Their end notices are held back while the call runs, so the client
 * is not told twice. Arguments that do not validate report nothing (the tool will refuse them).
 */
export function reportedTaskIds(lanes: LaneManager, tool: Tool, args: unknown): string[] {
  if (tool.name !== "wait_background" && tool.name !== "kill_background") return [];
  const parsed = tool.schema.safeParse(args ?? {});
  if (!parsed.success) return [];
  const input = parsed.data as { task_ids?: string[]; task_id?: string };
  if (input.task_id !== undefined) return [input.task_id];
  // wait_background's own default: every task running when the call starts.
  return input.task_ids ?? lanes.active().map((record) => record.id);
}
