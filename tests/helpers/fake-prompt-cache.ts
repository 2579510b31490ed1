import { createHash } from "node:crypto";

/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON in tests */

/** What the simulated API charges one request, in Anthropic's usage fields. */
export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface PromptCacheOptions {
  /** Prompts longer than this many tokens are refused as too long; undefined = no limit. */
  contextWindow?: number;
  /** The clock the 5-minute lifetime is measured on (a bench can run it faster). */
  now?: () => number;
}

/** Anthropic's documented rules, as the tests rely on them. */
export const CACHE_TTL_MS = 5 * 60_000;
export const MIN_CACHEABLE_TOKENS = 1024;
export const LOOKBACK_BLOCKS = 20;
export const MAX_BREAKPOINTS = 4;

/** Characters / 4, rounded up: the fake's token count. */
export function tokensOf(text: string): number {
  return Math.ceil(text.length / 4);
}

interface PrefixBlock {
  /** Hash of every block up to and including this one. */
  hash: string;
  /** Tokens of every block up to and including this one. */
  tokens: number;
  breakpoint: boolean;
}

function withoutCacheControl(block: any): unknown {
  if (typeof block !== "object" || block === null) return block;
  const { cache_control: _ignored, ...rest } = block;
  return rest;
}

/**
 * The prompt as the cache sees it: tools, then system blocks, then every message's content blocks, in
 * order. Each block is keyed by its section (and, for messages, its role and whether it opens the message)
 * so that the same text in another place is another prefix.
 */
function prefixBlocks(body: any): PrefixBlock[] {
  const raw: { key: string; text: string; breakpoint: boolean }[] = [];
  const add = (section: string, block: any): void => {
    const text = JSON.stringify(withoutCacheControl(block));
    raw.push({ key: `${section}\u0000${text}`, text, breakpoint: Boolean(block?.cache_control) });
  };
  for (const tool of body?.tools ?? []) add("tool", tool);
  const system = body?.system;
  if (typeof system === "string") add("system", { type: "text", text: system });
  else for (const block of system ?? []) add("system", block);
  for (const message of body?.messages ?? []) {
    const content =
      typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
    (content ?? []).forEach((block: any, index: number) => add(`${message.role}:${index === 0}`, block));
  }
  let hash = "";
  let tokens = 0;
  return raw.map((block) => {
    hash = createHash("sha1").update(hash).update(block.key).digest("hex");
    tokens += tokensOf(block.text);
    return { hash, tokens, breakpoint: block.breakpoint };
  });
}

/** An accepted request's bill; `commit` writes and renews its cache entries (only a request answered does). */
export type CacheVerdict =
  { ok: true; usage: CacheUsage; commit: () => void } | { ok: false; message: string };

/**
 * Anthropic's prompt caching, simulated: a block with `cache_control` is a breakpoint whose prefix is
 * written (for 5 minutes, renewed on every read); a request reads the longest live prefix that ends at one of
 * its breakpoints or up to 20 blocks before one; prefixes under 1,024 tokens are never cached; more than 4
 * breakpoints, or a prompt over the context window, is refused.
 */
export class FakePromptCache {
  private readonly entries = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: PromptCacheOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Charges one request and updates the cache; the verdict says how it was billed or why it was refused. */
  charge(body: any): CacheVerdict {
    const blocks = prefixBlocks(body);
    const total = blocks.at(-1)?.tokens ?? 0;
    const breakpoints = blocks.flatMap((block, index) => (block.breakpoint ? [index] : []));
    if (breakpoints.length > MAX_BREAKPOINTS) {
      return {
        ok: false,
        message: `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints.length}.`,
      };
    }
    const window = this.options.contextWindow;
    if (window !== undefined && total > window) {
      return { ok: false, message: `prompt is too long: ${total} tokens > ${window} maximum` };
    }
    const now = this.now();
    const live = (index: number): boolean => (this.entries.get(blocks[index]?.hash ?? "") ?? 0) > now;
    let read = -1;
    for (const end of breakpoints) {
      for (let index = end; index >= Math.max(0, end - LOOKBACK_BLOCKS); index--) {
        if (index > read && live(index)) read = index;
      }
    }
    const readTokens = read >= 0 ? (blocks[read]?.tokens ?? 0) : 0;
    const touched = read >= 0 ? [blocks[read]?.hash ?? ""] : [];
    let written = readTokens;
    for (const end of breakpoints) {
      const block = blocks[end];
      if (!block || end <= read || block.tokens < MIN_CACHEABLE_TOKENS) continue;
      touched.push(block.hash);
      written = Math.max(written, block.tokens);
    }
    const commit = (): void => {
      for (const hash of touched) this.entries.set(hash, now + CACHE_TTL_MS);
    };
    const usage = {
      input_tokens: total - written,
      cache_creation_input_tokens: written - readTokens,
      cache_read_input_tokens: readTokens,
    };
    return { ok: true, usage, commit };
  }
}
