import type { AgentEvent } from "../agent/events.js";
import type { LaneEvent } from "../lanes/lane-manager.js";
import { statusPhrase } from "../lanes/format.js";
import type { Style } from "./style.js";

const FOLD_LINES = 4;

/** One line describing a tool call for people: `⏺ bash(npm test)`. */
export function describeToolCall(name: string, input: unknown): string {
  const record = (input ?? {}) as Record<string, unknown>;
  const main = record.command ?? record.path ?? record.task_id ?? record.task_ids ?? "";
  const shown = typeof main === "string" ? main : JSON.stringify(main);
  return `${name}(${shown.length > 100 ? `${shown.slice(0, 97)}...` : shown})`;
}

/** Long tool output folded to its first lines, with a count of the rest. */
export function foldOutput(text: string): string {
  const lines = text.split("\n");
  if (lines.length <= FOLD_LINES) return text;
  return `${lines.slice(0, FOLD_LINES).join("\n")}\n… (${lines.length - FOLD_LINES} more lines)`;
}

/** Renders loop events for a person at a terminal. Text deltas stream as they arrive. */
export function renderAgentEvent(event: AgentEvent, style: Style, out: (text: string) => void): void {
  switch (event.type) {
    case "text-delta":
      out(event.text);
      break;
    case "assistant-message":
      if (event.text.length > 0) out("\n");
      break;
    case "tool-call":
      out(`${style.cyan("⏺")} ${describeToolCall(event.name, event.input)}\n`);
      break;
    case "tool-result": {
      const body = foldOutput(event.content).replace(/^/gm, "  ⎿ ");
      out(`${event.is_error ? style.red(body) : style.dim(body)}\n`);
      break;
    }
    case "background-results":
      out(style.yellow(`⚑ ${event.task_ids.length} background result(s) delivered to the model\n`));
      break;
    case "model-retry":
      out(
        style.yellow(
          `↻ model API: ${event.error}; retry ${event.attempt} in ${Math.round(event.delay_ms)}ms\n`,
        ),
      );
      break;
    case "idle-wait":
      out(style.dim(`… waiting for ${event.running} background task(s)\n`));
      break;
    case "turn-start":
      break;
  }
}

/** One line for a lane event: a task started or ended. */
export function laneEventLine(event: LaneEvent, style: Style): string | undefined {
  if (event.type === "task-start")
    return style.dim(`▶ [bg:${event.record.id}] started: ${event.record.command}`);
  if (event.type === "task-end") {
    const ok = event.record.status === "completed";
    const text = `■ [bg:${event.record.id}] ${statusPhrase(event.record)}: ${event.record.command}`;
    return ok ? style.green(text) : style.red(text);
  }
  return undefined;
}
