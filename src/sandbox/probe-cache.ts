import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { lanesCacheDir } from "../config/cache-dir.js";

/**
 * The probe's "bubblewrap works here", kept across lanes processes of one boot: a probe is a bubblewrap run
 * (8-10 ms of every lanes' first sandboxed command, `lanes run` and `-p` included). The answer is trusted only
 * for the same boot, user and bwrap binary (path, inode, size, time); a failure is never kept (its reason is
 * probed afresh, so a fix shows at once), and `lanes doctor` always probes anew. What could change it within a
 * boot (the user-namespace sysctls, an AppArmor profile loaded since) would then show as bubblewrap's own
 * error in the command's output instead of the probe's explanation; no command ever runs outside for it.
 */
const FILE = "sandbox-probe.json";

function keyFor(bwrap: string): string | undefined {
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const { dev, ino, size, mtimeMs } = statSync(bwrap);
    return JSON.stringify([boot, process.getuid?.() ?? -1, bwrap, dev, ino, size, mtimeMs]);
  } catch {
    return undefined;
  }
}

const fileIn = (env: NodeJS.ProcessEnv): string => join(lanesCacheDir(env), FILE);

/** Whether a probe in this boot found this very bwrap working. */
export function probedOk(env: NodeJS.ProcessEnv, bwrap: string): boolean {
  const key = keyFor(bwrap);
  if (key === undefined) return false;
  try {
    return (JSON.parse(readFileSync(fileIn(env), "utf8")) as { ok?: unknown }).ok === key;
  } catch {
    return false;
  }
}

/** Keeps a probe's success for the next lanes of this boot (best effort: a cache that cannot be written is none). */
export function rememberProbeOk(env: NodeJS.ProcessEnv, bwrap: string): void {
  const key = keyFor(bwrap);
  if (key === undefined) return;
  try {
    mkdirSync(dirname(fileIn(env)), { recursive: true });
    writeFileSync(fileIn(env), JSON.stringify({ ok: key }));
  } catch {
    // A read-only home: every lanes probes, as before.
  }
}

/** Drops it (`lanes doctor` probes afresh, and a failed probe stands). */
export function forgetProbe(env: NodeJS.ProcessEnv): void {
  try {
    rmSync(fileIn(env), { force: true });
  } catch {
    // Not ours to remove (a read-only home): it was never written then either.
  }
}
