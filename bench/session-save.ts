import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConversationLog } from "../src/agent/conversation-log.js";
import type { Message } from "../src/model/types.js";
import { SessionStore } from "../src/session/session-store.js";
import { percentile, round, withWorkspace, type BenchContext } from "./support.js";

export interface SessionSaveResult {
  /** Median ms to save one turn (a tool call and its ~2.4 KB result) over 21 turns around turn 10 and turn 500. */
  appendMs: { turn10: number; turn500: number };
  ratio: number;
  /** The same turns saved the old way (the whole file rewritten after each message), for comparison. */
  rewriteMs: { turn10: number; turn500: number };
  rewriteRatio: number;
}

const TURNS = 510;

function turnMessages(turn: number): Message[] {
  const id = `toolu_${turn}`;
  return [
    {
      role: "assistant",
      content: [{ type: "tool_use", id, name: "bash", input: { command: `make step-${turn}` } }],
    },
    {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: id, content: `step ${turn} ok\n`.repeat(200) }],
    },
  ];
}

const around = (samples: number[], turn: number): number =>
  round(percentile(samples.slice(turn - 5, turn + 6), 50), 3);

/** Each turn's save, timed, through the session store as lanes uses it and through a whole-file rewrite. */
export async function benchSessionSave(_context: BenchContext): Promise<SessionSaveResult> {
  return withWorkspace("session-save", async (dir) => {
    const store = new SessionStore(dir);
    const id = store.newId();
    store.open({ id, workspace: dir, model: "bench", createdAt: new Date().toISOString() });
    const log = new ConversationLog([], (entry) => store.appendEntry(id, entry));
    const append: number[] = [];
    for (let turn = 1; turn <= TURNS; turn++) {
      const started = performance.now();
      for (const message of turnMessages(turn)) log.appendMessage(message);
      append.push(performance.now() - started);
    }
    // The baseline runs after, not interleaved: its megabytes of rewrites would slow the appends timed
    // next to them (page cache write-back), charging lanes for the old design's I/O.
    const all: Message[] = [];
    const rewriteFile = join(dir, "rewrite.jsonl");
    const rewrite: number[] = [];
    for (let turn = 1; turn <= TURNS; turn++) {
      const started = performance.now();
      for (const message of turnMessages(turn)) {
        all.push(message);
        // What session-store did before: every message rewrote the whole file (temp file + rename).
        const text = all.map((m) => JSON.stringify({ type: "message", message: m })).join("\n") + "\n";
        writeFileSync(`${rewriteFile}.tmp`, text);
        renameSync(`${rewriteFile}.tmp`, rewriteFile);
      }
      rewrite.push(performance.now() - started);
    }
    const appendMs = { turn10: around(append, 10), turn500: around(append, 500) };
    const rewriteMs = { turn10: around(rewrite, 10), turn500: around(rewrite, 500) };
    return {
      appendMs,
      ratio: round(appendMs.turn500 / appendMs.turn10),
      rewriteMs,
      rewriteRatio: round(rewriteMs.turn500 / rewriteMs.turn10),
    };
  });
}
