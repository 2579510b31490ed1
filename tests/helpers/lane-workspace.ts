import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskRecord } from "../../src/lanes/task-record.js";

/** A workspace whose user config (in its own HOME, never the workspace) has one remote lane. */
export interface LaneWorkspace {
  root: string;
  /** The name of the remote lane in the user config. */
  lane: string;
  dir: string;
  home: string;
  /** The lane's remote `dir`: a folder on this machine, reached the lane's way. */
  remoteDir: string;
  env: NodeJS.ProcessEnv;
  /** Writes a scripted model's turns to a new file; returns its path (for `--model script:PATH`). */
  script(turns: unknown[]): string;
  records(): TaskRecord[];
  /** The first task's log so far ("" before there is one). */
  log(): string;
  remove(): void;
}

/** What differs between the SSH and the Slurm workspaces: names, the lane's config and extra environment. */
export interface LaneWorkspaceKind {
  prefix: string;
  remoteFolder: string;
  lane: string;
  remote: (remoteDir: string) => Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

export function laneWorkspace(kind: LaneWorkspaceKind): LaneWorkspace {
  const root = mkdtempSync(join(tmpdir(), kind.prefix));
  const dir = join(root, "ws");
  const home = join(root, "home");
  const remoteDir = join(root, kind.remoteFolder);
  mkdirSync(dir);
  mkdirSync(join(home, ".config", "lanes"), { recursive: true });
  const config = { lanes: { [kind.lane]: { remote: kind.remote(remoteDir) } }, kill_grace_ms: 1_000 };
  writeFileSync(join(home, ".config", "lanes", "config.json"), JSON.stringify(config));
  let scripts = 0;
  const records = (): TaskRecord[] => {
    const tasks = join(dir, ".lanes", "tasks");
    return readdirSync(tasks)
      .filter((name) => name.endsWith(".json"))
      .map((name) => JSON.parse(readFileSync(join(tasks, name), "utf8")) as TaskRecord);
  };
  return {
    root,
    lane: kind.lane,
    dir,
    home,
    remoteDir,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      NO_COLOR: "1",
      LANES_RETRY_BASE_MS: "5",
      ...kind.env,
    },
    script: (turns) => {
      const file = join(root, `script-${++scripts}.json`);
      writeFileSync(file, JSON.stringify({ turns }));
      return file;
    },
    records,
    log: () => {
      try {
        const [record] = records();
        return record === undefined ? "" : readFileSync(record.output_file, "utf8");
      } catch {
        return "";
      }
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
