import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MountRegistry } from "../../src/sandbox/mount-registry.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function registryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lanes-mount-registry-"));
  dirs.push(dir);
  return join(dir, "registry");
}

describe("the mount points of one workspace, across lanes processes", () => {
  it("a live other lanes holds back the sweep; a dead one's mount points are handed to the next", () => {
    const dir = registryDir();
    const mine = new MountRegistry(dir);
    mine.register();
    expect(mine.othersAlive()).toBe(false);
    // pid 1 is always alive: another lanes using the workspace.
    const live = new MountRegistry(dir, 1);
    live.recordMade({ path: "/ws/.vscode", dev: 1, ino: 2 });
    expect(mine.othersAlive()).toBe(true);
    expect(mine.takeLeftovers()).toEqual([]);
    live.unregister();
    // A pid past the kernel's limit never runs: a lanes that was killed with its list still there.
    const dead = new MountRegistry(dir, 2 ** 22 + 1);
    dead.recordMade({ path: "/ws/.env", dev: 3, ino: 4 });
    expect(mine.othersAlive()).toBe(false);
    expect(mine.takeLeftovers()).toEqual([{ path: "/ws/.env", dev: 3, ino: 4 }]);
    expect(mine.takeLeftovers()).toEqual([]);
    mine.unregister();
    expect(() => readdirSync(dir)).toThrow();
  });

  it("lives outside the workspace, one folder per workspace path", () => {
    const a = MountRegistry.forWorkspace("/work/a");
    expect(a.dir.startsWith(tmpdir())).toBe(true);
    expect(a.dir).not.toContain("/work/a");
    expect(MountRegistry.forWorkspace("/work/b").dir).not.toBe(a.dir);
  });
});
