import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { noQuestionsGate } from "../approval/gate.js";
import type { LanesConfig } from "../config/config.js";
import { commandRules } from "../config/user-config.js";
import { LaneManager } from "../lanes/lane-manager.js";
import { VERSION } from "../version.js";
import { laneManagerOptions } from "../session/lane-options.js";
import { createBackgroundTools } from "../tools/toolset.js";
import { mcpAgentContext, withAgentTools } from "../agents/agent-tools.js";
import { connectionEndReason, createStopper, type StopRequests } from "./lifecycle.js";
import { LogHints } from "./notifications.js";
import { ReplyResults } from "./reply-results.js";
import { ReplyTransport } from "./reply-transport.js";
import { callTool, textResult, toMcpTool } from "./tool-bridge.js";
import { reportedTaskIds } from "./reported-tasks.js";
import { reportWaitProgress } from "./wait-progress.js";

export interface McpServerOptions {
  workspace: string;
  config: LanesConfig;
  /** The environment lanes was started with (the base of commands' environment). */
  env: NodeJS.ProcessEnv;
  /** The lanes process its tasks belong to (the CLI passes its pid). */
  ownerPid: number;
  /** The process owner's requests to stop (signals are the CLI's). */
  stopRequests?: StopRequests;
}

/** A running server: when it has stopped, and the last resort should the process exit before that. */
export interface McpServing {
  stopped: Promise<void>;
  /** Synchronous: KILLs the group of every task not persisted and records it. */
  endTasksNow: () => void;
}

const INSTRUCTIONS =
  "lanes runs slow shell commands (builds, test suites, dev servers) in background lanes. Start one with background_run and keep working. Results arrive with tool replies: the reply to any lanes call ends with a <background-results> block listing what finished since the last reply (status, exit code, output tail), each result once; check_background shows any task again. To wait for results, call wait_background, which blocks until tasks end; do not poll. Logging messages from logger 'lanes' are only hints. Tasks end when this server does, unless started with persist: true. Task output is quoted inert: a < or [ in it that could pass for lanes' own tags or [bg:ID] lines shows as &lt; or &#91;.";

/** Writes a diagnostic line to stderr: stdout carries only the protocol. */
export function logLine(message: string): void {
  process.stderr.write(`lanes mcp: ${message}\n`);
}

/**
 * `lanes mcp`: serves the workspace's background lanes over MCP stdio until the client goes away or the
 * owner asks it to stop, then ends every task that is not persisted; `stopped` resolves after that.
 */
export async function runMcpServer(options: McpServerOptions): Promise<McpServing> {
  const lanes = new LaneManager({
    ...laneManagerOptions(
      options.workspace,
      options.config,
      options.env,
      (line) => logLine(line),
      options.ownerPid,
    ),
    createOnFirstTask: true,
    // Its client owns its life: killed together (one process group), its tasks must not run on.
    endWithOwner: true,
  });
  const recovered = lanes.recover();
  // Approval is the MCP client's business: no questions here, but the user's own rules still hold.
  const gate = noQuestionsGate(commandRules(options.config, options.workspace));
  const tools = new Map(
    // agent_run too: a client hands work to lanes agents and gets each result once, like a command's.
    withAgentTools(
      createBackgroundTools(lanes, "with-next-call", gate),
      lanes,
      mcpAgentContext(lanes, options.config),
    ).map((tool) => [tool.name, tool]),
  );

  // The low-level Server, not McpServer: the tools already carry their JSON Schema and their own
  // validation, whose messages name the field and what it got; McpServer would validate a second time.
  const server = new Server(
    { name: "lanes", version: VERSION },
    { capabilities: { tools: {}, logging: {} }, instructions: INSTRUCTIONS },
  );
  const replies = new ReplyResults(lanes, () => hints.released());
  const hints = new LogHints(
    lanes,
    replies,
    (message) => server.sendLoggingMessage(message),
    (error) => logLine(`could not send a notification: ${(error as Error).message}`),
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...tools.values()].map(toMcpTool) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args } = request.params;
    const tool = tools.get(name);
    if (!tool) {
      const unknown = textResult(
        `Unknown tool "${name}". Available tools: ${[...tools.keys()].join(", ")}.`,
        true,
      );
      return replies.carry(unknown, extra.requestId, extra.signal, []);
    }
    const reported = reportedTaskIds(lanes, tool, args);
    // The call's own answer states these results; a cancelled call sends no reply, so cancelling lets them go.
    const release = replies.hold(reported);
    extra.signal.addEventListener("abort", release, { once: true });
    const token = request.params._meta?.progressToken;
    const stopProgress =
      name === "wait_background" && token !== undefined
        ? reportWaitProgress(
            lanes,
            reported,
            token,
            (params) => extra.sendNotification({ method: "notifications/progress", params }),
            options.env,
          )
        : undefined;
    // What the answer states counts as delivered only once the reply is sent (ReplyResults.sent).
    const stated: string[] = [];
    try {
      const reply = await callTool(tool, args, {
        signal: extra.signal,
        callId: String(extra.requestId),
        reported: (ids) => void stated.push(...ids),
      });
      await stopProgress?.();
      // Carried (holding what it states) before the call's own hold ends, so no other reply takes those.
      return replies.carry(reply, extra.requestId, extra.signal, stated);
    } finally {
      extra.signal.removeEventListener("abort", release);
      release();
    }
  });
  // Hints of results recovered from an earlier run go out once the client is ready to receive them.
  server.oninitialized = () => hints.start();
  server.onerror = (error) => logLine(error.message);

  const stopper = createStopper(
    async () => {
      hints.stop();
      // First: the client is gone or ending us, so a reply sent now would be lost; closing aborts the calls
      // still running, and the SDK drops their replies, so their results stay undelivered.
      await server.close().catch(() => {});
      await lanes.shutdown();
    },
    async () => {
      const victims = lanes.active().filter((record) => !record.persist);
      lanes.shutdownSync();
      // A record write already on its way (temp file + rename) could land after the synchronous one and say
      // "running" again. Let those finish, bounded well inside the client's 400 ms to KILL, then write the
      // ended records once more.
      await Promise.race([lanes.flush(), new Promise((resolve) => setTimeout(resolve, 150))]);
      for (const { id } of victims) {
        const record = lanes.get(id);
        if (record) lanes.store.saveSync(record);
      }
    },
    logLine,
    options.stopRequests,
  );
  const transport = new ReplyTransport(
    { written: (id) => replies.written(id), dropped: (id) => replies.dropped(id) },
    { log: logLine },
  );
  // The end of stdin, or a failed write to stdout (nothing more reaches the client): stop; results not
  // written stay undelivered on disk for the next session.
  server.onclose = () => void stopper.stop(connectionEndReason(transport.ended));
  await server.connect(transport);
  for (const bad of lanes.corruptRecords)
    logLine(`set aside an unreadable task record (${bad.error}): ${bad.movedTo}`);
  const earlier = [
    [recovered.adopted.length, "still running"],
    [recovered.restarted.length, "queued and never started (starting now)"],
    [recovered.recovered.length, "ended"],
    [recovered.lost.length, "lost"],
  ].filter(([count]) => count !== 0);
  if (recovered.leftovers > 0)
    earlier.push([recovered.leftovers, "leftover processes of ended tasks killed"]);
  const picked = earlier.map(([count, what]) => `${count} ${what}`).join(", ");
  logLine(
    `serving background lanes for ${options.workspace}${picked ? `; from an earlier run: ${picked}` : ""}`,
  );
  return { stopped: stopper.done, endTasksNow: () => lanes.shutdownSync() };
}
