import { afterEach, describe, expect, it } from "vitest";
import { findMarkedProcesses } from "../../src/process/marked-processes.js";
import { call, connect, logsFor, readRecord, startTask, type Cleanups } from "../helpers/mcp-client.js";
import { recordReliability } from "../helpers/reliability.js";
import { eventually } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * 40 a's and a b against (a+)+$: a backtracking engine tries about 2^40 ways to split the a's, hours of
 * work (34 a's froze lanes for over 5 s). Any reply lanes sends after seeing this line could only arrive
 * while such a match would still be running.
 */
const HOSTILE = "(a+)+$";
const HOSTILE_LINE = `${"a".repeat(40)}b`;

describe("hostile patterns from the model", () => {
  it(
    "(a+)+$ as notify_on and grep, on a hostile line, over MCP: every call still answers, and rightly",
    { timeout: 30_000 },
    async ({ task }) => {
      const connection = await connect(cleanups);
      // The hostile line first, then a line that matches: its notice proves the hostile one was scanned.
      const id = await startTask(connection, {
        command: `echo ${HOSTILE_LINE}; echo ${HOSTILE_LINE}; sleep 0.3; echo aaaa; sleep 30`,
        notify_on: HOSTILE,
      });
      expect(await eventually(() => logsFor(connection, id).length > 0, 10_000)).toBe(true);
      expect(String(logsFor(connection, id)[0]?.data)).toContain("output matched notify_on: aaaa");

      // grep and a listing sent together: both answer, the grep with the one line that matches.
      const [grepped, listed] = await Promise.all([
        call(connection, "check_background", { task_id: id, grep: HOSTILE }),
        call(connection, "check_background", {}),
      ]);
      expect(grepped.isError).toBe(false);
      expect(grepped.text).toContain("--- output: 1 matching line(s) ---\naaaa");
      expect(listed.text).toContain(`${id}  running`);

      // What RE2 cannot honour is refused at once, and nothing starts.
      const refused = await call(connection, "background_run", { command: "sleep 30", notify_on: "(a)\\1" });
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain("`notify_on`: not a pattern lanes can match");
      const badGrep = await call(connection, "check_background", { task_id: id, grep: "(?<=a)b" });
      expect(badGrep.isError).toBe(true);
      expect(badGrep.text).toContain("`grep`: not a pattern lanes can match");

      const killed = await call(connection, "kill_background", { task_id: id });
      expect(killed.text).toContain(`[bg:${id}] killed`);
      expect(readRecord(connection.dir, id).status).toBe("killed");
      const left = findMarkedProcesses(new Set([id])).length;
      expect(left).toBe(0);
      expect(connection.errors).toEqual([]);
      recordReliability(task, {
        area: "Bad input",
        does: `hostile patterns from the model over MCP: ${HOSTILE} on 40 a's and a b as notify_on and as grep (RE2 in a worker), plus a backreference and a lookbehind refused at once; faults = calls that had to answer`,
        cases: 4,
        faultsSurvived: 4,
        processesLeft: left,
        itemsLost: 0,
      });
    },
  );
});
