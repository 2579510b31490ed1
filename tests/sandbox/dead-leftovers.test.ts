import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sweepDeadLeftovers } from "../../src/sandbox/dead-leftovers.js";
import { MountRegistry } from "../../src/sandbox/mount-registry.js";

// The mount points a lanes that has exited left (a detached task's, kept while it ran) go at `lanes tasks`
// and after `lanes tasks kill`, with no session in the workspace: only the unchanged empty ones, only where no
// lanes is alive. Registries live in a folder of the test's own here (root), under a uid of its own.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A pid past the kernel's limit never runs: a lanes that exited with its list still there. */
const DEAD = 2 ** 22 + 1;

/** Makes an empty mount point (folder or file) and lists it as `pid`'s in the registry `name`. */
function made(root: string, name: string, pid: number, path: string, kind: "dir" | "file"): void {
  if (kind === "dir") mkdirSync(path);
  else writeFileSync(path, "");
  const { dev, ino } = lstatSync(path);
  new MountRegistry(join(root, name), pid).recordMade({ path, dev, ino });
}

describe("sweepDeadLeftovers", () => {
  it("removes what lanes that exited left, unchanged and empty; keeps a live lanes' workspace and what the user filled", async () => {
    const root = temp("lanes-dead-leftovers-");
    const [gone, busy] = [temp("lanes-ws-gone-"), temp("lanes-ws-busy-")];
    made(root, "lanes-mounts-7-aaaa", DEAD, join(gone, ".vscode"), "dir");
    made(root, "lanes-mounts-7-aaaa", DEAD, join(gone, ".mcp.json"), "file");
    made(root, "lanes-mounts-7-aaaa", DEAD, join(gone, ".env"), "file");
    // The user wrote to it since: it is theirs now.
    writeFileSync(join(gone, ".env"), "KEY=1\n");
    // pid 1 is always alive: a lanes using that workspace now, which sweeps it itself.
    made(root, "lanes-mounts-7-bbbb", DEAD, join(busy, ".idea"), "dir");
    new MountRegistry(join(root, "lanes-mounts-7-bbbb"), 1).register();
    const swept = await sweepDeadLeftovers({ root, uid: 7 });
    expect(swept).toEqual({ removed: 2, mounted: 0 });
    expect(readdirSync(gone)).toEqual([".env"]);
    expect(readdirSync(busy)).toEqual([".idea"]);
    // The swept registry is gone with its last list; the live one is untouched.
    expect(readdirSync(root)).toEqual(["lanes-mounts-7-bbbb"]);
    expect(readdirSync(join(root, "lanes-mounts-7-bbbb")).sort()).toEqual(["1.made", `${DEAD}.made`]);
  });

  it("another user's registries are not looked at", async () => {
    const root = temp("lanes-dead-leftovers-");
    const ws = temp("lanes-ws-other-");
    made(root, "lanes-mounts-8-cccc", DEAD, join(ws, ".vscode"), "dir");
    expect(await sweepDeadLeftovers({ root, uid: 7 })).toEqual({ removed: 0, mounted: 0 });
    expect(readdirSync(ws)).toEqual([".vscode"]);
  });
});
