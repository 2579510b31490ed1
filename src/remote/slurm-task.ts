import { spawnSync } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { USER_KILL_END } from "../lanes/kill-request.js";
import { killRequestPoll } from "./kill-request-poll.js";
import type { KillReason, TaskEnd, TaskHandle } from "../lanes/task-handle.js";
import type { RemoteTask, TaskRecord } from "../lanes/task-record.js";
import { TaskStore } from "../lanes/task-store.js";
import { fileSize } from "../text/utf8-window.js";
import { endFromError, lostEnd } from "./remote-end.js";
import { RemoteError } from "./remote-error.js";
import { shellQuote } from "./ssh-transport.js";
import { endFromExitFile, endFromJob } from "./slurm-end.js";
import { readExitFile, readOutput, slurmPaths, submitJob, type SlurmPaths } from "./slurm-job.js";
import type { SlurmLane } from "./slurm-lane.js";
import { runShell, runWhere } from "./slurm-run.js";
import { jobByName, jobState } from "./slurm-state.js";
import { syncWorkspace } from "./workspace-sync.js";

/** How often Slurm is asked about a job (and its output pulled). */
const POLL_MS = 500;
/** Without an answer from the controller for this long (a restart takes seconds), the task is lost. */
export const SLURM_SILENCE_MS = 120_000;

/**
 * A task as a Slurm job. Submit: the record (`submitting`) is on disk first; a record found `submitting`
 * looks the job up by name (then the exit file) before ever submitting again. The end is Slurm's
 * (`scontrol show job`: state and ExitCode), or the exit file on `dir` once the job has aged out.
 */
