import type { GroupProcess } from "../process/group-process.js";
import { endFromResult } from "./task-lifecycle.js";
import { killTaskGroupNow } from "./end-task.js";
import type { TaskHandle } from "./task-handle.js";

/** A task lanes spawned itself (or a foreground command moved into a lane): its end is the child's exit. */
export function spawnedTask(child: GroupProcess): TaskHandle {
  const pid = child.pid ?? null;
  return {
    pid,
    // The process module reports the signal that really ended the group (KILL after an ignored TERM).
    exited: child.exited.then(endFromResult),
    terminate: (reason) => child.terminate(reason),
    poll: () => {},
    stdin: child.stdin,
    release: () => child.release(),
    killNow: () => killTaskGroupNow(pid),
  };
}
