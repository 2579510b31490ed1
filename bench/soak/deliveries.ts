/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON */

/** A final result line as lanes writes it: `[bg:ID] failed, exit 3 in 1.0s: CMD | ...`. */
// The status leads: `timed out after 30s (SIGTERM)` says timed_out in words.
const RESULT_LINE = /^\[bg:([^\]\s]+)\] (completed|failed|timed out|killed|lost)\b([^:]*)/;

export interface ResultLine {
  id: string;
  status: string;
  /** What follows the status up to the first colon: `, exit 3 in 1.0s`, `, SIGTERM, shutdown`. */
  detail: string;
  line: string;
}

/** Every text the user side of the conversation holds: prompts, result blocks, tool results. */
export function userTexts(messages: any[]): string[] {
  const texts: string[] = [];
  const add = (content: any): void => {
    if (typeof content === "string") texts.push(content);
    else if (Array.isArray(content)) for (const block of content) add(block);
    else if (content?.type === "text") texts.push(String(content.text));
    else if (content?.type === "tool_result") add(content.content);
  };
  for (const message of messages) if (message?.role === "user") add(message.content);
  return texts;
}

export function resultLines(messages: any[]): ResultLine[] {
  const found: ResultLine[] = [];
  for (const text of userTexts(messages)) {
    for (const line of text.split("\n")) {
      const match = RESULT_LINE.exec(line);
      if (match) found.push({ id: match[1]!, status: match[2]!, detail: match[3]!, line });
    }
  }
  return found;
}

/**
 * Counts what each request newly showed the model. A request's new content is, per task, how many more
 * result lines it holds than the request before it: a conversation resumed with a result already in it
 * and the same result queued again holds it twice, so the second one is new. One compacted away and sent
 * again later counts again too (the model saw it twice).
 */
export class DeliveryCounter {
  /** Task id → result lines the latest request held. */
  previous = new Map<string, number>();
  /** Task id → times its result was newly shown, and the lines that showed it. */
  readonly delivered = new Map<string, ResultLine[]>();

  observe(messages: any[]): void {
    const now = new Map<string, number>();
    const lines = new Map<string, ResultLine[]>();
    for (const line of resultLines(messages)) {
      now.set(line.id, (now.get(line.id) ?? 0) + 1);
      lines.set(line.id, [...(lines.get(line.id) ?? []), line]);
    }
    for (const [id, count] of now) {
      const fresh = count - (this.previous.get(id) ?? 0);
      if (fresh <= 0) continue;
      const seen = this.delivered.get(id) ?? [];
      seen.push(...(lines.get(id) ?? []).slice(-fresh));
      this.delivered.set(id, seen);
    }
    this.previous = now;
  }
}