export function slurmTask(record: TaskRecord, lane: SlurmLane, save: () => Promise<void>): TaskHandle {
  const fresh = record.remote === undefined;
  const remote: RemoteTask = (record.remote ??= {
    kind: "slurm",
    host: lane.where.host,
    dir: "",
    phase: "submitting",
    job_id: null,
    sync_ms: null,
  });
  const adopting = remote.phase === "started";
  let paths: SlurmPaths | undefined =
    remote.dir === "" ? undefined : slurmPaths(dirname(remote.dir), lane.workspaceKey, record.id);
  const where = lane.where;
  const store = new TaskStore(join(lane.workspace, ".lanes"), { create: false });
  let killReason: KillReason | undefined;
  let cancelPending = false;
  let userKilled = false;
  let released = false;
  let settled = false;
  let resolveEnd: (end: TaskEnd) => void = () => {};
  const exited = new Promise<TaskEnd>((resolve) => (resolveEnd = resolve));
  const abort = new AbortController();

  const finish = (end: TaskEnd): void => {
    if (settled) return;
    settled = true;
    resolveEnd(userKilled && end.status === "killed" ? { ...end, ...USER_KILL_END } : end);
  };
  const cancel = async (): Promise<void> => {
    if (remote.job_id === null) return;
    const result = await runWhere(where, ["scancel", remote.job_id]).catch(() => undefined);
    if (result?.code === 0) cancelPending = false;
  };
  const markStarted = async (): Promise<void> => {
    remote.phase = "started";
    await save();
    if (killReason !== undefined) await cancel();
  };

  const submit = async (): Promise<void> => {
    await save();
    const base = await lane.prepare();
    const found = slurmPaths(base, lane.workspaceKey, record.id);
    paths = found;
    remote.dir = found.work;
    if (!fresh) {
      // A lanes died after `submitting`: Slurm (then the exit file) says whether it got that far.
      const job = await jobByName(where, record.id);
      if (job !== undefined || (await readExitFile(where, found)) !== undefined) {
        remote.job_id = job ?? null;
        return markStarted();
      }
    }
    if (killReason !== undefined) return;
    const target = where.transport ?? { lane: lane.lane, host: where.host };
    const place = { base, workspaceKey: lane.workspaceKey };
    remote.sync_ms = await syncWorkspace(target, place, lane.workspace, lane.hidden, abort.signal);
    if (killReason !== undefined) return;
    remote.job_id = await submitJob(where, {
      taskId: record.id,
      command: record.command,
      paths: found,
      partition: lane.partition,
      deadlineMs: record.timeout_ms ?? lane.deadlineMs,
    });
    await markStarted();
  };

  const pull = async (at: SlurmPaths): Promise<void> => {
    const bytes = await readOutput(where, at, fileSize(record.output_file)).catch(() => Buffer.alloc(0));
    if (bytes.length > 0) appendFileSync(record.output_file, bytes);
  };
  const setQueueReason = async (reason: string | null): Promise<void> => {
    if ((remote.queue_reason ?? null) === reason) return;
    remote.queue_reason = reason;
    await save().catch(() => {});
  };

  const follow = async (at: SlurmPaths): Promise<void> => {
    let silentSince: number | undefined;
    while (!released && !settled) {
      if (cancelPending) await cancel();
      await pull(at);
      const state = remote.job_id === null ? { kind: "gone" as const } : await jobState(where, remote.job_id);
      if (state.kind === "unknown") {
        silentSince ??= Date.now();
        if (Date.now() - silentSince > SLURM_SILENCE_MS)
          return finish(
            lostEnd(`remote lane ${lane.lane} (${where.host}): Slurm did not answer: ${state.detail}`),
          );
      } else silentSince = undefined;
      if (state.kind === "pending") await setQueueReason(state.reason);
      if (state.kind === "running") await setQueueReason(null);
      if (state.kind === "ended") {
        await setQueueReason(null);
        await pull(at);
        return finish(endFromJob(state, killReason));
      }
      if (state.kind === "gone") {
        const code = await readExitFile(where, at);
        await pull(at);
        if (code !== undefined) return finish(endFromExitFile(code));
        if (killReason !== undefined) {
          const end = { status: "killed", exit_code: null, signal: null, end_reason: killReason } as const;
          return finish({ ...end, ended_at: new Date().toISOString() });
        }
        const job = remote.job_id === null ? "its job" : `job ${remote.job_id}`;
        return finish(lostEnd(`remote lane ${lane.lane}: ${job} left Slurm's records without an exit file`));
      }
      await delay(POLL_MS);
    }
  };

  const killedBeforeStart = (): TaskEnd => ({
    status: "killed",
    exit_code: null,
    signal: null,
    end_reason: killReason ?? "killed",
    ended_at: new Date().toISOString(),
  });

  const run = async (): Promise<void> => {
    try {
      if (!adopting) await submit();
      if (killReason !== undefined && remote.phase === "submitting") return finish(killedBeforeStart());
      if (paths === undefined) throw new RemoteError(lane.lane, where.host, "start failed", "no task folder");
      await follow(paths);
    } catch (error) {
      if (killReason !== undefined && remote.phase === "submitting") return finish(killedBeforeStart());
      finish(
        error instanceof RemoteError
          ? endFromError(error)
          : lostEnd(`remote lane ${lane.lane}: ${String(error)}`),
      );
    }
  };

  if (fileSize(record.output_file) === 0) writeFileSync(record.output_file, "", { flag: "a" });
  // After the caller has set the record running: the first save must not write it as still queued.
  setImmediate(() => void run());
  // Delivered or not, the end is in the local record now: the task's folder there is no longer needed.
  void exited.then(async (end) => {
    await new Promise((resolve) => setImmediate(resolve));
    if (remote.phase !== "started" || end.status === "lost" || paths === undefined) return;
    await save().catch(() => {});
    await runShell(where, 'rm -rf "$1"', [paths.task]).catch(() => {});
  });

  async function terminate(reason: KillReason): Promise<void> {
    killReason ??= reason;
    if (remote.phase === "started") {
      cancelPending = true;
      await cancel();
    } else abort.abort();
    await exited;
  }

  return {
    pid: null,
    exited,
    stdin: null,
    poll: killRequestPoll(
      store,
      record.id,
      () => killReason !== undefined || settled,
      () => {
        userKilled = true;
        void terminate("killed");
      },
    ),
    terminate,
    release: () => {
      released = true;
    },
    killNow: () => {
      if (remote.job_id === null) return;
      const argv = ["scancel", remote.job_id];
      if (where.transport === undefined)
        spawnSync(argv[0]!, argv.slice(1), { env: where.env, stdio: "ignore", timeout: 5_000 });
      else
        spawnSync("ssh", [...where.transport.options, where.transport.host, argv.map(shellQuote).join(" ")], {
          stdio: "ignore",
          timeout: 5_000,
        });
    },
  };
}
