/**
 * What `lanes mcp` says when a person starts it on a terminal: it waits for an MCP client's JSON-RPC, so
 * typing into it does nothing useful. How to add it to a client instead, with this very command.
 */
export function mcpIntro(script: string, workspace: string): string {
  const command = `node ${script} mcp --cwd ${workspace}`;
  return [
    "lanes mcp: this is an MCP server; it speaks JSON-RPC on stdin/stdout with an MCP client, not with you.",
    `  Claude Code:  claude mcp add lanes -- ${command}`,
    `  others:       command "node", args ["${script}", "mcp", "--cwd", "${workspace}"]  (see docs/MCP.md)`,
    "  Ctrl+C or Ctrl+D ends it.",
  ].join("\n");
}
