import type { TaskRecord } from "../lanes/task-record.js";
import * as z from "zod";
import { MAX_TIMER_MS } from "../config/limits.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { displayPath, queuedLine } from "../present/task-text.js";
import { probeForSpec } from "./agent-probe.js";
import { defineTool, ToolError } from "../tools/define-tool.js";
import type { AgentContext } from "./agent-context.js";
import { writeAgentSpec } from "./agent-spec.js";
import { createWorktree, type Worktree } from "./worktree.js";
import { workerCommand } from "./worker-command.js";

const schema = z.object({
  prompt: z.string().min(1).describe("The agent's task: its first message, exactly as given"),
  description: z.string().max(200).optional().describe("Short label for listings (3-5 words)"),
  tools: z
    .enum(["all", "read-only"])
    .default("all")
    .describe('"read-only": it reads and runs commands in a read-only sandbox, never writes'),
  isolation: z
    .enum(["none", "worktree"])
    .default("none")
    .describe('"worktree": it works in a git worktree of HEAD on its own branch, named in its result'),
  model: z.string().min(1).optional().describe("Model id (default: this session's)"),
  lane: z
    .string()
    .regex(/^[\w.-]{1,40}$/)
    .default("agents")
    .describe("Lane it runs in; each lane has a concurrency limit and queues the rest"),
  timeout_ms: z
    .number()
    .int()
    .positive()
    .max(MAX_TIMER_MS)
    .optional()
    .describe("Wall-time budget; it ends as budget_exceeded with its partial answer"),
  max_turns: z.number().int().positive().max(10_000).optional().describe("Model calls it may make"),
});

/** What agent_run's views and tests read: the agent's task, and its worktree when isolated. */
export interface AgentRunDetails {
  task_id: string;
  queued: boolean;
  record: TaskRecord;
  worktree: Worktree | null;
}

/** Extra time after its wall budget before the worker process itself is killed (a hung request). */
const HARD_STOP_GRACE_MS = 60_000;

/** `agent_run`: starts a sub-agent as a background task of this session's lanes; returns its id at once. */
export function createAgentRunTool(lanes: LaneManager, context: AgentContext) {
  return defineTool({
    name: "agent_run",
    description:
      "Start a sub-agent in a background lane with its own conversation (its first message is `prompt`) and lanes' tools; returns its task id at once. Its result (status, final answer, usage) arrives once in <background-results> when it ends, like a command's; check_background shows its progress, send_background_input sends it a message for its next turn, kill_background ends it and everything it started. Tasks it starts are its own.",
    schema,
    async run(input) {
      const limits = context.config.agents;
      if (context.depth >= limits.max_depth)
        throw new ToolError(`agent_run: agents may nest ${limits.max_depth} deep (agents.max_depth)`);
      const { id } = lanes.reserveId();
      const worktree = input.isolation === "worktree" ? await createWorktree(lanes.workspace, id) : null;
      const maxWallMs = Math.min(input.timeout_ms ?? limits.max_wall_ms, limits.max_wall_ms);
      // Probed once for the whole tree, not once per agent (a bwrap run each).
      const sandbox = context.config.sandbox === "danger-full-access" ? undefined : probeForSpec(context.env);
      const specFile = writeAgentSpec(context.stateDir, id, {
        prompt: input.prompt,
        description: input.description ?? null,
        tools: context.readOnly ? "read-only" : input.tools,
        ...((input.model ?? context.model) !== undefined && { model: input.model ?? context.model }),
        ...(context.provider !== undefined && { provider: context.provider }),
        depth: context.depth + 1,
        parent: context.self,
        root: context.root,
        state_dir: context.stateDir,
        workspace: worktree?.path ?? lanes.workspace,
        worktree,
        max_turns: Math.min(input.max_turns ?? limits.max_turns, limits.max_turns),
        max_wall_ms: maxWallMs,
        config: context.config,
        started_at: new Date().toISOString(),
        ...(context.canAsk && { ask_parent: true }),
        ...(sandbox && { sandbox_probe: sandbox.probe }),
      });
      sandbox?.deliver(specFile);
      const record = lanes.start({
        id,
        command: workerCommand(specFile),
        description: input.description ?? oneLine(input.prompt, 60),
        lane: input.lane,
        timeoutMs: Math.min(maxWallMs + HARD_STOP_GRACE_MS, MAX_TIMER_MS),
        // A thinking agent prints nothing for minutes: silence is no stall.
        stallMs: 0,
        sandbox: false,
        agent: { depth: context.depth + 1, parent: context.self, root: context.root, env: context.env },
      });
      const wait = lanes.waitingFor(record.id);
      const where = worktree ? ` in worktree ${worktree.path} (branch ${worktree.branch})` : "";
      const queued = wait ? ` ${queuedLine(wait)}` : "";
      const content = `Agent task ${record.id} ${wait ? "queued" : "started"}${where}: ${record.description ?? ""} (output_file=${displayPath(lanes.workspace, record.output_file)}).${queued} Its result arrives once, in <background-results>, when it ends; go on with other work meanwhile.`;
      const details: AgentRunDetails = { task_id: record.id, queued: wait !== undefined, record, worktree };
      return { content, details };
    },
  });
}

function oneLine(text: string, max: number): string {
  const folded = text.replace(/\s+/g, " ").trim();
  return folded.length <= max ? folded : `${folded.slice(0, max - 1)}…`;
}
