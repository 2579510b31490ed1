/**
 * A failure meant for the model: its message is the whole explanation, no stack trace needed. Below every
 * folder that refuses a call (tools, the approval gate, the shell checks), so none imports another for it.
 */
export class ToolError extends Error {
  override name = "ToolError";
}
