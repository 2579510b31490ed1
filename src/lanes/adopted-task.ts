import { readExitCode } from "../process/exit-file.js";
import { completeUnobserved, readExitFile } from "./reconcile.js";
import { polledGroup } from "./polled-group.js";
import type { TaskEnd, TaskHandle } from "./task-handle.js";
import type { TaskRecord } from "./task-record.js";

/**
 * A task a crashed lanes left running, taken over by this one. Its end comes from its exit file (code and
 * end time), or it is lost; its timeout is re-armed for what remains of it.
 */
export function adoptedTask(record: TaskRecord, graceMs: number): TaskHandle {
  const pgid = record.pid ?? 0;
  const naturalEnd = (): TaskEnd => {
    const end = completeUnobserved(record);
    const observed = end.status === "lost" ? { ended_at: new Date().toISOString() } : {};
    return {
      status: end.status ?? "lost",
      exit_code: end.exit_code ?? null,
      signal: end.signal ?? null,
      ...(end.status === "lost"
        ? { end_reason: "group_ended", end_detail: "its processes ended; no exit code was recorded" }
        : { end_reason: "adopted", end_detail: "adopted after a restart" }),
      ended_at: end.ended_at ?? null,
      ...observed,
    };
  };
  const handle = polledGroup({
    pgid,
    taskId: record.id,
    graceMs,
    naturalEnd,
    endedEarly: () => readExitFile(record.exit_file) !== null,
    writtenCode: () => readExitCode(record.exit_file),
    exitFile: record.exit_file,
  });
  let timer: NodeJS.Timeout | undefined;
  if (record.timeout_ms !== null && record.started_at !== null) {
    const left = record.timeout_ms - (Date.now() - Date.parse(record.started_at));
    timer = setTimeout(() => void handle.terminate("timeout"), Math.max(0, left));
    void handle.exited.then(() => clearTimeout(timer));
  }
  handle.release = () => clearTimeout(timer);
  return handle;
}
