import { existsSync } from "node:fs";
import { join } from "node:path";
import dotenv from "dotenv";
import { createBackgroundHooks, type BackgroundHooks } from "../agent/background-hooks.js";
import type { AgentEventSink } from "../agent/events.js";
import { runAgent, type AgentRunResult } from "../agent/loop.js";
import { buildSystemPrompt } from "../agent/system-prompt.js";
import { childEnv } from "../config/child-env.js";
import type { LanesConfig } from "../config/config.js";
import { LaneManager } from "../lanes/lane-manager.js";
import { createProvider } from "../model/create-provider.js";
import type { Message, ModelProvider } from "../model/types.js";
import type { BashToolOptions } from "../tools/bash.js";
import { createToolset } from "../tools/toolset.js";
import type { Tool } from "../tools/define-tool.js";

export interface SessionOptions {
  workspace: string;
  config: LanesConfig;
  model?: string;
  /** -p and demo: wait for running tasks when the model stops; the REPL waits for the user instead. */
  idleWake: boolean;
  emit: AgentEventSink;
  bash?: BashToolOptions;
  provider?: ModelProvider;
}

/** Loads `<workspace>/.env` without overriding variables already set (the shell wins). */
export function loadWorkspaceEnv(workspace: string): void {
  const file = join(workspace, ".env");
  if (existsSync(file)) dotenv.config({ path: file, quiet: true });
}

/** One conversation in one workspace: the lane manager, the model, the tools and the message history. */
export class Session {
  readonly messages: Message[] = [];
  readonly lanes: LaneManager;
  readonly provider: ModelProvider;
  readonly tools: Tool[];
  readonly hooks: BackgroundHooks;
  readonly system: string;

  constructor(private readonly options: SessionOptions) {
    const env = process.env;
    const { config } = options;
    this.provider = options.provider ?? createProvider({ model: options.model ?? config.model, env });
    this.lanes = new LaneManager({
      workspace: options.workspace,
      env: childEnv(env, config.pass_secrets_to_commands),
      laneLimits: Object.fromEntries(Object.entries(config.lanes).map(([name, lane]) => [name, lane.limit])),
      defaultLaneLimit: config.default_lane_limit,
      outputCapBytes: config.output_cap_bytes,
      stallMs: config.stall_ms,
      killGraceMs: config.kill_grace_ms,
    });
    const recovered = this.lanes.recover();
    for (const bad of this.lanes.corruptRecords) {
      process.stderr.write(`lanes: set aside an unreadable task record (${bad.error}): ${bad.movedTo}\n`);
    }
    const adopted = recovered.adopted.length + recovered.recovered.length + recovered.lost.length;
    if (adopted > 0) {
      process.stderr.write(
        `lanes: picked up ${adopted} task(s) from an earlier run: ${recovered.adopted.length} still running, ${recovered.recovered.length} ended, ${recovered.lost.length} lost\n`,
      );
    }
    this.tools = createToolset(this.lanes, {
      backgroundAfterMs: config.bash_background_after_ms,
      ...options.bash,
    });
    this.hooks = createBackgroundHooks(this.lanes, {
      idleWake: options.idleWake,
      maxWaitMs: config.max_wait_ms,
      emit: options.emit,
    });
    this.system = buildSystemPrompt(options.workspace);
  }

  /** Sends one user message and runs the loop until the model is done. Model errors propagate. */
  send(prompt: string, signal: AbortSignal): Promise<AgentRunResult> {
    this.messages.push({ role: "user", content: [{ type: "text", text: prompt }] });
    return runAgent(
      this.messages,
      {
        provider: this.provider,
        system: this.system,
        tools: this.tools,
        hooks: this.hooks,
        emit: this.options.emit,
        maxTurns: this.options.config.max_turns,
      },
      signal,
    );
  }

  workspace(): string {
    return this.options.workspace;
  }

  close(): Promise<void> {
    return this.lanes.shutdown();
  }
}

/**
 * Whatever way lanes ends (SIGTERM, SIGHUP, normal exit), every task it started ends with it: TERM, KILL
 * after 2 s, records written `killed`. Returns a function that removes the handlers.
 */
export function installShutdownHandlers(
  lanes: LaneManager,
  onSignal?: (signal: NodeJS.Signals) => void,
): () => void {
  const handle = (signal: NodeJS.Signals): void => {
    onSignal?.(signal);
    void lanes
      .shutdown()
      .finally(() => process.exit(128 + (signal === "SIGHUP" ? 1 : signal === "SIGINT" ? 2 : 15)));
  };
  const onExit = (): void => lanes.shutdownSync();
  process.once("SIGTERM", handle);
  process.once("SIGHUP", handle);
  process.once("exit", onExit);
  return () => {
    process.off("SIGTERM", handle);
    process.off("SIGHUP", handle);
    process.off("exit", onExit);
  };
}
