import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
const unescape = (field: string): string =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

function readOr<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * The paths something is mounted on in any mount namespace but lanes' own that this user's processes are in
 * (a running task's sandbox, one whose lanes has exited included). Removing such a mount point on the host
 * would lazily detach the task's read-only mount there, and with it the protection.
 */
export function mountedElsewhere(): Set<string> {
  const seen = new Set([readOr(() => readlinkSync("/proc/self/ns/mnt"))]);
  const paths = new Set<string>();
  for (const name of readOr(() => readdirSync("/proc")) ?? []) {
    if (!/^\d+$/.test(name)) continue;
    const namespace = readOr(() => readlinkSync(`/proc/${name}/ns/mnt`));
    if (namespace === undefined || seen.has(namespace)) continue;
    seen.add(namespace);
    const table = readOr(() => readFileSync(`/proc/${name}/mountinfo`, "utf8")) ?? "";
    for (const line of table.split("\n")) {
      const point = line.split(" ")[4];
      if (point !== undefined) paths.add(unescape(point));
    }
  }
  return paths;
}
