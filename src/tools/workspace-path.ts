import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
  type Stats,
} from "node:fs";
import path from "node:path";
import { ToolError } from "./define-tool.js";

// Linux gives up after 40 links (MAXSYMLINKS); so do we, which also ends loops.
const MAX_SYMLINK_HOPS = 40;
const MAX_PATH_BYTES = 4096;

/** A path confined to the workspace, with every symlink resolved. */
export interface WorkspacePath {
  /** The workspace root with its own symlinks resolved. */
  realRoot: string;
  /** Absolute, symlink-free, inside `realRoot`. */
  realPath: string;
  /** `realPath` relative to the root, for messages ("." for the root itself). */
  relativePath: string;
  /** lstat of `realPath`; null when it does not exist yet (only with `allowMissing`). */
  stats: Stats | null;
}

export interface OpenedFile {
  fd: number;
  /** Where the opened descriptor really points, read back from the kernel after opening. */
  realPath: string;
  relativePath: string;
  size: number;
}

export function isInside(realRoot: string, candidate: string): boolean {
  return candidate === realRoot || candidate.startsWith(realRoot.endsWith("/") ? realRoot : `${realRoot}/`);
}

function lstatOrNull(file: string, shown: string): Stats | null {
  try {
    return lstatSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ENAMETOOLONG")
      throw new ToolError(`path name too long: ${shown} (255 bytes per name at most)`);
    if (code === "ENOTDIR") throw new ToolError(`not a directory: a component of ${shown} is a file`);
    if (code === "EACCES") throw new ToolError(`permission denied: ${shown}`);
    throw error;
  }
}

/** Walks the path one name at a time like the kernel does, so `..` after a symlink means what it means. */
function walk(realRoot: string, inputPath: string): { real: string; stats: Stats | null; links: string[] } {
  const show = (file: string) => (isInside(realRoot, file) ? path.relative(realRoot, file) || "." : file);
  const pending = inputPath.split("/");
  const links: string[] = [];
  let current = path.isAbsolute(inputPath) ? "/" : realRoot;
  while (pending.length > 0) {
    const name = pending.shift() ?? "";
    if (name === "" || name === ".") continue;
    if (name === "..") {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, name);
    const stats = lstatOrNull(next, inputPath);
    // Missing: the rest is plain names under the deepest existing (already resolved) ancestor.
    if (stats === null) return { real: path.join(next, ...pending), stats: null, links };
    if (stats.isSymbolicLink()) {
      if (links.length >= MAX_SYMLINK_HOPS) {
        throw new ToolError(
          `too many levels of symbolic links (a loop?) in ${inputPath}: ${links.slice(0, 3).join(", ")}`,
        );
      }
      const target = readlinkSync(next);
      links.push(`${show(next)} -> ${target}`);
      pending.unshift(...target.split("/"));
      if (path.isAbsolute(target)) current = "/";
      continue;
    }
    if (!stats.isDirectory() && pending.some((rest) => rest !== "" && rest !== ".")) {
      throw new ToolError(`not a directory: ${show(next)} is a file (in ${inputPath})`);
    }
    current = next;
  }
  return { real: current, stats: lstatSync(current), links };
}

/** Resolves `inputPath` (relative to `root`, or absolute) and refuses anything that lands outside `root`. */
export function resolveInWorkspace(
  root: string,
  inputPath: string,
  options: { allowMissing?: boolean } = {},
): WorkspacePath {
  if (inputPath.includes("\0")) throw new ToolError("path contains a NUL byte");
  if (inputPath.length === 0) throw new ToolError("path is empty");
  const bytes = Buffer.byteLength(inputPath);
  if (bytes > MAX_PATH_BYTES)
    throw new ToolError(`path name too long: ${bytes} bytes (limit ${MAX_PATH_BYTES})`);
  const realRoot = realpathSync(root);
  const { real, stats, links } = walk(realRoot, inputPath);
  if (!isInside(realRoot, real)) {
    throw new ToolError(
      links.length > 0
        ? `path escapes the workspace via symlink: ${links.join(", ")} (${inputPath} resolves to ${real})`
        : `path is outside the workspace: ${inputPath} resolves to ${real} (workspace: ${realRoot})`,
    );
  }
  if (stats === null && options.allowMissing !== true) throw new ToolError(`file not found: ${inputPath}`);
  return { realRoot, realPath: real, relativePath: path.relative(realRoot, real) || ".", stats };
}

