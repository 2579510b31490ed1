import type { Session } from "../../session/session.js";
import { terminalSafe } from "../../text/width.js";
import type { Style } from "../../text/style.js";
import type { ReplView } from "./view.js";

/** The model as the banner shows it: `anthropic:claude-…`, `script:FILE`. */
export function shownModel(session: Session): string {
  const { name, model } = session.provider;
  return model.startsWith(`${name}:`) ? model : `${name}:${model}`;
}

/** `/model` shows the model; `/model ID` switches to it for the next calls (not during a turn). */
export function modelCommand(
  id: string | undefined,
  session: Session,
  view: ReplView,
  style: Style,
  busy: boolean,
) {
  if (id === undefined) {
    view.notice(`model: ${terminalSafe(shownModel(session))} (/model ID switches)`);
    return;
  }
  if (busy) {
    view.notice(style.yellow("A turn is running: Ctrl+C cancels it, then /model."));
    return;
  }
  try {
    session.switchModel(id);
    view.notice(`model: ${terminalSafe(shownModel(session))} from the next message on`);
  } catch (error) {
    view.notice(style.red(`Model not changed: ${terminalSafe((error as Error).message)}`));
  }
}
