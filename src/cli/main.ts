import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { ConfigError, loadConfig, type LanesConfig } from "../config/config.js";
import { runMcpServer } from "../mcp/server.js";
import { MissingApiKeyError, type ProviderName } from "../model/create-provider.js";
import { ToolError } from "../tools/define-tool.js";
import { runDemo } from "./demo.js";
import { runPrintMode, type OutputFormat } from "./print-mode.js";
import { runRepl } from "./repl.js";
import { runCommand } from "./run-command.js";
import { loadWorkspaceEnv } from "./session.js";
import { formatTaskList, killStoredTask, listStoredTasks, showLogs } from "./tasks-command.js";
import { VERSION } from "./version.js";

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
  .option("--cwd <dir>", "workspace root", process.cwd())
  .option("--max-turns <n>", "stop after this many model calls (default 100)", positiveInt)
  .option(
    "--max-wait <seconds>",
    "-p: longest wait for tasks after the model stops, then they are killed (default 600)",
    positiveInt,
  )
  .option(
    "--lane-limit <lane=n>",
    "concurrency limit of a lane, repeatable (default lane: 8)",
    collectLaneLimit,
  )
  .showHelpAfterError();

interface MainOptions {
  print?: string;
  outputFormat: OutputFormat;
  model?: string;
  provider?: ProviderName;
  cwd: string;
  maxTurns?: number;
  maxWait?: number;
  laneLimit?: Record<string, number>;
}

/** Files, then flags: a flag always wins over a config file. */
function effectiveConfig(workspace: string, options: MainOptions): LanesConfig {
  const config = loadConfig(workspace);
  if (options.maxTurns !== undefined) config.max_turns = options.maxTurns;
  if (options.maxWait !== undefined) config.max_wait_ms = options.maxWait * 1000;
  for (const [lane, limit] of Object.entries(options.laneLimit ?? {})) {
    if (lane === "default") config.default_lane_limit = limit;
    else config.lanes[lane] = { limit };
  }
  return config;
}

program.action(async (options: MainOptions) => {
  const workspace = resolve(options.cwd);
  loadWorkspaceEnv(workspace);
  // The flag wins over LANES_PROVIDER and .env; createProvider reads it where the session builds the model.
  if (options.provider !== undefined) process.env.LANES_PROVIDER = options.provider;
  const common = { workspace, model: options.model, config: effectiveConfig(workspace, options) };
  process.exitCode =
    options.print !== undefined
      ? await runPrintMode({ ...common, prompt: options.print, format: options.outputFormat })
      : await runRepl(common);
});

program
  .command("demo")
  .description("offline demo: the chapter's Try It with a scripted model and real background processes")
  .option("--keep", "keep the temporary workspace")
  .action(async (options: { keep?: boolean }) => {
    process.exitCode = await runDemo(options);
  });

program
  .command("run <command...>")
  .description("run a command as a tracked task; with --detach it is persisted and outlives lanes")
  .option("--detach", "start it and return at once; it keeps running after lanes exits")
  .action(async (words: string[], options: { detach?: boolean }) => {
    const workspace = resolve(program.opts<{ cwd: string }>().cwd);
    const config = loadConfig(workspace);
    process.exitCode = await runCommand({
      workspace,
      config,
      command: words.join(" "),
      detach: options.detach ?? false,
    });
  });

program
  .command("mcp")
  .description("serve the background lanes over MCP stdio (Claude Code, Claude Desktop...); --cwd: workspace")
  .action(async () => {
    const options = program.opts<MainOptions>();
    const workspace = resolve(options.cwd);
    loadWorkspaceEnv(workspace);
    await runMcpServer({ workspace, config: effectiveConfig(workspace, options) });
  });

const tasks = program
  .command("tasks")
  .description("list the workspace's background tasks")
  .option("--all", "include finished tasks")
  .action((options: { all?: boolean }) => {
    const workspace = resolve(program.opts<{ cwd: string }>().cwd);
    console.log(formatTaskList(listStoredTasks(workspace, options.all ?? false), options.all ?? false));
  });
tasks
  .command("logs <id>")
  .description("print a task's output")
  .option("-f, --follow", "keep printing new output until the task ends")
  .action(async (id: string, options: { follow?: boolean }) => {
    const workspace = resolve(program.opts<{ cwd: string }>().cwd);
    await showLogs(workspace, id, options.follow ?? false, (text) => void process.stdout.write(text));
  });
tasks
  .command("kill <id>")
  .description("end a task and its whole process group")
  .action(async (id: string) => {
    const workspace = resolve(program.opts<{ cwd: string }>().cwd);
    console.log(await killStoredTask(workspace, id));
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof MissingApiKeyError) {
    console.error(error.message);
    process.exitCode = 2;
  } else if (error instanceof ToolError) {
    console.error(`lanes: ${error.message}`);
    process.exitCode = 2;
  } else if (error instanceof ConfigError) {
    console.error(`lanes: invalid configuration: ${error.message}`);
    process.exitCode = 2;
  } else {
    console.error(`lanes: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
