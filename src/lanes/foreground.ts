import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startGroupProcess } from "../process/group-process.js";
import { groupAlive, groupEmptiesWithin, terminateGroup } from "../process/kill-group.js";
import type { ProcessResult } from "../process/process-result.js";
import type { LaneManager } from "./lane-manager.js";
import type { TaskRecord } from "./task-record.js";

export interface ForegroundRequest {
  command: string;
  /** Kill at this point (only when the model asked for a bound explicitly). */
  timeoutMs?: number | undefined;
  /** Move into a lane after this long instead of blocking on (or killing) work the model asked for. */
  backgroundAfterMs?: number | undefined;
  /** Adopt `cmd &` leftovers as a tracked task instead of ending them. */
  keepLeftovers?: boolean | undefined;
  signal: AbortSignal;
  /** Resolving this moves the command into a lane at once (Ctrl+B in the REPL). */
  moveToBackground?: Promise<void> | undefined;
  /** `false`: run this one command outside the OS sandbox (an escalation the user approved). */
  sandbox?: false | undefined;
}

export type ForegroundOutcome =
  | { kind: "finished"; result: ProcessResult; outputFile: string; leftovers: "none" | "ended" | TaskRecord }
  | { kind: "backgrounded"; record: TaskRecord; outputFile: string };

/**
 * Runs a blocking `bash` call without blocking the event loop: its own process group, output to a file.
 * A long run is handed to the lane manager; leftovers in its group are ended or adopted, never invisible.
 */
export async function runForeground(
  lanes: LaneManager,
  request: ForegroundRequest,
): Promise<ForegroundOutcome> {
  const dir = join(lanes.store.lanesDir, "outputs");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Ours until the command is done: then it is a task's id (moved, adopted) or free again.
  const reservation = lanes.reserveId();
  const { id } = reservation;
  const outputFile = join(dir, `${id}.log`);
  // Written by the wrapper when the command ends: a command moved into a lane is then known to have ended
  // (and how) even when this lanes crashed before it saw the exit.
  const exitFile = join(dir, `${id}.exit`);
  const startedAt = Date.now();
  const child = startGroupProcess({
    command: request.command,
    cwd: lanes.workspace,
    env: lanes.taskEnv(id),
    outputFile,
    exitFile,
    stdin: "ignore",
    timeoutMs: request.timeoutMs,
    keepGroupOnExit: true,
    sandbox: lanes.sandboxFor(request.sandbox === false),
  });
  const forget = lanes.holdForeground(id, child);
  const onAbort = (): void => void child.terminate("killed");
  request.signal.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const moved = new Promise<"moved">((resolve) => {
    if (request.backgroundAfterMs !== undefined)
      timer = setTimeout(() => resolve("moved"), request.backgroundAfterMs);
    void request.moveToBackground?.then(() => resolve("moved"));
  });
  try {
    const first = await Promise.race([child.exited, moved]);
    if (first === "moved") {
      child.clearTimeout();
      const record = lanes.adoptForeground({
        id,
        command: request.command,
        process: child,
        outputFile,
        exitFile,
        startedAt,
      });
      // Like any lane task, what it started (`cmd &`) ends with it: the task record stops tracking then.
      void child.exited.then(() => endGroup(child.pid, lanes.killGraceMs));
      return { kind: "backgrounded", record, outputFile: record.output_file };
    }
    rmSync(exitFile, { force: true });
    // After a timeout or cancel, the process module is already ending the whole group: nothing was left over.
    const leftovers =
      first.reason === "exit" ? await settleLeftovers(lanes, id, child.pid, request, outputFile) : "none";
    // Adopted leftovers are swept when their task ends; otherwise look for escapees (setsid) now.
    if (typeof leftovers !== "object") lanes.sweepEscaped(id);
    const finalFile = typeof leftovers === "object" ? leftovers.output_file : outputFile;
    return { kind: "finished", result: first, outputFile: finalFile, leftovers };
  } finally {
    forget();
    reservation.release();
    clearTimeout(timer);
    request.signal.removeEventListener("abort", onAbort);
  }
}

// How long the group may take to empty by itself after its leader: the sandbox's teardown takes a few ms
// (more on a loaded machine); what a command really left running (`cmd &`) outlives any such wait.
const LEADER_SETTLE_MS = 150;

async function settleLeftovers(
  lanes: LaneManager,
  id: string,
  pgid: number | undefined,
  request: ForegroundRequest,
  outputFile: string,
): Promise<"none" | "ended" | TaskRecord> {
  if (pgid === undefined || (await groupEmptiesWithin(pgid, LEADER_SETTLE_MS))) return "none";
  if (request.keepLeftovers) return lanes.adoptGroup({ id, command: request.command, pgid, outputFile });
  await terminateGroup(pgid, lanes.killGraceMs);
  return "ended";
}

async function endGroup(pgid: number | undefined, graceMs: number): Promise<void> {
  if (pgid !== undefined && groupAlive(pgid)) await terminateGroup(pgid, graceMs);
}

/** Foreground output files are kept only when the model was pointed at them. */
export function discardOutput(file: string): void {
  rmSync(file, { force: true });
}
