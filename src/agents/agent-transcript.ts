/* eslint-disable @typescript-eslint/no-explicit-any -- transcript lines are the session file's loose JSON */
import { readFileSync } from "node:fs";
import { agentStateOf } from "../present/agent-format.js";
import type { TaskRecord } from "../lanes/task-record.js";

const cut = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;

function blockLines(role: string, block: any): string[] {
  if (block.type === "text") return [`${role}: ${block.text}`];
  if (block.type === "tool_use") return [`  → ${block.name} ${cut(JSON.stringify(block.input), 300)}`];
  if (block.type === "tool_result") {
    const content = typeof block.content === "string" ? block.content : JSON.stringify(block.content ?? "");
    return [`  ← ${block.is_error ? "error: " : ""}${cut(content, 500)}`];
  }
  return [];
}

/** An agent's conversation so far as text (`lanes tasks logs ID`): messages, tool calls, their results. */
export function agentTranscript(record: TaskRecord): string | undefined {
  const file = agentStateOf(record)?.transcript;
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return "";
  }
  const lines: string[] = [];
  for (const raw of text.split("\n")) {
    let line: any;
    try {
      line = JSON.parse(raw);
    } catch {
      continue;
    }
    if (line?.type !== "message") continue;
    const { role, content } = line.message;
    for (const block of content ?? []) lines.push(...blockLines(role, block));
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
