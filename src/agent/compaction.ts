import { ModelError, type Message, type ModelProvider, type Usage } from "../model/types.js";
import type { ToolSpec } from "../model/types.js";
import { ContextBudget, charsOf } from "./context-budget.js";
import type { ConversationLog, ResultStub } from "./conversation-log.js";
import type { AgentEventSink, CompactionReason } from "./events.js";

export interface CompactionSettings {
  /** The model's context window, in tokens. */
  window: number;
  /** Compact before a request would pass this share of the window. */
  compactAt: number;
  /** Saves the full text of a tool result about to be stubbed; returns the path the stub names. */
  saveFullOutput(toolUseId: string, text: string): string;
  /** One line per task still running: kept in the summary so the model still knows about them. */
  runningTasks(): string[];
}

export interface CompactorDeps {
  provider: ModelProvider;
  system: string;
  tools: ToolSpec[];
  emit: AgentEventSink;
}

/** Assistant replies (with the messages after them) that compaction always keeps whole. */
const KEEP_TURNS = 3;
/** Tool results longer than this are "large": step 1 stubs them once they are older than KEEP_TURNS. */
const STUB_OVER_CHARS = 2_000;
/** A compaction aims this far under the window, so the next one is many turns away (each rewrites the cache). */
const GOAL_SHARE = 0.5;
/** In the summary request, each block is cut to this: the summary needs the gist, and the call must fit. */
const SUMMARY_INPUT_BLOCK_CHARS = 3_000;

export const SUMMARY_REQUEST =
  "[lanes: context compaction] Summarise the conversation so far for yourself, to continue the work with " +
  "only this summary and the last few messages: the user's requests, decisions made, files read or " +
  "changed, commands run and background task results with their outcomes, errors, and what remains to " +
  "do. Reply with the summary only, as plain text; do not call tools.";

function shorten(text: string, max = SUMMARY_INPUT_BLOCK_CHARS): string {
  if (text.length <= max) return text;
  const head = Math.floor(max * 0.7);
  const tail = max - head;
  return `${text.slice(0, head)}\n…[${text.length - max} chars left out]…\n${text.slice(-tail)}`;
}

/** The summary request's messages: the older part of the view, each block cut short, and the ask. */
function summaryRequestMessages(older: Message[]): Message[] {
  const messages = older.map((message) => {
    const content = message.content.map((block) => {
      if (block.type === "tool_result") return { ...block, content: shorten(block.content) };
      if (block.type === "text") return { ...block, text: shorten(block.text) };
      return block;
    });
    return { ...message, content } as Message;
  });
  const ask = { type: "text" as const, text: SUMMARY_REQUEST };
  const last = messages.at(-1);
  if (last?.role === "user") messages[messages.length - 1] = { ...last, content: [...last.content, ask] };
  else messages.push({ role: "user", content: [ask] });
  return messages;
}

/** When the model cannot be asked (the side call failed), the older turns are listed by what they did. */
function mechanicalSummary(older: Message[]): string {
  const lines = older.flatMap((message) =>
    message.content.flatMap((block) => {
      if (message.role === "user" && block.type === "text") return [`user: ${shorten(block.text, 300)}`];
      if (block.type === "tool_use")
        return [`tool call: ${block.name} ${shorten(JSON.stringify(block.input), 200)}`];
      return [];
    }),
  );
  return `(the summary call failed; what the earlier turns did)\n${lines.slice(-60).join("\n")}`;
}

export interface CompactionOutcome {
  /** The side call's tokens, if one was made: they count toward the run's usage. */
  usage: Usage | undefined;
}

/**
 * Keeps the conversation inside the context window. Before every request it estimates the prompt from the
 * last call's usage; past `compact_at` it compacts in two steps: old large tool results become stubs
 * naming the file with their full text, and if that is not enough the older turns are replaced by a summary
 * the model writes in a side call. Both are log entries, so the view stays stable afterwards and the cache
 * is written once. Results delivered before stay delivered; undelivered ones keep waiting in the queue.
 */
export class Compactor {
  readonly budget: ContextBudget;

  constructor(
    private readonly settings: CompactionSettings,
    private readonly deps: CompactorDeps,
  ) {
    const fixed = deps.system.length + JSON.stringify(deps.tools).length;
    this.budget = new ContextBudget(settings.window, settings.compactAt, fixed);
  }

