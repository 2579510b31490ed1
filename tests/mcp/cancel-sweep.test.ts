import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CallToolResult, JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { call, connect, readRecord, replyOf, startTask, type Cleanups } from "../helpers/mcp-client.js";
import { recordReliability } from "../helpers/reliability.js";
import { eventually, sleep } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ITERATIONS = Number(process.env.SWEEP ?? 200);

/** How the client cancels its wait_background: when the reply's bytes arrive, or some ms after the end. */
type When = { at: "reply-arrives" } | { at: "after-end"; ms: number };

function whenFor(iteration: number): When {
  if (iteration % 2 === 0) return { at: "reply-arrives" };
  return { at: "after-end", ms: (iteration * 7) % 30 };
}

describe("MCP: a cancel swept across the instant a task ends", () => {
  it(
    `${ITERATIONS} wait_background calls cancelled around their task's end: each result reaches the model once (0 lost, 0 twice)`,
    {
      timeout: 600_000,
    },
    async ({ task }) => {
      const connection = await connect(cleanups);
      // Hook the client's reading: a cancel sent once the reply is on the wire, before the SDK handles it,
      // is the window in which a client ignores a reply that was written.
      let onReply: ((message: JSONRPCMessage) => void) | undefined;
      const dispatch = connection.transport.onmessage;
      connection.transport.onmessage = (message) => {
        if ("id" in message && "result" in message) onReply?.(message);
        dispatch?.(message);
      };
      const counts: number[] = [];
      const gates = Array.from({ length: ITERATIONS }, (_, iteration) =>
        join(connection.dir, `gate-${iteration}`),
      );
      // One mkfifo for all: a process per iteration was a fork of this (large) worker each time.
      execFileSync("mkfifo", gates);
      for (let iteration = 0; iteration < ITERATIONS; iteration++) {
        const gate = gates[iteration] ?? "";
        const id = await startTask(connection, { command: `read line < gate-${iteration}` });
        const shown = new RegExp(`\\[bg:${id}\\] completed`, "g");
        const abort = new AbortController();
        // A client cancels a call it has no answer to (the SDK would send a cancel even after one).
        let answered = false;
        const when = whenFor(iteration);
        const waiting = connection.client
          .callTool({ name: "wait_background", arguments: { task_ids: [id] } }, undefined, {
            signal: abort.signal,
          })
          .then((result) => {
            answered = true;
            const reply = replyOf(result as CallToolResult);
            return `${reply.text}\n${reply.results}`;
          })
          .catch(() => "");
        // Requests are read in order: once this answers, the wait is in the server.
        await call(connection, "check_background", { task_id: id, output: "none" });
        if (when.at === "reply-arrives") onReply = () => abort.abort();
        await writeFile(gate, "go\n");
        if (when.at === "after-end") {
          await sleep(when.ms);
          if (!answered) abort.abort();
        }
        let seen = ((await waiting).match(shown) ?? []).length;
        onReply = undefined;
        // Polled finely: with the default 25 ms step each iteration waited half a step on average.
        await eventually(
          () => {
            try {
              return readRecord(connection.dir, id).status === "completed";
            } catch {
              return false; // Not written yet.
            }
          },
          10_000,
          5,
        );
        // Two more replies: what the cancelled call did not deliver comes with one of them, once.
        for (let more = 0; more < 2; more++) {
          const reply = await call(connection, "check_background", {});
          seen += (reply.results.match(shown) ?? []).length;
        }
        counts.push(seen);
      }
      const lost = counts.filter((count) => count === 0).length;
      const twice = counts.filter((count) => count > 1).length;
      recordReliability(task, {
        area: "MCP",
        does: `${ITERATIONS} wait_background calls cancelled by the real SDK client around their task's end (half the moment the reply arrives, half 0–29 ms after the end), then two more calls: each result reaches the model exactly once (a reply cancelled after it was written gives its results back)`,
        cases: ITERATIONS,
        faultsSurvived: ITERATIONS - lost - twice,
        processesLeft: 0,
        itemsLost: lost,
      });
      expect({ lost, twice }).toEqual({ lost: 0, twice: 0 });
    },
  );
});
