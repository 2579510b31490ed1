import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskRecord } from "../../src/lanes/task-record.js";
import type { TestSshd } from "./sshd.js";

/** A workspace whose user config (in its own HOME, never the workspace) has a remote lane `box` on the sshd. */
export interface RemoteWorkspace {
  root: string;
  dir: string;
  home: string;
  /** The remote `dir` (a folder on this machine, reached over ssh). */
  remoteDir: string;
  env: NodeJS.ProcessEnv;
  script(turns: unknown[]): string;
  records(): TaskRecord[];
  remove(): void;
}

export function remoteWorkspace(sshd: TestSshd, lane: Record<string, unknown> = {}): RemoteWorkspace {
  const root = mkdtempSync(join(tmpdir(), "lanes-remote-ws-"));
  const dir = join(root, "ws");
  const home = join(root, "home");
  const remoteDir = join(root, "remote");
  mkdirSync(dir);
  mkdirSync(join(home, ".config", "lanes"), { recursive: true });
  const remote = {
    type: "ssh",
    host: "root@127.0.0.1",
    port: sshd.port,
    identity_file: sshd.identityFile,
    known_hosts_file: sshd.knownHostsFile,
    dir: remoteDir,
    ...lane,
  };
  const config = { lanes: { box: { remote } }, kill_grace_ms: 1_000 };
  writeFileSync(join(home, ".config", "lanes", "config.json"), JSON.stringify(config));
  let scripts = 0;
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
    },
    script: (turns) => {
      const file = join(root, `script-${++scripts}.json`);
      writeFileSync(file, JSON.stringify({ turns }));
      return file;
    },
    records: () => {
      const tasks = join(dir, ".lanes", "tasks");
      return readdirSync(tasks)
        .filter((name) => name.endsWith(".json"))
        .map((name) => JSON.parse(readFileSync(join(tasks, name), "utf8")) as TaskRecord);
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
