import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MountPoints } from "../../src/sandbox/mount-points.js";
import { MountRegistry } from "../../src/sandbox/mount-registry.js";
import { sweepOrphanRegistries } from "../../src/sandbox/registry-orphans.js";
import { eventually } from "../helpers/temp-workspace.js";

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

  it("a sweep removes holding the workspace's lock: no other lanes looks meanwhile, nor removes; a dead one's lock is taken away", () => {
    const dir = registryDir();
    const mine = new MountRegistry(dir);
    mine.register();
    const other = new MountRegistry(dir, 1);
    const meanwhile = other.removing(() => ({
      free: mine.waitWhileRemoving(50),
      mine: mine.removing(() => "ran"),
    }));
    expect(meanwhile).toEqual({ free: false, mine: undefined });
    expect(mine.waitWhileRemoving(50)).toBe(true);
    expect(mine.removing(() => "ran")).toBe("ran");
    mkdirSync(join(dir, "removing"));
    writeFileSync(join(dir, "removing", "pid"), String(2 ** 22 + 1));
    expect(mine.waitWhileRemoving(50)).toBe(true);
    expect(existsSync(join(dir, "removing"))).toBe(false);
  });

  it("a command prepared while another lanes removes the workspace's mount points finds each one it mounts in place", async ({
    onTestFinished,
  }) => {
    const ws = realpathSync(mkdtempSync(join(tmpdir(), "lanes-mount-race-")));
    dirs.push(ws);
    const registry = MountRegistry.forWorkspace(ws);
    dirs.push(registry.dir);
    mkdirSync(registry.dir, { recursive: true });
    // Another lanes' sweep, caught after its last look at who else is alive: it holds the lock, and removes the
    // `.idea` it made a moment later.
    mkdirSync(join(ws, ".idea"));
    const lock = join(registry.dir, "removing");
    const script = `mkdir ${lock} && echo $$ > ${lock}/pid && : > ${ws}/ready; sleep 0.3; rmdir ${ws}/.idea; rm -r ${lock}`;
    const sweeper = spawn("sh", ["-c", script], { stdio: "ignore" });
    const ended = new Promise((resolve) => sweeper.on("exit", resolve));
    onTestFinished(() => void sweeper.kill("SIGKILL"));
    expect(await eventually(() => existsSync(join(ws, "ready")), 10_000)).toBe(true);
    const points = new MountPoints();
    const mounts = points.prepare([{ path: join(ws, ".idea"), kind: "dir", how: "read-only" }], [ws], ws);
    await ended;
    expect(mounts.mounts.map((mount) => mount.path)).toEqual([join(ws, ".idea")]);
    expect(mounts.mounts.filter((mount) => !existsSync(mount.path))).toEqual([]);
    points.release(mounts.held, mounts.used);
    points.sweep(true);
    expect(existsSync(join(ws, ".idea"))).toBe(false);
  });
});

describe("registries of workspaces that are gone", () => {
  it("are removed once every lanes that used them has exited; a live one's, or one whose workspace is still there, stay", () => {
    const root = mkdtempSync(join(tmpdir(), "lanes-registry-orphans-"));
    dirs.push(root);
    const workspace = mkdtempSync(join(tmpdir(), "lanes-registry-ws-"));
    dirs.push(workspace);
    const dead = spawnSync("true").pid!;
    const registry = (name: string, pid: number, path?: string): string => {
      const dir = join(root, name);
      mkdirSync(dir);
      const entry = path === undefined ? "" : `${JSON.stringify({ path, dev: 1, ino: 2 })}\n`;
      writeFileSync(join(dir, `${pid}.made`), entry);
      const old = new Date(Date.now() - 60_000);
      utimesSync(dir, old, old);
      return name;
    };
    const gone = registry("lanes-mounts-7-aaaa", dead, "/nonexistent-lanes-ws/.vscode");
    const nothingListed = registry("lanes-mounts-7-bbbb", dead);
    const stillThere = registry("lanes-mounts-7-cccc", dead, join(workspace, ".vscode"));
    // pid 1 is always alive: a lanes still using its (deleted) workspace's registry.
    const live = registry("lanes-mounts-7-dddd", 1, "/nonexistent-lanes-ws/.idea");
    const otherUser = registry("lanes-mounts-8-eeee", dead, "/nonexistent-lanes-ws/.vscode");
    // Made a moment ago, its list not written yet: a lanes registering right now.
    const registering = "lanes-mounts-7-ffff";
    mkdirSync(join(root, registering));
    expect(sweepOrphanRegistries(root, 7)).toBe(2);
    const left = readdirSync(root).sort();
    expect(left).toEqual([stillThere, live, otherUser, registering].sort());
    expect(left).not.toContain(gone);
    expect(left).not.toContain(nothingListed);
    // What is kept is kept whole: the next lanes in that workspace removes the mount point it lists.
    expect(readdirSync(join(root, stillThere))).toEqual([`${dead}.made`]);
  });

  it("go a bounded number at a time: a temp folder that gathered many never holds one exit long", () => {
    const root = mkdtempSync(join(tmpdir(), "lanes-registry-orphans-"));
    dirs.push(root);
    const dead = spawnSync("true").pid!;
    const old = new Date(Date.now() - 60_000);
    for (let i = 0; i < 5; i++) {
      mkdirSync(join(root, `lanes-mounts-7-${i}`));
      writeFileSync(join(root, `lanes-mounts-7-${i}`, `${dead}.made`), "");
      utimesSync(join(root, `lanes-mounts-7-${i}`), old, old);
    }
    expect(sweepOrphanRegistries(root, 7, 3)).toBe(3);
    expect(readdirSync(root)).toHaveLength(2);
    expect(sweepOrphanRegistries(root, 7, 3)).toBe(2);
    expect(readdirSync(root)).toEqual([]);
  });
});
