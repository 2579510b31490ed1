import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { findMarkedProcesses } from "../../src/process/marked-processes.js";
import { processInfo, waitForCount } from "./process-tree.js";

/** Task ids lanes recorded in a workspace (`.lanes/tasks/<id>.json`); none when it never made the folder. */
export function recordedTaskIds(workspace: string): string[] {
  try {
    return readdirSync(join(workspace, ".lanes", "tasks"))
      .filter((name) => name.endsWith(".json"))
      .map((name) => name.slice(0, -".json".length));
  } catch {
    return [];
  }
}

function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

function mentions(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").includes(dir);
  } catch {
    return false;
  }
}

/**
 * Live processes (zombies excluded) that belong to what a test ran under `dirs`: those carrying the
 * LANES_TASK_ID marker of a task recorded there or of `taskIds`, and any other process running in or
 * naming one of those folders (a fixture, a flipper, a task whose record was lost).
 */
export function processesUnder(dirs: string[], taskIds: Iterable<string> = []): number[] {
  const ids = new Set([...taskIds, ...dirs.flatMap(recordedTaskIds)]);
  const found = new Set(findMarkedProcesses(ids).map(({ pid }) => pid));
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || found.has(pid)) continue;
    const cwd = cwdOf(pid);
    const inside = dirs.some((dir) => cwd === dir || cwd?.startsWith(`${dir}/`) || mentions(pid, dir));
    if (inside) found.add(pid);
  }
  return [...found].filter((pid) => processInfo(pid) !== undefined);
}

/** How many such processes are still alive once exits had `graceMs` to be reaped (0 is the goal). */
export function countProcessesLeft(
  dirs: string[],
  taskIds: Iterable<string> = [],
  graceMs = 3_000,
): Promise<number> {
  const ids = [...taskIds];
  return waitForCount(
    () => processesUnder(dirs, ids).length,
    (count) => count === 0,
    graceMs,
  );
}
