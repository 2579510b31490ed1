import type { LaneEvent } from "../lanes/lane-types.js";
import { formatDuration } from "../text/preview.js";
import type { Style } from "../text/style.js";
import { terminalSafe } from "../text/width.js";
import { progressText } from "./notice-text.js";
import { durationOf, statusPhrase } from "./task-text.js";
import { describedCommand } from "./task-listing.js";

// The lines a person at the terminal reads about tasks as they queue, start, end and report progress.

/** One line for a lane event (a task queued, started, ended, stalled or matched), or undefined. */
export function laneEventLine(event: LaneEvent, style: Style): string | undefined {
  if (event.type === "notification") {
    const { notification } = event;
    if (notification.kind === "ended") return undefined;
    return style.yellow(`⚑ ${terminalSafe(progressText(notification)).slice(0, 300)}`);
  }
  const { record } = event;
  // The description the model gave says what the task is for; the command follows it.
  const command = terminalSafe(describedCommand(record)).replace(/\s*\n\s*/g, " ⏎ ");
  if (event.type === "task-queued")
    return style.dim(`… [bg:${record.id}] queued (lane ${record.lane} is full): ${command}`);
  if (event.type === "task-start") {
    const verb = record.origin === "moved_from_foreground" ? "moved to the background" : "started";
    return style.dim(`▶ [bg:${record.id}] ${verb}: ${command}`);
  }
  const duration = record.ended_at === null ? null : durationOf(record);
  const took = duration === null ? "" : ` in ${formatDuration(duration)}`;
  const text = `■ [bg:${record.id}] ${statusPhrase(record)}${took}: ${command}`;
  return record.status === "completed" ? style.green(text) : style.red(text);
}
