import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordWriter } from "../../src/lanes/record-writer.js";
import { newTaskRecord } from "../../src/lanes/task-lifecycle.js";
import { TaskStore } from "../../src/lanes/task-store.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

describe("record writer", () => {
  it("lands the newest state after a burst, writing fewer times than asked", async () => {
    const store = new TaskStore(`${ws.dir}/.lanes`);
    let saves = 0;
    const save = store.save.bind(store);
    store.save = async (record) => {
      saves++;
      await save(record);
    };
    const writer = new RecordWriter(store);
    const paths = store.paths("abcd1234");
    const record = newTaskRecord(
      "abcd1234",
      { command: "true" },
      { cwd: ws.dir, log: paths.log, exit: paths.exit, ownerPid: process.pid },
    );
    const started_at = new Date().toISOString();
    writer.write({ ...record, status: "running", started_at });
    const completed = {
      ...record,
      status: "completed",
      started_at,
      ended_at: started_at,
      exit_code: 0,
    } as const;
    writer.write(completed);
    writer.write({ ...completed, notified: true });
    await writer.flush();
    const onDisk = JSON.parse(readFileSync(paths.record, "utf8"));
    expect(onDisk).toMatchObject({ status: "completed", notified: true });
    expect(saves).toBe(2);
  });
});
