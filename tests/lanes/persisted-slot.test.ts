import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createBackgroundRunTool } from "../../src/tools/background-run.js";
import { createCheckBackgroundTool } from "../../src/tools/check-background.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { eventually } from "../helpers/temp-workspace.js";
import { callDirect, callResult } from "../helpers/tool-harness.js";

const ws = useLaneFixture();

const GATED = "while [ ! -f go ]; do sleep 0.05; done; echo persisted done";

/** The workspace's task records as on disk. */
function records(): { command: string; status: string }[] {
  const dir = join(ws.dir, ".lanes", "tasks");
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as { command: string; status: string });
}

/** Starts GATED with `lanes run --detach` (that lanes exits at once) and returns the task's id. */
async function detach(onTestFinished: (hook: () => void) => void): Promise<string> {
  const run = await runCli(["run", "--detach", GATED], { cwd: ws.dir, env: testEnv(), onTestFinished });
  expect(run.code).toBe(0);
  const id = /^(\w+)\s+started \(persisted\)/.exec(run.stdout)?.[1] ?? "";
  expect(id).not.toBe("");
  return id;
}

describe("a persisted task keeps its lane slot after its lanes exits", () => {
  it("`lanes run --detach`, then a new lanes with a limit of 1: its task waits until the persisted one ends", async ({
    onTestFinished,
  }) => {
    const persistedId = await detach(onTestFinished);
    const lanes = ws.manager({ defaultLaneLimit: 1 });
    const { content: reply, details } = await callResult(createBackgroundRunTool(lanes), {
      command: "echo after",
    });
    const waiting = lanes.get(details.task_id)!;
    // Its lanes is gone, but the persisted task still runs: the lane's one slot is still taken.
    expect(waiting.status).toBe("queued");
    expect(lanes.waitingFor(waiting.id)).toMatchObject({
      lane: "default",
      limit: 1,
      holders: [{ taskId: persistedId, owner: "gone", record: { command: GATED, persist: true } }],
    });
    // The model is told which task holds the slot, when it starts it and when it checks on it.
    const why = `lane "default" is at its limit of 1, held by ${persistedId} (persisted, still running after the lanes that started it exited): ${GATED}`;
    expect(reply).toContain(`Queued: ${why}; it starts when a slot frees.`);
    const check = await callDirect(createCheckBackgroundTool(lanes), { task_id: waiting.id, output: "none" });
    expect(check).toContain(`waiting: ${why}`);
    // Still queued after several looks for a free slot (every 250 ms).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(lanes.get(waiting.id)?.status).toBe("queued");
    writeFileSync(join(ws.dir, "go"), "");
    const final = await lanes.whenEnded(waiting.id);
    expect(final.status).toBe("completed");
    // It started only once the persisted task had ended (its exit file's time is that end).
    const exitFile = join(ws.dir, ".lanes", "tasks", `${persistedId}.exit`);
    expect(Date.parse(final.started_at ?? "")).toBeGreaterThanOrEqual(Math.floor(statSync(exitFile).mtimeMs));
    expect(readdirSync(join(ws.dir, ".lanes", "slots"))).toEqual([]);
  });

  it("a lanes that adopts the persisted task (recover) takes over its slot: one slot file, not two", async ({
    onTestFinished,
  }) => {
    const persistedId = await detach(onTestFinished);
    const lanes = ws.manager({ defaultLaneLimit: 1 });
    expect(lanes.recover().adopted).toEqual([persistedId]);
    const waiting = lanes.start({ command: "echo after" });
    expect(waiting.status).toBe("queued");
    expect(lanes.waitingFor(waiting.id)?.holders).toMatchObject([{ taskId: persistedId, owner: "self" }]);
    expect(readdirSync(join(ws.dir, ".lanes", "slots"))).toHaveLength(1);
    writeFileSync(join(ws.dir, "go"), "");
    expect((await lanes.whenEnded(waiting.id)).status).toBe("completed");
    expect(readdirSync(join(ws.dir, ".lanes", "slots"))).toEqual([]);
  });

  it("a second `lanes run` with a limit of 1 waits for the persisted task and says so on stderr", async ({
    onTestFinished,
  }) => {
    const persistedId = await detach(onTestFinished);
    mkdirSync(join(ws.dir, ".lanes"), { recursive: true });
    writeFileSync(join(ws.dir, ".lanes", "config.json"), JSON.stringify({ default_lane_limit: 1 }));
    const second = runCli(["run", "echo after"], { cwd: ws.dir, env: testEnv(), onTestFinished });
    const queued = () => records().some((r) => r.command === "echo after" && r.status === "queued");
    expect(await eventually(queued, 30_000)).toBe(true);
    writeFileSync(join(ws.dir, "go"), "");
    const run = await second;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `Queued: lane "default" is at its limit of 1, held by ${persistedId} (persisted, still running after the lanes that started it exited)`,
    );
    expect(run.stdout).toContain("after");
  });
});