function describeNonFile(stats: Stats): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return "a directory, not a file";
  if (stats.isFIFO()) return "a FIFO (named pipe); only regular files are supported";
  if (stats.isSocket()) return "a socket; only regular files are supported";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device; only regular files are supported";
  return "not a regular file";
}

/** Where an open descriptor really points (Linux procfs; elsewhere a weaker re-resolution of the path). */
function realPathOfFd(fd: number, openedPath: string): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return realpathSync(openedPath);
  }
}

/** A folder held open, so names in it can be created where it really is, whatever its path becomes. */
interface PinnedFolder {
  /** `name` inside the held folder: /proc/self/fd/N/name on Linux (like openat), else the plain path. */
  entry(name: string): string;
  close(): void;
}

/**
 * Opens `folder` and checks, from the kernel, that the folder opened is inside the root. Creating a file
 * or folder through `entry` then lands in that very folder even if a link is swapped into its path after
 * the check: without it, O_CREAT or mkdir followed the link and left empty entries outside.
 */
function pinFolder(realRoot: string, folder: string, shown: string): PinnedFolder {
  let fd: number;
  try {
    fd = openSync(folder, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    throw new ToolError(
      `cannot open the folder of ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let real: string;
  try {
    real = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    // No procfs: the plain path, re-checked after opening as before.
    return { entry: (name) => path.join(folder, name), close: () => closeSync(fd) };
  }
  if (!isInside(realRoot, real)) {
    closeSync(fd);
    throw new ToolError(`path escapes the workspace: the folder of ${shown} was swapped to point at ${real}`);
  }
  return { entry: (name) => `/proc/self/fd/${fd}/${name}`, close: () => closeSync(fd) };
}

/** Creates the missing folders above `realPath`, one level at a time, each inside a pinned folder. */
export function createParentFolders(realRoot: string, realPath: string, shown: string): void {
  const missing: string[] = [];
  for (let folder = path.dirname(realPath); isInside(realRoot, folder) && !existsSync(folder);) {
    missing.unshift(folder);
    folder = path.dirname(folder);
  }
  for (const folder of missing) {
    const parent = pinFolder(realRoot, path.dirname(folder), shown);
    try {
      mkdirSync(parent.entry(path.basename(folder)));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST")
        throw new ToolError(`cannot create the folders for ${shown}: ${code ?? String(error)}`);
    } finally {
      parent.close();
    }
  }
}

/**
 * Opens a regular file inside the workspace. Checked three times: the type before opening (so a FIFO never
 * blocks), the folder it is opened in (so nothing is created outside), and the real path of the opened
 * descriptor after (so a link swapped in between is refused).
 */
export function openInWorkspace(root: string, inputPath: string, flags: number): OpenedFile {
  const target = resolveInWorkspace(root, inputPath, { allowMissing: (flags & constants.O_CREAT) !== 0 });
  const problem = target.stats === null ? null : describeNonFile(target.stats);
  if (problem !== null) throw new ToolError(`${target.relativePath} is ${problem}`);
  const folder = pinFolder(target.realRoot, path.dirname(target.realPath), target.relativePath);
  let fd: number;
  try {
    const entry = folder.entry(path.basename(target.realPath));
    fd = openSync(entry, flags | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0), 0o666);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw new ToolError(`${inputPath} became a symlink while being opened; refused`);
    throw new ToolError(`cannot open ${target.relativePath}: ${code ?? String(error)}`);
  } finally {
    folder.close();
  }
  try {
    const stats = fstatSync(fd);
    const opened = describeNonFile(stats);
    if (opened !== null) throw new ToolError(`${target.relativePath} is ${opened}`);
    const real = realPathOfFd(fd, target.realPath);
    if (!isInside(target.realRoot, real)) {
      throw new ToolError(
        `path escapes the workspace: ${inputPath} was swapped to point at ${real} while opening`,
      );
    }
    return { fd, realPath: real, relativePath: path.relative(target.realRoot, real), size: stats.size };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
