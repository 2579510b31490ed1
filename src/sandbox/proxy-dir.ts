import { readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `<tmp>/lanes-net-<pid>-XXXXXX/proxy.sock`: the pid tells a later lanes whether its owner is gone. */
export const PROXY_DIR_PREFIX = "lanes-net-";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the socket folders of lanes processes that died without cleaning up (SIGKILL, a crash). */
export function removeStaleProxyDirs(dir = tmpdir()): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const owner = new RegExp(`^${PROXY_DIR_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (owner !== undefined && Number(owner) !== process.pid && !alive(Number(owner)))
      rmSync(join(dir, name), { recursive: true, force: true });
  }
}
