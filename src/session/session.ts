import { existsSync } from "node:fs";
import type { SessionOptions } from "./session-options.js";
import { compactionSettings } from "./compaction-settings.js";
import { createBackgroundHooks, type BackgroundHooks } from "../agent/background-hooks.js";
import type { AgentEventSink } from "../agent/events.js";
import type { Compactor, CompactionSettings } from "../agent/compaction.js";
import { ConversationLog, type LogEntry } from "../agent/conversation-log.js";
import {
  addUsage,
  AgentRunError,
  createCompactor,
  runAgent,
  type AgentConfig,
  type AgentRunResult,
} from "../agent/loop.js";
import { buildSystemPrompt } from "../agent/system-prompt.js";
import { CommandGate } from "../approval/gate.js";
import { topContext } from "../agents/agent-context.js";
import { withAgentTools } from "../agents/agent-tools.js";
import { fileEditHooks } from "../tools/write-approval.js";
import { laneManagerOptions } from "./lane-options.js";
import { commandRules } from "../config/user-config.js";
import { startLanes } from "./start-lanes.js";
import { resultsHeldIn } from "./results-in-conversation.js";
import { LaneManager } from "../lanes/lane-manager.js";
import { createProvider } from "../model/create-provider.js";
import { emptyUsage, type Message, type ModelProvider, type Usage } from "../model/types.js";
import { EditJournal } from "../tools/edit-journal.js";
import { createToolset } from "../tools/toolset.js";
import { SessionStore } from "./session-store.js";
import { ContextWindow } from "./context-window.js";
import type { Tool } from "../tools/define-tool.js";
import { lanesCacheDir } from "../config/cache-dir.js";

export type { SessionOptions } from "./session-options.js";

/** What the CLI decides for a session (the REPL and -p take these as they are). */
export type SessionChoice = Pick<
  SessionOptions,
  "workspace" | "startedIn" | "config" | "model" | "providerName" | "resume" | "env" | "ownerPid" | "notice"
>;

/** `--resume ID` / `--continue` found nothing to resume. */
export class SessionNotFoundError extends Error {
  override name = "SessionNotFoundError";
}

export { DEFAULT_CONTEXT_WINDOW } from "./context-window.js";

/** One conversation in one workspace: the lane manager, the model, the tools and the conversation log. */
export class Session {
  /** The conversation, appended to `.lanes/sessions/<id>.jsonl` entry by entry. */
  log: ConversationLog;
  readonly lanes: LaneManager;
  provider: ModelProvider;
  readonly tools: Tool[];
  readonly hooks: BackgroundHooks;
  readonly system: string;
  /** The conversation's id: `.lanes/sessions/<id>.jsonl`, `--resume ID`. A new one after startOver(). */
  id: string;
  private readonly sessions: SessionStore;
  private createdAt = new Date().toISOString();
  private readonly taskIds: string[] = [];
  /** The file is created with the first entry, so a session that never spoke leaves none behind. */
  private opened = false;
  private compactor: Compactor | undefined;
  private readonly window: ContextWindow;
  /** Tokens of every call this session made (the REPL's /context shows the cache share). */
  readonly usage: Usage = emptyUsage();
  /** The files each run changed, and their content before it (`/undo`). */
  readonly edits = new EditJournal();

  constructor(private readonly options: SessionOptions) {
    const { config, env } = options;
    this.provider =
      options.provider ??
      createProvider({ model: options.model ?? config.model, env, provider: options.providerName });
    this.window = new ContextWindow(config.context_window, () => this.provider);
    const notice = options.notice ?? (() => {});
    this.lanes = new LaneManager(
      laneManagerOptions(options.workspace, config, env, notice, options.ownerPid),
    );
    // An agent never takes over others' tasks: their results are its parent's, not its own.
    if (!options.agent) startLanes(this.lanes, config.task_retention_days, notice);
    const gate = new CommandGate({
      mode: "never",
      ...options.approvals,
      ...commandRules(config, options.workspace),
    });
    this.tools = withAgentTools(
      createToolset(
        this.lanes,
        { backgroundAfterMs: config.bash_background_after_ms, ...options.bash },
        gate,
        {
          ...fileEditHooks(options.approvals?.mode ?? "never", options.writeApprover, this.edits),
          home: env.HOME,
          cacheDir: lanesCacheDir(env),
        },
      ),
      this.lanes,
      options.agent?.context ??
        topContext(this.lanes.store.lanesDir, config, this.provider.model, options.providerName, env, {
          canAsk: options.approvals?.approver !== undefined,
        }),
    );
    this.hooks = createBackgroundHooks(this.lanes, {
      idleWake: options.idleWake,
      maxWaitMs: config.max_wait_ms,
      emit: options.emit,
    });
    this.system = buildSystemPrompt(options.workspace, options.startedIn, options.env);
    this.sessions = new SessionStore(options.agent?.transcriptsIn ?? this.lanes.store.lanesDir);
    this.log = this.newLog([]);
    this.id = options.resume === undefined ? this.sessions.newId() : this.resumeFrom(options.resume);
    this.compactor = createCompactor(this.agentConfig(options.emit));
    const note = (id: string): void => {
      if (this.taskIds.includes(id)) return;
      this.taskIds.push(id);
      this.ensureOpen();
      this.sessions.appendTask(this.id, id);
    };
    // Write-ahead: the session's line is on disk before the task starts (a crash right after keeps both).
    this.lanes.onRecorded((record) => note(record.id));
    this.lanes.subscribe((event) => {
      if (event.type === "task-queued" || event.type === "task-start") note(event.record.id);
    });
  }

