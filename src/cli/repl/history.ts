import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";

/** Entries kept in the history file; older ones are dropped. */
export const HISTORY_LIMIT = 500;

/** `$XDG_CONFIG_HOME/lanes/history`, else `~/.config/lanes/history` (a relative XDG path is ignored, per spec). */
export function historyFile(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), ".config");
  return join(base, "lanes", "history");
}

// One entry per line: a multi-line message is stored with its newlines (and backslashes) escaped.
const encode = (entry: string): string => entry.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const decode = (line: string): string =>
  line.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\"));

/** The saved entries, oldest first; none when the file is missing or unreadable. */
export function loadHistory(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map(decode)
    .slice(-HISTORY_LIMIT);
}

/**
 * Adds an entry and rewrites the file with the newest HISTORY_LIMIT entries (read first, so two REPLs
 * in parallel both keep theirs). Replaced by rename, so a crash never leaves half a file. Throws on I/O errors.
 */
export function appendHistory(file: string, entry: string): void {
  const entries = loadHistory(file);
  if (entries.at(-1) !== entry) entries.push(entry);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${entries.slice(-HISTORY_LIMIT).map(encode).join("\n")}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}
