import { groupMemberPids } from "./group-members.js";
import type { MembersBeforeTerm } from "./members-before-term.js";
import { readProcFile } from "./proc-file.js";
import { processPlace, type ProcessPlace } from "./proc-stat.js";
import { bornAfter, termMoment, type TermMoment } from "./term-moment.js";
import { relaysTerm } from "./term-relays.js";

const TERM_BIT = 1n << 14n;
// Pending (thread or process), blocked, ignored or caught: any of these means a TERM sent now changes nothing.
const HELD_FIELDS = ["SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"];

/** Whether TERM is at its default action in this /proc status (a TERM it got would have ended it). */
function termUnheld(status: string): boolean {
  return !HELD_FIELDS.some((field) => {
    const mask = new RegExp(`^${field}:\\s*([0-9a-f]+)`, "m").exec(status)?.[1];
    // An unknown mask (gone, unreadable) counts as holding TERM: nothing is sent on a guess.
    return mask === undefined || (BigInt(`0x${mask}`) & TERM_BIT) !== 0n;
  });
}

/** A pid namespace's init (a sandbox's bwrap): the kernel drops a TERM from outside that it has no handler for. */
function namespaceInit(status: string): boolean {
  const ids = /^NSpid:\s*(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
  return ids.length > 1 && ids.at(-1) === "1";
}

/** Sends `signal` to one process; false when it is gone (or another user's). */
function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * What a member made of the group's TERM: took it (handled or ignores it), lost it, or was TERMed again here
 * at that moment. What it starts after the group's TERM lost the TERM too when it lost it, or when it was born
 * before the member's second TERM.
 */
type Fate = "took" | "lost" | TermMoment;

/** The second look at a young group's TERM, polled until its grace ends (see secondLook). */
export interface SecondLook {
  /** One poll: returns how many were signalled. `freshSince`: a /proc scan from then on may be shared. */
  termDeaf(freshSince: number): number;
}

/**
 * The second look at a young group's TERM: made the instant before that TERM, from its members just before it.
 * A shell's child between fork and exec takes the TERM in its copy of the parent's trap and then execs, so the
 * TERM is lost and the task would wait its whole grace for the KILL. Each poll TERMs once, if TERM would end
 * it, each member that lost the TERM: one seen before it now running another command line (it exec'd since),
 * one born before it but not seen, and one born after it whose parent lost it (TERMed again here, a namespace
 * init, which a TERM from outside cannot reach, or one of lanes' shells that hold it for their command).
 * Never one seen before the TERM with the same command line (it handled the TERM, or ignores it and the KILL
 * is right), nor what a process that took the TERM starts after it (a trap's cleanup). A namespace init with
 * nothing left inside (its bwrap parent took the TERM mid-setup) is KILLed: it would wait out the grace.
 */
export function secondLook(pgid: number, before: MembersBeforeTerm): SecondLook {
  const moment = termMoment();
  // Who was TERMed again (by pid and start) and when: none gets a third.
  const termed = new Map<string, TermMoment>();
  return { termDeaf: (freshSince) => new DeafPoll(pgid, before, moment, termed).run(freshSince) };
}

/** One poll of the second look: each member's fate is worked out once, its parent's first. */
class DeafPoll {
  private readonly fates = new Map<number, Fate>();
  private signalled = 0;

  constructor(
    private readonly pgid: number,
    private readonly before: MembersBeforeTerm,
    private readonly moment: TermMoment,
    private readonly termed: Map<string, TermMoment>,
  ) {}

  run(freshSince: number): number {
    for (const pid of groupMemberPids(this.pgid, freshSince)) this.fate(pid);
    return this.signalled;
  }

  private fate(pid: number): Fate {
    const known = this.fates.get(pid);
    if (known !== undefined) return known;
    this.fates.set(pid, "took");
    const fate = this.judge(pid);
    this.fates.set(pid, fate);
    return fate;
  }

  /** What the children `pid` starts after the group's TERM got from it. */
  private line(pid: number): Fate {
    const fate = this.fate(pid);
    return fate !== "lost" && relaysTerm(readProcFile(`/proc/${pid}/cmdline`)) ? "lost" : fate;
  }

  private judge(pid: number): Fate {
    const place = processPlace(pid);
    // Out of the group (a parent elsewhere, an orphan's reaper): nothing says it lost the TERM.
    if (place === undefined || place.group !== this.pgid) return "took";
    const identity = `${pid}@${place.startTicks}`;
    const termedAt = this.termed.get(identity);
    if (termedAt !== undefined) return termedAt;
    const status = readProcFile(`/proc/${pid}/status`);
    if (namespaceInit(status)) {
      if (readProcFile(`/proc/${pid}/task/${pid}/children`).trim() === "" && signalProcess(pid, "SIGKILL")) {
        this.signalled++;
      }
      return termUnheld(status) ? "lost" : "took";
    }
    const unheld = termUnheld(status);
    const seen = this.before.get(pid);
    if (seen?.startTicks === place.startTicks) {
      return unheld && this.execdSince(pid, seen.cmdline) ? this.termAgain(pid, identity) : "took";
    }
    if (!bornAfter(this.moment, pid, place.startTicks))
      return unheld ? this.termAgain(pid, identity) : "took";
    // Born after the TERM: it lost it only if its parent did (a cleanup's parent took it), held or not now.
    if (!this.lostBefore(this.line(place.parent), pid, place)) return "took";
    return unheld ? this.termAgain(pid, identity) : "lost";
  }

  /** Whether a process born after the group's TERM, under a parent whose line is `line`, never got a TERM. */
  private lostBefore(line: Fate, pid: number, place: ProcessPlace): boolean {
    return line === "lost" || (line !== "took" && !bornAfter(line, pid, place.startTicks));
  }

  private termAgain(pid: number, identity: string): Fate {
    const at = termMoment();
    if (!signalProcess(pid, "SIGTERM")) return "took";
    this.signalled++;
    this.termed.set(identity, at);
    return at;
  }

  /** Whether `pid` runs another command line than `cmdline` (unreadable: a zombie, not an exec). */
  private execdSince(pid: number, cmdline: string): boolean {
    const now = readProcFile(`/proc/${pid}/cmdline`);
    return now !== "" && now !== cmdline;
  }
}
