import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { readTaskOutput } from "../../src/tools/background-output.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let lanes: LaneManager;
beforeEach(() => {
  ws = tempWorkspace();
  lanes = new LaneManager({ env: process.env, ownerPid: process.pid, workspace: ws.dir, killGraceMs: 300 });
});
afterEach(async () => {
  await lanes.shutdown();
  ws.cleanup();
});

describe("task output for the model", () => {
  it("claims nothing left out when every line is shown", async () => {
    const record = await lanes.whenEnded(lanes.start({ command: "echo hi" }).id);
    const text = await readTaskOutput(lanes, record, "tail", 20, undefined);
    expect(text).toBe("--- output: last 20 lines ---\nhi");
  });

  it("counts the raw bytes before the shown lines as left out", async () => {
    const record = await lanes.whenEnded(lanes.start({ command: "printf 'one\\ntwo\\nthree\\n'" }).id);
    const text = await readTaskOutput(lanes, record, "tail", 1, undefined);
    expect(text).toBe(
      "--- output: last 1 lines; 8 earlier bytes not shown (full log in output_file) ---\nthree",
    );
  });
});
