import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeAnthropic } from "../../tests/helpers/fake-anthropic-server.js";
import { finalRuns } from "./final-runs.js";
import { judgeTasks, type Offense, type SoakCounts } from "./counts.js";
import { planKill, type KillKind, type KillPlan } from "./kill-plan.js";
import { startLanes, type LanesProcess } from "./lanes-process.js";
import { killSoakProcesses, ListingWatch, liveTags, markedPids } from "./listings.js";
import { seededRandom } from "./random.js";
import { SoakModel } from "./soak-model.js";
import { SOAK_DIR, TASK_SCRIPT, TRUTH_DIR, type Shape } from "./shapes.js";

export interface SoakOptions {
  /** The built CLI (dist/lanes.js, or the test run's bundle). */
  cli: string;
  /** How long rounds keep starting; the final `--continue` runs come after. */
  durationMs: number;
  /** At most this many rounds (a short soak that does the same work on a fast or a loaded machine). */
  rounds?: number;
  /** The shapes the model draws its tasks from (default: all of them). */
  shapes?: readonly Shape[];
  seed: number;
  log?: (line: string) => void;
  /** Called with the soak's process mark at once, so a caller can end its processes whatever happens. */
  onRun?: (run: string) => void;
  /** false: no round is killed (a control run: a sound runtime and a sound harness count 0 then). */
  kills?: boolean;
  /** Ends the soak early: running lanes are KILLed at once (a test that timed out). */
  signal?: AbortSignal;
  /** How long one `lanes -p` may take before it counts as hung and is KILLed. */
  roundTimeoutMs?: number;
  /** Keeps the workspace (records, session logs, truth files) when a count is not 0, and logs where. */
  keepFailed?: boolean;
}

export interface SoakResult {
  seed: number;
  durationS: number;
  rounds: number;
  /** Tasks the model asked for; `started` of them ran or were recorded or announced. */
  tasks: number;
  started: number;
  neverRan: number;
  requests: number;
  kills: Record<Exclude<KillKind, "none">, number>;
  listings: number;
  /** Runs of lanes that did not end within roundTimeoutMs. */
  hung: number;
  finalRuns: number;
  counts: SoakCounts;
  offenses: Offense[];
}

function makeWorkspace(root: string): { workspace: string; home: string } {
  const workspace = join(root, "ws");
  const home = join(root, "home");
  mkdirSync(join(workspace, TRUTH_DIR), { recursive: true });
  writeFileSync(join(workspace, SOAK_DIR, "task.sh"), TASK_SCRIPT);
  mkdirSync(join(home, ".config", "lanes"), { recursive: true });
  // A window no soak fills: compaction would rewrite the conversation the counts read.
  writeFileSync(
    join(home, ".config", "lanes", "config.json"),
    JSON.stringify({ context_window: 50_000_000 }),
  );
  return { workspace, home };
}

/** How long the final runs wait for persisted tasks (4 s of sleep at most) to end. */
const PERSIST_WAIT_MS = 15_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Kills lanes as the plan says once the model answered the planned request; returns what it sent. */
function armKill(lanes: LanesProcess, plan: KillPlan, onSent: (kind: KillKind) => void): void {
  if (plan.kind === "none") return;
  setTimeout(() => {
    if (!lanes.signal(plan.kind === "SIGKILL" ? "SIGKILL" : "SIGTERM")) return;
    onSent(plan.kind);
    if (plan.kind === "SIGTERM+SIGKILL") setTimeout(() => lanes.signal("SIGKILL"), plan.cutMs);
  }, plan.delayMs);
}

/** `--continue` once a conversation was saved (a first run killed early may have saved none). */
function hasSession(workspace: string): boolean {
  try {
    return readdirSync(join(workspace, ".lanes", "sessions")).some((name) => name.endsWith(".jsonl"));
  } catch {
    return false;
  }
}

