import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LaneManager } from "../../src/lanes/lane-manager.js";

// Listing another lanes' tasks (check_background, /tasks) reads the records of the whole workspace; it must
// never move one aside as unreadable, as recovery at start-up does: another process may own it.
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("listing another lanes' tasks", () => {
  it("leaves a record it cannot read where it is", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-others-ro-"));
    mkdirSync(join(dir, ".lanes", "tasks"), { recursive: true });
    const odd = join(dir, ".lanes", "tasks", "0badf00d.json");
    writeFileSync(odd, '{"id": "0badf00d", "status": "from a newer lanes"}');
    const lanes = new LaneManager({ env: process.env, ownerPid: process.pid, workspace: dir, stallMs: 0 });
    try {
      expect(lanes.otherTasks()).toEqual([]);
      expect(lanes.otherTask("0badf00d")).toBeUndefined();
      expect(existsSync(odd)).toBe(true);
      expect(existsSync(`${odd}.corrupt`)).toBe(false);
    } finally {
      await lanes.shutdown();
    }
  });
});
