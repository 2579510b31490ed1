import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pidAlive, tempWorkspace, eventually } from "../helpers/temp-workspace.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

// The security tests' flipper spins a core until stopped. A test that times out never reaches its
// `finally`, and the worker that started the flipper is then ended: the flipper must not outlive it.
describe("the path flipper the race tests start", () => {
  it("ends by itself when the process that started it is SIGKILLed", async () => {
    const ws = tempWorkspace("lanes-flipper-");
    cleanups.push(ws.cleanup);
    mkdirSync(join(ws.dir, "d"));
    const pidFile = join(ws.dir, "flipper.pid");
    const helper = join(import.meta.dirname, "..", "helpers", "path-flipper.ts");
    // A stand-in for a test worker: starts a flipper, writes its pid, then waits to be killed.
    const parent = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { startPathFlipper } = await import(${JSON.stringify(helper)});
         const { writeFileSync } = await import("node:fs");
         const flipper = startPathFlipper(${JSON.stringify(join(ws.dir, "d"))}, [["dir"], ["link", "/tmp"]]);
         writeFileSync(${JSON.stringify(pidFile)}, String(flipper.pid));
         setInterval(() => {}, 1000);`,
      ],
      { cwd: join(import.meta.dirname, "..", ".."), stdio: "ignore" },
    );
    cleanups.push(() => parent.kill("SIGKILL"));
    expect(await eventually(() => readPid(pidFile) > 0, 20_000)).toBe(true);
    const flipper = readPid(pidFile);
    cleanups.push(() => {
      try {
        process.kill(flipper, "SIGKILL");
      } catch {
        // Already gone: what the test wants.
      }
    });
    expect(pidAlive(flipper)).toBe(true);
    parent.kill("SIGKILL");
    expect(await eventually(() => !pidAlive(flipper), 10_000)).toBe(true);
  });
});

function readPid(file: string): number {
  try {
    return Number(readFileSync(file, "utf8"));
  } catch {
    return 0;
  }
}
