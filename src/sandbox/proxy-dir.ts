import { tmpdir } from "node:os";
import { removeDeadOwnerDirs } from "../process/dead-owner-dirs.js";

/** `<tmp>/lanes-net-<pid>-XXXXXX/proxy.sock`: the pid tells a later lanes whether its owner is gone. */
export const PROXY_DIR_PREFIX = "lanes-net-";

/** Removes the socket folders of lanes processes that died without cleaning up (SIGKILL, a crash). */
export function removeStaleProxyDirs(dir = tmpdir()): void {
  removeDeadOwnerDirs(dir, new RegExp(`^${PROXY_DIR_PREFIX}(\\d+)-`));
}
