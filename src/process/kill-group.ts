import { groupHasLiveMember } from "./group-members.js";
import { membersBeforeTerm } from "./members-before-term.js";
import { secondLook } from "./term-deaf-members.js";
import { trappingShellIdle } from "./trapping-shell.js";

/**
 * Sends a signal to a whole process group. Returns false when the group no longer exists.
 * Negative pid = process group, so `cmd &` children and pipelines are reached too.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: the group is gone. EPERM: what is left belongs to another user (`sudo cmd &`), which lanes cannot
    // signal; either way nothing more can be done, and a kill must never throw into the runtime.
    return false;
  }
}

/** True while any process of the group still runs (zombies awaiting their reaper do not count). */
export function groupAlive(pgid: number, scanFreshSince?: number): boolean {
  // Signal 0 checks existence without sending anything; it also succeeds for a group of zombies.
  if (!signalGroup(pgid, 0 as unknown as NodeJS.Signals)) return false;
  return groupHasLiveMember(pgid, scanFreshSince) ?? true;
}

const POLL_MS = 25;
const SETTLE_POLL_MS = 5;
/**
 * The poll after a leader's own exit: nobody awaits when its group ended, and a sandboxed group outlives its
 * leader (a zombie until the host's init reaps it), which a 25 ms poll paid for with a /proc scan each time.
 */
const LAZY_POLL_MS = 250;
/** How long a group may take to empty by itself after its leader's exit before its leftovers are TERMed. */
const EMPTY_AFTER_EXIT_MS = 50;

/**
 * Whether the group empties by itself within `withinMs` of its leader's exit. A sandboxed command's group
 * outlives its leader (the outer bwrap) by a few milliseconds while the namespace's init tears down: that is
 * not something the command left running, and must not be reported as such.
 */
export async function groupEmptiesWithin(pgid: number, withinMs: number): Promise<boolean> {
  const started = Date.now();
  while (groupAlive(pgid)) {
    if (Date.now() - started >= withinMs) return false;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
  return true;
}

/** How a group was ended: the signal that did it (null: it was already gone) and when it was seen gone. */
export interface TerminateOutcome {
  signal: "SIGTERM" | "SIGKILL" | null;
  at: number;
  /** The TERM found the command's shell running no program: the status its trap exits with is not the end. */
  shellIdle?: boolean;
}

/**
 * TERM the group, then KILL after `graceMs` if anything is left. Resolves with the signal that actually
 * ended it (KILL when TERM was ignored) and when. The poll stays referenced: whoever awaits this must see it
 * settle, and it lasts at most `graceMs`. `recheckDeaf`: also TERM members that lost the TERM (for a group that
 * started moments ago, whose shells may have been between a fork and an exec; see secondLook).
 */
export function terminateGroup(
  pgid: number,
  graceMs: number,
  pollMs = POLL_MS,
  recheckDeaf = false,
): Promise<TerminateOutcome> {
  const started = Date.now();
  // Before the TERM: who is in the group. A scan a poll old serves: members born since are walked to.
  const before = recheckDeaf ? membersBeforeTerm(pgid, started - pollMs) : undefined;
  const shellIdle = trappingShellIdle(pgid) === true;
  // Last thing before the TERM: what it reads tells the members born after it.
  const deaf = before && secondLook(pgid, before);
  if (!signalGroup(pgid, "SIGTERM")) return Promise.resolve({ signal: null, at: started });
  // One TERM per process only: a second one means "quit now" to many programs (node, npm, servers shutting
  // down), and it cut an agent worker's own shutdown short (its tasks were left unrecorded).
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      // A scan shared with other pollers is fine if it was taken after our TERM (strictly: ms clock).
      const freshSince = Math.max(started + 1, Date.now() - pollMs);
      if (!groupAlive(pgid, freshSince)) {
        clearInterval(poll);
        // Still there when the grace period ran out: TERM did not end it, a KILL did (ours or a concurrent
        // one, such as the marker sweep's, which may land a poll earlier).
        const at = Date.now();
        resolve({ signal: at - started >= graceMs ? "SIGKILL" : "SIGTERM", at, shellIdle });
      } else if (Date.now() - started >= graceMs) {
        clearInterval(poll);
        signalGroup(pgid, "SIGKILL");
        resolve({ signal: "SIGKILL", at: Date.now(), shellIdle });
      } else if (deaf) {
        // Each poll until the grace ends: at load 20+ a sandboxed chain reached its exec seconds after the TERM.
        deaf.termDeaf(freshSince);
      }
    }, pollMs);
  });
}

/**
 * The sweep after a leader's own exit: nothing to do when the group empties within moments (an agent worker
 * must not linger after its last reply, and a sandbox's init tears down a few milliseconds after the outer
 * bwrap); otherwise TERM what it left (`cmd &`) and KILL after the grace, holding the process open until
 * then. A sandbox's init waits for every process left in its namespace, so only that KILL ends a leftover
 * there that cleared its environment (no marker for the escape sweep to find).
 */
export function sweepGroupAfterExit(pgid: number, graceMs: number): void {
  const exitedAt = Date.now();
  setTimeout(() => {
    // Any scan taken since the exit serves: the groups of a burst ending together share a few.
    if (groupAlive(pgid, exitedAt + 1)) void terminateGroup(pgid, graceMs, LAZY_POLL_MS);
  }, EMPTY_AFTER_EXIT_MS);
}
