import type { Session } from "../../session/session.js";
import { listSessions, sessionLines } from "../../session/session-list.js";
import { terminalSafe } from "../../text/width.js";
import type { Style } from "../../text/style.js";
import type { ReplView } from "./view.js";

/** Sessions `/resume` lists; older ones are still resumable by id. */
const LISTED = 15;

/** `/resume` lists this workspace's saved conversations; `/resume N` or `/resume ID` continues one. */
export function resumeCommand(
  which: string | undefined,
  session: Session,
  view: ReplView,
  style: Style,
  busy: boolean,
) {
  const sessions = listSessions(session.lanes.store.lanesDir).filter((saved) => saved.id !== session.id);
  if (which === undefined) {
    if (sessions.length === 0) view.notice("No other saved conversations in this workspace.");
    else
      view.notice(
        [
          "Saved conversations (newest first); /resume N continues one:",
          ...sessionLines(sessions.slice(0, LISTED)).map((line) => `  ${terminalSafe(line)}`),
        ].join("\n"),
      );
    return;
  }
  if (busy) {
    view.notice(style.yellow("A turn is running: Ctrl+C cancels it, then /resume."));
    return;
  }
  const id = /^\d+$/.test(which) ? sessions[Number(which) - 1]?.id : which;
  if (id === undefined) {
    view.notice(style.red(`No conversation number ${which} (see /resume).`));
    return;
  }
  try {
    session.resume(id);
    const count = session.messages.length;
    view.notice(`Resumed ${terminalSafe(id)} (${count} message(s)); background tasks keep running.`);
  } catch (error) {
    const { name, message } = error as Error;
    const listed = name === "SessionNotFoundError" ? " (/resume lists the saved conversations)" : "";
    view.notice(style.red(terminalSafe(message) + listed));
  }
}
