import type { LogEntry } from "../agent/conversation-log.js";

/**
 * A task's result as every carrier states it, at the start of a line: `[bg:ID] <how it ended>` for a command
 * (`timed out after 30s` in words, see end-phrase), `[bg:ID] agent <status>` for an agent.
 */
const RESULT_LINE =
  /(?:^|\n)\[bg:([\w.-]+)\] (?:agent )?(?:completed|failed|killed|timed[ _]out|lost|budget_exceeded)\b/g;

/**
 * The tasks among `ids` whose result a saved conversation already holds (an injection or a tool's answer).
 * What the model holds is the conversation: such a result is delivered, whatever its record says (lanes may
 * have died between the request and writing `notified`). Task output cannot forge such a line: it is
 * quoted inert (`[` shows as `&#91;`).
 */
export function resultsHeldIn(entries: readonly LogEntry[], ids: readonly string[]): string[] {
  const wanted = new Set(ids);
  const held = new Set<string>();
  for (const entry of entries) {
    if (entry.type !== "message" || entry.message.role !== "user") continue;
    for (const block of entry.message.content) {
      const text = block.type === "text" ? block.text : block.content;
      for (const match of text.matchAll(RESULT_LINE))
        if (wanted.has(match[1] ?? "")) held.add(match[1] ?? "");
    }
  }
  return [...held];
}
