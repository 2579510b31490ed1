import type { LanesConfig } from "../config/config.js";

/**
 * `lanes mcp`: the MCP server over stdio. The CLI owns the process: it forwards the stop signals and the
 * exit to the server, and exits outright with its code, so a persisted task does not keep lanes alive.
 */
export async function serveMcp(workspace: string, config: () => Promise<LanesConfig>): Promise<never> {
  const script = process.argv[1] ?? "lanes.js";
  if (process.stdin.isTTY) console.error((await import("./mcp-intro.js")).mcpIntro(script, workspace));
  const { runMcpServer, STOP_SIGNALS } = await import("../mcp/server.js");
  // Anything printed by accident would corrupt the JSON-RPC stream; diagnostics belong on stderr.
  console.log = console.info = console.debug = console.error;
  const code = await runMcpServer({
    workspace,
    config: await config(),
    env: process.env,
    onSignal: (listener) => STOP_SIGNALS.forEach((signal) => process.on(signal, listener)),
    onExit: (listener) => process.once("exit", listener),
  });
  process.exit(code);
}
