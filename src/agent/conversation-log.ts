import type { Message, UserBlock } from "../model/types.js";
import { repairConversation } from "./conversation.js";

/** A tool result whose body compaction replaced by a short stub (the full text was saved to a file). */
export interface ResultStub {
  tool_use_id: string;
  text: string;
}

/**
 * One entry of the conversation log. Entries are appended, never changed: a message once written stays as
 * it was sent; compaction is itself an entry that the projection applies.
 */
export type LogEntry =
  | { type: "message"; message: Message }
  /** Compaction step 1: these tool results are shown as their stubs from now on. */
  | { type: "stub"; stubs: ResultStub[] }
  /** Compaction step 2: the view starts with `summary` (a user message), then entries from `first_kept`. */
  | { type: "compaction"; summary: string; first_kept: number };

/**
 * The conversation as an append-only log, and the view the API gets built from it at request time:
 * consecutive messages of one role merged, every tool call answered, stubs and the latest summary applied.
 * The view only ever grows at its end while messages are appended, so a cached prompt prefix stays valid;
 * only a compaction entry rewrites it, once.
 */
export class ConversationLog {
  private readonly log: LogEntry[];

  constructor(
    entries: LogEntry[] = [],
    /** Called with every appended entry (the session file appends it). Must not throw. */
    private readonly onAppend: (entry: LogEntry) => void = () => {},
  ) {
    this.log = [...entries];
  }

  get entries(): readonly LogEntry[] {
    return this.log;
  }

  append(entry: LogEntry): void {
    this.log.push(entry);
    this.onAppend(entry);
  }

  appendMessage(message: Message): void {
    this.append({ type: "message", message });
  }

  appendUserText(text: string): void {
    this.appendMessage({ role: "user", content: [{ type: "text", text }] });
  }

  /** Index of the first entry the view shows whole (after the latest summary), and that summary. */
  viewStart(): { start: number; summary: string | undefined } {
    for (let i = this.log.length - 1; i >= 0; i--) {
      const entry = this.log[i];
      if (entry?.type === "compaction") return { start: entry.first_kept, summary: entry.summary };
    }
    return { start: 0, summary: undefined };
  }

  /** Tool results shown as stubs, by tool_use id. */
  stubs(): Map<string, string> {
    const stubs = new Map<string, string>();
    for (const entry of this.log) {
      if (entry.type === "stub") for (const stub of entry.stubs) stubs.set(stub.tool_use_id, stub.text);
    }
    return stubs;
  }

  /** The messages the API gets, from the log up to entry `end` (exclusive; default all). Fresh objects. */
  project(end = this.log.length): Message[] {
    const { start, summary } = this.viewStart();
    const stubs = this.stubs();
    const messages: Message[] = [];
    const add = (message: Message): void => {
      const content = message.content.map((block) =>
        block.type === "tool_result" && stubs.has(block.tool_use_id)
          ? { ...block, content: stubs.get(block.tool_use_id) ?? "" }
          : block,
      );
      if (content.length === 0) return;
      const last = messages.at(-1);
      if (last?.role === message.role) (last.content as unknown[]).push(...content);
      else messages.push({ role: message.role, content } as Message);
    };
    if (summary !== undefined) add({ role: "user", content: [{ type: "text", text: summary }] });
    for (let i = Math.min(start, end); i < end; i++) {
      const entry = this.log[i];
      if (entry?.type === "message") add(entry.message);
    }
    // An assistant reply cannot open the conversation (a log that starts mid-way): it is dropped.
    while (messages[0]?.role === "assistant") messages.shift();
    return repairConversation(messages);
  }

  /** Every tool result of the view's messages from entry `from` to entry `to`, in order. */
  toolResults(from: number, to: number): { tool_use_id: string; content: string }[] {
    const results: { tool_use_id: string; content: string }[] = [];
    for (let i = from; i < to; i++) {
      const entry = this.log[i];
      if (entry?.type !== "message" || entry.message.role !== "user") continue;
      for (const block of entry.message.content as UserBlock[]) {
        if (block.type === "tool_result") results.push(block);
      }
    }
    return results;
  }
}
