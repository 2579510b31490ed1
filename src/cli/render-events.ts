import type { AgentEvent } from "../agent/events.js";
import { describeToolCall } from "../present/tool-call-text.js";
import { renderDiff } from "./render-diff.js";
import { terminalSafe } from "../text/width.js";
import type { Style } from "../text/style.js";
import { formatBytes } from "../text/preview.js";
import type { BashDetails } from "../tools/tool-details.js";
import { count } from "../text/count.js";

/** Lines of a tool's output shown before the rest is folded away (the model still gets all of it). */
export const FOLD_LINES = 4;

/** Long tool output folded to its first lines, with a count of the rest. */
export function foldOutput(text: string, keep = FOLD_LINES): string {
  const lines = text.replace(/^\s*\n|\s+$/g, "").split("\n");
  if (lines.length <= keep + 1) return lines.join("\n");
  return `${lines.slice(0, keep).join("\n")}\n… ${lines.length - keep} more lines`;
}

/** A command's output the model saw only the head and tail of: where all of it is, and how much. */
function wholeOutputLine(details: unknown): string | undefined {
  const bash = details as Partial<Extract<BashDetails, { kind: "finished" }>> | undefined;
  if (bash?.kind !== "finished" || typeof bash.output_file !== "string") return undefined;
  return `… the whole output (${formatBytes(bash.output_bytes ?? 0)}) is in ${terminalSafe(bash.output_file)}`;
}

/**
 * Renders loop events for a person at a terminal. Text deltas stream as they arrive; `print` may be given
 * text that ends mid-line. Everything from the model or a command is made terminal-safe first.
 */
export function renderAgentEvent(event: AgentEvent, style: Style, print: (text: string) => void): void {
  switch (event.type) {
    case "text-delta":
      print(terminalSafe(event.text));
      break;
    case "assistant-message":
      if (event.text.length > 0 && !event.text.endsWith("\n")) print("\n");
      break;
    case "tool-call":
      print(`${style.cyan("⏺")} ${terminalSafe(describeToolCall(event.name, event.input))}\n`);
      break;
    case "tool-result": {
      const folded = foldOutput(terminalSafe(event.content)) || "(no output)";
      const whole = wholeOutputLine(event.details);
      const body = (whole === undefined ? folded : `${folded}\n${whole}`)
        .replace(/^/gm, "    ")
        .replace(/^ {4}/, "  ⎿ ");
      print(`${event.is_error ? style.red(body) : style.dim(body)}\n`);
      if (event.diff !== undefined && event.diff !== "") print(`${renderDiff(event.diff, style)}\n`);
      break;
    }
    case "background-results":
      print(
        `${style.yellow(`⚑ ${count(event.task_ids.length, "background result")} delivered to the model`)}\n`,
      );
      break;
    case "model-retry": {
      const why = terminalSafe(event.error);
      const void_ = event.discarded_text === "" ? "" : " (its partial answer is dropped)";
      const line = `↻ model API: ${why}; retry ${event.attempt} in ${Math.round(event.delay_ms)}ms${void_}`;
      print(`${style.yellow(line)}\n`);
      break;
    }
    case "compaction": {
      const how = [
        event.stubbed_results > 0 ? `${count(event.stubbed_results, "old tool output")} cleared` : "",
        event.summarised_messages > 0 ? `${count(event.summarised_messages, "message")} summarised` : "",
      ].filter((part) => part !== "");
      const saved = Math.max(0, event.before_tokens - event.after_tokens);
      const line = `⟲ compacted the conversation (${event.reason}): ~${event.before_tokens} → ~${event.after_tokens} tokens, ${saved} saved${how.length > 0 ? `; ${how.join(", ")}` : ""}`;
      print(`${style.dim(line)}\n`);
      break;
    }
    case "idle-wait":
      print(`${style.dim(`… waiting for ${count(event.running, "background task")}`)}\n`);
      break;
    case "turn-start":
      break;
  }
}
