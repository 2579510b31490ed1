import type { Command } from "commander";
import { load } from "./command-loaders.js";
import { workspaceOf } from "./effective-config.js";
import { commandOptions } from "./command-options.js";
import { sharedOption } from "./options.js";

// `lanes tasks` and its subcommands: list, logs, prune, kill, show.

/** The workspace of a command that takes only --cwd (tasks, trust). */
export async function cwdOf(command: Command): Promise<string> {
  return (await workspaceOf(commandOptions(command))).root;
}

/** How long `lanes tasks kill` waits for the killed task's sandbox to end (its holder looks every 0.1 s). */
const KILL_TIDY_MS = 2_000;

/** Adds `lanes tasks` (list) with logs, prune, kill and show to `program`; returns it. */
export function addTasksCommand(program: Command): Command {
  const tasks = program
    .command("tasks")
    .description(
      "list the workspace's background tasks; tasks logs ID [-f], tasks kill ID, tasks show ID, tasks prune",
    )
    .option("--all", "include finished tasks")
    .addOption(sharedOption.cwd())
    .action(async (options: { all?: boolean }, command: Command) => {
      const workspace = await cwdOf(command);
      const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
      console.log(await (await load.tasks()).tasksListing(workspace, options.all ?? false, columns));
    });
  tasks
    .command("logs <id>")
    .description("print a task's output (ID: the whole id or 4+ of its first characters)")
    .option("-f, --follow", "keep printing new output until the task ends")
    .addOption(sharedOption.cwd())
    .action(async (id: string, options: { follow?: boolean }, command: Command) => {
      const workspace = await cwdOf(command);
      await (await load.tasks()).printLogs(workspace, id, options.follow ?? false, process.stdout);
    });
  tasks
    .command("prune")
    .description("remove ended tasks (record, log, exit file) older than task_retention_days, or as told")
    .option("--older-than <duration>", "ended more than this long ago: 30m, 12h, 7d, 2w")
    .option("--all", "every ended task")
    .addOption(sharedOption.cwd())
    .action(async (options: { all?: boolean; olderThan?: string }, command: Command) => {
      const workspace = await cwdOf(command);
      const days = (await load.config()).loadConfig(workspace, process.env).task_retention_days;
      // Commander may hand `prune --all` to the `tasks` listing's own --all.
      const all = options.all === true || tasks.opts<{ all?: boolean }>().all === true;
      console.log(
        await (await load.tasks()).pruneCommand(workspace, { all, olderThan: options.olderThan }, days),
      );
    });
  tasks
    .command("kill <id>")
    .description("end a task and its whole process group (ID: the whole id or 4+ of its first characters)")
    .addOption(sharedOption.cwd())
    .action(async (id: string, _options: unknown, command: Command) => {
      const workspace = await cwdOf(command);
      const graceMs = (await load.config()).loadConfig(workspace, process.env).kill_grace_ms;
      const tasksCommand = await load.tasks();
      console.log(await tasksCommand.killTaskText(workspace, id, graceMs));
      // Said first: the user has the answer while the killed task's sandbox goes and its mount points with it.
      await tasksCommand.tidyMountPoints(workspace, KILL_TIDY_MS);
    });
  tasks
    .command("show <id>")
    .description("print one task's record: status, command, times, exit code, log (ID: as for logs)")
    .addOption(sharedOption.cwd())
    .action(async (id: string, _options: unknown, command: Command) => {
      const workspace = await cwdOf(command);
      console.log(await (await load.tasks()).showTaskText(workspace, id));
    });
  return tasks;
}
