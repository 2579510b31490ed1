import { renderAgentEvent } from "../render-events.js";
import type { TaskRecord } from "../../lanes/task-record.js";
import type { Message, UserBlock } from "../../model/types.js";
import { taskLabel } from "./status-line.js";
import { terminalSafe } from "../../text/width.js";
import type { Style } from "../../text/style.js";

/** Turns of a resumed conversation shown when the REPL opens it; the rest stay in the saved file. */
export const REPLAY_TURNS = 5;

const RESULTS_BLOCK = /<background-results>[\s\S]*?<\/background-results>/g;

/** A user message the person typed (not only tool results, not only delivered background results). */
function typedText(content: UserBlock[]): string | undefined {
  const text = content
    .map((block) => (block.type === "text" ? block.text.replace(RESULTS_BLOCK, "").trim() : ""))
    .filter((part) => part !== "")
    .join("\n");
  return text === "" ? undefined : text;
}

/**
 * The last `turns` turns of a resumed conversation, rendered as the REPL renders a live turn: the person's
 * message after `›`, the model's text, each tool call and its folded result. Earlier turns are counted.
 */
export function replayTranscript(messages: readonly Message[], style: Style, turns = REPLAY_TURNS): string {
  const starts = messages.flatMap((message, index) =>
    message.role === "user" && typedText(message.content) !== undefined ? [index] : [],
  );
  if (messages.length === 0) return "";
  const from = starts.length > turns ? (starts[starts.length - turns] ?? 0) : 0;
  let out = "";
  const print = (text: string): void => void (out += text);
  const earlier = starts.filter((start) => start < from).length;
  if (earlier > 0) print(`${style.dim(`… ${earlier} earlier turn(s) in the saved conversation`)}\n`);
  const names = new Map<string, string>();
  for (const message of messages.slice(from)) {
    if (message.role === "assistant") {
      for (const block of message.content) {
        if (block.type === "text") print(`${terminalSafe(block.text).replace(/\n*$/, "")}\n`);
        else {
          names.set(block.id, block.name);
          renderAgentEvent(
            { type: "tool-call", id: block.id, name: block.name, input: block.input },
            style,
            print,
          );
        }
      }
      continue;
    }
    const typed = typedText(message.content);
    if (typed !== undefined) print(`\n${style.cyan("›")} ${terminalSafe(typed).replace(/\n/g, "\n  ")}\n`);
    for (const block of message.content) {
      if (block.type === "text" && RESULTS_BLOCK.test(block.text))
        print(`${style.yellow("⚑ background results delivered to the model")}\n`);
      RESULTS_BLOCK.lastIndex = 0;
      if (block.type !== "tool_result") continue;
      const result = {
        type: "tool-result" as const,
        id: block.tool_use_id,
        name: names.get(block.tool_use_id) ?? "tool",
        content: block.content,
        is_error: block.is_error ?? false,
        duration_ms: 0,
      };
      renderAgentEvent(result, style, print);
    }
  }
  return out.replace(/\n$/, "");
}

/** What stays when the REPL ends: the persisted tasks that keep running, and how to come back. */
export function leavingLines(kept: readonly TaskRecord[], sessionId: string | undefined): string[] {
  const lines = kept.map(
    (record) =>
      `Still running (persisted): ${record.id} ${taskLabel(record)} (lanes tasks; lanes tasks kill ${record.id})`,
  );
  if (sessionId !== undefined)
    lines.push(`Session ${sessionId} saved: lanes --resume ${sessionId} (or lanes --continue) picks it up.`);
  return lines;
}
