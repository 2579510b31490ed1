import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { eventually, pidAlive } from "../helpers/temp-workspace.js";
import { parentOf } from "../../src/process/proc-stat.js";

const ws = useLaneFixture();

/** The program a process runs and its arguments. */
function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0");
}

describe.skipIf(process.platform !== "linux")("the fork server", () => {
  it("forks every task's leader from one warm perl: no interpreter starts per task", async () => {
    const lanes = ws.manager();
    const tasks = [1, 2, 3].map(() => lanes.start({ command: "sleep 30" }));
    const leaders = tasks.map((task) => lanes.get(task.id)?.pid ?? 0);
    const parents = leaders.map(parentOf);
    // A spawned perl's parent is lanes itself; a served one's is the server, the same one for all three.
    expect(parents[0]).not.toBe(process.pid);
    expect(new Set(parents).size).toBe(1);
    const server = parents[0] ?? 0;
    expect(parentOf(server)).toBe(process.pid);
    expect(commandLine(server)[1]).toBe("-e");
    // Still each task's own group, led by the forked perl (the tree keeps its shape).
    for (const pid of leaders) expect(readFileSync(`/proc/${pid}/stat`, "latin1")).toMatch(/^\d+ \(perl\)/);
    await Promise.all(tasks.map((task) => lanes.kill(task.id)));
    await lanes.shutdown();
    // Closing its pipe ends the server; nothing lanes started is left behind.
    expect(await eventually(() => !pidAlive(server), 5_000)).toBe(true);
  });

  it("keeps exit codes, stdin and kills when its server is killed mid-task, and the next start gets a new server", async () => {
    const lanes = ws.manager();
    const reader = lanes.start({ command: "read code; echo read $code; exit $code" });
    const sleeper = lanes.start({ command: "trap 'exit 9' TERM; sleep 30 & wait" });
    const server = parentOf(lanes.get(reader.id)?.pid ?? 0) ?? 0;
    expect(server).not.toBe(process.pid);
    process.kill(server, "SIGKILL");
    expect(await eventually(() => !pidAlive(server), 5_000)).toBe(true);
    // Orphaned tasks are watched by pid: input still reaches one, its exit file gives its code.
    await lanes.sendInput(reader.id, "4\n", true);
    const read = await lanes.whenEnded(reader.id);
    expect(read).toMatchObject({ status: "failed", exit_code: 4 });
    expect(readFileSync(read.output_file, "utf8")).toBe("read 4\n");
    const killed = await lanes.kill(sleeper.id);
    expect(killed.record).toMatchObject({ status: "killed", exit_code: 9 });
    const next = lanes.start({ command: "sleep 30" });
    const nextServer = parentOf(lanes.get(next.id)?.pid ?? 0);
    expect(nextServer).not.toBe(server);
    expect(nextServer).not.toBe(process.pid);
    expect(parentOf(nextServer ?? 0)).toBe(process.pid);
  });

  it("a stopped server cannot hang lanes: the start waits out the deadline, kills it, and runs the command once", async () => {
    const lanes = ws.manager();
    // A fresh server's first reply can miss its deadline on a loaded machine (that launch is then spawned, by
    // design): the first task the server forked is the one this test needs.
    let first = lanes.start({ command: "sleep 30" });
    for (let tries = 0; tries < 3 && parentOf(lanes.get(first.id)?.pid ?? 0) === process.pid; tries++)
      first = lanes.start({ command: "sleep 30" });
    const server = parentOf(lanes.get(first.id)?.pid ?? 0) ?? 0;
    expect(server).not.toBe(process.pid);
    process.kill(server, "SIGSTOP");
    const second = lanes.start({ command: "echo ran >> runs.txt" });
    // The stopped server was killed; the command ran once, by a perl of its own (lanes' child).
    expect(await eventually(() => !pidAlive(server), 5_000)).toBe(true);
    expect(await lanes.whenEnded(second.id)).toMatchObject({ status: "completed", exit_code: 0 });
    expect(readFileSync(`${ws.dir}/runs.txt`, "utf8")).toBe("ran\n");
    // The task it had already forked is watched by pid, and still ends by a kill.
    expect((await lanes.kill(first.id)).record.status).toBe("killed");
  }, 30_000);
});
