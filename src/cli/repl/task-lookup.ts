import { findTask } from "../../lanes/stored-tasks.js";
import { TaskNotFoundError } from "../../lanes/task-not-found.js";
import type { TaskRecord } from "../../lanes/task-record.js";
import type { Session } from "../../session/session.js";
import { terminalSafe } from "../../text/width.js";

/**
 * The task `/tasks logs|kill ID` means: this session's, another live lanes', else any the workspace recorded
 * (an earlier session's, a `lanes run`). Unknown: the line to show instead, naming the id meant when one fits.
 */
export async function lookUpTask(
  session: Session,
  id: string,
): Promise<{ record: TaskRecord } | { missing: string }> {
  const known = session.lanes.get(id) ?? session.lanes.otherTask(id)?.record;
  if (known !== undefined) return { record: known };
  try {
    return { record: (await findTask(session.workspace(), id, session.lanes.ownerPid)).record };
  } catch (error) {
    if (!(error instanceof TaskNotFoundError)) throw error;
    const meant = error.similar.length === 1 ? `: did you mean ${error.similar[0]}?` : "";
    return { missing: `No task ${terminalSafe(id)} in this folder${meant} (see /tasks).` };
  }
}
