import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processAlive } from "../process/process-alive.js";

/** Seconds an idle master outlives its last call: bounds what a lanes killed by SIGKILL leaves behind. */
export const CONTROL_PERSIST_S = 30;
/** sun_path holds 108 bytes; ssh binds `<path>.<16 random chars>` first, then renames. */
const MAX_SOCKET_PATH = 107 - 17;

/**
 * One OpenSSH master connection per destination for one lanes (ControlMaster=auto): every call after the
 * first skips the TCP and key exchange. A dead master's stale socket is unlinked by ssh, which connects
 * afresh; `close()` stops the masters (`ssh -O stop`: each exits once its running calls end) and later
 * calls go without sharing.
 */
export interface ConnectionShare {
  /** The `-o Control…` options for one destination (its host and options, which also key its socket). */
  options(destination: readonly string[]): string[];
  /** The private folder holding the sockets (undefined before the first call, or where none could be made). */
  readonly dir: string | undefined;
  /** Stops every master this share started and removes its folder; synchronous, for the exit path too. */
  close(): void;
}

const UNSHARED = ["-o", "ControlMaster=no", "-o", "ControlPath=none"];

const PREFIX = "lanes-ssh-";

/** Folders of lanes that ended without closing (SIGKILL): theirs, by the pid in the name, once it is gone. */
function removeLeftovers(base: string): void {
  try {
    for (const name of readdirSync(base)) {
      const pid = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1];
      if (pid === undefined || processAlive(Number(pid))) continue;
      const path = join(base, name);
      if (statSync(path).uid === process.getuid?.()) rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // Another lanes removed it first, or the folder is not ours to list: nothing to tidy.
  }
}

function privateDir(): string | undefined {
  // mkdtemp makes it 0700: nobody else can reach the sockets, which carry our authenticated connections.
  for (const base of [tmpdir(), "/tmp"]) {
    if (base.length + 30 > MAX_SOCKET_PATH) continue;
    try {
      removeLeftovers(base);
      return mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
    } catch {
      // An unwritable temp folder: the next, or no sharing at all.
    }
  }
  return undefined;
}

export function connectionShare(): ConnectionShare {
  let dir: string | undefined;
  let tried = false;
  let closed = false;
  const masters = new Map<string, readonly string[]>();
  return {
    get dir() {
      return dir;
    },
    options(destination) {
      if (closed) return UNSHARED;
      if (!tried) {
        tried = true;
        dir = privateDir();
      }
      if (dir === undefined) return UNSHARED;
      const key = createHash("sha256").update(destination.join("\0")).digest("hex").slice(0, 12);
      const path = join(dir, key);
      masters.set(path, destination);
      return [
        "-o",
        "ControlMaster=auto",
        "-o",
        `ControlPath=${path}`,
        "-o",
        `ControlPersist=${CONTROL_PERSIST_S}`,
      ];
    },
    close() {
      if (closed) return;
      closed = true;
      for (const [path, destination] of masters) {
        if (!existsSync(path)) continue;
        const host = destination[destination.length - 1] ?? "localhost";
        const options = [...destination.slice(0, -1), "-o", `ControlPath=${path}`];
        // `stop`, not `exit`: a call still running (the clean after a delivery) ends first, then the master.
        spawnSync("ssh", [...options, "-O", "stop", host], { stdio: "ignore", timeout: 5_000 });
      }
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
