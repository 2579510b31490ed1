import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { basename, join } from "node:path";
import { raceTimeout } from "../async/delay.js";
import type { RemoteRuntime } from "../lanes/remote-runtime.js";
import { isTerminal } from "../lanes/task-record.js";
import { TaskStore } from "../lanes/task-store.js";
import { timeLimitMs, type RemoteConfig } from "../config/remote-settings.js";
import { RemoteError } from "./remote-error.js";
import { slurmLane, type SlurmLane } from "./slurm-lane.js";
import { slurmTask } from "./slurm-task.js";
import { sshTask, type SshLane } from "./ssh-task.js";
import { connectionShare, type ConnectionShare } from "./ssh-connection-share.js";
import { runSsh, sshTransport } from "./ssh-transport.js";
import { remoteBase, supervisorCall, type RemotePlace } from "./supervisor-call.js";

export interface RemoteLanesOptions {
  workspace: string;
  lanes: Record<string, { remote?: RemoteConfig | undefined }>;
  env: NodeJS.ProcessEnv;
  /** What the sandbox hides (absolute paths): never synced. */
  hidden: readonly string[];
  killGraceMs: number;
  /** false: every ssh call opens its own connection (the bench's side-by-side baseline). */
  shareConnections?: boolean;
}

/** `<folder>-<hash of its real path>`: two checkouts named alike never share a folder on the host. */
export function workspaceKey(workspace: string): string {
  let real = workspace;
  try {
    real = realpathSync(workspace);
  } catch {
    // A workspace that vanished keeps its given path.
  }
  const name = basename(real).replace(/[^\w.-]/g, "_") || "root";
  return `${name}-${createHash("sha256").update(real).digest("hex").slice(0, 10)}`;
}

/** The check every first contact makes (and `lanes doctor`), its answers read as failures a user can act on. */
export async function checkHost(lane: SshLane): Promise<void> {
  const { stdout, code } = await runSsh(lane.transport, supervisorCall(lane.place, "check", [""]));
  const answer = stdout.trim().split("\n").pop() ?? "";
  const fail = (failure: ConstructorParameters<typeof RemoteError>[2], detail: string): never => {
    throw new RemoteError(lane.lane, lane.transport.host, failure, detail);
  };
  // Exit 3: the supervisor could not even be written into `dir` (read-only, full, not there to make).
  if (code === 3 && answer === "") fail("dir not writable", `${lane.place.base} is not writable`);
  if (answer.startsWith("dir-not-writable")) fail("dir not writable", `${answer.slice(17)} is not writable`);
  if (answer.startsWith("missing "))
    fail("missing program", `${answer.slice(8)} is not installed on the host`);
  if (answer !== "ok") fail("start failed", answer || "the supervisor did not answer");
}

async function prepareHost(lane: SshLane): Promise<void> {
  await checkHost(lane);
  await removeDelivered(lane);
}

/** Removes the host's copies of tasks whose results this workspace has delivered (or no longer lists). */
async function removeDelivered(lane: SshLane): Promise<void> {
  const { stdout } = await runSsh(lane.transport, supervisorCall(lane.place, "list", [""]));
  const store = new TaskStore(join(lane.workspace, ".lanes"), { create: false });
  const done = stdout
    .split("\n")
    .map((id) => id.trim())
    .filter((id) => /^[\w-]+$/.test(id))
    .filter((id) => {
      const record = store.find(id);
      return record === undefined || (isTerminal(record.status) && record.notified);
    });
  if (done.length > 0) await runSsh(lane.transport, supervisorCall(lane.place, "clean", done));
}

export function sshLane(
  name: string,
  config: Extract<RemoteConfig, { type: "ssh" }>,
  options: RemoteLanesOptions,
  share?: ConnectionShare,
  after?: (work: Promise<unknown>) => void,
): SshLane {
  const place: RemotePlace = { base: remoteBase(config.dir), workspaceKey: workspaceKey(options.workspace) };
  let prepared: Promise<void> | undefined;
  const lane: SshLane = {
    lane: name,
    transport: sshTransport(name, config, options.env, share),
    place,
    workspace: options.workspace,
    hidden: options.hidden,
    deadlineMs: timeLimitMs(config.time_limit),
    graceMs: options.killGraceMs,
    after,
    prepare: () => {
      // A failed check is asked again by the next task: the host may be back.
      prepared ??= prepareHost(lane).catch((error: unknown) => {
        prepared = undefined;
        throw error;
      });
      return prepared;
    },
  };
  return lane;
}

/** The remote lanes of the user's config as the runtime sees them; undefined when there are none. */
export function createRemoteLanes(options: RemoteLanesOptions): RemoteRuntime | undefined {
  const ssh = new Map<string, SshLane>();
  const slurm = new Map<string, SlurmLane>();
  const key = workspaceKey(options.workspace);
  // Every ssh call of this lanes to one destination goes over one master connection.
  const share = options.shareConnections === false ? undefined : connectionShare();
  // Clean calls still running on a host: shutdown waits for them before it stops the shared connections.
  const pending = new Set<Promise<unknown>>();
  const after = (work: Promise<unknown>): void => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  for (const [name, settings] of Object.entries(options.lanes)) {
    if (settings.remote?.type === "ssh") ssh.set(name, sshLane(name, settings.remote, options, share, after));
    if (settings.remote?.type === "slurm")
      slurm.set(name, slurmLane(name, settings.remote, { ...options, workspaceKey: key, share }));
  }
  if (ssh.size === 0 && slurm.size === 0) return undefined;
  const descriptions = [
    ...[...ssh.values()].map(
      (lane) =>
        `${lane.lane}: SSH host ${lane.transport.host}, not sandboxed by lanes; files it writes stay there`,
    ),
    ...[...slurm.values()].map(
      (lane) =>
        `${lane.lane}: Slurm jobs${lane.partition === undefined ? "" : ` (partition ${lane.partition})`}${lane.where.transport ? ` via ${lane.where.host}` : ""}, queued by Slurm, not sandboxed by lanes`,
    ),
  ];
  return {
    descriptions,
    settle: async (timeoutMs) => {
      await raceTimeout(Promise.allSettled([...pending]), timeoutMs);
    },
    close: () => share?.close(),
    launch: (record, save) => {
      const cluster = slurm.get(record.lane);
      if (cluster) return slurmTask(record, cluster, save);
      const lane = ssh.get(record.lane);
      return lane && sshTask(record, lane, save);
    },
    adopt: (record, save) => {
      const cluster = slurm.get(record.lane);
      if (cluster && record.remote?.kind === "slurm") return slurmTask(record, cluster, save);
      const lane = ssh.get(record.lane);
      return lane && record.remote?.kind === "ssh" ? sshTask(record, lane, save) : undefined;
    },
  };
}
