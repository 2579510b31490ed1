import type { TaskNotFoundError } from "../lanes/task-not-found.js";

const LIST_ALL = "lanes tasks --all lists every task, finished ones included";

/** `lanes tasks logs|kill ID` with an unknown id: the close id when one fits, and where the ids are listed. */
export function taskNotFoundText(error: TaskNotFoundError): string {
  const [only, ...more] = error.similar;
  if (only !== undefined && more.length === 0)
    return `lanes: no task "${error.id}" in this workspace: did you mean ${only}? (${LIST_ALL})`;
  const close = only === undefined ? "" : `; ids starting so: ${error.similar.slice(0, 5).join(", ")}`;
  return `lanes: no task "${error.id}" in this workspace (${error.workspace})${close}; ${LIST_ALL}`;
}
