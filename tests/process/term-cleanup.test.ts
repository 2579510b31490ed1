import { defaultSandbox } from "../helpers/default-sandbox.js";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startGroupProcess } from "../../src/process/group-process.js";
import type { CommandSandbox } from "../../src/sandbox/sandbox.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { eventually } from "../helpers/temp-workspace.js";

// The second look at a young group's TERM (term-deaf-members.ts) re-TERMs what lost the TERM, never what a
// TERM trap runs to clean up: those programs are born after the TERM, from a process that took it.

const marker = useProcessMarker();
let dir = "";
let sandbox: CommandSandbox | undefined;
afterEach(() => {
  sandbox?.close();
  sandbox = undefined;
  marker.killMarked();
  rmSync(dir, { recursive: true, force: true });
});

const read = (path: string): string => (existsSync(path) ? readFileSync(path, "utf8").trim() : "");

describe.runIf(process.platform === "linux")("a young task's TERM trap cleans up undisturbed", () => {
  // `&&`: a TERM that cuts the cleanup's sleep short skips the file.
  async function killedWhileWaiting(): Promise<{
    cleanup: string;
    exitCode: number | null;
    signal: string | null;
  }> {
    const [ready, clean] = [join(dir, "ready"), join(dir, "clean")];
    const trap = `trap - TERM; sleep 0.8 && echo cleaned > ${clean}; exit 7`;
    const child = startGroupProcess({
      command: `trap '${trap}' TERM; sleep 30 & : > ${ready}; wait`,
      cwd: dir,
      env: marker.env(),
      stdin: "ignore",
      outputFile: join(dir, "log"),
      exitFile: join(dir, "exit"),
      killGraceMs: 8_000,
      sandbox,
    });
    expect(await eventually(() => existsSync(ready), 10_000, 5)).toBe(true);
    await child.terminate("killed");
    const result = await child.exited;
    return { cleanup: read(clean), exitCode: result.exitCode, signal: result.signal };
  }

  it("the program a TERM trap runs to clean up (born after the TERM) finishes and the trap's exit code is kept", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-term-cleanup-"));
    expect(await killedWhileWaiting()).toEqual({ cleanup: "cleaned", exitCode: 7, signal: null });
  }, 30_000);

  // In a bubblewrap of its own, the trapping shell is the child of the sandbox's wrapper shell.
  it("sandboxed: the program a TERM trap runs to clean up finishes and the trap's exit code is kept", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-term-cleanup-"));
    sandbox = defaultSandbox(dir);
    expect(await killedWhileWaiting()).toEqual({ cleanup: "cleaned", exitCode: 7, signal: null });
  }, 30_000);
});
