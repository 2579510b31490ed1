import type { OtherTask, OtherTasks } from "./other-tasks.js";
import { isTerminal, type TaskRecord } from "./task-record.js";
import type { TaskRegistry } from "./task-registry.js";

/** The read-only view of the tasks: what views and tools may be given instead of the whole runtime. */
export class TaskQuery {
  constructor(
    protected readonly registry: TaskRegistry,
    protected readonly others: OtherTasks,
  ) {}

  get(id: string): TaskRecord | undefined {
    const task = this.registry.find(id);
    return task ? { ...task.record } : undefined;
  }

  list(): TaskRecord[] {
    return this.registry.all().map((task) => ({ ...task.record }));
  }

  active(): TaskRecord[] {
    return this.list().filter((record) => !isTerminal(record.status));
  }

  /** Resolves with the final record once the task has ended. Throws for an unknown id. */
  whenEnded(id: string): Promise<TaskRecord> {
    return this.registry.require(id).ended;
  }

  /** The workspace's tasks of another lanes that `lanes tasks` lists by default (read, never held). */
  otherTasks(): OtherTask[] {
    return this.others.list();
  }

  /** A task of another lanes in this workspace, whatever its status, as the reconcile derives it now. */
  otherTask(id: string): OtherTask | undefined {
    return this.registry.has(id) ? undefined : this.others.find(id);
  }
}
