import { findTask } from "../../lanes/stored-tasks.js";
import { TaskNotFoundError } from "../../lanes/task-not-found.js";
import type { TaskRecord } from "../../lanes/task-record.js";
import type { Session } from "../../session/session.js";
import { terminalSafe } from "../../text/width.js";
import { taskIdProblem } from "../task-not-found-text.js";

/**
 * The task `/tasks logs|kill ID` means: this session's, another live lanes', else any the workspace recorded
 * (an earlier session's, a `lanes run`), by its id or a unique prefix of 4+ characters. Unknown or ambiguous:
 * the line to show instead, naming the ids it could mean.
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
    const problem = taskIdProblem(error, "in this folder", terminalSafe);
    return { missing: `${problem.charAt(0).toUpperCase()}${problem.slice(1)} (see /tasks).` };
  }
}
