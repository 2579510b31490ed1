import { RemoteError } from "./remote-error.js";
import { shellQuote } from "./ssh-transport.js";
import { runShell, runWhere, type SlurmWhere } from "./slurm-run.js";
import { jobByName } from "./slurm-state.js";

/** Where a workspace's copy and its tasks' files live on the Slurm side (absolute, on the shared `dir`). */
export interface SlurmPaths {
  /** The synced working tree: jobs run here. */
  work: string;
  /** `<dir>/.lanes-tasks/<workspace key>/<task id>`: the job's output file and its exit file. */
  task: string;
}

export function slurmPaths(base: string, workspaceKey: string, taskId: string): SlurmPaths {
  return { work: `${base}/${workspaceKey}`, task: `${base}/.lanes-tasks/${workspaceKey}/${taskId}` };
}

export interface JobRequest {
  taskId: string;
  command: string;
  paths: SlurmPaths;
  partition: string | undefined;
  /** The engine-side deadline (`--time`, rounded up to minutes as Slurm counts). */
  deadlineMs: number;
}

/** The batch script: runs the command, then writes its exit code to the exit file (temp file, rename). */
export function batchScript(request: JobRequest): string {
  const exit = shellQuote(`${request.paths.task}/exit`);
  return [
    "#!/bin/sh",
    `sh -c ${shellQuote(request.command)}`,
    "code=$?",
    `printf '%s exit\\n' "$code" > ${exit}.$$ && mv -f ${exit}.$$ ${exit}`,
    'exit "$code"',
    "",
  ].join("\n");
}

export function sbatchArgs(request: JobRequest): string[] {
  const minutes = Math.max(1, Math.ceil(request.deadlineMs / 60_000));
  return [
    "sbatch",
    "--parsable",
    `--job-name=${request.taskId}`,
    `--chdir=${request.paths.work}`,
    `--output=${request.paths.task}/out`,
    `--time=${minutes}`,
    // Submit once: a node failure must not run the command a second time behind lanes' back.
    "--no-requeue",
    ...(request.partition === undefined ? [] : [`--partition=${request.partition}`]),
  ];
}

/** sbatch's refusal as a failure a user can act on. */
export function sbatchFailure(where: SlurmWhere, request: JobRequest, stderr: string): RemoteError {
  const said =
    stderr
      .trim()
      .split("\n")
      .pop()
      ?.replace(/^sbatch: error: /, "") ?? "";
  if (/invalid partition/i.test(stderr))
    return new RemoteError(
      where.lane,
      where.host,
      "unknown partition",
      `partition "${request.partition ?? "(default)"}" does not exist (${said})`,
    );
  return new RemoteError(where.lane, where.host, "slurm refused", said || "sbatch failed");
}

/**
 * Submits the task's job once: a job Slurm still lists under the task id is that task's (a resent start,
 * or a lanes that died after sbatch), and is returned instead of submitting again.
 */
export async function submitJob(where: SlurmWhere, request: JobRequest): Promise<string> {
  const found = await jobByName(where, request.taskId);
  if (found !== undefined) return found;
  const made = await runShell(where, 'mkdir -p "$1" && : > "$1/out"', [request.paths.task]);
  if (made.code !== 0)
    throw new RemoteError(
      where.lane,
      where.host,
      "dir not writable",
      made.stderr.trim() || request.paths.task,
    );
  const result = await runWhere(where, sbatchArgs(request), {
    input: batchScript(request),
    env: { LANES_TASK_ID: request.taskId },
  });
  const id = /^(\d+)/.exec(result.stdout.toString("utf8").trim())?.[1];
  if (result.code !== 0 || id === undefined) {
    // Refused (unknown partition, limits): no job, so no task folder either; the workspace copy stays.
    // An answer without an id (exit 0) may still be a job: its folder is kept.
    if (result.code !== 0) await runShell(where, 'rm -rf "$1"', [request.paths.task]).catch(() => {});
    throw sbatchFailure(where, request, result.stderr);
  }
  return id;
}

/** The exit file's code, if the job's script got to write it. */
export async function readExitFile(where: SlurmWhere, paths: SlurmPaths): Promise<number | undefined> {
  const result = await runShell(where, 'cat "$1/exit" 2>/dev/null', [paths.task]);
  const code = /^(\d+) exit/.exec(result.stdout.toString("utf8"))?.[1];
  return code === undefined ? undefined : Number(code);
}

/** The job's output from byte `offset` on (empty before the job has started). */
export async function readOutput(where: SlurmWhere, paths: SlurmPaths, offset: number): Promise<Buffer> {
  const result = await runWhere(where, ["tail", "-c", `+${offset + 1}`, `${paths.task}/out`]);
  return result.code === 0 ? result.stdout : Buffer.alloc(0);
}
