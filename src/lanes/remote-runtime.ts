import type { TaskHandle } from "./task-handle.js";
import type { TaskRecord } from "./task-record.js";

/**
 * What the runtime needs of remote lanes (src/remote implements it; the session passes it in). A remote
 * task is one more kind of TaskHandle: the registry, slots, watcher and delivery stay as they are.
 */
export interface RemoteRuntime {
  /** One line per remote lane for the model (`box: SSH host me@box, not sandboxed by lanes`). */
  readonly descriptions: readonly string[];
  /**
   * For a task of a remote lane: sets `record.remote` (phase `submitting`) at once and returns its handle,
   * which syncs and submits after `save` has put the record on disk. Undefined for a local lane.
   */
  launch(record: TaskRecord, save: () => Promise<void>): TaskHandle | undefined;
  /** For a remote record a gone lanes left: a handle that looks the id up there and follows it. */
  adopt(record: TaskRecord, save: () => Promise<void>): TaskHandle | undefined;
  /** At a graceful shutdown, after the tasks' ends: waits (at most `timeoutMs`) for host-side clean calls. */
  settle?(timeoutMs: number): Promise<void>;
  /** At shutdown, after the tasks' kills: ends shared connections (synchronous, for the exit path too). */
  close?(): void;
}

/** A remote record whose lane is no longer remote in the user's config: nobody can ask its host. */
export function unreachableRemote(record: TaskRecord): TaskHandle {
  const end_detail = `lane ${record.lane} is no longer a remote lane in your config; its task on ${record.remote?.host ?? "the host"} was not followed`;
  const ended_at = new Date().toISOString();
  return {
    pid: null,
    exited: Promise.resolve({
      status: "lost",
      exit_code: null,
      signal: null,
      end_reason: "other",
      end_detail,
      ended_at,
    }),
    stdin: null,
    poll: () => {},
    terminate: () => Promise.resolve(),
    release: () => {},
    killNow: () => {},
  };
}
