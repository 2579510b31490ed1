import { promptTokens, type Message, type Usage } from "../model/types.js";

/** Characters per token for estimates of text not yet counted by the API (Anthropic's rule of thumb). */
const CHARS_PER_TOKEN = 4;

export function charsOf(messages: Message[]): number {
  return JSON.stringify(messages).length;
}

/**
 * How full the context window is about to be. The API's own count of the last call (prompt, cached or not,
 * plus its output) is the base; what was appended since is estimated from its length. Before any call,
 * everything is estimated.
 */
export class ContextBudget {
  private counted: number | undefined;
  private charsAtCount = 0;

  constructor(
    readonly window: number,
    readonly compactAt: number,
    /** Characters of the system prompt and tools, sent with every request. */
    private readonly fixedChars: number,
  ) {}

  /** The token count past which a request is compacted first. */
  get threshold(): number {
    return Math.floor(this.window * this.compactAt);
  }

  /** After a call: `usage` as the API counted it, `chars` of the view including the reply just added. */
  observe(usage: Usage, chars: number): void {
    this.counted = promptTokens(usage) + usage.output_tokens;
    this.charsAtCount = chars;
  }

  /** The estimated prompt tokens of a request whose messages are `chars` long. */
  estimate(chars: number): number {
    if (this.counted === undefined) return Math.ceil((chars + this.fixedChars) / CHARS_PER_TOKEN);
    return Math.max(0, Math.ceil(this.counted + (chars - this.charsAtCount) / CHARS_PER_TOKEN));
  }

  /** The view was rewritten from `before` to `after` characters: the base moves by the difference. */
  rebase(before: number, after: number): void {
    if (this.counted === undefined) return;
    this.counted = Math.max(0, this.estimate(before) - Math.floor((before - after) / CHARS_PER_TOKEN));
    this.charsAtCount = after;
  }
}
