import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { finalRuns } from "../../bench/soak/final-runs.js";

describe("the soak's final runs", () => {
  it("wait for a persisted task that outlives -p, so the --continue after its end brings its result: none left missing", async ({
    onTestFinished,
  }) => {
    // The persisted task: a real process that outlives the first final run (-p never waits for it).
    const task = spawn("sleep", ["0.8"], { stdio: "ignore" });
    onTestFinished(() => void task.kill("SIGKILL"));
    let ended = false;
    task.on("exit", () => (ended = true));
    let delivered = false;
    const lines: string[] = [];
    const runs = await finalRuns(
      {
        missing: () => (delivered ? 0 : 1),
        persistRunning: () => !ended,
        // As lanes --continue does: an ended record's result is delivered; a running persisted task is only adopted.
        runOnce: async () => {
          if (ended) delivered = true;
          await new Promise((resolve) => setTimeout(resolve, 50));
          return "exit 0";
        },
        aborted: () => false,
        log: (line) => lines.push(line),
      },
      { maxRuns: 8, persistWaitMs: 15_000, pollMs: 50 },
    );
    expect({ delivered, runs, lines }).toEqual({
      delivered: true,
      runs: 1,
      lines: ["final run 1: 1 results were missing, now 0; exit 0"],
    });
  });
});
