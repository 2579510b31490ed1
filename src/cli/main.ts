import { resolve } from "node:path";
import { statSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import type { LanesConfig } from "../config/config.js";
import { APPROVAL_MODES, type ApprovalMode } from "../config/approval-modes.js";
import { MAX_TIMER_MS } from "../config/limits.js";
import { SANDBOX_MODES, type SandboxMode } from "../sandbox/policy.js";
import type { ProviderName } from "../model/create-provider.js";
import type { OutputFormat } from "./print-mode.js";
import type { SessionChoice } from "../session/session.js";
import type { WorkspaceSetupOptions } from "./workspace-setup.js";
import { VERSION } from "../version.js";
import { describeFailure } from "./errors.js";
import { ENVIRONMENT_HELP } from "./environment-help.js";

// Output into a closed pipe (`lanes doctor | head -1`) ends quietly: what is written after that is dropped
// and the command runs to its end, so its own cleanup (the demo's temp workspace) still happens.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

// Command modules load on demand: `lanes --version` or `lanes tasks` should not pay for every SDK, and
// `--version`/`--help` not even for zod (the configuration schema).
const load = {
  config: () => import("../config/config.js"),
  demo: () => import("./demo.js"),
  print: () => import("./print-mode.js"),
  repl: () => import("../repl/repl.js"),
  run: () => import("./run-command.js"),
  sandbox: () => import("./sandbox-command.js"),
  sessionList: () => import("./session-listing.js"),
  mcp: () => import("../mcp/server.js"),
  setup: () => import("./workspace-setup.js"),
  trust: () => import("./trust-command.js"),
  trustQuestion: () => import("../repl/trust-question.js"),
  tasks: () => import("./tasks-command.js"),
  doctor: () => import("./doctor.js"),
  completion: () => import("./completion.js"),
};

function collectLaneLimit(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^([\w.-]+)=(\d+)$/.exec(value);
  if (!match?.[1] || !match[2] || Number(match[2]) < 1)
    throw new InvalidArgumentError("expected LANE=N, e.g. tests=2");
  return { ...previous, [match[1]]: Number(match[2]) };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

/** --cwd must name an existing folder: checked before anything runs, so nothing is created elsewhere. */
function existingDirectory(value: string): string {
  const stat = statSync(value, { throwIfNoEntry: false });
  if (!stat) throw new InvalidArgumentError(`${value} does not exist`);
  if (!stat.isDirectory()) throw new InvalidArgumentError(`${value} is not a folder`);
  return value;
}

/** Seconds that become a timer: capped where Node timers stop honouring them (about 24 days). */
function timerSeconds(value: string): number {
  const n = positiveInt(value);
  if (n * 1000 > MAX_TIMER_MS)
    throw new InvalidArgumentError(`at most ${Math.floor(MAX_TIMER_MS / 1000)} seconds`);
  return n;
}

const program = new Command()
  .name("lanes")
  .description("A coding agent whose slow shell commands run in background lanes while it keeps working.")
  .version(VERSION)
  .option("-p, --print <prompt>", "run one task non-interactively and print the final answer")
  .addOption(
    new Option("--output-format <format>", "output of -p")
      .choices(["text", "json", "stream-json"])
      .default("text"),
  )
  .option(
    "--model <model>",
    "model id (overrides MODEL_ID), or script:FILE.json to replay a scripted conversation",
  )
  .addOption(
    new Option("--provider <name>", "model API (overrides LANES_PROVIDER; default anthropic)").choices([
      "anthropic",
      "openai",
    ]),
  )
  .option("--cwd <dir>", "workspace root (an existing folder)", existingDirectory, process.cwd())
  .option("--max-turns <n>", "stop after this many model calls (default 100)", positiveInt)
  .option(
    "--max-wait <seconds>",
    "-p: longest wait for tasks after the model stops, then they are killed (default 600)",
    timerSeconds,
  )
  .option(
    "--lane-limit <lane=n>",
    "concurrency limit of a lane, repeatable (default lane: 8)",
    collectLaneLimit,
  )
  .addOption(
    new Option(
      "--sandbox <mode>",
      "OS sandbox for commands (default workspace-write; danger-full-access runs them unsandboxed)",
    ).choices([...SANDBOX_MODES]),
  )
  .addOption(
    new Option(
      "--approval <mode>",
      "when to ask before a command (default: on-request in the REPL, never with -p)",
    ).choices(APPROVAL_MODES),
  )
  .option("-c, --continue", "resume the most recent conversation in this workspace")
  .option(
    "-r, --resume [id]",
    "resume a saved conversation (.lanes/sessions/ID.jsonl); without ID, list them",
  )
  .addHelpText("after", ENVIRONMENT_HELP)
  // Parse errors end as one line pointing at --help (describeFailure), not the whole help; set before the
  // subcommands are added, so they inherit it.
  .exitOverride()
  .configureOutput({ outputError: () => undefined });

interface MainOptions {
  continue?: boolean;
  resume?: string | true;
  print?: string;
  outputFormat: OutputFormat;
  model?: string;
  provider?: ProviderName;
  cwd: string;
  maxTurns?: number;
  maxWait?: number;
  laneLimit?: Record<string, number>;
  sandbox?: SandboxMode;
  approval?: ApprovalMode;
}

/** Files (and the workspace's .env, as far as trust allows), then flags: a flag wins over a config file. */
async function effectiveConfig(
  workspace: string,
  options: MainOptions,
  /** false: the settings only, without loading the workspace's .env (`lanes run`). */
  environment: WorkspaceSetupOptions | false = {},
): Promise<LanesConfig> {
  const setup = await load.setup();
  const config =
    environment === false
      ? setup.loadSettings(workspace)
      : await setup.prepareWorkspace(workspace, environment);
  if (options.approval !== undefined) config.approval = options.approval;
  if (options.maxTurns !== undefined) config.max_turns = options.maxTurns;
  if (options.maxWait !== undefined) config.max_wait_ms = options.maxWait * 1000;
  if (options.sandbox !== undefined) config.sandbox = options.sandbox;
  for (const [lane, limit] of Object.entries(options.laneLimit ?? {})) {
    if (lane === "default") config.default_lane_limit = limit;
    else config.lanes[lane] = { limit };
  }
  return config;
}

program.action(async (options: MainOptions) => {
  const workspace = resolve(options.cwd);
  if (options.resume === true) {
    process.stdout.write(await (await load.sessionList()).sessionListing(workspace));
    return;
  }
  // Only the REPL on a terminal can ask whether to trust the workspace; elsewhere its .env is held back.
  const interactive = options.print === undefined && process.stdin.isTTY && process.stdout.isTTY;
  const askTrust = interactive ? (await load.trustQuestion()).askTrust : undefined;
  const common: SessionChoice = {
    workspace,
    model: options.model,
    providerName: options.provider,
    config: await effectiveConfig(workspace, options, { askTrust }),
    resume: options.resume ?? (options.continue ? "latest" : undefined),
  };
  process.exitCode =
    options.print !== undefined
      ? await (
          await load.print()
        ).runPrintMode({ ...common, prompt: options.print, format: options.outputFormat })
      : await (await load.repl()).runRepl(common);
});

program
  .command("demo")
  .description("offline demo: the chapter's Try It with a scripted model and real background processes")
  .option("--keep", "keep the temporary workspace")
  .action(async (options: { keep?: boolean }) => {
    process.exitCode = await (await load.demo()).runDemo(options);
  });

program
  .command("run <command...>")
  .description("run a command as a tracked task; with --detach it is persisted and outlives lanes")
  .option("--detach", "start it and return at once; it keeps running after lanes exits")
  .action(async (words: string[], options: { detach?: boolean }) => {
    const global = program.opts<MainOptions>();
    const workspace = resolve(global.cwd);
    process.exitCode = await (
      await load.run()
    ).runCommand({
      workspace,
      config: await effectiveConfig(workspace, global, false),
      command: words.join(" "),
      detach: options.detach ?? false,
    });
  });

program
  .command("sandbox <command...>")
  .description(
    "run one command in the sandbox the model's commands get, on this terminal: lanes sandbox -- CMD",
  )
  .action(async (words: string[]) => {
    const options = program.opts<MainOptions>();
    const workspace = resolve(options.cwd);
    process.exitCode = await (
      await load.sandbox()
    ).runSandboxed({
      workspace,
      config: await effectiveConfig(workspace, options),
      command: words.join(" "),
    });
  });

program
  .command("mcp")
  .description("serve the background lanes over MCP stdio (Claude Code, Claude Desktop...); --cwd: workspace")
  .action(async () => {
    const options = program.opts<MainOptions>();
    const workspace = resolve(options.cwd);
    await (await load.mcp()).runMcpServer({ workspace, config: await effectiveConfig(workspace, options) });
  });

const tasks = program
  .command("tasks")
  .description("list the workspace's background tasks")
  .option("--all", "include finished tasks")
  .action(async (options: { all?: boolean }) => {
    const workspace = resolve(program.opts<{ cwd: string }>().cwd);
    const { formatTaskList, listStoredTasks } = await load.tasks();
    console.log(formatTaskList(await listStoredTasks(workspace, options.all ?? false), options.all ?? false));
  });
tasks
  .command("logs <id>")
  .description("print a task's output")
  .option("-f, --follow", "keep printing new output until the task ends")
  .action(async (id: string, options: { follow?: boolean }) => {
    const workspace = resolve(program.opts<{ cwd: string }>().cwd);
    await (
      await load.tasks()
    ).showLogs(workspace, id, options.follow ?? false, (text) => void process.stdout.write(text));
  });
tasks
  .command("kill <id>")
  .description("end a task and its whole process group")
  .action(async (id: string) => {
    const workspace = resolve(program.opts<{ cwd: string }>().cwd);
    const graceMs = (await load.config()).loadConfig(workspace).kill_grace_ms;
    console.log(await (await load.tasks()).killStoredTask(workspace, id, graceMs));
  });

program
  .command("doctor")
  .description("check the environment (key, endpoint, shell, workspace) and say what to fix")
  .action(async () => {
    const options = program.opts<MainOptions>();
    const workspace = resolve(options.cwd);
    await (await load.setup()).prepareWorkspace(workspace);
    process.exitCode = await (await load.doctor()).runDoctor({ workspace, provider: options.provider });
  });

program
  .command("trust")
  .description("trust this workspace: its .env may set endpoints (ANTHROPIC_BASE_URL...), keys and tokens")
  .option("--revoke", "no longer trust it")
  .action(async (options: { revoke?: boolean }) => {
    const workspace = resolve(program.opts<{ cwd: string }>().cwd);
    console.log((await load.trust()).trustWorkspace(workspace, !options.revoke));
  });

program
  .command("completion <shell>")
  .description("print a completion script: bash or zsh (e.g. lanes completion bash >> ~/.bashrc)")
  .action(async (shell: string) => {
    process.stdout.write((await load.completion()).completionScript(shell, program));
  });

try {
  await program.parseAsync();
} catch (error) {
  const { line, code } = describeFailure(error, program.args);
  if (line !== undefined) console.error(line);
  process.exitCode = code;
}
