/* eslint-disable @typescript-eslint/no-explicit-any -- task records are loose JSON here */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAnthropic } from "../tests/helpers/fake-anthropic-server.js";

/** A project folder and a HOME beside it (lanes asks before starting in $HOME), agents' lane limit set. */
export interface AgentsWorkspace {
  project: string;
  env: NodeJS.ProcessEnv;
}

export function agentsWorkspace(
  dir: string,
  server: FakeAnthropic,
  laneLimit: number,
  cacheDir?: string,
): AgentsWorkspace {
  const project = join(dir, "project");
  const home = join(dir, "home");
  mkdirSync(project);
  mkdirSync(join(home, ".config", "lanes"), { recursive: true });
  const config = { lanes: { agents: { limit: laneLimit } } };
  writeFileSync(join(home, ".config", "lanes", "config.json"), JSON.stringify(config));
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    NO_COLOR: "1",
    ANTHROPIC_API_KEY: "bench",
    ANTHROPIC_BASE_URL: server.url,
    MODEL_ID: "claude-bench",
    // One cache folder for the whole bench, as a user's ~/.cache/lanes lasts across sessions.
    ...(cacheDir === undefined ? {} : { XDG_CACHE_HOME: cacheDir }),
  };
  return { project, env };
}

/** Every readable task record of the project. */
export function taskRecords(project: string): any[] {
  const dir = join(project, ".lanes", "tasks");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(".json"))
    .flatMap((name) => {
      try {
        return [JSON.parse(readFileSync(join(dir, name), "utf8"))];
      } catch {
        return [];
      }
    });
}

export interface ParentRun {
  spawnedAt: number;
  exitedAt: number;
  pid: number;
  stdout: string;
  stderr: string;
}

/** SIGKILLs every task group the project's records name: agents outlive their parent by design. */
export function killTasks(project: string): void {
  for (const record of taskRecords(project)) {
    if (record.status !== "running" || typeof record.pid !== "number") continue;
    try {
      process.kill(-record.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/**
 * Runs `lanes -p PROMPT` (the built bundle) to its exit; `onSample` is called every 50 ms meanwhile. A run
 * that fails or outlasts `limitMs` is killed with every task it started, and throws.
 */
export async function runParent(
  bin: string,
  ws: AgentsWorkspace,
  prompt: string,
  onSample: (pid: number) => void = () => undefined,
  // 20 agents on a loaded 2-core machine took over a minute: node start-ups share the CPUs.
  limitMs = 300_000,
): Promise<ParentRun> {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [bin, "-p", prompt, "--output-format", "json"], {
    cwd: ws.project,
    env: ws.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const pid = child.pid ?? -1;
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const sampler = setInterval(() => onSample(pid), 50);
  let timedOut = false;
  const limit = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, limitMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (exit) => resolve(exit));
    });
    const exitedAt = Date.now();
    if (timedOut) throw new Error(`lanes -p ${JSON.stringify(prompt)}: still running after ${limitMs} ms`);
    if (code !== 0)
      throw new Error(`lanes -p ${JSON.stringify(prompt)}: exit ${code}: ${stderr.slice(-500)}`);
    return { spawnedAt, exitedAt, pid, stdout, stderr };
  } catch (error) {
    killTasks(ws.project);
    throw error;
  } finally {
    clearInterval(sampler);
    clearTimeout(limit);
  }
}
