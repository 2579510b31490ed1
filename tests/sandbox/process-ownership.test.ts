import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ConfigSchema } from "../../src/config/config.js";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { PROXY_DIR_PREFIX } from "../../src/sandbox/proxy-dir.js";
import { createSandbox } from "../../src/sandbox/create.js";

// The CLI entry owns the process: a sandbox adds no exit listener of its own (one per sandbox warned
// MaxListenersExceededWarning in tests); the manager that runs commands in it closes it at shutdown.
let ws: string;
beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), "lanes-ownership-"));
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

function proxyDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith(`${PROXY_DIR_PREFIX}${process.pid}-`));
}

it("a sandbox that started its proxy adds no process exit listener, and its manager's shutdown removes the proxy folder", async () => {
  const before = process.listenerCount("exit");
  const dirsBefore = proxyDirs();
  const config = ConfigSchema.parse({ sandbox: "workspace-write", sandbox_network: ["example.test"] });
  const sandbox = createSandbox(config, { workspace: ws, lanesDir: join(ws, ".lanes"), env: process.env });
  const lanes = new LaneManager({
    env: process.env,
    ownerPid: process.pid,
    workspace: ws,
    sandbox,
    stallMs: 0,
    killGraceMs: 300,
  });
  try {
    const record = lanes.start({ command: "echo hi", timeoutMs: 30_000 });
    const ended = await lanes.whenEnded(record.id);
    expect(ended.status).toBe("completed");
    expect(proxyDirs().length).toBeGreaterThan(dirsBefore.length);
    expect(process.listenerCount("exit")).toBe(before);
  } finally {
    await lanes.shutdown();
  }
  const left = proxyDirs().filter((name) => !dirsBefore.includes(name));
  expect(left.filter((name) => existsSync(join(tmpdir(), name)))).toEqual([]);
});
