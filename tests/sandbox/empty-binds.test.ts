import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigSchema, type LanesConfig } from "../../src/config/config.js";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { createSandbox } from "../../src/sandbox/create.js";
import type { CommandSandbox } from "../../src/sandbox/sandbox.js";

// Each tmpfs is a filesystem made and torn down with every command; a bind of one empty folder is not.

const open: { lanes: LaneManager; sandbox?: CommandSandbox | undefined; dirs: string[] }[] = [];
afterEach(async () => {
  for (const { lanes, sandbox, dirs } of open.splice(0)) {
    await lanes.shutdown();
    sandbox?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
});

function manager(settings: Partial<LanesConfig>) {
  const ws = mkdtempSync(join(tmpdir(), "lanes-empty-ws-"));
  const home = mkdtempSync(join(tmpdir(), "lanes-empty-home-"));
  const env = { ...process.env, HOME: home };
  const sandbox = createSandbox(ConfigSchema.parse(settings), {
    workspace: ws,
    lanesDir: join(ws, ".lanes"),
    env,
  });
  const lanes = new LaneManager({
    ownerPid: process.pid,
    workspace: ws,
    env,
    sandbox,
    killGraceMs: 300,
    stallMs: 0,
  });
  open.push({ lanes, sandbox, dirs: [ws, home] });
  return { lanes, ws, home };
}

async function output(lanes: LaneManager, command: string): Promise<string> {
  const record = await lanes.whenEnded(lanes.start({ command }).id);
  return readFileSync(record.output_file, "utf8");
}

// The filesystem type of the mounts at .vscode (a protected folder lanes made) and ~/private (hidden).
const TYPES = `awk '{ for (i = 7; $i != "-"; i++); if ($5 ~ /\\/(\\.vscode|private)$/) print $5, $(i + 1) }' /proc/self/mountinfo`;
const TRY = "ls -A .vscode ~/private; touch .vscode/x ~/private/y 2>&1 | grep -c 'Read-only'";

describe("the sandbox's empty folders", () => {
  it("protected and hidden folders are read-only binds of lanes' one empty folder, not a tmpfs each", async () => {
    const { lanes, home } = manager({ sandbox_deny_read: ["~/private"] });
    mkdirSync(join(home, "private"));
    writeFileSync(join(home, "private", "note"), "PRIVATE\n");
    const text = await output(lanes, `${TYPES}; ${TRY}`);
    expect(text).toMatch(/\/\.vscode (?!tmpfs)\S+\n/);
    expect(text).toMatch(/\/private (?!tmpfs)\S+\n/);
    expect(text).not.toContain("PRIVATE");
    // Both empty, both refuse a write.
    expect(text.trim().split("\n").at(-1)).toBe("2");
  });

  it("an empty folder that is not empty any more is not used: a tmpfs each again, nothing of it shows", async () => {
    const { lanes, ws, home } = manager({ sandbox_deny_read: ["~/private"] });
    mkdirSync(join(home, "private"));
    mkdirSync(join(ws, ".lanes", "sandbox-empty"), { recursive: true });
    writeFileSync(join(ws, ".lanes", "sandbox-empty", "planted"), "PLANTED\n");
    const text = await output(lanes, `${TYPES}; ${TRY}`);
    expect(text).toMatch(/\/\.vscode tmpfs\n/);
    expect(text).not.toContain("planted");
    expect(text.trim().split("\n").at(-1)).toBe("2");
  });
});
