import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGroupProcess } from "../../src/process/group-process.js";
import { eventually, sleep, tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

// A command whose TERM trap takes a while to clean up, as a test runner's or a server's does. Its trap resets
// TERM first (as traps that re-raise do), so a second TERM mid-cleanup would end it before the cleanup's end.
const CLEANUP =
  "trap 'trap - TERM; echo took >> terms; sleep 2.5; echo done > cleaned; exit 7' TERM; echo up > up; sleep 30 & wait";

describe("one TERM per termination", () => {
  it.each([
    // Due 1.5 s after the start: well after the kill (once the trap is set), well within the cleanup's 2.5 s.
    ["a timeout due during a kill's grace period", { timeoutMs: 1_500 }, undefined],
    ["a second kill during the first one's grace period", {}, "killed"],
  ] as const)(
    "%s sends no second TERM: the command's cleanup finishes and its exit code is kept",
    async (_, extra, second) => {
      const child = startGroupProcess({
        command: CLEANUP,
        cwd: ws.dir,
        env: process.env,
        outputFile: join(ws.dir, "out.log"),
        exitFile: join(ws.dir, "t.exit"),
        stdin: "ignore",
        killGraceMs: 5_000,
        ...extra,
      });
      expect(await eventually(() => existsSync(join(ws.dir, "up")))).toBe(true);
      void child.terminate("shutdown");
      if (second !== undefined) {
        await sleep(300);
        void child.terminate(second);
      }
      const result = await child.exited;
      expect({
        cleaned: existsSync(join(ws.dir, "cleaned")),
        terms: readFileSync(join(ws.dir, "terms"), "utf8"),
        reason: result.reason,
        exitCode: result.exitCode,
      }).toEqual({ cleaned: true, terms: "took\n", reason: "shutdown", exitCode: 7 });
    },
  );
});