/**
 * The crash-and-restart soak: one workspace, rounds of `lanes -p` (`--continue` after the first) whose
 * model starts tasks of many shapes, each round's lanes killed as the seed plans it; then `--continue`
 * without kills until every result came. Counts from outside what was delivered twice, lost, wrong.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const run = `soak${process.pid}x${options.seed}x${Date.now() % 100_000}`;
  options.onRun?.(run);
  const root = realpathSync(mkdtempSync(join(tmpdir(), "lanes-soak-")));
  const { workspace, home } = makeWorkspace(root);
  const model = new SoakModel(seededRandom(options.seed), run, options.shapes);
  const killRandom = seededRandom(options.seed ^ 0x5eed);
  const fake = await startFakeAnthropic((request) => {
    fake.requests.length = 0; // each body is read once by the model; a long soak keeps none
    return model.handle(request);
  });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    NO_COLOR: "1",
    LANES_RETRY_BASE_MS: "5",
    ANTHROPIC_API_KEY: "sk-soak",
    ANTHROPIC_BASE_URL: fake.url,
  };
  const watch = new ListingWatch(options.cli, workspace, env, run);
  const kills = { SIGKILL: 0, SIGTERM: 0, "SIGTERM+SIGKILL": 0 };
  const roundTimeoutMs = options.roundTimeoutMs ?? 150_000;
  const running = new Set<LanesProcess>();
  let hung = 0;
  let rounds = 0;
  let finalRunCount = 0;
  let listing = true;
  const started = Date.now();
  let keep = false;
  const aborted = () => options.signal?.aborted === true;
  const killAll = () => {
    for (const lanes of running) lanes.signal("SIGKILL");
    watch.stop();
  };
  options.signal?.addEventListener("abort", killAll);

  const lanesRun = async (prompt: string, plan: KillPlan | undefined): Promise<string> => {
    const args = ["-p", prompt, "--cwd", workspace, "--max-wait", "120"];
    const lanes = startLanes(options.cli, hasSession(workspace) ? [...args, "--continue"] : args, env);
    running.add(lanes);
    let sent: KillKind | undefined;
    model.beginRound(plan ? 1 + (rounds % 3) : 0, (request) => {
      if (plan && request === plan.afterRequest) armKill(lanes, plan, (kind) => (sent = kind));
    });
    const watchdog = setTimeout(() => {
      hung++;
      log(
        `  lanes pid ${lanes.pid} still running after ${roundTimeoutMs} ms (${lanes.procState()}): KILLed. stderr: ${lanes.stderrTail()}`,
      );
      lanes.signal("SIGKILL");
    }, roundTimeoutMs);
    const end = await lanes.exited;
    clearTimeout(watchdog);
    running.delete(lanes);
    if (sent !== undefined && sent !== "none") kills[sent]++;
    if (end.code === 2) log(`  lanes exit 2: ${lanes.stderrTail().trim().slice(-300)}`);
    return `${sent ?? "no kill"} → exit ${end.code ?? end.signal}`;
  };

  const listingLoop = (async () => {
    while (listing) {
      await watch.once();
      await sleep(1_500);
    }
  })();

  try {
    const roundsLeft = () => options.rounds === undefined || rounds < options.rounds;
    while (Date.now() - started < options.durationMs && roundsLeft() && !aborted()) {
      const drawn = planKill(killRandom);
      const plan: KillPlan = options.kills === false ? { ...drawn, kind: "none" } : drawn;
      const before = model.tasks.size;
      const outcome = await lanesRun(`Round ${rounds + 1}: start some background tasks.`, plan);
      rounds++;
      const shapes = [...model.tasks.values()].slice(before).map((task) => task.shape);
      log(`round ${rounds}: ${shapes.length} tasks (${shapes.join(" ")}), ${describePlan(plan)}: ${outcome}`);
    }
    model.finishing = true;
    const persist = new Set([...model.tasks.values()].filter((t) => t.shape === "persist").map((t) => t.tag));
    const persistRunning = () => [...liveTags(run)].some((tag) => persist.has(tag));
    finalRunCount = await finalRuns(
      {
        missing: () =>
          judgeTasks(workspace, model, new Set()).offenses.filter((o) => o.count === "lost").length,
        persistRunning,
        runOnce: () => lanesRun("Final check: report what finished.", undefined),
        aborted,
        log,
      },
      { maxRuns: 8, persistWaitMs: PERSIST_WAIT_MS, pollMs: 250 },
    );
    listing = false;
    await listingLoop;
    // Task processes get a moment to be reaped after the last lanes ended them.
    let orphans = markedPids(run, (tag) => persist.has(tag)).length;
    for (let tries = 0; orphans > 0 && tries < 20; tries++) {
      await sleep(250);
      orphans = markedPids(run, (tag) => persist.has(tag)).length;
    }
    const alivePersist = new Set([...liveTags(run)].filter((tag) => persist.has(tag)));
    if (alivePersist.size > 0)
      log(
        `persisted tasks still running ${PERSIST_WAIT_MS} ms on (not judged): ${[...alivePersist].join(", ")}`,
      );
    const judged = judgeTasks(workspace, model, alivePersist);
    const offenses = [
      ...judged.offenses,
      ...watch.stale.map((s): Offense => ({
        count: "staleListings",
        tag: s.tag,
        id: s.id,
        shape: model.tasks.get(s.tag)?.shape ?? "?",
        what: `listed running, no process for 2 scans: ${s.line.slice(0, 100)}`,
      })),
    ];
    const count = (name: keyof SoakCounts) => offenses.filter((o) => o.count === name).length;
    keep = options.keepFailed === true && (offenses.length > 0 || orphans > 0 || hung > 0);
    if (keep) log(`workspace kept: ${root}`);
    return {
      seed: options.seed,
      durationS: Math.round((Date.now() - started) / 100) / 10,
      rounds,
      tasks: model.tasks.size,
      started: judged.started,
      neverRan: judged.neverRan,
      requests: model.requests,
      kills,
      listings: watch.listings,
      hung,
      finalRuns: finalRunCount,
      counts: {
        twice: count("twice"),
        lost: count("lost"),
        wrongExit: count("wrongExit"),
        noRecord: count("noRecord"),
        orphans,
        staleListings: count("staleListings"),
      },
      offenses,
    };
  } finally {
    listing = false;
    options.signal?.removeEventListener("abort", killAll);
    killAll();
    await listingLoop;
    killSoakProcesses(run);
    await fake.close();
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
}

function describePlan(plan: KillPlan): string {
  if (plan.kind === "none") return "no kill";
  const cut = plan.kind === "SIGTERM+SIGKILL" ? ` (KILL ${plan.cutMs} ms later)` : "";
  return `${plan.kind} ${plan.delayMs} ms after answer ${plan.afterRequest}${cut}`;
}
