/** `lanes tasks logs|kill ID` for an id no record of the workspace has, finished tasks included. */
export class TaskNotFoundError extends Error {
  override name = "TaskNotFoundError";
  constructor(
    readonly id: string,
    readonly workspace: string,
    /** The workspace's ids that start with `id`: the user typed a shortened one. */
    readonly similar: readonly string[],
  ) {
    super(`no task ${id} in ${workspace}/.lanes/tasks`);
  }
}
