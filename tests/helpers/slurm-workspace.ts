import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskRecord } from "../../src/lanes/task-record.js";
import type { TestSlurm } from "./slurm.js";

/** A workspace whose user config (in its own HOME) has a Slurm lane `hpc` on the test cluster. */
export interface SlurmWorkspace {
  root: string;
  dir: string;
  home: string;
  /** The lane's `dir` (shared: the cluster is this machine). */
  remoteDir: string;
  env: NodeJS.ProcessEnv;
  script(turns: unknown[]): string;
  records(): TaskRecord[];
  log(): string;
  remove(): void;
}

export function slurmWorkspace(slurm: TestSlurm, lane: Record<string, unknown> = {}): SlurmWorkspace {
  const root = mkdtempSync(join(tmpdir(), "lanes-slurm-ws-"));
  const dir = join(root, "ws");
  const home = join(root, "home");
  const remoteDir = join(root, "shared");
  mkdirSync(dir);
  mkdirSync(join(home, ".config", "lanes"), { recursive: true });
  const remote = { type: "slurm", dir: remoteDir, partition: "debug", ...lane };
  const config = { lanes: { hpc: { remote } }, kill_grace_ms: 1_000 };
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
    dir,
    home,
    remoteDir,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      NO_COLOR: "1",
      LANES_RETRY_BASE_MS: "5",
      ...slurm.env,
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
