import { killRequested } from "../lanes/kill-request.js";
import type { TaskStore } from "../lanes/task-store.js";

const CHECK_MS = 500;

/**
 * A remote task's `poll`: `lanes tasks kill` from another shell cannot reach the host, so it leaves a request
 * that the owning lanes carries out. Read at most every CHECK_MS, and not while the task is ending anyway.
 */
export function killRequestPoll(
  store: TaskStore,
  id: string,
  ending: () => boolean,
  onRequest: () => void,
): (now: number) => void {
  let lastCheck = 0;
  return (now) => {
    if (ending() || now - lastCheck < CHECK_MS) return;
    lastCheck = now;
    if (killRequested(store, id)) onRequest();
  };
}
