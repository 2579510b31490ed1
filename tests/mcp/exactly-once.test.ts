import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { call, connect, readRecord, type Cleanups, type Reply } from "../helpers/mcp-client.js";
import { recordReliability } from "../helpers/reliability.js";
import { eventually, sleep } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TASKS = 10;

/** Task ids whose result line (`[bg:ID] <status>`) a reply carried, in its own answer or its results. */
function resultIds(reply: Reply, ids: readonly string[]): string[] {
  const all = `${reply.text}\n${reply.results}`;
  return ids.filter((id) => new RegExp(`\\[bg:${id}\\] (completed|failed|killed)`).test(all));
}

describe("MCP: exactly once, and only when shown", () => {
  it(
    "a client that filters every logging message still gets each result exactly once, in a tool reply",
    { timeout: 60_000 },
    async ({ task }) => {
      const connection = await connect(cleanups);
      // What Claude Code's model sees of logging messages: nothing. Here the SDK filters them all.
      await connection.client.setLoggingLevel("emergency");
      const ids: string[] = [];
      const starts: Reply[] = [];
      for (let index = 0; index < TASKS; index++) {
        const command = `sleep ${(0.1 * index + 0.3).toFixed(1)}; exit ${index % 3}`;
        const started = await call(connection, "background_run", { command });
        starts.push(started);
        ids.push(/Background task (\S+) (?:started|queued)/.exec(started.text)?.[1] ?? "");
      }
      const seen = new Map<string, number>();
      // Even background_run's replies carry the results of tasks that ended meanwhile.
      for (const reply of starts)
        for (const id of resultIds(reply, ids)) seen.set(id, (seen.get(id) ?? 0) + 1);
      // The last one ends while nobody calls: not delivered, whatever a notification may have done.
      const last = ids[TASKS - 1] ?? "";
      const exitFile = join(connection.dir, ".lanes", "tasks", `${last}.exit`);
      expect(await eventually(() => existsSync(exitFile), 5000)).toBe(true);
      await sleep(300);
      expect(readRecord(connection.dir, last).notified).toBe(false);

      // Calls of every kind until every result was carried; each reply may carry some.
      const kinds: [string, Record<string, unknown>][] = [
        ["check_background", {}],
        ["background_run", { command: "true", timeout: 5 }], // refused: an error reply carries results too
        ["nope", {}], // an unknown tool, likewise
        ["wait_background", { mode: "any", timeout_ms: 300 }],
        ["check_background", { task_id: "no-such-task" }],
      ];
      let calls = 0;
      for (; calls < 200 && ids.some((id) => !seen.has(id)); calls++) {
        const [name, args] = kinds[calls % kinds.length] ?? ["check_background", {}];
        const reply = await call(connection, name, args);
        for (const id of resultIds(reply, ids)) seen.set(id, (seen.get(id) ?? 0) + 1);
      }
      // A few more calls: nothing is carried twice.
      for (let extra = 0; extra < kinds.length; extra++, calls++) {
        const [name, args] = kinds[extra] ?? ["check_background", {}];
        const reply = await call(connection, name, args);
        for (const id of resultIds(reply, ids)) seen.set(id, (seen.get(id) ?? 0) + 1);
      }
      expect(ids.map((id) => seen.get(id) ?? 0)).toEqual(ids.map(() => 1));
      expect(connection.logs).toEqual([]);
      expect(await eventually(() => ids.every((id) => readRecord(connection.dir, id).notified), 2000)).toBe(
        true,
      );
      expect(connection.errors).toEqual([]);
      recordReliability(task, {
        area: "MCP",
        does: `${TASKS} tasks ending 0–0.9 s apart (exit 0/1/2) while an MCP client that filters every logging message (setLevel emergency) makes calls of 5 kinds until all are carried, then 5 more (listing, refused input, unknown tool, wait any, unknown task); each result carried by exactly one reply, none delivered unseen`,
        cases: TASKS,
        faultsSurvived: TASKS,
        processesLeft: 0,
        itemsLost: ids.filter((id) => seen.get(id) !== 1).length,
      });
    },
  );
});
