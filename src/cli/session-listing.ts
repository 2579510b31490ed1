import { join } from "node:path";
import { listSessions, sessionLines } from "../session/session-list.js";
import { terminalSafe } from "../text/width.js";

/** `lanes --resume` without an id: the workspace's saved conversations and how to continue one. */
export function sessionListing(workspace: string): string {
  const sessions = listSessions(join(workspace, ".lanes"));
  if (sessions.length === 0) return `No saved conversations in ${workspace}.\n`;
  const lines = sessionLines(sessions, 120).map((line) => terminalSafe(line));
  return `${lines.join("\n")}\n\nContinue one with: lanes --resume ID (or /resume N in the REPL)\n`;
}
