import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createBackgroundRunTool } from "../../src/tools/background-run.js";
import { createBashTool, type BashToolOptions } from "../../src/tools/bash.js";
import { checkCommand } from "../../src/shell/guard.js";
import { ToolError } from "../../src/tools/define-tool.js";
import { createKillBackgroundTool } from "../../src/tools/kill-background.js";
import { processGone, readPid } from "../fixtures/process-state.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { callDirect, callResult } from "../helpers/tool-harness.js";
import { eventually, sleep } from "../helpers/temp-workspace.js";

const ws = useLaneFixture();

function bashTool(options: BashToolOptions = {}) {
  const lanes = ws.manager();
  return { lanes, bash: createBashTool(lanes, { backgroundAfterMs: 20_000, ...options }) };
}

const call = callDirect;

function outputsDir(): string[] {
  const dir = join(ws.dir, ".lanes", "outputs");
  return existsSync(dir) ? readdirSync(dir) : [];
}

function seqOutput(count: number): string {
  return Array.from({ length: count }, (_, i) => `${i + 1}\n`).join("");
}

describe("bash tool", () => {
  it("states a non-zero exit code after the output", async () => {
    const { bash } = bashTool();
    const reply = await call(bash, { command: "echo out; exit 3" });
    expect(reply).toMatch(/^out\n/);
    expect(reply).toContain("Exit code: 3");
  });

  it("keeps stderr of a successful command, interleaved in the order written, with no exit note", async () => {
    const { bash } = bashTool();
    const reply = await call(bash, { command: "echo one; echo two >&2; echo three; echo four >&2" });
    expect(reply).toBe("one\ntwo\nthree\nfour");
  });

  it("returns head and tail of ~110 KB of output plus the path of a file holding every byte", async () => {
    const { bash } = bashTool();
    const reply = await call(bash, { command: "seq 1 20000" });
    expect(reply.length).toBeLessThan(31_000);
    expect(reply.startsWith("1\n2\n3\n")).toBe(true);
    expect(reply.endsWith("19999\n20000")).toBe(true);
    const path = /is in (\S+)\]/.exec(reply)?.[1];
    expect(path).toBeDefined();
    expect(readFileSync(join(ws.dir, path ?? ""), "utf8")).toBe(seqOutput(20000));
  });

  it("returns head and tail of ~590 KB of output (read in two windows) plus the full file", async () => {
    const { bash } = bashTool();
    const reply = await call(bash, { command: "seq 1 100000" });
    expect(reply.length).toBeLessThan(31_000);
    expect(reply.startsWith("1\n2\n3\n")).toBe(true);
    expect(reply.endsWith("99999\n100000")).toBe(true);
    expect(reply).toMatch(/\d+ bytes left out/);
    const path = /is in (\S+)\]/.exec(reply)?.[1];
    expect(readFileSync(join(ws.dir, path ?? "missing"), "utf8")).toBe(seqOutput(100000));
  });

  it("leaves no file behind in .lanes/outputs for short output, failing or not", async () => {
    const { bash } = bashTool();
    await call(bash, { command: "echo hi" });
    await call(bash, { command: "echo oops >&2; exit 1" });
    await call(bash, { command: "true" });
    expect(outputsDir()).toEqual([]);
  });

  it("kills the whole process group at an explicit timeout_ms, grandchild included, and says so", async () => {
    const { bash } = bashTool();
    const pidFile = join(ws.dir, "grandchild.pid");
    const started = Date.now();
    const reply = await call(bash, {
      command: `sh -c 'sleep 30 & echo $! > ${pidFile}; wait'; echo never`,
      timeout_ms: 500,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(reply).toContain("Timed out after 500ms");
    expect(reply).toContain("process group was killed");
    expect(reply).not.toContain("never");
    expect(reply).not.toContain("left running");
    const grandchild = readPid(pidFile);
    expect(grandchild).toBeGreaterThan(0);
    expect(await eventually(() => processGone(grandchild ?? 0), 5_000)).toBe(true);
  });

  it("cancels the command when the abort signal fires", async () => {
    const { bash } = bashTool();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const reply = await call(bash, { command: "sleep 30; echo never" }, controller.signal);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(reply).toContain("Cancelled");
    expect(reply).not.toContain("never");
    expect(reply).not.toContain("left running");
  });

  it("does not block the event loop while `sleep 1` runs", async () => {
    const { bash } = bashTool();
    let ticks = 0;
    const counter = setInterval(() => ticks++, 50);
    try {
      await call(bash, { command: "sleep 1" });
    } finally {
      clearInterval(counter);
    }
    expect(ticks).toBeGreaterThan(5);
  });

  it("moves a command still running after backgroundAfterMs to a lane, then notifies its end exactly once", async () => {
    const { bash, lanes } = bashTool({ backgroundAfterMs: 300 });
    // Gated on a file the test creates only after the reply: the reply cannot have waited for the end.
    const { content: reply, details } = await callResult(bash, {
      command: "echo early; until [ -e go ]; do sleep 0.05; done; echo late",
    });
    expect(reply).toContain("early");
    expect(reply).not.toContain("late");
    if (details.kind !== "backgrounded") throw new Error(`not moved: ${reply}`);
    const id = details.task_id;
    expect(reply).toContain(`background task ${id}`);
    expect(lanes.get(id)?.status).toBe("running");
    writeFileSync(join(ws.dir, "go"), "");
    const final = await lanes.whenEnded(id);
    expect(final).toMatchObject({ status: "completed", exit_code: 0 });
    expect(readFileSync(final.output_file, "utf8")).toBe("early\nlate\n");
    await sleep(200);
    const notices = lanes.drainNotifications();
    expect(notices.map((n) => n.taskId)).toEqual([id]);
  });

  it("ends processes a command left running (cmd &) by default and says so", async () => {
    const { bash } = bashTool();
    const pidFile = join(ws.dir, "left.pid");
    const reply = await call(bash, { command: `sleep 30 & echo $! > ${pidFile}; echo started` });
    expect(reply).toContain("started");
    expect(reply).toContain("were ended");
    const leftover = readPid(pidFile);
    expect(leftover).toBeGreaterThan(0);
    expect(await eventually(() => processGone(leftover ?? 0), 5_000)).toBe(true);
  });

  it("adopts cmd & leftovers as a running task with keep_background_processes, killable by kill_background", async () => {
    const { bash, lanes } = bashTool();
    const pidFile = join(ws.dir, "left.pid");
    const { content: reply, details } = await callResult(bash, {
      command: `sleep 30 & echo $! > ${pidFile}; echo started`,
      keep_background_processes: true,
    });
    expect(reply).toContain("started");
    const id = details.kind === "finished" ? (details.leftover_task_id ?? "") : "";
    expect(reply).toContain(`tracked as background task ${id}`);
    expect(lanes.list().map((r) => [r.id, r.status])).toEqual([[id, "running"]]);
    const leftover = readPid(pidFile) ?? 0;
    expect(processGone(leftover)).toBe(false);
    const killed = await call(createKillBackgroundTool(lanes), { task_id: id });
    expect(killed).toMatch(/^Killed\./);
    expect(lanes.get(id)?.status).toBe("killed");
    expect(await eventually(() => processGone(leftover), 5_000)).toBe(true);
  });

  it("reports adopted cmd & leftovers that end on their own as ended, not lost", async () => {
    const { bash, lanes } = bashTool();
    const { details } = await callResult(bash, {
      command: "(sleep 1; echo bye) & echo started",
      keep_background_processes: true,
    });
    const id = details.kind === "finished" ? (details.leftover_task_id ?? "") : "";
    const final = await lanes.whenEnded(id);
    expect(readFileSync(final.output_file, "utf8")).toBe("started\nbye\n");
    expect(final.end_reason ?? "").not.toContain("no lanes was watching");
    expect(final.status).toBe("completed");
    expect(final.exit_code).toBeNull();
  });

  it("refuses rm -rf / in bash and in background_run with a ToolError, running nothing", async () => {
    const { bash, lanes } = bashTool();
    await expect(call(bash, { command: "rm -rf /" })).rejects.toThrow(ToolError);
    await expect(call(bash, { command: "rm -rf /" })).rejects.toThrow(/refused by the safety guard/);
    const backgroundRun = createBackgroundRunTool(lanes);
    await expect(call(backgroundRun, { command: "rm -rf /" })).rejects.toThrow(ToolError);
    expect(lanes.list()).toEqual([]);
    expect(outputsDir()).toEqual([]);
  });

  // The guard's fork-bomb pattern once backtracked quadratically over the longest unquoted word (80 KB took
  // ~14 s, blocking the event loop); bounded now. The bound below is generous: linear takes milliseconds.
  it("checks a heredoc with an 80 KB line (a base64 blob) without stalling the event loop", async () => {
    const { bash } = bashTool();
    const blob = "QUJD".repeat(20_000);
    const command = `cat > data.b64 <<'EOF'\n${blob}\nEOF`;
    // Only the guard is timed (no process spawn in the measurement); the quadratic one took ~14 s.
    const started = Date.now();
    expect(checkCommand(command)).toMatchObject({ allowed: true });
    expect(Date.now() - started).toBeLessThan(5_000);
    await call(bash, { command });
    expect(readFileSync(join(ws.dir, "data.b64"), "utf8")).toBe(`${blob}\n`);
  });

  it("names the wrong field in invalid input", async () => {
    const { bash } = bashTool();
    await expect(call(bash, { command: 42 })).rejects.toThrow(/`command`.*number 42/);
    await expect(call(bash, {})).rejects.toThrow(/`command`/);
    await expect(call(bash, { command: "ls", timeout_ms: "ten" })).rejects.toThrow(
      /`timeout_ms`.*string "ten"/,
    );
    await expect(call(bash, { command: "ls", timeout_ms: 700_000 })).rejects.toThrow(/`timeout_ms`/);
    await expect(call(bash, { command: "ls", keep_background_processes: "yes" })).rejects.toThrow(
      /`keep_background_processes`/,
    );
  });
});
