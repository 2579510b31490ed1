import type { ToolSpec } from "./types.js";
import type { Message, ModelRequest } from "./types.js";

const ephemeral = { type: "ephemeral" } as const;

interface CachedBlock {
  cache_control?: typeof ephemeral;
}

export interface CachedRequestParts {
  /** Undefined when there is no system prompt: the API rejects an empty system text block. */
  system: ({ type: "text"; text: string } & CachedBlock)[] | undefined;
  tools: (ToolSpec & CachedBlock)[];
  messages: Message[];
}

/** A copy of `message` whose last content block carries a breakpoint. */
function markLastBlock(message: Message): Message {
  const content = message.content.map((block, index, all) =>
    index === all.length - 1 ? { ...block, cache_control: ephemeral } : block,
  );
  return { ...message, content } as Message;
}

/**
 * Anthropic prompt caching, three of the four breakpoints a request may carry: after the stable prefix
 * (tools and system prompt), at the end of the previous request (the user message before the last
 * assistant reply) and at the end of this one. So every request reads all the previous one wrote, however
 * many blocks were added since (the API only looks back 20 blocks from a breakpoint), and writes the rest
 * for the next. The request itself is not changed; the marked blocks are copies.
 */
export function withCacheBreakpoints(request: ModelRequest): CachedRequestParts {
  const tools: (ToolSpec & CachedBlock)[] = [...request.tools];
  let system: CachedRequestParts["system"];
  if (request.system !== "") system = [{ type: "text", text: request.system, cache_control: ephemeral }];
  else if (tools.length > 0)
    tools[tools.length - 1] = { ...tools[tools.length - 1]!, cache_control: ephemeral };
  const users = request.messages.flatMap((message, index) =>
    message.role === "user" && message.content.length > 0 ? [index] : [],
  );
  const marked = new Set(users.slice(-2));
  const messages = request.messages.map((message, index) =>
    marked.has(index) ? markLastBlock(message) : message,
  );
  return { system, tools, messages };
}
