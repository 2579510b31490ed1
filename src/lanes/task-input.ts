import { raceTimeout } from "../async/delay.js";
import type { TaskRecord } from "./task-record.js";
import type { LiveTask } from "./task-registry.js";

/** Why a task cannot take input, as data: the words are src/present/background-replies.ts's. */
export class TaskInputError extends Error {
  override name = "TaskInputError";
  constructor(
    readonly taskId: string,
    readonly problem:
      | { kind: "not-running"; status: TaskRecord["status"] }
      | { kind: "no-stdin" }
      | { kind: "input-closed"; error: string },
  ) {
    super(`task ${taskId} cannot take input: ${problem.kind}`);
  }
}

/** How long send_background_input waits for a task to take its bytes before answering "queued". */
const INPUT_FLUSH_WAIT_MS = 2_000;

/**
 * Writes to a running task's stdin; `close` ends the input (EOF). Returns true ("pending") when the task has
 * not taken the bytes within a moment (it is not reading): they stay queued, and the caller goes on.
 */
export async function writeTaskInput(
  task: LiveTask,
  text: string,
  close: boolean,
  signal?: AbortSignal,
): Promise<boolean> {
  const { id, status } = task.record;
  if (status !== "running") throw new TaskInputError(id, { kind: "not-running", status });
  const stdin = task.handle?.stdin;
  if (!stdin || stdin.destroyed || stdin.writableEnded) {
    throw new TaskInputError(id, { kind: "no-stdin" });
  }
  let pending = false;
  if (text.length > 0) {
    let failure: Error | undefined;
    const written = new Promise<void>((resolve) =>
      stdin.write(text, (error) => resolve(void (failure = error ?? undefined))),
    );
    pending = !(await raceTimeout(Promise.race([written, task.ended]), INPUT_FLUSH_WAIT_MS, signal));
    if (failure) throw new TaskInputError(id, { kind: "input-closed", error: failure.message });
  }
  if (close) stdin.end();
  return pending;
}
