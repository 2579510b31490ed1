import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { toToolSpec } from "../../src/tools/define-tool.js";
import { likelyMeant } from "../../src/tools/input-errors.js";
import { createToolset } from "../../src/tools/toolset.js";
import { callTool, toolMap, type ToolMap } from "../helpers/tool-harness.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let lanes: LaneManager;
let tools: ToolMap;

beforeEach(() => {
  ws = tempWorkspace("lanes-strict-");
  lanes = new LaneManager({
    env: process.env,
    ownerPid: process.pid,
    workspace: ws.dir,
    killGraceMs: 200,
    tickMs: 50,
  });
  tools = toolMap(createToolset(lanes));
});
afterEach(async () => {
  await lanes.shutdown();
  ws.cleanup();
});

/** A valid input for each tool, so the only fault in a call is the field added to it. */
const VALID: Record<string, Record<string, unknown>> = {
  bash: { command: "true" },
  read_file: { path: "nothing.txt" },
  write_file: { path: "x.txt", content: "" },
  edit_file: { path: "x.txt", old_text: "a", new_text: "b" },
  background_run: { command: "true" },
  check_background: {},
  wait_background: { task_ids: [] },
  kill_background: { task_id: "none" },
  send_background_input: { task_id: "none", text: "" },
};

describe("strict tool inputs", () => {
  it("every tool refuses an unknown field, naming it, and says so in its JSON Schema", async () => {
    expect([...tools.keys()].sort()).toEqual(Object.keys(VALID).sort());
    for (const [name, input] of Object.entries(VALID)) {
      const result = await callTool(tools, name, { ...input, bogus_field: 1 });
      expect(result.is_error, name).toBe(true);
      expect(result.content, name).toContain(`\`bogus_field\` is not a field of ${name}`);
      const tool = tools.get(name);
      if (tool) expect(toToolSpec(tool).input_schema.additionalProperties, name).toBe(false);
    }
  });

  it("background_run {timeout: 5} starts nothing and suggests timeout_ms", async () => {
    const result = await callTool(tools, "background_run", { command: "sleep 20", timeout: 5 });
    expect(result.is_error).toBe(true);
    expect(result.content).toBe(
      "Invalid input for background_run: `timeout` is not a field of background_run (did you mean `timeout_ms`?)",
    );
    expect(lanes.list()).toEqual([]);
  });

  it("null and wrong types read naturally", async () => {
    const nulled = await callTool(tools, "background_run", { command: "true", timeout_ms: null });
    expect(nulled.content).toBe(
      "Invalid input for background_run: `timeout_ms`: expected a number, got null",
    );
    const wrong = await callTool(tools, "check_background", { lines: "ten" });
    expect(wrong.content).toContain('`lines`: expected a number, got a string "ten"');
    const missing = await callTool(tools, "kill_background", {});
    expect(missing.content).toContain("`task_id`: missing (expected a string)");
    const nested = await callTool(tools, "wait_background", { task_ids: [7] });
    expect(nested.content).toContain("`task_ids.0`: expected a string, got a number 7");
    const noHint = await callTool(tools, "kill_background", { task_id: "x", zzz: 1 });
    expect(noHint.content).toContain("`zzz` is not a field of kill_background (its fields: task_id)");
  });

  it("suggests near names, not unrelated ones", () => {
    const fields = ["command", "timeout_ms", "notify_on", "stall_ms", "task_id"];
    expect(likelyMeant("timeout", fields)).toEqual(["timeout_ms"]);
    expect(likelyMeant("taskId", fields)).toEqual(["task_id"]);
    expect(likelyMeant("comand", fields)).toEqual(["command"]);
    expect(likelyMeant("x", fields)).toEqual([]);
    expect(likelyMeant("persistent", fields)).toEqual([]);
  });
});
