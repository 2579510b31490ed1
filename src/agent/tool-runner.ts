import { parseToolInput, ToolError, type Tool } from "../tools/define-tool.js";
import type { ToolResultBlock, ToolUseBlock } from "../model/types.js";

export interface ToolCallRecord {
  name: string;
  input: unknown;
  is_error: boolean;
}

/** A call's block for the model, and the tool's `details` for views (undefined when the call failed). */
export interface ToolCallOutcome {
  block: ToolResultBlock;
  details?: unknown;
}

/**
 * The one place a tool failure becomes an `is_error` result: unknown tool, invalid input, a ToolError, or
 * any other exception. Nothing a tool does can stop the loop.
 */
export async function runToolCall(
  tools: ReadonlyMap<string, Tool>,
  call: ToolUseBlock,
  signal: AbortSignal,
  reported?: (taskIds: string[]) => void,
): Promise<ToolCallOutcome> {
  const tool = tools.get(call.name);
  if (!tool) {
    const known = [...tools.keys()].join(", ");
    return errorResult(call.id, `Unknown tool "${call.name}". Available tools: ${known}.`);
  }
  if (signal.aborted) return errorResult(call.id, "Cancelled before it ran.");
  try {
    const input = parseToolInput(tool, call.input);
    const { content, details } = await tool.run(input, {
      signal,
      callId: call.id,
      ...(reported && { reported }),
    });
    const text = content.length > 0 ? content : "(empty)";
    return { block: { type: "tool_result", tool_use_id: call.id, content: text }, details };
  } catch (error) {
    if (error instanceof ToolError) return errorResult(call.id, error.message);
    const message = error instanceof Error ? error.message : String(error);
    return errorResult(call.id, `${call.name} failed: ${message}`);
  }
}

/** An error is for the model to read; one echoing a megabyte of its input back would flood the context. */
const MAX_ERROR_CHARS = 4_000;

function errorResult(id: string, content: string): ToolCallOutcome {
  return { block: { type: "tool_result", tool_use_id: id, content: boundedError(content), is_error: true } };
}

/** Keeps the start and end of a long error, never splitting a surrogate pair. */
function boundedError(text: string): string {
  if (text.length <= MAX_ERROR_CHARS) return text;
  const half = Math.floor((MAX_ERROR_CHARS - 60) / 2);
  const isLow = (at: number): boolean => /[\udc00-\udfff]/.test(text.charAt(at));
  const headEnd = isLow(half) ? half - 1 : half;
  const tailStart = isLow(text.length - half) ? text.length - half + 1 : text.length - half;
  const cut = tailStart - headEnd;
  return `${text.slice(0, headEnd)} … [${cut} characters cut] … ${text.slice(tailStart)}`;
}
