import fs, { readdirSync, readFileSync, statSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlotClaims } from "../../src/lanes/slot-claims.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useLaneFixture();
const realLink = fs.linkSync;
/** Claim files link()ed into the slots folder (tried or made), counted through the real fs. */
let links = 0;

beforeEach(() => {
  links = 0;
  fs.linkSync = (existing, target) => {
    links++;
    realLink(existing, target);
  };
  syncBuiltinESMExports();
});
afterEach(() => {
  fs.linkSync = realLink;
  syncBuiltinESMExports();
});

describe("claiming a slot costs one claim file, however many slots this lanes holds", () => {
  it("32 tasks fill a lane of 32 with one link each; a 33rd finds it full without trying the files", () => {
    const dir = join(ws.dir, "slots");
    const claims = new SlotClaims(dir, () => false, process.pid);
    for (let i = 0; i < 32; i++) expect(claims.claim("default", `task${i}`, 32)).toBe(true);
    // Trying each slot this lanes already holds was a file write and link per slot: 528 for 32 claims.
    expect(links).toBe(32);
    expect(readdirSync(dir)).toHaveLength(32);
    links = 0;
    expect(claims.claim("default", "task32", 32)).toBe(false);
    expect(links).toBe(0);
    // A freed slot is found and taken again, by one link.
    const freed = readdirSync(dir).find((name) => readFileSync(join(dir, name), "utf8").includes('"task10"'));
    claims.release("task10");
    expect(claims.claim("default", "task33", 32)).toBe(true);
    expect(links).toBe(1);
    expect(readFileSync(join(dir, freed ?? ""), "utf8")).toContain('"task33"');
  });

  it("a slot another lanes holds is still respected (its file is read, never taken)", () => {
    const dir = join(ws.dir, "slots");
    const other = new SlotClaims(dir, () => false, process.pid);
    const mine = new SlotClaims(dir, () => false, process.pid);
    expect(other.claim("default", "theirs", 2)).toBe(true);
    expect(mine.claim("default", "ours", 2)).toBe(true);
    expect(mine.claim("default", "ours2", 2)).toBe(false);
    expect(other.claim("default", "theirs2", 2)).toBe(false);
    mine.release("ours");
    expect(other.claim("default", "theirs2", 2)).toBe(true);
  });

  it("an ended task's slot passes to the next queued task in place: one claim made for both", async () => {
    const lanes = ws.manager({ defaultLaneLimit: 1 });
    const first = lanes.start({ command: "true" });
    const second = lanes.start({ command: "sleep 30" });
    expect(second.status).toBe("queued");
    expect((await lanes.whenEnded(first.id)).status).toBe("completed");
    const slots = join(ws.dir, ".lanes", "slots");
    // The slot's one file now names the second task, which runs.
    expect(await eventually(() => lanes.get(second.id)?.status === "running")).toBe(true);
    const files = readdirSync(slots);
    expect(files).toHaveLength(1);
    expect(readFileSync(join(slots, files[0] ?? ""), "utf8")).toContain(`"${second.id}"`);
    expect(links).toBe(1);
    // Another lanes in the folder still finds the lane full.
    expect(ws.manager({ defaultLaneLimit: 1 }).start({ command: "true" }).status).toBe("queued");
    await lanes.kill(second.id);
  });

  it("a slot occupied past the limit is not passed on: its task gives it back", () => {
    const claims = new SlotClaims(join(ws.dir, "slots"), () => false, process.pid);
    expect(claims.claim("default", "within", 1)).toBe(true);
    // Already running (moved in from the foreground): it takes slot 1, past the limit of 1.
    claims.occupy("default", "over");
    expect(claims.handOver("over", "next", 1)).toBe(false);
    const before = statSync(join(ws.dir, "slots", readdirSync(join(ws.dir, "slots")).sort()[0] ?? ""));
    expect(claims.handOver("within", "next", 1)).toBe(true);
    // The same file, rewritten: no file made or deleted for the pass (each costs an inode).
    const after = statSync(join(ws.dir, "slots", readdirSync(join(ws.dir, "slots")).sort()[0] ?? ""));
    expect(after.ino).toBe(before.ino);
    expect(claims.holders("default", 1)).toEqual([{ taskId: "next", owner: "self" }]);
    claims.release("over");
    claims.release("next");
    expect(readdirSync(join(ws.dir, "slots"))).toEqual([]);
  });
});