  /** After a successful call, with the reply already in the log. */
  observe(usage: Usage, log: ConversationLog): void {
    this.budget.observe(usage, charsOf(log.project()));
  }

  /** Compacts first if the next request would pass compact_at of the window. */
  async beforeRequest(log: ConversationLog, signal: AbortSignal): Promise<CompactionOutcome> {
    if (this.budget.estimate(charsOf(log.project())) <= this.budget.threshold) return { usage: undefined };
    return this.compact(log, "threshold", signal);
  }

  async compact(
    log: ConversationLog,
    reason: CompactionReason,
    signal: AbortSignal,
  ): Promise<CompactionOutcome> {
    const before = charsOf(log.project());
    const beforeTokens = this.budget.estimate(before);
    const stubbed = this.stubOldResults(log);
    let summarised = 0;
    let usage: Usage | undefined;
    const goal = this.settings.window * GOAL_SHARE;
    if (
      reason === "manual" ||
      this.budget.estimate(charsOf(log.project())) > goal ||
      (reason === "refused" && stubbed === 0)
    ) {
      const summary = await this.summarise(log, signal);
      summarised = summary.messages;
      usage = summary.usage;
    }
    const after = charsOf(log.project());
    this.budget.rebase(before, after);
    this.deps.emit({
      type: "compaction",
      reason,
      before_tokens: beforeTokens,
      after_tokens: this.budget.estimate(after),
      stubbed_results: stubbed,
      summarised_messages: summarised,
    });
    return { usage };
  }

  /** Entry index where the last `keep` assistant replies begin, or undefined when there are not more. */
  private keptFrom(log: ConversationLog, keep: number): number | undefined {
    const { start } = log.viewStart();
    const replies: number[] = [];
    log.entries.forEach((entry, index) => {
      if (index >= start && entry.type === "message" && entry.message.role === "assistant")
        replies.push(index);
    });
    return replies.length > keep ? replies[replies.length - keep] : undefined;
  }

  /** Step 1: large tool results older than the last few turns become stubs. Returns how many. */
  private stubOldResults(log: ConversationLog): number {
    const end = this.keptFrom(log, KEEP_TURNS);
    if (end === undefined) return 0;
    const already = log.stubs();
    const stubs: ResultStub[] = log
      .toolResults(log.viewStart().start, end)
      .filter((result) => result.content.length > STUB_OVER_CHARS && !already.has(result.tool_use_id))
      .map((result) => {
        const path = this.settings.saveFullOutput(result.tool_use_id, result.content);
        const text = `[lanes: this output (${result.content.length} chars) was cleared from the conversation to save context; its full text is in ${path}]`;
        return { tool_use_id: result.tool_use_id, text };
      });
    if (stubs.length > 0) log.append({ type: "stub", stubs });
    return stubs.length;
  }

  /** Step 2: the turns before the last few become one summary. Returns the messages it replaced. */
  private async summarise(
    log: ConversationLog,
    signal: AbortSignal,
  ): Promise<{ messages: number; usage?: Usage | undefined }> {
    const cut = this.keptFrom(log, KEEP_TURNS) ?? this.keptFrom(log, 1);
    if (cut === undefined) return { messages: 0 };
    const older = log.project(cut);
    let text = "";
    let usage: Usage | undefined;
    try {
      const turn = await this.deps.provider.createTurn({
        // The same system prompt and tools as every request, so the side call reads the cached prefix.
        system: this.deps.system,
        tools: this.deps.tools,
        messages: summaryRequestMessages(older),
        maxTokens: 4096,
        signal,
      });
      usage = turn.usage;
      text = turn.content
        .flatMap((block) => (block.type === "text" ? [block.text] : []))
        .join("\n")
        .trim();
    } catch (error) {
      if (signal.aborted || !(error instanceof ModelError)) throw error;
    }
    if (text === "") text = mechanicalSummary(older);
    const running = this.settings.runningTasks();
    const tasks =
      running.length === 0
        ? ""
        : `\n<running-tasks>\nStill running when the conversation was compacted (their results will arrive as usual):\n${running.join("\n")}\n</running-tasks>`;
    const summary = `<conversation-summary>\nThe earlier part of this conversation was compacted to fit the context window. Summary:\n${text}\n</conversation-summary>${tasks}`;
    log.append({ type: "compaction", summary, first_kept: cut });
    return { messages: older.length, usage };
  }
}
