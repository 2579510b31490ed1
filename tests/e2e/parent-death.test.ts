import { afterEach, describe, expect, it } from "vitest";
import { textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { connect, killGroup, runningPid, startTask, type Cleanups } from "../helpers/mcp-client.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually, pidAlive } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();
const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The REPL and -p leave tasks to be adopted by default; this turns the watch on (src/lanes/owner-watch.ts). */
const WATCH = { LANES_END_WITH_OWNER: "1" };

describe("tasks end with a lanes killed by SIGKILL, persisted ones live on", () => {
  it("-p: its task (ignoring TERM) dies within the grace period of a SIGKILL, the persisted one runs on", async ({
    onTestFinished,
  }) => {
    const server = await ws.fake([
      toolReply([
        { name: "background_run", input: { command: "trap '' TERM; sleep 60", description: "plain" } },
        { name: "background_run", input: { command: "sleep 60", persist: true, description: "kept" } },
      ]),
      textReply("started"),
    ]);
    let pid = 0;
    const run = runCli(["-p", "start them"], {
      cwd: ws.dir,
      env: { ...ws.env(server), ...WATCH },
      onSpawn: (spawned) => (pid = spawned),
      onTestFinished,
    });
    expect(await eventually(() => ws.running() === 2, 30_000)).toBe(true);
    process.kill(pid, "SIGKILL");
    await run;
    const group = (description: string): number =>
      ws.records().find((r) => r.description === description).pid;
    // The watch looks every 0.5 s, then TERM, then KILL after the 2 s grace: well within 15 s.
    expect(await eventually(() => !pidAlive(group("plain")), 15_000)).toBe(true);
    expect(pidAlive(group("kept"))).toBe(true);
  });

  it("lanes mcp SIGKILLed (as with its client's process group), by default: its task dies, the persisted one runs on", async () => {
    const connection = await connect(cleanups);
    const plain = await startTask(connection, { command: "sleep 60" });
    const kept = await startTask(connection, { command: "sleep 60", persist: true });
    const plainPid = await runningPid(connection.dir, plain);
    const keptPid = await runningPid(connection.dir, kept);
    cleanups.push(
      () => killGroup(plainPid),
      () => killGroup(keptPid),
    );
    const serverPid = connection.transport.pid;
    expect(serverPid).not.toBeNull();
    process.kill(serverPid!, "SIGKILL");
    expect(await eventually(() => !pidAlive(plainPid), 15_000)).toBe(true);
    expect(pidAlive(keptPid)).toBe(true);
  });

  it("lanes mcp SIGKILLed with LANES_END_WITH_OWNER=0: its task runs on, left for the next lanes to adopt", async () => {
    const connection = await connect(cleanups, undefined, { LANES_END_WITH_OWNER: "0" });
    const plain = await startTask(connection, { command: "sleep 60" });
    const plainPid = await runningPid(connection.dir, plain);
    cleanups.push(() => killGroup(plainPid));
    process.kill(connection.transport.pid!, "SIGKILL");
    // Past the watch's 0.5 s look and its 2 s grace, had it been on.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(pidAlive(plainPid)).toBe(true);
  });
});
