/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON in tests */
import type { CapturedRequest } from "./fake-anthropic-server.js";

/** Roles alternate starting with the user, and every tool_use is answered in the very next message. */
export function wellFormedProblems(messages: any[]): string[] {
  const problems: string[] = [];
  messages.forEach((message, index) => {
    const expected = index % 2 === 0 ? "user" : "assistant";
    if (message.role !== expected) problems.push(`message ${index} is ${message.role}, expected ${expected}`);
    if (message.role !== "assistant") return;
    const ids = message.content.filter((b: any) => b.type === "tool_use").map((b: any) => b.id);
    const next = messages[index + 1];
    if (ids.length > 0 && !next) problems.push(`message ${index} has tool_use with no reply`);
    if (!next) return;
    const results = next.content.filter((b: any) => b.type === "tool_result").map((b: any) => b.tool_use_id);
    for (const id of ids) if (!results.includes(id)) problems.push(`tool_use ${id} unanswered`);
    const firstNonResult = next.content.findIndex((b: any) => b.type !== "tool_result");
    if (
      firstNonResult !== -1 &&
      next.content.slice(firstNonResult).some((b: any) => b.type === "tool_result")
    ) {
      problems.push(`message ${index + 1} has text before tool results`);
    }
  });
  return problems;
}

/** Every text block of user messages, flattened. */
export function userTexts(messages: any[]): string[] {
  return messages
    .filter((m) => m.role === "user")
    .flatMap((m) =>
      typeof m.content === "string"
        ? [m.content]
        : m.content.filter((b: any) => b.type === "text").map((b: any) => b.text),
    );
}

/** How many injected result lines about this task the final conversation holds. */
export function resultLinesFor(request: CapturedRequest, taskId: string): number {
  return userTexts(request.body.messages)
    .flatMap((text) => text.split("\n"))
    .filter(
      (line) => line.startsWith(`[bg:${taskId}] `) && !/still running|^\[bg:\w+\] restarted:/.test(line),
    ).length;
}

/** The last user message's text (where drained results land). */
export function lastUserText(request: CapturedRequest): string {
  const last = request.body.messages.at(-1);
  return userTexts([last]).join("\n");
}

/** Tool results in a request's last message, by tool_use id. */
export function toolResults(request: CapturedRequest): any[] {
  const last = request.body.messages.at(-1);
  return last.content.filter((b: any) => b.type === "tool_result");
}
