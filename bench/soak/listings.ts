import { execFile, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { liveProcessesWithEnv } from "../../tests/helpers/marked-processes.js";
import { RUN_VARIABLE, TAG_VARIABLE, TRUTH_DIR, tagOf } from "./shapes.js";

/** A `lanes tasks` line saying a task runs whose every process had been gone for two scans before it. */
export interface StaleListing {
  id: string;
  tag: string;
  line: string;
}

/** Tags of the soak's task processes alive now (zombies excluded), read from /proc. */
export function liveTags(run: string): Set<string> {
  const tags = new Set<string>();
  for (const { env } of liveProcessesWithEnv(RUN_VARIABLE, (value) => value === run)) {
    const tag = env.get(TAG_VARIABLE);
    if (tag !== undefined) tags.add(tag);
  }
  return tags;
}

/** Pids of every process the soak's tasks left, persist ones included when `keep` does not take them. */
export function markedPids(run: string, keep: (tag: string) => boolean = () => false): number[] {
  return liveProcessesWithEnv(RUN_VARIABLE, (value) => value === run)
    .filter(({ env }) => !keep(env.get(TAG_VARIABLE) ?? ""))
    .map(({ pid }) => pid);
}

function tasksListing(
  cli: string,
  workspace: string,
  env: NodeJS.ProcessEnv,
  started: (child: ChildProcess) => void,
): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cli, "tasks", "--cwd", workspace],
      { env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (_error, stdout) => resolve(String(stdout)),
    );
    started(child);
  });
}

interface Scan {
  at: number;
  alive: Set<string>;
  /** Tags whose command had written its `.start` by then. */
  started: Set<string>;
}

function startedTags(workspace: string): Set<string> {
  try {
    const names = readdirSync(join(workspace, TRUTH_DIR));
    return new Set(names.filter((name) => name.endsWith(".start")).map((name) => name.slice(0, -6)));
  } catch {
    return new Set();
  }
}

/**
 * Watches `lanes tasks` from outside while the soak runs: before each listing /proc is scanned, and a
 * task listed `running` whose command had started and had no live process in this scan and the one
 * before (at least `gapMs` earlier) is stale.
 */
export class ListingWatch {
  listings = 0;
  readonly stale: StaleListing[] = [];
  private previousScan: Scan | undefined;
  private readonly tagById = new Map<string, string>();
  private child: ChildProcess | undefined;

  constructor(
    private readonly cli: string,
    private readonly workspace: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly run: string,
    private readonly gapMs = 2_000,
  ) {}

  async once(): Promise<void> {
    const scan: Scan = { at: Date.now(), alive: liveTags(this.run), started: startedTags(this.workspace) };
    const before = this.previousScan;
    const output = await tasksListing(this.cli, this.workspace, this.env, (child) => (this.child = child));
    this.child = undefined;
    this.listings++;
    const judged = before !== undefined && scan.at - before.at >= this.gapMs;
    for (const line of output.split("\n")) {
      const id = /^(\S+) {2}running\b/.exec(line)?.[1];
      const tag = id === undefined ? undefined : this.tagFor(id, line);
      if (!judged || id === undefined || tag === undefined) continue;
      if (before.started.has(tag) && !before.alive.has(tag) && !scan.alive.has(tag)) {
        this.stale.push({ id, tag, line });
      }
    }
    if (before === undefined || judged) this.previousScan = scan;
  }

  /** KILLs a listing still running (the soak was aborted). */
  stop(): void {
    this.child?.kill("SIGKILL");
  }

  private tagFor(id: string, line: string): string | undefined {
    const known = this.tagById.get(id) ?? tagOf(line) ?? this.recordTag(id);
    if (known !== undefined) this.tagById.set(id, known);
    return known;
  }

  private recordTag(id: string): string | undefined {
    try {
      return tagOf(readFileSync(join(this.workspace, ".lanes", "tasks", `${id}.json`), "utf8"));
    } catch {
      return undefined;
    }
  }
}

/** SIGKILLs every process the soak's tasks left (persist ones too); returns how many. */
export function killSoakProcesses(run: string): number {
  let killed = 0;
  for (const pid of markedPids(run)) {
    try {
      process.kill(pid, "SIGKILL");
      killed++;
    } catch {
      // Gone already.
    }
  }
  return killed;
}
