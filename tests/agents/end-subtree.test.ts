import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { endSubtree } from "../../src/agents/end-subtree.js";
import { writeAgentState, type AgentState } from "../../src/lanes/agent-state.js";
import { newTaskRecord } from "../../src/lanes/task-lifecycle.js";
import { TaskStore } from "../../src/lanes/task-store.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { eventually, pidAlive } from "../helpers/temp-workspace.js";

const ws = useLaneFixture();

function agentState(
  id: string,
  worker: AgentState["worker"],
  phase: AgentState["phase"] = "killed",
): AgentState {
  const usage = {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  return {
    ...{ id, root: "tree-test", parent: null, depth: 1, description: null, phase },
    ...{ current_tool: null, waiting_on: [], turns: 1, usage, token_units: 0, transcript: null },
    ...{ result_file: null, branch: null, worktree: null, budget: null, worker },
    updated_at: new Date().toISOString(),
  };
}

/** A running task recorded by a worker that is gone: its process alive, marked, in a group of its own. */
async function leftTask(store: TaskStore, id: string, ownerPid: number, type: "local_bash" | "local_agent") {
  const command = "trap '' TERM; while :; do sleep 0.2; done";
  const child = spawn("/bin/sh", ["-c", command], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, LANES_TASK_ID: id },
  });
  child.unref();
  const paths = store.paths(id);
  await store.save({
    ...newTaskRecord(id, { command }, { cwd: ws.dir, ...paths, ownerPid }),
    type,
    status: "running",
    pid: child.pid ?? null,
    started_at: new Date().toISOString(),
  });
  return child.pid!;
}

describe("an ended agent's subtree", () => {
  it("the tasks its KILLed worker left running, and those of its own agent, get KILL and records that say killed", async ({
    onTestFinished,
  }) => {
    const lanesDir = join(ws.dir, ".lanes");
    const store = new TaskStore(lanesDir);
    // Pids of processes that have exited: the agent's worker and its sub-agent's worker, both KILLed.
    const [worker, subWorker] = [spawnSync("true").pid!, spawnSync("true").pid!];
    writeAgentState(lanesDir, agentState("agent001", { pid: worker, lanes_dir: lanesDir }));
    writeAgentState(lanesDir, agentState("agent002", { pid: subWorker, lanes_dir: lanesDir }));
    const pids = [
      await leftTask(store, "task0001", worker, "local_bash"),
      await leftTask(store, "agent002", worker, "local_agent"),
      await leftTask(store, "task0002", subWorker, "local_bash"),
    ];
    const bystander = await leftTask(store, "other001", process.pid, "local_bash");
    onTestFinished(() => {
      for (const pid of [...pids, bystander]) if (pidAlive(pid)) process.kill(-pid, "SIGKILL");
    });
    expect(endSubtree(lanesDir, "agent001").sort()).toEqual(["agent002", "task0001", "task0002"]);
    expect(await eventually(() => pids.every((pid) => !pidAlive(pid)), 10_000)).toBe(true);
    for (const id of ["task0001", "agent002", "task0002"])
      expect(store.find(id)).toMatchObject({ status: "killed", signal: "SIGKILL" });
    expect(pidAlive(bystander)).toBe(true);
    expect(store.find("other001")?.status).toBe("running");
  });

  // Issue 19: the parent read and parsed every task record of the workspace at each agent's end, 20 agents
  // ending meant 20 reads of 40 records, on the CPU the other agents were starting on.
  it("a worker that recorded its own end is taken at its word: its tasks are not looked up again", async ({
    onTestFinished,
  }) => {
    const lanesDir = join(ws.dir, ".lanes");
    const store = new TaskStore(lanesDir);
    const worker = spawnSync("true").pid!;
    // A worker writes completed (or failed, budget_exceeded) only after its shutdown ended and recorded its
    // tasks; this record says running only so that a lookup would show (its process would be KILLed).
    writeAgentState(lanesDir, agentState("agent003", { pid: worker, lanes_dir: lanesDir }, "completed"));
    const pid = await leftTask(store, "task0003", worker, "local_bash");
    onTestFinished(() => void (pidAlive(pid) && process.kill(-pid, "SIGKILL")));
    expect(endSubtree(lanesDir, "agent003")).toEqual([]);
    expect(store.find("task0003")?.status).toBe("running");
    expect(pidAlive(pid)).toBe(true);
  });
});
