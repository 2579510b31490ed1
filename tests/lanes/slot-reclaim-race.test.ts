import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempWorkspace } from "../helpers/temp-workspace.js";

const ROOT = join(import.meta.dirname, "..", "..");
const RACER = join(ROOT, "tests", "fixtures", "lanes-slot-racer.ts");
const RACERS = 4;
const ROUNDS = 150;

let ws: { dir: string; cleanup: () => void };
const racers: ChildProcess[] = [];
beforeEach(() => void (ws = tempWorkspace()));
afterEach(() => {
  for (const racer of racers.splice(0)) racer.kill("SIGKILL");
  ws.cleanup();
});

/** A racer process and a function that sends it a round and resolves with whether it won. */
async function startRacer(dir: string, name: string) {
  const child = spawn(process.execPath, [join(ROOT, "bin", "run-ts.js"), RACER, dir, name], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  racers.push(child);
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = (): Promise<string> => new Promise((resolve) => waiting.push(resolve));
  expect(await next()).toBe("ready");
  return async (lane: string, at: number): Promise<boolean> => {
    const answer = next();
    child.stdin!.write(`${JSON.stringify({ lane, at })}\n`);
    return (JSON.parse(await answer) as { won: boolean }).won;
  };
}

const slotFile = (dir: string, lane: string): string =>
  join(dir, `${createHash("sha256").update(lane).digest("hex").slice(0, 16)}.0`);

describe("reclaiming a dead slot across processes", () => {
  it(`${RACERS} processes reclaiming one dead slot at the same instant: exactly one takes it, ${ROUNDS} rounds`, async () => {
    const dir = join(ws.dir, ".lanes", "slots");
    mkdirSync(dir, { recursive: true });
    const race = await Promise.all(Array.from({ length: RACERS }, (_, i) => startRacer(dir, `r${i}`)));
    const dead = spawnSync("true").pid ?? 1;
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const lane = `round-${round}`;
      // A slot whose lanes died, as a crash leaves it.
      writeFileSync(slotFile(dir, lane), JSON.stringify({ pid: dead, task: `gone-${round}` }));
      const at = Date.now() + 20;
      const won = await Promise.all(race.map((claim) => claim(lane, at)));
      winners.push(won.filter(Boolean).length);
      // The one winner's claim is what the slot file says.
      const holder = JSON.parse(readFileSync(slotFile(dir, lane), "utf8")) as { task: string };
      if (won.filter(Boolean).length === 1) expect(holder.task).toBe(`r${won.indexOf(true)}-${lane}`);
    }
    // Rounds by how many racers believed they held the slot: only "1" may occur.
    const tally: Record<string, number> = {};
    for (const count of winners) tally[count] = (tally[count] ?? 0) + 1;
    expect(tally).toEqual({ 1: ROUNDS });
    // Nothing left from the steps in between: no temp files, no reapers' guards.
    expect(readdirSync(dir).filter((name) => !/^[0-9a-f]{16}\.0$/.test(name))).toEqual([]);
  }, 120_000);
});
