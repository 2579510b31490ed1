import { SUPERVISOR_SCRIPT } from "./supervisor-script.js";
import { shellQuote } from "./ssh-transport.js";

/** Where a workspace lives on a host: `<base>/<workspace key>`, its tasks under `<base>/.lanes-tasks/`. */
export interface RemotePlace {
  /** The remote `dir`, with `~/` dropped: relative paths are the remote home's (ssh starts there). */
  base: string;
  /** `<folder name>-<hash of its path>`: one folder per local workspace. */
  workspaceKey: string;
}

export function remoteBase(dir: string): string {
  if (dir === "~") return ".";
  return dir.startsWith("~/") ? dir.slice(2) : dir;
}

/**
 * The command line for one supervisor action: the script travels in the command line itself, is written
 * (temp file, rename) where the detached supervisor runs it from, and is exec'd so the ssh session is its
 * parent (the `follow` loop ends when the session does).
 */
export function supervisorCall(place: RemotePlace, action: string, args: (string | number)[] = []): string {
  const dir = `${place.base}/.lanes-supervisor`;
  const file = `${dir}/supervisor.sh`;
  const words = [action, place.base, place.workspaceKey, ...args.map(String)].map(shellQuote).join(" ");
  return [
    `umask 077; mkdir -p ${shellQuote(dir)} || exit 3`,
    `printf "%s" ${shellQuote(SUPERVISOR_SCRIPT)} > ${shellQuote(file)}.$$ || exit 3`,
    `mv -f ${shellQuote(file)}.$$ ${shellQuote(file)}`,
    `exec sh ${shellQuote(file)} ${words}`,
  ].join("\n");
}
