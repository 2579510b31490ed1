import { Command, Option } from "commander";
import { stderrLine } from "./stderr-line.js";
import type { SessionChoice } from "../session/session.js";
import { VERSION } from "../version.js";
import { describeFailure, type ParseContext } from "./errors.js";
import { ENVIRONMENT_HELP } from "./environment-help.js";
import { showHelp } from "./help-command.js";
import { effectiveConfig, workspaceOf } from "./effective-config.js";
import { modelValue, positiveInt, sharedOption, timerSeconds, type MainOptions } from "./options.js";
import { commandName, commandOptions } from "./command-options.js";
import { commandLine } from "./command-line.js";
import { UsageError } from "../config/usage-error.js";
import { load } from "./command-loaders.js";
import { addTasksCommand, cwdOf } from "./tasks-program.js";

// Output into a closed pipe (`lanes doctor | head -1`) ends quietly: what is written after that is dropped
// and the command runs to its end, so its own cleanup (the demo's temp workspace) still happens.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

const program = new Command()
  .name("lanes")
  .description("A coding agent whose slow shell commands run in background lanes while it keeps working.")
  .version(VERSION, "-v, --version")
  .addOption(new Option("-V").hideHelp())
  .option(
    "-p, --print [prompt]",
    "run one task non-interactively and print the final answer; piped stdin is added to the prompt (or is the prompt: -p -)",
  )
  .addOption(
    new Option("--output-format <format>", "output of -p")
      .choices(["text", "json", "stream-json"])
      .default("text"),
  )
  .option(
    "--model <model>",
    "model id (overrides MODEL_ID), or script:FILE.json to replay a scripted conversation",
    modelValue,
  )
  .addOption(sharedOption.provider())
  .addOption(sharedOption.cwd())
  .option("--max-turns <n>", "stop after this many model calls (default 100)", positiveInt)
  .option(
    "--max-wait <seconds>",
    "-p: longest wait for tasks after the model stops, then they are killed (default 600)",
    timerSeconds,
  )
  .addOption(sharedOption.laneLimit())
  .addOption(sharedOption.sandbox())
  .addOption(sharedOption.approval())
  .option("-c, --continue", "resume the most recent conversation in this workspace")
  .option(
    "-r, --resume [id]",
    "resume a saved conversation (.lanes/sessions/ID.jsonl); without ID, list them",
  )
  .addHelpText("after", ENVIRONMENT_HELP)
  // A subcommand's words are its own: `lanes run echo -V` is not lanes' --version.
  .enablePositionalOptions()
  .helpCommand(false)
  // Parse errors end as one line pointing at --help (describeFailure), not the whole help.
  .exitOverride()
  .configureOutput({ outputError: () => undefined });

/** The command whose parse failed, for the error line (`lanes tasks` names its own subcommands). */
let failedIn: Command = program;

program.action(async (options: MainOptions & { V?: boolean }) => {
  if (options.V) return void process.stdout.write(`${VERSION}\n`);
  if (options.print === undefined) {
    for (const [key, flag] of [
      ["outputFormat", "--output-format"],
      ["maxWait", "--max-wait"],
    ] as const)
      if (program.getOptionValueSource(key) === "cli") throw new UsageError(`${flag} applies only to -p`);
  }
  const { root: workspace, cwd, explicit } = await workspaceOf(options);
  if (options.resume === true) {
    process.stdout.write(await (await load.sessionList()).sessionListing(workspace));
    return;
  }
  // Only the REPL on a terminal can ask whether to trust the workspace; elsewhere its .env is held back.
  const interactive = options.print === undefined && process.stdin.isTTY && process.stdout.isTTY;
  if (!explicit && (await load.root()).isTooWideWorkspace(workspace)) {
    const wide = await load.wide();
    if (!interactive) wide.refuseWideWorkspace(workspace);
    if (!(await wide.confirmWideWorkspace(workspace))) return void (process.exitCode = 2);
  }
  const prompt =
    options.print === undefined
      ? undefined
      : await (await load.prompt()).printPrompt(options.print, process.stdin);
  const askTrust = interactive ? (await load.trustQuestion()).askTrust : undefined;
  const common: SessionChoice = {
    workspace,
    startedIn: cwd,
    model: options.model,
    providerName: options.provider,
    config: await effectiveConfig(workspace, options, { askTrust }),
    resume: options.resume ?? (options.continue ? "latest" : undefined),
    env: process.env,
    ownerPid: process.pid,
    notice: stderrLine,
  };
  process.exitCode =
    prompt !== undefined
      ? await (await load.print()).runPrintMode({ ...common, prompt, format: options.outputFormat })
      : await (await load.repl()).runRepl(common);
});

program
  .command("demo")
  .description("offline demo: a scripted model drives real background processes in a temporary workspace")
  .option("--keep", "keep the temporary workspace")
  .action(async (options: { keep?: boolean }) => {
    process.exitCode = await (await load.demo()).runDemo(options);
  });

