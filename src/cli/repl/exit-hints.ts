import type { TaskRecord } from "../../lanes/task-record.js";

/** Tasks that leaving the REPL would end: persisted ones outlive lanes. */
export function endingCount(active: readonly TaskRecord[]): number {
  return active.filter((record) => !record.persist).length;
}

/** "1 running background task": what leaving the REPL now would end (persisted tasks keep running). */
function endingText(ending: number): string {
  return ending === 1 ? "1 running background task" : `${ending} running background tasks`;
}

/** After the first Ctrl+C at an empty prompt: a second exits, and says what that ends. */
export function interruptExitHint(ending: number): string {
  return ending === 0
    ? "Press Ctrl+C again to exit."
    : `Press Ctrl+C again to exit: it ends ${endingText(ending)}.`;
}

/** After the first Ctrl+D with tasks running: a second ends them and exits. */
export function endOfInputHint(ending: number): string {
  const what = ending === 1 ? "1 background task is" : `${ending} background tasks are`;
  return `${what} still running: Ctrl+D again ends them and exits.`;
}
