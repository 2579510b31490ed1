import { inertLine } from "./inert.js";

/** Output for a one-line notice: the end of the output, inert, whitespace folded, at most `maxChars`. */
export function oneLinePreview(text: string, maxChars: number): string {
  const folded = inertLine(text);
  if (folded.length <= maxChars) return folded;
  return `…${folded.slice(folded.length - (maxChars - 1))}`;
}

/** The last `count` lines of a text (a trailing newline does not count as an empty last line). */
export function lastLines(text: string, count: number): string {
  const lines = text.replace(/\n$/, "").split("\n");
  return lines.slice(Math.max(0, lines.length - count)).join("\n");
}

/** Keeps the start and the end of a long text, saying how much of the middle was left out. */
export function headAndTail(text: string, maxChars: number, where: string): string {
  if (text.length <= maxChars) return text;
  const half = Math.floor((maxChars - 200) / 2);
  const omitted = text.length - 2 * half;
  return `${text.slice(0, half)}\n\n… [${omitted} characters left out; the whole output is in ${where}] …\n\n${text.slice(text.length - half)}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
