/** A shorter prefix is only suggested, never taken (git's minimum too): it would name another task tomorrow. */
export const MIN_ID_PREFIX = 4;

/** `lanes tasks logs|kill ID` for an id that names no one record of the workspace, finished tasks included. */
export class TaskNotFoundError extends Error {
  override name = "TaskNotFoundError";
  constructor(
    readonly id: string,
    readonly workspace: string,
    /** The workspace's ids that start with `id`: several (ambiguous), or one with `id` too short to take. */
    readonly similar: readonly string[],
  ) {
    super(`no task ${id} in ${workspace}/.lanes/tasks`);
  }
}
