import type { Message, ToolResultBlock, UserBlock } from "../model/types.js";

export const INTERRUPTED_RESULT = "(no result: the call was interrupted before it finished)";

/**
 * Makes a conversation acceptable to the API whatever happened before (a cancelled turn, a crash between
 * a tool call and its result): same-role neighbours merged, every tool_use answered by a tool_result in the
 * next message, tool_results first in their message. Mutates and returns `messages`.
 */
export function repairConversation(messages: Message[]): Message[] {
  for (let i = 0; i < messages.length; i++) {
    const current = messages[i];
    const next = messages[i + 1];
    if (current && next && current.role === next.role) {
      (current.content as unknown[]).push(...next.content);
      messages.splice(i + 1, 1);
      i--;
    }
  }
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message?.role !== "assistant") continue;
    const ids = message.content.flatMap((block) => (block.type === "tool_use" ? [block.id] : []));
    if (ids.length === 0) continue;
    let reply = messages[i + 1];
    if (reply?.role !== "user") {
      reply = { role: "user", content: [] };
      messages.splice(i + 1, 0, reply);
    }
    const answered = new Set(
      reply.content.flatMap((block) => (block.type === "tool_result" ? [block.tool_use_id] : [])),
    );
    const missing: ToolResultBlock[] = ids
      .filter((id) => !answered.has(id))
      .map((id) => ({ type: "tool_result", tool_use_id: id, content: INTERRUPTED_RESULT, is_error: true }));
    const results = reply.content.filter((block) => block.type === "tool_result");
    const rest = reply.content.filter((block) => block.type !== "tool_result");
    reply.content = [...results, ...missing, ...rest] as UserBlock[];
  }
  return messages;
}

/** The text of the last assistant message: the run's answer. */
export function finalText(messages: Message[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role !== "assistant") continue;
    const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
    if (text.trim().length > 0) return text;
  }
  return "";
}
