import type { LaneWait, StartTaskRequest } from "./lane-types.js";
import { newRecordIn, type IntakeContext } from "./running-intake.js";
import { recordQueued } from "./task-launch.js";
import type { TaskRecord } from "./task-record.js";

/**
 * A new task: its record, then a free slot and its launch, or its place in the lane's queue. Returns a
 * copy of the record.
 */
export function admitTask(
  context: IntakeContext,
  request: StartTaskRequest & { stallMs: number },
  launch: (id: string) => void,
): TaskRecord {
  const { registry, slots, events } = context;
  if (request.id !== undefined) registry.releaseReservedId(request.id);
  const record = newRecordIn(context, request.id ?? registry.newId(), request);
  const slotted = slots.acquire(record.lane, record.id);
  // Write-ahead: queued is on disk before anyone is told; launchTask records a start before the spawn.
  if (!slotted) recordQueued(context, record);
  events.recorded(record);
  registry.track(record, {
    notifyOn: request.notifyOn,
    unsandboxed: request.sandbox === false,
    mirror: request.mirror,
    inheritStdin: request.inheritStdin,
    env: request.agent?.env,
  });
  if (slotted) launch(record.id);
  else events.emit({ type: "task-queued", record: { ...record } });
  return { ...record };
}

/** For a queued task, what it waits for: the tasks holding its lane's slots, here or in another lanes. */
export function laneWaitOf(
  { registry, store, slots }: Pick<IntakeContext, "registry" | "store" | "slots">,
  id: string,
): LaneWait | undefined {
  const record = registry.find(id)?.record;
  if (record?.status !== "queued") return undefined;
  const holders = slots.holders(record.lane).map((holder) => {
    const found = registry.find(holder.taskId)?.record ?? store.find(holder.taskId);
    return { ...holder, ...(found ? { record: { ...found } } : {}) };
  });
  return { lane: record.lane, limit: slots.limitOf(record.lane), holders };
}