  /** Whether the conversation has a saved file that `--resume ID` can pick up. */
  get saved(): boolean {
    return existsSync(this.sessions.file(this.id));
  }

  /** The view the API gets of the conversation (see ConversationLog.project). */
  get messages(): Message[] {
    return this.log.project();
  }

  /** `/clear`: a new, empty conversation under a new id; the old one stays saved and resumable. */
  startOver(): void {
    this.hooks.requeueUndelivered();
    this.taskIds.length = 0;
    this.id = this.sessions.newId();
    this.createdAt = new Date().toISOString();
    this.opened = false;
    this.log = this.newLog([]);
    this.compactor = createCompactor(this.agentConfig(this.options.emit));
  }

  /** `/resume ID`: this REPL goes on with a saved conversation of the workspace (tasks keep running). */
  resume(id: string): void {
    if (!/^[\w.-]+$/.test(id) || !existsSync(this.sessions.file(id)))
      throw new SessionNotFoundError(`no session ${id} in ${this.sessions.dir}`);
    this.startOver();
    this.id = this.resumeFrom(id);
  }

  /** `/model ID`: the next calls go to this model (same API); the conversation stays. Throws on a bad id. */
  switchModel(model: string): void {
    this.provider = createProvider({ model, env: this.options.env, provider: this.options.providerName });
    this.window.reset();
    this.compactor = createCompactor(this.agentConfig(this.options.emit));
  }

  /** `/compact`: compacts the conversation now (stubs, then a summary by the model). */
  async compact(signal: AbortSignal): Promise<Usage> {
    const usage = emptyUsage();
    const outcome = await this.compactor?.compact(this.log, "manual", signal);
    if (outcome?.usage) addUsage(usage, outcome.usage);
    addUsage(this.usage, usage);
    return usage;
  }

  /** The context window this session compacts against. */
  contextWindow(): number {
    return this.window.size;
  }

  /** Estimated tokens the next request will occupy, and the window. */
  contextUse(): { tokens: number; window: number } {
    const tokens = this.compactor?.budget.estimate(JSON.stringify(this.log.project()).length) ?? 0;
    return { tokens, window: this.contextWindow() };
  }

  private newLog(entries: LogEntry[]): ConversationLog {
    return new ConversationLog(entries, (entry) => {
      this.ensureOpen();
      this.sessions.appendEntry(this.id, entry);
    });
  }

  private ensureOpen(): void {
    if (this.opened) return;
    this.opened = true;
    const meta = { id: this.id, workspace: this.options.workspace, model: this.provider.model };
    this.sessions.open({ ...meta, createdAt: this.createdAt });
  }

  private compactionSettings(): CompactionSettings {
    return compactionSettings({
      window: this.contextWindow(),
      compactAt: this.options.config.compact_at,
      workspace: this.options.workspace,
      outputsDir: () => this.sessions.outputsDir(this.id),
      active: () => this.lanes.active(),
    });
  }

  /** Loads a saved conversation and its tasks; returns its id, under which it keeps being saved. */
  private resumeFrom(which: string): string {
    const id = which === "latest" ? this.sessions.latest() : which;
    if (id === undefined)
      throw new SessionNotFoundError(`no saved session in ${this.sessions.dir} to continue`);
    let loaded;
    try {
      loaded = this.sessions.load(id);
    } catch (error) {
      throw new SessionNotFoundError((error as Error).message);
    }
    this.log = this.newLog(loaded.entries);
    // Appending continues in the same file, after its last whole line.
    this.opened = false;
    this.taskIds.push(...loaded.taskIds);
    this.lanes.loadHistory(loaded.taskIds);
    // Reconciled with the records: a result the conversation holds is never queued again.
    this.lanes.markDelivered(resultsHeldIn(loaded.entries, loaded.taskIds));
    return loaded.id;
  }

  /**
   * Runs the loop on the pending background results alone, as if they were a message (the REPL's wake when
   * one lands at an empty prompt). Undefined when nothing is pending: a model call needs a user turn.
   */
  async wake(signal: AbortSignal): Promise<AgentRunResult | undefined> {
    // Checked right before the loop's first step, which drains them synchronously into the log.
    if (this.lanes.notifications.size === 0) return undefined;
    return this.run(signal);
  }

  /** Sends one user message and runs the loop until the model is done. Model errors propagate. */
  async send(prompt: string, signal: AbortSignal): Promise<AgentRunResult> {
    this.log.appendUserText(prompt);
    return this.run(signal);
  }

  /** Runs the loop on the log; its tokens count toward the session's usage, a failed run's too. */
  private async run(signal: AbortSignal): Promise<AgentRunResult> {
    // Before the first model call: the server's window, and the compactor set to it.
    if (await this.window.learn(signal))
      this.compactor = createCompactor(this.agentConfig(this.options.emit));
    this.edits.beginSet();
    try {
      const result = await runAgent(this.log, this.agentConfig(this.options.emit), signal, this.compactor);
      addUsage(this.usage, result.usage);
      return result;
    } catch (error) {
      if (error instanceof AgentRunError) addUsage(this.usage, error.partial.usage);
      throw error;
    }
  }

  private agentConfig(emit: AgentEventSink): AgentConfig {
    return {
      provider: this.provider,
      system: this.system,
      tools: this.tools,
      hooks: this.hooks,
      emit,
      maxTurns: this.options.config.max_turns,
      compaction: this.compactionSettings(),
    };
  }

  workspace(): string {
    return this.options.workspace;
  }

  close(): Promise<void> {
    return this.lanes.shutdown();
  }
}
