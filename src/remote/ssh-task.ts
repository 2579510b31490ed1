import { spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import type { KillReason, TaskEnd, TaskHandle } from "../lanes/task-handle.js";
import type { RemoteTask, TaskRecord } from "../lanes/task-record.js";
import { join } from "node:path";
import { USER_KILL_END } from "../lanes/kill-request.js";
import { killRequestPoll } from "./kill-request-poll.js";
import { TaskStore } from "../lanes/task-store.js";
import { fileSize } from "../text/utf8-window.js";
import { followOutput } from "./output-follow.js";
import { endFromError, endFromSupervisor, lostEnd } from "./remote-end.js";
import { RemoteError } from "./remote-error.js";
import { runSsh, type SshTransport } from "./ssh-transport.js";
import { supervisorCall, type RemotePlace } from "./supervisor-call.js";
import { syncWorkspace } from "./workspace-sync.js";

/** Without one successful follow for this long, a task whose host cannot be reached is recorded lost. */
export const RECONNECT_WINDOW_MS = 60_000;

/** One SSH lane as its tasks use it. */
export interface SshLane {
  lane: string;
  transport: SshTransport;
  place: RemotePlace;
  workspace: string;
  /** Paths the sandbox hides: never copied to the host. */
  hidden: readonly string[];
  /** The engine-side deadline when the task gives no timeout_ms. */
  deadlineMs: number;
  graceMs: number;
  /** Once per lanes: the host answers, `dir` is writable, rsync is there; old delivered tasks removed. */
  prepare(): Promise<void>;
  /** Host-side work a task leaves after its end (the clean call): shutdown waits for it, bounded. */
  after?: ((work: Promise<unknown>) => void) | undefined;
}

export function remoteInfo(lane: SshLane, phase: RemoteTask["phase"]): RemoteTask {
  const dir = `${lane.place.base}/${lane.place.workspaceKey}`;
  return { kind: "ssh", host: lane.transport.host, dir, phase, job_id: null, sync_ms: null };
}

/**
 * A task on an SSH host. Submit: the record (`submitting`) is on disk first, then the workspace is synced
 * and the supervisor claims the id and starts the command detached. The end comes from the supervisor's
 * exit file, read at the end of the output stream; a dropped stream reconnects from the local log's size.
 */
export function sshTask(record: TaskRecord, lane: SshLane, save: () => Promise<void>): TaskHandle {
  const fresh = record.remote === undefined;
  const remote = (record.remote ??= remoteInfo(lane, "submitting"));
  const adopting = remote.phase === "started";
  // A lanes died between writing `submitting` and `started`: the id is looked up there before any start.
  const lookUpFirst = !fresh && !adopting;
  let killReason: KillReason | undefined;
  let follower: ChildProcess | undefined;
  let released = false;
  let settled = false;
  let resolveEnd: (end: TaskEnd) => void = () => {};
  const exited = new Promise<TaskEnd>((resolve) => (resolveEnd = resolve));
  const abort = new AbortController();
  const call = (action: string, args: (string | number)[] = []): ReturnType<typeof runSsh> =>
    runSsh(lane.transport, supervisorCall(lane.place, action, [record.id, ...args]));

  const finish = (end: TaskEnd): void => {
    if (settled) return;
    settled = true;
    resolveEnd(userKilled && end.status === "killed" ? { ...end, ...USER_KILL_END } : end);
  };
  // `lanes tasks kill` from another shell cannot reach the host: it leaves a request this lanes carries out.
  const store = new TaskStore(join(lane.workspace, ".lanes"), { create: false });
  let userKilled = false;

  const killThere = async (grace: number): Promise<void> => {
    try {
      await call("kill", [Math.ceil(grace / 1000)]);
    } catch (error) {
      const why = error instanceof RemoteError ? error.message : String(error);
      finish(
        lostEnd(
          `${killReason ?? "killed"}, but the kill could not reach the host (${why}); it may still run there`,
        ),
      );
    }
  };

  const submit = async (): Promise<void> => {
    await save();
    if (lookUpFirst) {
      const found = (await call("status")).stdout.trim();
      if (found !== "none") return markStarted();
    }
    await lane.prepare();
    if (killReason !== undefined) return;
    remote.sync_ms = await syncWorkspace(
      lane.transport,
      lane.place,
      lane.workspace,
      lane.hidden,
      abort.signal,
    );
    if (killReason !== undefined) return;
    const seconds = Math.max(1, Math.ceil((record.timeout_ms ?? lane.deadlineMs) / 1000));
    const result = await call("start", [seconds, record.command]);
    if (result.code !== 0 || !/^(started|exists)$/m.test(result.stdout)) {
      await call("clean").catch(() => {});
      const said = (result.stderr.trim() || result.stdout.trim()).split("\n").pop();
      const failure = result.code === 3 ? "dir not writable" : "start failed";
      throw new RemoteError(
        lane.lane,
        lane.transport.host,
        failure,
        said || `supervisor exited ${String(result.code)}`,
      );
    }
    await markStarted();
  };

  const markStarted = async (): Promise<void> => {
    remote.phase = "started";
    await save();
    if (killReason !== undefined) await killThere(lane.graceMs);
  };

  const follow = async (): Promise<void> => {
    let failingSince: number | undefined;
    while (!released && !settled) {
      const offset = fileSize(record.output_file);
      const began = Date.now();
      const line = supervisorCall(lane.place, "follow", [record.id, offset]);
      const end = await followOutput(lane.transport, line, record.output_file, (child) => (follower = child));
      if (end.kind === "exited") return finish(endFromSupervisor(end, killReason));
      if (end.kind === "lost")
        return finish(
          lostEnd(
            `remote lane ${lane.lane} (${lane.transport.host}): its supervisor ended without an exit code`,
          ),
        );
      if (released || settled) return;
      if (Date.now() - began > 2_000) failingSince = undefined;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > RECONNECT_WINDOW_MS) return finish(endFromError(end.error, "lost"));
      await delay(500);
    }
  };

  const run = async (): Promise<void> => {
    try {
      if (!adopting) await submit();
      if (killReason !== undefined && remote.phase === "submitting") {
        const end = { status: "killed", exit_code: null, signal: null, end_reason: killReason } as const;
        return finish({ ...end, ended_at: new Date().toISOString() });
      }
      await follow();
    } catch (error) {
      if (killReason !== undefined && remote.phase === "submitting") {
        const end = { status: "killed", exit_code: null, signal: null, end_reason: killReason } as const;
        return finish({ ...end, ended_at: new Date().toISOString() });
      }
      finish(
        error instanceof RemoteError
          ? endFromError(error)
          : lostEnd(`remote lane ${lane.lane}: ${String(error)}`),
      );
    }
  };

  // check_background reads the local log from the start: it exists before the first byte arrives.
  if (fileSize(record.output_file) === 0) writeFileSync(record.output_file, "", { flag: "a" });
  // After the caller has set the record running: the first save must not write it as still queued.
  setImmediate(() => void run());
  // Delivered or not, the end is in the local record now: the host's copy is no longer needed.
  const cleaned = exited.then(async (end) => {
    await new Promise((resolve) => setImmediate(resolve));
    if (remote.phase !== "started" || end.status === "lost") return;
    await save().catch(() => {});
    await call("clean").catch(() => {});
  });
  lane.after?.(cleaned);

  async function terminate(reason: KillReason): Promise<void> {
    killReason ??= reason;
    if (remote.phase === "started") await killThere(lane.graceMs);
    else abort.abort();
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
      follower?.kill("SIGTERM");
    },
    killNow: () => {
      follower?.kill("SIGKILL");
      const line = supervisorCall(lane.place, "kill", [record.id, 0]);
      spawnSync("ssh", [...lane.transport.options, lane.transport.host, line], {
        stdio: "ignore",
        timeout: 5_000,
      });
    },
  };
}
