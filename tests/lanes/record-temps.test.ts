import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newTaskRecord } from "../../src/lanes/task-lifecycle.js";
import { TaskStore } from "../../src/lanes/task-store.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";

const ws = useLaneFixture();

describe("temp files of a lanes killed mid-write", () => {
  it("a whole record left only as a dead lanes' temp file is put in place; a torn one is removed", () => {
    const store = new TaskStore(join(ws.dir, ".lanes"));
    const dead = spawnSync("true").pid ?? 1;
    const paths = store.paths("tmp00001");
    const record = {
      ...newTaskRecord(
        "tmp00001",
        { command: "echo hi" },
        { cwd: ws.dir, log: paths.log, exit: paths.exit, ownerPid: process.pid },
      ),
      owner_pid: dead,
    };
    writeFileSync(`${paths.record}.${dead}.a1b2c3.tmp`, JSON.stringify(record));
    writeFileSync(`${store.paths("tmp00002").record}.${dead}.d4e5f6.tmp`, '{"id": "tmp00002", "sta');
    const lanes = ws.manager();
    const recovery = lanes.recover();
    expect(readdirSync(store.dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(existsSync(paths.record)).toBe(true);
    expect(existsSync(store.paths("tmp00002").record)).toBe(false);
    // The recovered record is a queued task of a dead lanes: started now, not lost.
    expect(recovery.restarted).toEqual(["tmp00001"]);
  });
});
