import fs, { readdirSync, readFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlotClaims } from "../../src/lanes/slot-claims.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
const realLink = fs.linkSync;
/** Claim files link()ed into the slots folder (tried or made), counted through the real fs. */
let links = 0;

beforeEach(() => {
  ws = tempWorkspace();
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
  ws.cleanup();
});

describe("claiming a slot costs one claim file, however many slots this lanes holds", () => {
  it("32 tasks fill a lane of 32 with one link each; a 33rd finds it full without trying the files", () => {
    const dir = join(ws.dir, "slots");
    const claims = new SlotClaims(dir);
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
    const other = new SlotClaims(dir);
    const mine = new SlotClaims(dir);
    expect(other.claim("default", "theirs", 2)).toBe(true);
    expect(mine.claim("default", "ours", 2)).toBe(true);
    expect(mine.claim("default", "ours2", 2)).toBe(false);
    expect(other.claim("default", "theirs2", 2)).toBe(false);
    mine.release("ours");
    expect(other.claim("default", "theirs2", 2)).toBe(true);
  });
});
