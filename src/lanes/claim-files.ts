import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  ftruncateSync,
  linkSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { ownerAlive } from "./reconcile.js";

/*
 * Claim files that several processes race for (lane slots), with only atomic steps: a claim appears whole
 * (written aside, then link()ed into place, which fails if the name exists), and a dead claim is removed by
 * exactly one process, the one that created its guard (link() again), so no live claim is ever removed.
 * Only a live claim's own process changes it, in place (a slot passed between its tasks: rewriteOwn).
 */

/** Guards of guards: each level needs a reaper that died inside the level below; deeper is never real. */
const MAX_GUARD_DEPTH = 4;

/** Temp files are named `<claim>.<pid>.<hex>.tmp`: a sweep can tell those of a dead process. */
export const TEMP_OWNER = /\.(\d+)\.[0-9a-f]+\.tmp$/;
/** A guard is `<claim>.reap-<digest of the dead claim's text>`. */
export const GUARD_NAME = /\.reap-[0-9a-f]+$/;

/** Creates `file` holding `text` if no file has that name; false if one has. Never seen half-written. */
export function createExclusive(file: string, text: string): boolean {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  try {
    // Crash here: the claim is whole and counts; the temp file is left for the sweep (its pid is dead).
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    removeFile(temp);
  }
}

/**
 * Rewrites a claim this process holds, in place: no file is created or deleted (each costs an inode, which on
 * some file systems gets slower with every recent deletion). A reader in between sees our live pid (every
 * claim of ours starts the same) or text it cannot read that is seconds old at most: held, either way.
 */
export function rewriteOwn(file: string, text: string): void {
  const fd = openSync(file, "r+");
  try {
    const bytes = Buffer.from(text);
    // Written first, then cut: the file is never empty, and a crash leaves a claim of a dead pid, reaped.
    writeSync(fd, bytes, 0, bytes.length, 0);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes `file` if it still holds `stale`, a claim the caller judged dead. Of any number of processes doing
 * this at once, only the one that creates the guard for `stale` may remove it; the others return false
 * (the slot is not theirs this time). True when `stale` is gone, by us or earlier.
 */
export function reap(file: string, stale: string, depth = 0): boolean {
  const guard = `${file}.reap-${createHash("sha256").update(stale).digest("hex").slice(0, 16)}`;
  const mine = JSON.stringify({ pid: process.pid });
  if (!createExclusive(guard, mine)) {
    const other = readText(guard);
    // Another process is reaping this very claim: it finishes, or it died doing so and its guard is
    // reaped in turn (a guard is a claim too: removed only by whoever creates the guard's guard).
    if (other !== undefined) {
      if (depth >= MAX_GUARD_DEPTH || !guardGone(other)) return false;
      if (!reap(guard, other, depth + 1)) return false;
    }
    if (!createExclusive(guard, mine)) return false;
  }
  try {
    // Crash after the guard, before this: the guard names a dead pid, and the next reaper reaps it first.
    // Safe between the read and the unlink: only the guard's holder removes `stale`, and its writer is dead.
    if (readText(file) === stale) removeFile(file);
  } finally {
    // Crash before this: the claim is gone and a dead guard is left, harmless (its claim never comes back:
    // a claim's text is unique), removed by the sweep.
    removeFile(guard);
  }
  return true;
}

/** A guard whose process is gone; our own pid too (we hold a guard only inside reap(), synchronously). */
export function guardGone(text: string): boolean {
  const pid = parsePid(text);
  return pid === undefined || pid === process.pid || !ownerAlive(pid);
}

function parsePid(text: string): number | undefined {
  try {
    const { pid } = JSON.parse(text) as { pid?: unknown };
    return typeof pid === "number" ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

export function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}
