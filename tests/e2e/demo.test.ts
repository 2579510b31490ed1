import { describe, expect, it } from "vitest";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

describe("lanes demo (the quick start's offline main job)", () => {
  it("runs the Try It offline: three overlapping tasks, a file written meanwhile, each result drained once", async () => {
    const ws = tempWorkspace();
    try {
      const run = await runCli(["demo"], { cwd: ws.dir, env: testEnv() });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Wrote 30 bytes to notes\/hello\.txt\s+\(while 3 tasks run\)/);
      for (const letter of ["A", "B", "C"]) {
        const drained = run.stdout.match(
          new RegExp(`drained before the model call: .*completed, exit 0 .*output: ${letter}\\n`, "g"),
        );
        expect(drained).toHaveLength(1);
      }
      const wall = Number(/finished in ([\d.]+) s of wall time/.exec(run.stdout)?.[1]);
      // Sleeps of 2, 3 and 1 s: about 3 s together, never the 6 s of running them one after another.
      expect(wall).toBeGreaterThanOrEqual(2.9);
      expect(wall).toBeLessThan(5.5);
      // The timeline's times start in one column, however long a bar is.
      const rows = run.stdout.split("\n").filter((line) => /^ {2}\w+ {2}.*█/.test(line));
      expect(rows).toHaveLength(3);
      expect(new Set(rows.map((row) => row.search(/\d+\.\ds →/))).size).toBe(1);
      // What to do next, with a key or without one.
      expect(run.stdout).toMatch(/Next: .*ANTHROPIC_API_KEY.*--model script:FILE\.json.*lanes doctor/s);
    } finally {
      ws.cleanup();
    }
  });
});
