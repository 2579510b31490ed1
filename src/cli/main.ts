import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { MissingApiKeyError } from "../model/create-provider.js";
import { runDemo } from "./demo.js";
import { runPrintMode, type OutputFormat } from "./print-mode.js";
import { runRepl } from "./repl.js";
import { loadWorkspaceEnv } from "./session.js";
import { formatTaskList, killStoredTask, listStoredTasks, showLogs } from "./tasks-command.js";
import { VERSION } from "./version.js";

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
  .option("--cwd <dir>", "workspace root", process.cwd())
  .option("--max-turns <n>", "stop after this many model calls", positiveInt, 100)
  .option(
    "--max-wait <seconds>",
    "-p: longest wait for running tasks after the model stops; then they are killed",
    positiveInt,
    600,
  )
  .showHelpAfterError();

program.action(
  async (options: {
    print?: string;
    outputFormat: OutputFormat;
    model?: string;
    cwd: string;
    maxTurns: number;
    maxWait: number;
  }) => {
    const workspace = resolve(options.cwd);
    loadWorkspaceEnv(workspace);
    const common = {
      workspace,
      model: options.model,
      maxTurns: options.maxTurns,
      maxWaitMs: options.maxWait * 1000,
    };
    process.exitCode =
      options.print !== undefined
        ? await runPrintMode({ ...common, prompt: options.print, format: options.outputFormat })
        : await runRepl(common);
  },
);

program
  .command("demo")
  .description("offline demo: the chapter's Try It with a scripted model and real background processes")
  .option("--keep", "keep the temporary workspace")
  .action(async (options: { keep?: boolean }) => {
    process.exitCode = await runDemo(options);
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
  } else {
    console.error(`lanes: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
