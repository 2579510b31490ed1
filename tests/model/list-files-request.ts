import type { ModelRequest } from "../../src/model/types.js";
import type { ToolSpec } from "../../src/tools/define-tool.js";

/** What both provider tests send, so each shows how the same request reaches its API. */
export const bashSpec: ToolSpec = {
  name: "bash",
  description: "Run a shell command",
  input_schema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
};

export const listFilesRequest: ModelRequest = {
  system: "You are lanes.",
  messages: [{ role: "user", content: [{ type: "text", text: "list the files" }] }],
  tools: [bashSpec],
  maxTokens: 1234,
};
