import type { CallToolResult, Tool as McpTool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import {
  parseToolInput,
  toToolSpec,
  ToolError,
  type Tool,
  type ToolCallContext,
} from "../tools/define-tool.js";

/** What a client may assume about each tool (auto-approval, confirmation prompts). */
const ANNOTATIONS: Record<string, ToolAnnotations> = {
  background_run: { destructiveHint: true, openWorldHint: true },
  check_background: { readOnlyHint: true },
  wait_background: { readOnlyHint: true },
  kill_background: { destructiveHint: true, idempotentHint: true },
  send_background_input: { destructiveHint: true },
};

/** A lanes tool as MCP lists it: the same JSON Schema the model sees in the agent. */
export function toMcpTool(tool: Tool): McpTool {
  const { input_schema: inputSchema } = toToolSpec(tool);
  const annotations = ANNOTATIONS[tool.name];
  return { name: tool.name, description: tool.description, inputSchema, ...(annotations && { annotations }) };
}

/**
 * Runs one MCP tool call through the tool's own validation and `run`. Every failure becomes an `isError`
 * result carrying the message, as in the agent loop, so the client's model can correct itself.
 */
export async function callTool(tool: Tool, args: unknown, context: ToolCallContext): Promise<CallToolResult> {
  try {
    const input = parseToolInput(tool, args);
    const { content } = await tool.run(input, context);
    return textResult(content.length > 0 ? content : "(empty)");
  } catch (error) {
    if (error instanceof ToolError) return textResult(error.message, true);
    const message = error instanceof Error ? error.message : String(error);
    return textResult(`${tool.name} failed: ${message}`, true);
  }
}

export function textResult(text: string, isError = false): CallToolResult {
  return { content: [{ type: "text", text }], ...(isError && { isError }) };
}
