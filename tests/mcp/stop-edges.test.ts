import { afterEach, describe, expect, it } from "vitest";
import { killGroup, readRecord, runningPid, type Cleanups } from "../helpers/mcp-client.js";
import { startRawServer, startedId, type RawServer } from "../helpers/raw-mcp.js";
import { recordReliability } from "../helpers/reliability.js";
import { eventually, pidAlive, sleep } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A plain task and a persisted one, both running; returns their ids and pids. */
async function startTwo(server: RawServer): Promise<{ plain: string; kept: string; pids: number[] }> {
  await server.initialize();
  const run = async (id: number, persist: boolean): Promise<string> =>
    startedId(
      await server.request(id, "tools/call", {
        name: "background_run",
        arguments: { command: "sleep 300", persist },
      }),
    );
  const plain = await run(1, false);
  const kept = await run(2, true);
  const pids = [await runningPid(server.dir, plain), await runningPid(server.dir, kept)];
  for (const pid of pids) cleanups.push(() => killGroup(pid));
  return { plain, kept, pids };
}

function stopLines(server: RawServer): string[] {
  return server.stderr().match(/^lanes mcp: stopping: .*$/gm) ?? [];
}

const SIGNALS: [NodeJS.Signals, number][] = [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
];

describe("MCP: how lanes mcp ends", () => {
  for (const [signal, status] of SIGNALS) {
    it(`${signal} stops once and exits ${status}; the plain task is ended and recorded, the persisted one lives on`, async ({
      task,
    }) => {
      const server = startRawServer(cleanups);
      const { plain, kept, pids } = await startTwo(server);
      process.kill(server.pid, signal);
      const exit = await server.exited;
      expect(exit, server.stderr()).toEqual({ code: status, signal: null });
      expect(stopLines(server)).toEqual([`lanes mcp: stopping: received ${signal}`]);
      expect(await eventually(() => !pidAlive(pids[0] ?? 0), 5000)).toBe(true);
      expect(readRecord(server.dir, plain)).toMatchObject({ status: "killed", end_reason: "shutdown" });
      expect(pidAlive(pids[1] ?? 0)).toBe(true);
      expect(readRecord(server.dir, kept).status).toBe("running");
      recordReliability(task, {
        area: "MCP",
        does: `${signal} to lanes mcp with a plain and a persisted task running: exit ${status}, one stop, the plain task killed and recorded, the persisted one still running`,
        cases: 1,
        faultsSurvived: 1,
        processesLeft: pidAlive(pids[0] ?? 0) ? 1 : 0,
        itemsLost: 0,
      });
    });
  }

  it("stdin closing stops once and exits 0", async () => {
    const server = startRawServer(cleanups);
    const { plain, pids } = await startTwo(server);
    server.child.stdin?.end();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(stopLines(server)).toEqual(["lanes mcp: stopping: stdin closed"]);
    expect(readRecord(server.dir, plain)).toMatchObject({ status: "killed", end_reason: "shutdown" });
    expect(pidAlive(pids[1] ?? 0)).toBe(true);
  });

  it("a client that closed its end of stdout (EPIPE) stops the server at the next write, though stdin stays open", async ({
    task,
  }) => {
    const server = startRawServer(cleanups);
    const { plain, kept, pids } = await startTwo(server);
    server.child.stdout?.destroy();
    await sleep(200);
    // The answer to this cannot be written: the server learns its client is gone.
    server.send({ jsonrpc: "2.0", id: 3, method: "tools/list" });
    const exit = await Promise.race([server.exited, sleep(10_000).then(() => "still running")]);
    expect(exit, server.stderr()).toEqual({ code: 0, signal: null });
    expect(stopLines(server)).toEqual(["lanes mcp: stopping: stdout closed (EPIPE): the client is gone"]);
    expect(await eventually(() => !pidAlive(pids[0] ?? 0), 5000)).toBe(true);
    expect(readRecord(server.dir, plain)).toMatchObject({ status: "killed", end_reason: "shutdown" });
    expect(pidAlive(pids[1] ?? 0)).toBe(true);
    expect(readRecord(server.dir, kept).status).toBe("running");
    recordReliability(task, {
      area: "MCP",
      does: "the client closes its end of lanes mcp's stdout but keeps stdin open: the next write fails (EPIPE) and the server stops at once, the plain task killed and recorded, the persisted one running",
      cases: 1,
      faultsSurvived: 1,
      processesLeft: pidAlive(pids[0] ?? 0) ? 1 : 0,
      itemsLost: 0,
    });
  });
});