program
  .command("run")
  .argument("<command...>", "a shell line (one argument) or a command and its arguments")
  .description("run a command as a tracked task; with --detach it is persisted and outlives lanes")
  .option("--detach", "start it and return at once; it keeps running after lanes exits")
  .addOption(sharedOption.cwd())
  .addOption(sharedOption.sandbox())
  .addOption(sharedOption.laneLimit())
  // Everything after the command's first word is the command's: `lanes run ls -la`.
  .passThroughOptions()
  .action(async (words: string[], _options: unknown, command: Command) => {
    const options = commandOptions(command) as MainOptions & { detach?: boolean };
    const { root: workspace } = await workspaceOf(options);
    process.exitCode = await (
      await load.run()
    ).runCommand({
      workspace,
      config: await effectiveConfig(workspace, options, false),
      command: commandLine(words),
      detach: options.detach ?? false,
    });
  });

program
  .command("sandbox")
  .argument("<command...>", "a shell line (one argument) or a command and its arguments")
  .description(
    "run one command in the sandbox the model's commands get, on this terminal: lanes sandbox -- CMD",
  )
  .addOption(sharedOption.cwd())
  .addOption(sharedOption.sandbox())
  .passThroughOptions()
  .action(async (words: string[], _options: unknown, command: Command) => {
    const options = commandOptions(command);
    const { root: workspace } = await workspaceOf(options);
    process.exitCode = await (
      await load.sandbox()
    ).runSandboxed({
      workspace,
      config: await effectiveConfig(workspace, options),
      command: commandLine(words),
    });
  });

program
  .command("mcp")
  .description("serve the background lanes over MCP stdio (Claude Code, Claude Desktop...); --cwd: workspace")
  .addOption(sharedOption.cwd())
  .addOption(sharedOption.sandbox())
  .addOption(sharedOption.laneLimit())
  .action(async (_options: unknown, command: Command) => {
    const options = commandOptions(command);
    const { root: workspace } = await workspaceOf(options);
    const script = process.argv[1] ?? "lanes.js";
    if (process.stdin.isTTY) console.error((await import("./mcp-intro.js")).mcpIntro(script, workspace));
    await (await load.mcp()).runMcpCommand(workspace, await effectiveConfig(workspace, options));
  });

const tasks = addTasksCommand(program);

program
  .command("agent-worker <spec>", { hidden: true })
  .description("the process behind an agent_run task (started by lanes itself)")
  .action(async (spec: string) => {
    process.exitCode = await (await load.agentWorker()).runAgentWorkerCommand(spec);
  });

program
  .command("doctor")
  .description("check the environment (key, endpoint, shell, workspace) and say what to fix")
  .addOption(sharedOption.cwd())
  .addOption(sharedOption.provider())
  .action(async (_options: unknown, command: Command) => {
    const options = commandOptions(command);
    const { root: workspace } = await workspaceOf(options);
    // A bad config file is one of the doctor's findings, shown with the rest, not the end of it.
    await (await load.setup()).prepareWorkspace(workspace).catch((error: unknown) => {
      if ((error as Error).name !== "ConfigError") throw error;
    });
    process.exitCode = await (await load.doctor()).runDoctor({ workspace, provider: options.provider });
  });

program
  .command("trust")
  .description("trust this workspace: its .env may set endpoints (ANTHROPIC_BASE_URL...), keys and tokens")
  .option("--revoke", "no longer trust it")
  .addOption(sharedOption.cwd())
  .action(async (options: { revoke?: boolean }, command: Command) => {
    const workspace = await cwdOf(command);
    console.log((await load.trust()).trustWorkspace(workspace, !options.revoke));
  });

program
  .command("completion <shell>")
  .description("print a completion script: bash or zsh (e.g. lanes completion bash >> ~/.bashrc)")
  .action(async (shell: string) => {
    process.stdout.write((await load.completion()).completionScript(shell, program));
  });

program
  .command("help [command]")
  .description("show the help of lanes or of one command")
  .action((name: string | undefined) => showHelp(program, name));

// Every command ends its parse errors by throwing (no process.exit from inside commander), saying where.
for (const command of [program, ...program.commands, ...tasks.commands]) {
  command.exitOverride((error) => {
    failedIn = command;
    throw error;
  });
  command.configureOutput({ outputError: () => undefined });
}

try {
  await program.parseAsync();
} catch (error) {
  const context: ParseContext = {
    name: commandName(failedIn),
    // Hidden ones (agent-worker) are lanes' own, never a user's choice.
    subcommands: failedIn
      .createHelp()
      .visibleCommands(failedIn)
      .map((c) => c.name())
      .filter((name) => name !== "help"),
    operands: failedIn.args.length > 0 ? failedIn.args : program.args,
  };
  const { line, code } = describeFailure(error, context);
  if (line !== undefined) console.error(line);
  process.exitCode = code;
}
