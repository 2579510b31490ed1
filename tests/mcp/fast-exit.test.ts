import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findMarkedProcesses } from "../../src/process/marked-processes.js";
import {
  call,
  connect,
  killGroup,
  readRecord,
  runningPid,
  startTask,
  type Cleanups,
  type Connection,
} from "../helpers/mcp-client.js";
import { recordReliability } from "../helpers/reliability.js";
import { eventually, pidAlive, sleep } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Tasks that ignore TERM, each in a shape the ending must reach: the leader, a child, an escapee. */
const SHAPES: Record<string, string> = {
  leader: "trap '' TERM; sleep 300",
  child: "trap '' TERM; sleep 300 & wait",
  setsid: "setsid sh -c \"trap '' TERM; sleep 300\" & wait",
};

/** Starts every shape and returns the task ids once each runs. */
async function startShapes(connection: Connection): Promise<string[]> {
  const ids: string[] = [];
  for (const command of Object.values(SHAPES)) {
    const id = await startTask(connection, { command });
    const pid = await runningPid(connection.dir, id);
    cleanups.push(() => killGroup(pid));
    ids.push(id);
  }
  cleanups.push(() => {
    for (const { pid } of findMarkedProcesses(new Set(ids))) process.kill(pid, "SIGKILL");
  });
  // The traps are set and the sleeps started before the signals come.
  expect(await eventually(() => findMarkedProcesses(new Set(ids)).length >= 2 * ids.length, 5000)).toBe(true);
  return ids;
}

function live(ids: string[]): number {
  return findMarkedProcesses(new Set(ids)).length;
}

describe("MCP: a fast client exit orphans nothing", () => {
  it(
    "INT, TERM 100 ms later and KILL 500 ms after INT (as Claude Code does) leave no task process running",
    { timeout: 30_000 },
    async ({ task }) => {
      const connection = await connect(cleanups);
      const ids = await startShapes(connection);
      const server = connection.transport.pid ?? 0;
      expect(server).toBeGreaterThan(0);

      process.kill(server, "SIGINT");
      await sleep(100);
      process.kill(server, "SIGTERM");
      await sleep(400);
      if (pidAlive(server)) process.kill(server, "SIGKILL");

      expect(await eventually(() => live(ids) === 0, 2000)).toBe(true);
      for (const id of ids) {
        expect(readRecord(connection.dir, id), connection.stderr()).toMatchObject({ status: "killed" });
      }
      expect(connection.stderr()).toContain("while stopping: ending every task group now");
      recordReliability(task, {
        area: "MCP",
        does: `lanes mcp sent INT, TERM +100 ms, KILL +500 ms (Claude Code's exit) with TERM-ignoring tasks × ${ids.length} shapes (${Object.keys(SHAPES).join(", ")}); counted by env marker in /proc`,
        cases: ids.length,
        faultsSurvived: ids.length,
        processesLeft: live(ids),
        itemsLost: 0,
      });
    },
  );

  it(
    "the next lanes mcp ends what a record says ended but still runs, and adopts what a crashed lanes left running",
    { timeout: 30_000 },
    async () => {
      const first = await connect(cleanups);
      const ended = await startTask(first, { command: SHAPES.leader, persist: true });
      const running = await startTask(first, { command: "sleep 300", persist: true });
      const endedPid = await runningPid(first.dir, ended);
      const runningPid_ = await runningPid(first.dir, running);
      cleanups.push(() => killGroup(endedPid));
      cleanups.push(() => killGroup(runningPid_));
      // lanes crashes; one record already said "killed" (its shutdown's KILL never landed).
      // Taken first: the transport forgets the pid once the process is gone (and pid 0 is our own group).
      const server = first.transport.pid ?? 0;
      expect(server).toBeGreaterThan(0);
      process.kill(server, "SIGKILL");
      expect(await eventually(() => !pidAlive(server), 5000)).toBe(true);
      const file = join(first.dir, ".lanes", "tasks", `${ended}.json`);
      const record = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      writeFileSync(
        file,
        JSON.stringify({
          ...record,
          status: "killed",
          end_reason: "shutdown",
          ended_at: new Date().toISOString(),
          notified: true,
        }),
      );
      expect(pidAlive(endedPid)).toBe(true);

      const second = await connect(cleanups, first.dir);
      expect(await eventually(() => live([ended]) === 0, 3000)).toBe(true);
      expect(pidAlive(runningPid_)).toBe(true);
      expect((await call(second, "check_background", { task_id: running })).text).toContain(
        "status: running",
      );
      expect(second.stderr()).toContain("1 still running");
      expect(second.stderr()).toContain("leftover processes of ended tasks killed");
    },
  );
});
