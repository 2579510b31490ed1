import { MIN_ID_PREFIX, type TaskNotFoundError } from "../lanes/task-not-found.js";

const LIST_ALL = "lanes tasks --all lists every task, finished ones included";

/** `lanes tasks logs|kill ID` with an id that names no one task: why, and the ids it could mean. */
export function taskNotFoundText(error: TaskNotFoundError): string {
  const problem = taskIdProblem(error, `in this workspace (${error.workspace})`, (id) => `"${id}"`);
  return `lanes: ${problem}; ${LIST_ALL}`;
}

/**
 * What is wrong with the id given (the REPL's /tasks says it too): several tasks start with it, it is too
 * short to be taken (its one task is only suggested), or no task `where` has it.
 */
export function taskIdProblem(
  error: Pick<TaskNotFoundError, "id" | "similar">,
  where: string,
  quote: (id: string) => string,
): string {
  const [only, ...more] = error.similar;
  if (only === undefined) return `no task ${quote(error.id)} ${where}`;
  if (more.length === 0)
    return `no task ${quote(error.id)} ${where}: did you mean ${only}? (a shortened id needs ${MIN_ID_PREFIX} characters)`;
  const shown = error.similar.slice(0, 5).join(", ");
  const rest = error.similar.length > 5 ? ` and ${error.similar.length - 5} more` : "";
  return `task id ${quote(error.id)} is ambiguous: ${error.similar.length} tasks start with it (${shown}${rest}); give more of it`;
}
