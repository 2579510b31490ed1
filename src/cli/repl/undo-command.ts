import type { Session } from "../../session/session.js";
import { terminalSafe } from "../../text/width.js";
import type { Style } from "../../text/style.js";
import type { ReplView } from "./view.js";

/** `/undo` (`/rewind`): puts back the files the last run changed, or says why it will not. */
export function undoCommand(session: Session, view: ReplView, style: Style, busy: boolean): void {
  if (busy) {
    view.notice(style.yellow("A turn is running: Ctrl+C cancels it, then /undo."));
    return;
  }
  let outcome;
  try {
    outcome = session.edits.undoLast();
  } catch (error) {
    view.notice(style.red(`Undo failed: ${(error as Error).message}`));
    return;
  }
  const list = (paths: string[]): string => paths.map((path) => terminalSafe(path)).join(", ");
  if (outcome.kind === "nothing") view.notice("No file edits of this session to undo.");
  else if (outcome.kind === "changed-since")
    view.notice(
      style.yellow(
        `Not undone: changed since the edit: ${list(outcome.files)}. Nothing was restored; undo those by hand.`,
      ),
    );
  else {
    const files = outcome.files.map((file) => (file.removed ? `${file.path} (removed)` : file.path));
    view.notice(
      `Restored ${list(files)} to before the last edits. The model is not told; say so if it should know.`,
    );
  }
}
