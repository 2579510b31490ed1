import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

export interface SessionSummary {
  id: string;
  /** When the file was last written. */
  updatedAt: Date;
  /** The first thing the user said, on one line ("" when unknown). */
  firstMessage: string;
}

/** Enough of a session file for its meta line and first message; the rest is not read. */
const HEAD_BYTES = 16 * 1024;

function readHead(file: string): string {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    return buffer.subarray(0, readSync(fd, buffer, 0, HEAD_BYTES, 0)).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function firstUserText(head: string): string {
  for (const line of head.split("\n")) {
    try {
      const parsed = JSON.parse(line) as { type?: string; message?: { role?: string; content?: unknown } };
      if (parsed.type !== "message" || parsed.message?.role !== "user") continue;
      const content = parsed.message.content;
      const blocks = Array.isArray(content) ? (content as { type?: string; text?: unknown }[]) : [];
      const text = blocks.find((block) => block.type === "text" && typeof block.text === "string")?.text;
      if (typeof text === "string") return text.replace(/\s+/g, " ").trim();
    } catch {
      // A cut line (the head ends mid-line, or a crash): look no further.
      break;
    }
  }
  return "";
}

/** The saved conversations of a workspace, newest first; reads only the start of each, creates nothing. */
export function listSessions(lanesDir: string): SessionSummary[] {
  const dir = join(lanesDir, "sessions");
  if (!existsSync(dir)) return [];
  const found: SessionSummary[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".jsonl")) continue;
    const file = join(dir, name);
    try {
      found.push({
        id: name.slice(0, -".jsonl".length),
        updatedAt: statSync(file).mtime,
        firstMessage: firstUserText(readHead(file)),
      });
    } catch {
      // Removed or unreadable meanwhile: not offered.
    }
  }
  return found.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
}

/** One line per session: `1. 20261205-231500-ab12  2026-12-05 23:15  fix the failing test`. */
export function sessionLines(sessions: SessionSummary[], width = 100): string[] {
  return sessions.map((session, index) => {
    const when = session.updatedAt.toISOString().slice(0, 16).replace("T", " ");
    const line = `${index + 1}. ${session.id}  ${when}  ${session.firstMessage || "(no message)"}`;
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  });
}
