import path from "node:path";

const SYSTEM_DIRS = new Set(
  ["bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "media", "mnt", "opt"].concat([
    "proc",
    "root",
    "run",
    "sbin",
    "snap",
    "srv",
    "sys",
    "tmp",
    "usr",
    "var",
  ]),
);
// Direct children of these are as bad to lose as the parent (`/usr/lib`, `/home/alice`, `/var/lib`).
const GUARDED_CHILDREN = new Set(["boot", "etc", "home", "usr", "var"]);
const RAW_DISK =
  /^\/dev\/(?:sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|disk\d|rdisk\d|md\d|dm-\d|mapper\/)/;
// `/usr/*` or `/usr/.*` stands for everything in `/usr`.
const TRAILING_GLOB = /\/(?:\*|\.\*)?$/;

/**
 * Whether a shell word names `/`, a home folder (`~`, `~/`, `$HOME`, `${HOME}`, `~user`), a top-level
 * system folder, a direct child of a guarded one, or a glob of everything in one of those. The word is
 * taken as written: variables other than HOME are not expanded.
 */
export function isProtectedPath(word: string): boolean {
  if (/^~[^/]+\/?(?:\*|\.\*)?$/.test(word)) return true;
  // Home becomes a fake top-level folder so `~/..` normalizes to `/` like any other path.
  let target = path.posix.normalize(word.replace(/^(?:~|\$HOME|\$\{HOME\})(?=\/|$)/, "/~home"));
  while (target !== "/" && TRAILING_GLOB.test(target)) target = target.replace(TRAILING_GLOB, "") || "/";
  if (target === "/" || target === "/~home") return true;
  if (!target.startsWith("/")) return false;
  const parts = target.split("/").slice(1);
  if (parts.length === 1) return SYSTEM_DIRS.has(parts[0] ?? "");
  return parts.length === 2 && GUARDED_CHILDREN.has(parts[0] ?? "");
}

/** A whole disk or partition device (`/dev/sda`, `/dev/nvme0n1p1`, `/dev/mmcblk0`...), not `/dev/null`. */
export function isRawDiskDevice(word: string): boolean {
  return RAW_DISK.test(word);
}
