import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();
const DAY_MS = 86_400_000;

/**
 * An ended task as a lanes long gone left it: record, a log of `logBytes`, an exit file and a kill request,
 * ended `daysAgo` days ago; `notified`: its result reached a model.
 */
function endedTask(id: string, daysAgo: number, notified: boolean, logBytes = 10): void {
  const tasks = join(ws.dir, ".lanes", "tasks");
  mkdirSync(tasks, { recursive: true, mode: 0o700 });
  const at = new Date(Date.now() - daysAgo * DAY_MS);
  const base = join(tasks, id);
  writeFileSync(`${base}.log`, "x".repeat(logBytes));
  writeFileSync(`${base}.exit`, "0");
  writeFileSync(`${base}.kill`, "");
  const record = {
    id,
    type: "local_bash",
    status: "completed",
    command: `echo ${id}`,
    description: null,
    cwd: ws.dir,
    lane: "default",
    pid: null,
    started_at: new Date(at.getTime() - 1000).toISOString(),
    ended_at: at.toISOString(),
    exit_code: 0,
    signal: null,
    end_reason: null,
    timeout_ms: null,
    output_file: `${base}.log`,
    exit_file: `${base}.exit`,
    output_bytes: logBytes,
    notified,
    persist: false,
    owner_pid: 999_999_999,
    created_at: new Date(at.getTime() - 1000).toISOString(),
  };
  writeFileSync(`${base}.json`, JSON.stringify(record));
  for (const file of [`${base}.log`, `${base}.exit`]) utimesSync(file, at, at);
}

const filesOf = (id: string): string[] =>
  readdirSync(join(ws.dir, ".lanes", "tasks")).filter((name) => name.startsWith(`${id}.`));

describe("lanes tasks prune", () => {
  it("removes ended, delivered tasks older than --older-than with every file of theirs; keeps recent, undelivered and running ones", async ({
    onTestFinished,
  }) => {
    endedTask("old00001", 10, true, 300_000);
    endedTask("new00001", 1, true);
    endedTask("undeliv1", 10, false);
    const detached = await runCli(["run", "--detach", "sleep 30"], {
      cwd: ws.dir,
      env: ws.env(),
      onTestFinished,
    });
    expect(detached.code, detached.stderr).toBe(0);
    expect(await eventually(() => ws.running() === 1, 20_000)).toBe(true);
    const running = ws.records().find((record) => record.status === "running")?.id as string;

    const pruned = await runCli(["tasks", "prune", "--older-than", "3d"], { cwd: ws.dir, env: ws.env() });
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/Removed 1 tasks that ended more than 3d ago: 29\d(\.\d)? KiB freed\./);
    expect(pruned.stdout).toContain("Kept 1 whose result no session has read yet (undeliv1)");
    expect(filesOf("old00001")).toEqual([]);
    expect(filesOf("new00001")).toHaveLength(4);
    expect(filesOf("undeliv1").length).toBeGreaterThan(0);
    expect(filesOf(running).length).toBeGreaterThan(0);

    // --all: every ended, delivered task; still never the running one or the undelivered one.
    const all = await runCli(["tasks", "prune", "--all"], { cwd: ws.dir, env: ws.env() });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain("Removed 1 ended tasks:");
    expect(filesOf("new00001")).toEqual([]);
    expect(filesOf("undeliv1").length).toBeGreaterThan(0);
    expect(ws.records().find((record) => record.id === running)?.status).toBe("running");
  });

  it("a bad --older-than, or both scopes, is a usage error and removes nothing", async () => {
    endedTask("old00002", 10, true);
    for (const args of [
      ["--older-than", "ten days"],
      ["--older-than", "5"],
      ["--all", "--older-than", "1d"],
    ]) {
      const run = await runCli(["tasks", "prune", ...args], { cwd: ws.dir, env: ws.env() });
      expect(run.code, run.stdout).toBe(2);
      expect(run.stderr).toMatch(/--older-than|--all/);
    }
    expect(filesOf("old00002")).toHaveLength(4);
  });

  it("a session start prunes tasks past task_retention_days (default 7), and 0 keeps them", async () => {
    endedTask("old00003", 10, true);
    endedTask("new00003", 2, true);
    const script = join(ws.dir, "script.json");
    writeFileSync(script, JSON.stringify({ turns: [{ text: "hello" }] }));
    const keep = join(ws.dir, ".lanes", "config.json");
    writeFileSync(keep, JSON.stringify({ task_retention_days: 0 }));
    const kept = await runCli(["-p", "hi", "--model", `script:${script}`], { cwd: ws.dir, env: ws.env() });
    expect(kept.code, kept.stderr).toBe(0);
    expect(filesOf("old00003")).toHaveLength(4);
    writeFileSync(keep, "{}");
    const run = await runCli(["-p", "hi", "--model", `script:${script}`], { cwd: ws.dir, env: ws.env() });
    expect(run.code, run.stderr).toBe(0);
    expect(filesOf("old00003")).toEqual([]);
    expect(filesOf("new00003")).toHaveLength(4);
  });

  it("lanes tasks --all shows when each task started, with the date when not today", async () => {
    endedTask("old00004", 10, true);
    const list = await runCli(["tasks", "--all"], { cwd: ws.dir, env: ws.env() });
    const started = new Date(Date.now() - 10 * DAY_MS - 1000);
    const two = (n: number): string => String(n).padStart(2, "0");
    const day = `${started.getFullYear()}-${two(started.getMonth() + 1)}-${two(started.getDate())}`;
    expect(list.stdout).toMatch(
      new RegExp(
        `^old00004  completed, exit 0 1\\.0s, started ${day} \\d\\d:\\d\\d:\\d\\d  echo old00004$`,
        "m",
      ),
    );
    expect(existsSync(join(ws.dir, ".lanes", "tasks", "old00004.json"))).toBe(true);
  });
});
