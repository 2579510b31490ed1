import type { AgentEventSink } from "../agent/events.js";
import type { GateOptions } from "../approval/gate.js";
import type { AgentContext } from "../agents/agent-context.js";
import type { LanesConfig } from "../config/config.js";
import type { ProviderName } from "../model/create-provider.js";
import type { ModelProvider } from "../model/types.js";
import type { BashToolOptions } from "../tools/bash.js";
import type { WriteApprover } from "../tools/write-approval.js";

/** What a session is made from: the workspace, its config, who is asked, and where its events go. */
export interface SessionOptions {
  workspace: string;
  /** The folder lanes was started in, at or below the workspace: its AGENTS.md files are read too. */
  startedIn?: string | undefined;
  config: LanesConfig;
  model?: string | undefined;
  /** -p and demo: wait for running tasks when the model stops; the REPL waits for the user instead. */
  idleWake: boolean;
  emit: AgentEventSink;
  bash?: BashToolOptions | undefined;
  provider?: ModelProvider | undefined;
  /** Which API (`--provider`); the environment's LANES_PROVIDER otherwise. */
  providerName?: ProviderName | undefined;
  /** Resume a saved conversation: a session id, or "latest" (`--continue`). */
  resume?: string | undefined;
  /** Who is asked before commands, and how (the rules come from the config). Default: never, nobody. */
  approvals?: Omit<GateOptions, "allow" | "deny"> | undefined;
  /** Who is asked before a file is written in `untrusted` mode; absent: such writes are refused. */
  writeApprover?: WriteApprover | undefined;
  /** The environment lanes was started with: API keys, LANES_* settings, the base of commands' env. */
  env: NodeJS.ProcessEnv;
  /** The lanes process this session's tasks belong to (the CLI passes its pid). */
  ownerPid: number;
  /** One-line notes for the user (tasks picked up, sandbox unavailable); the CLI writes them to stderr. */
  notice?: ((line: string) => void) | undefined;
  /** An agent's own session (agent-worker): its place in the tree, where its transcript goes, no recovery. */
  agent?: { context: AgentContext; transcriptsIn: string } | undefined;
}
