import { signalGroup, terminateGroup, type TerminateOutcome } from "../process/kill-group.js";
import { markEnding } from "../process/ending-marker.js";
import { endMarkedProcesses, findMarkedProcesses } from "../process/marked-processes.js";

/**
 * The one way lanes ends a task it does not hold as a child (adopted after a crash, processes a foreground
 * command left, `lanes tasks kill` from another shell): TERM its group and whatever left the group carrying
 * its marker, KILL what is left after the grace period. Resolves with the signal that ended the group.
 */
export async function endTaskGroup(
  pgid: number,
  taskId: string,
  graceMs: number,
  exitFile?: string,
): Promise<TerminateOutcome> {
  const ids = new Set([taskId]);
  // Before the TERM: the command's shell then knows the TERM is lanes' (ending-marker.ts).
  markEnding(exitFile);
  const [outcome] = await Promise.all([terminateGroup(pgid, graceMs), endEscapees(ids, pgid, graceMs)]);
  return outcome;
}

/** At process exit (no event loop left): KILL the group at once; escapees are the sweeper's final pass. */
export function killTaskGroupNow(pgid: number | null): void {
  if (pgid !== null) signalGroup(pgid, "SIGKILL");
}

/**
 * TERM what carries the marker outside the group (the group has its own TERM: a second one would cut a trap's
 * cleanup), then KILL whatever of it is still there after the grace period.
 */
async function endEscapees(ids: ReadonlySet<string>, pgid: number, graceMs: number): Promise<void> {
  if (endMarkedProcesses(ids, graceMs, new Set([pgid])) === 0) return;
  const deadline = Date.now() + graceMs;
  while (findMarkedProcesses(ids).length > 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  endMarkedProcesses(ids, 0);
}
