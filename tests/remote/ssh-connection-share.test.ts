import { readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { processInfo } from "../helpers/process-tree.js";
import { remoteWorkspace, type RemoteWorkspace } from "../helpers/remote-workspace.js";
import { runCli } from "../helpers/run-cli.js";
import { startSshd, type TestSshd } from "../helpers/sshd.js";
import { useLaneServer } from "../helpers/remote-scenarios.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The ssh masters of a lanes of this workspace: ssh processes whose folder is it (a master keeps its cwd). */
function masters(ws: RemoteWorkspace): number[] {
  const dir = realpathSync(ws.dir);
  return readdirSync("/proc")
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0)
    .filter((pid) => {
      try {
        return processInfo(pid)?.name === "ssh" && readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    });
}

/** A stopped master ends once its last call has: gone within a generous bound. */
async function mastersGone(ws: RemoteWorkspace): Promise<number[]> {
  const deadline = Date.now() + 15_000;
  while (masters(ws).length > 0 && Date.now() < deadline) await sleep(100);
  return masters(ws);
}

function logOf(ws: RemoteWorkspace, command: string): string {
  try {
    const record = ws.records().find((found) => found.command === command);
    return record ? readFileSync(record.output_file, "utf8") : "";
  } catch {
    return "";
  }
}

describe("one ssh connection per host for one lanes (ControlMaster)", () => {
  const server = useLaneServer(startSshd);
  let sshd: TestSshd;
  beforeAll(() => (sshd = server.server()));
  const workspace = (): RemoteWorkspace => {
    const ws = remoteWorkspace(sshd);
    server.track(ws);
    // The private socket folder goes under TMPDIR: this test can see it is removed.
    ws.env.TMPDIR = ws.root;
    return ws;
  };

  it(
    "two tasks (check, sync, start, follow, clean of each) open one connection, and nothing is left at exit",
    { timeout: 120_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      const script = ws.script([
        { tool_calls: [{ name: "background_run", input: { command: "echo one", lane: "box" } }] },
        { tool_calls: [{ name: "wait_background", input: { timeout_ms: 60_000 } }] },
        { tool_calls: [{ name: "background_run", input: { command: "echo two", lane: "box" } }] },
        { tool_calls: [{ name: "wait_background", input: { timeout_ms: 60_000 } }] },
        // A local second: the host's copy of task two is removed (its clean call) before lanes exits.
        { tool_calls: [{ name: "bash", input: { command: "sleep 1" } }] },
        { text: "done" },
      ]);
      const before = sshd.connections();
      const run = await runCli(["-p", "go", "--model", `script:${script}`], {
        cwd: ws.dir,
        env: ws.env,
        onTestFinished,
      });
      expect(run.code).toBe(0);
      expect(ws.records().map((record) => record.status)).toEqual(["completed", "completed"]);
      expect(logOf(ws, "echo one") + logOf(ws, "echo two")).toBe("one\ntwo\n");
      expect(sshd.connections() - before).toBe(1);
      expect(await mastersGone(ws)).toEqual([]);
      expect(readdirSync(ws.root).filter((name) => name.startsWith("lanes-ssh-"))).toEqual([]);
    },
  );

  it(
    "a master killed mid-task: output goes on over a fresh connection, every line once, and the next task starts",
    { timeout: 120_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      const lines = "for i in $(seq 1 20); do echo line-$i; sleep 0.2; done";
      const script = ws.script([
        { tool_calls: [{ name: "background_run", input: { command: lines, lane: "box" } }] },
        { tool_calls: [{ name: "wait_background", input: { timeout_ms: 60_000 } }] },
        { tool_calls: [{ name: "background_run", input: { command: "echo after", lane: "box" } }] },
        { tool_calls: [{ name: "wait_background", input: { timeout_ms: 60_000 } }] },
        { text: "done" },
      ]);
      const run = runCli(["-p", "go", "--model", `script:${script}`], {
        cwd: ws.dir,
        env: ws.env,
        onTestFinished,
      });
      const deadline = Date.now() + 60_000;
      while (!logOf(ws, lines).includes("line-2\n") && Date.now() < deadline) await sleep(50);
      const [master] = masters(ws).filter((pid) => processInfo(pid)?.command.endsWith("[mux]"));
      expect(master).toBeDefined();
      process.kill(master!, "SIGKILL");
      const done = await run;
      expect(done.code).toBe(0);
      const expected = Array.from({ length: 20 }, (_, i) => `line-${i + 1}\n`).join("");
      expect(logOf(ws, lines)).toBe(expected);
      expect(logOf(ws, "echo after")).toBe("after\n");
      expect(ws.records().map((record) => record.status)).toEqual(["completed", "completed"]);
      expect(await mastersGone(ws)).toEqual([]);
    },
  );
});
