import { afterAll, describe, expect, it } from "vitest";
import { killSoakProcesses } from "../../bench/soak/listings.js";
import { runSoak, type SoakResult } from "../../bench/soak/run-soak.js";
import type { Shape } from "../../bench/soak/shapes.js";
import { soakTable } from "../../bench/soak/soak-table.js";
import { recordReliability } from "../helpers/reliability.js";
import { LANES_BIN } from "../helpers/run-cli.js";

// The bench runs the same soak for 10 minutes (`npm run bench -- --only soak`); this is its short form. Seed
// 100 kills its four rounds by TERM cut short by KILL, KILL, TERM (these within 50 ms of an answer) and TERM.
const SEED = 100;
const ROUNDS = 4;
// The shapes that went wrong before (flood, the slowest, only loads the machine here; the bench keeps it).
const SHAPES: Shape[] = ["quick", "fail", "ignore-term", "children", "setsid", "timeout", "persist"];

const stop = new AbortController();
let run: string | undefined;
afterAll(() => {
  stop.abort();
  if (run !== undefined) killSoakProcesses(run);
});

describe("crash-and-restart soak (short)", () => {
  it("lanes -p killed at seeded moments (SIGKILL, SIGTERM, SIGTERM cut by SIGKILL) and resumed with --continue: every result delivered once, with its true exit code, every task recorded, nothing left running, no stale listing", async ({
    task,
  }) => {
    const result: SoakResult = await runSoak({
      cli: LANES_BIN,
      durationMs: 120_000,
      rounds: ROUNDS,
      shapes: SHAPES,
      seed: SEED,
      signal: stop.signal,
      onRun: (mark) => (run = mark),
      roundTimeoutMs: 60_000,
    });
    const counts = { ...result.counts, hung: result.hung };
    const zero = { twice: 0, lost: 0, wrongExit: 0, noRecord: 0, orphans: 0, staleListings: 0, hung: 0 };
    expect(counts, `\n${soakTable(result)}\n`).toEqual(zero);
    const kills = result.kills.SIGKILL + result.kills.SIGTERM + result.kills["SIGTERM+SIGKILL"];
    // The soak did soak: tasks ran and lanes was killed under them (bounds loose for a loaded machine).
    expect({ started: result.started >= 5, killed: kills >= 2 }).toEqual({ started: true, killed: true });
    recordReliability(task, {
      area: "Crashes",
      does: `crash-and-restart soak, seed ${SEED}: ${result.rounds} rounds of lanes -p in one workspace, each killed by SIGKILL, SIGTERM or SIGTERM cut by SIGKILL at a seeded moment, then --continue until every result came; ${result.started} tasks of ${SHAPES.length} shapes (${SHAPES.join(", ")}); ${result.listings} lanes tasks listings; counted from outside (requests at the fake API, truth files the commands wrote, /proc)`,
      cases: result.started,
      faultsSurvived: kills,
      processesLeft: result.counts.orphans,
      itemsLost: result.counts.twice + result.counts.lost + result.counts.wrongExit + result.counts.noRecord,
    });
  }, 240_000);
});
