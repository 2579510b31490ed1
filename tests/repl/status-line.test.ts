import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { foldOutput, renderAgentEvent } from "../../src/cli/render-events.js";
import { createStyle } from "../../src/text/style.js";
import { displayWidth } from "../../src/text/width.js";
import { elapsedText, lastOutputLine, statusText } from "../../src/cli/repl/status-line.js";
import type { TaskRecord } from "../../src/lanes/task-record.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const NOW = Date.parse("2026-01-01T12:00:00Z");

function record(
  id: string,
  command: string,
  startedSecondsAgo: number | null,
  file = "/nonexistent",
  description: string | null = null,
): TaskRecord {
  return {
    id,
    command,
    description,
    status: startedSecondsAgo === null ? "queued" : "running",
    started_at: startedSecondsAgo === null ? null : new Date(NOW - startedSecondsAgo * 1000).toISOString(),
    output_file: file,
  } as TaskRecord;
}

describe("status line", () => {
  it("is absent when nothing runs, so the line disappears", () => {
    expect(statusText([], 80, NOW)).toBeUndefined();
  });

  it("shows the count, each task's id, elapsed time, command and last output line", () => {
    const tasks = [
      record("a1b2", "npm test", 12),
      record("c3d4", "sleep 300", 185),
      record("e5f6", "make", null),
    ];
    const last = (task: TaskRecord) => (task.id === "a1b2" ? "PASS src/x.test.ts" : "");
    expect(statusText(tasks, 200, NOW, last)).toBe(
      "2 running, 1 queued · a1b2 12s npm test › PASS src/x.test.ts · c3d4 3m05s sleep 300",
    );
  });

  it("fits the terminal width: each shown task keeps its id, clock and a readable label; the rest are +N more", () => {
    const tasks = Array.from({ length: 5 }, (_, i) => record(`id${i}`, "x".repeat(40), i));
    const text = statusText(tasks, 60, NOW, () => "") ?? "";
    expect(displayWidth(text)).toBeLessThanOrEqual(60);
    const [head, ...parts] = text.split(" · ");
    expect(head).toBe("5 running");
    expect(parts.at(-1)).toMatch(/^\+\d more$/);
    for (const part of parts.slice(0, -1)) expect(part).toMatch(/^id\d \ds x{12,}/);
  });

  it("shows the description the model gave (else the command), and a third task is not cut to a stub", () => {
    const tasks = [
      record("a1b2c3d4", "npm run dev -- --port 5173", 65, "/nonexistent", "dev server"),
      record("e5f6a7b8", "npx vitest run --reporter dot", 12, "/nonexistent", "unit tests"),
      record("c9d0e1f2", "sleep 600", 3),
    ];
    const last = (task: TaskRecord) => (task.id === "e5f6a7b8" ? "✓ 120 passed, 3 running" : "");
    const text = statusText(tasks, 100, NOW, last) ?? "";
    expect(displayWidth(text)).toBeLessThanOrEqual(100);
    expect(text).toMatch(
      /^3 running · a1b2c3d4 1m05s dev server · e5f6a7b8 12s unit tests › .* · c9d0e1f2 3s sleep 600$/,
    );
  });

  it("takes the last non-empty line of a log, as a progress bar (\\r) and colours leave it", () => {
    const workspace = tempWorkspace("lanes-status-");
    cleanups.push(workspace.cleanup);
    const log = join(workspace.dir, "task.log");
    writeFileSync(log, "compiling\n\u001b[32m 10%\r 55%\r 90%\u001b[0m\n\n");
    expect(lastOutputLine(record("x", "build", 1, log))).toBe("90%");
    expect(lastOutputLine(record("x", "build", 1))).toBe("");
  });

  it("marks a task whose log has not grown for 30 s as quiet, and for how long (a prompt waiting for input)", () => {
    const workspace = tempWorkspace("lanes-status-");
    cleanups.push(workspace.cleanup);
    const [waiting, busy] = ["waiting.log", "busy.log"].map((name) => join(workspace.dir, name));
    writeFileSync(waiting!, "Continue? [y/N] ");
    writeFileSync(busy!, "step 9\n");
    // The real files' times: the prompt written 95 s ago, the busy log 2 s ago.
    utimesSync(waiting!, (NOW - 95_000) / 1000, (NOW - 95_000) / 1000);
    utimesSync(busy!, (NOW - 2_000) / 1000, (NOW - 2_000) / 1000);
    const tasks = [record("a1b2", "npm init", 100, waiting), record("c3d4", "make", 100, busy)];
    expect(statusText(tasks, 200, NOW)).toBe(
      "2 running · a1b2 1m40s, quiet 1m35s npm init › Continue? [y/N] · c3d4 1m40s make › step 9",
    );
    // Narrow: the label and the last line give way, the silence stays.
    expect(statusText(tasks.slice(0, 1), 50, NOW)).toMatch(/^1 running · a1b2 1m40s, quiet 1m35s npm init/);
  });

  it("counts elapsed time in whole units", () => {
    expect([elapsedText(999), elapsedText(59_999), elapsedText(65_000), elapsedText(3_725_000)]).toEqual([
      "0s",
      "59s",
      "1m05s",
      "1h02m",
    ]);
  });
});

describe("tool output folding", () => {
  it("keeps short output whole and folds long output to its first lines plus a count", () => {
    expect(foldOutput("a\nb\nc\nd\ne")).toBe("a\nb\nc\nd\ne");
    const long = Array.from({ length: 10 }, (_, i) => `line ${i}`).join("\n");
    expect(foldOutput(`\n\n${long}\n\n`)).toBe("line 0\nline 1\nline 2\nline 3\n… 6 more lines");
  });

  it("a bash output longer than the model was shown names its whole size and the file that holds it", () => {
    const printed: string[] = [];
    const details = { kind: "finished", output_bytes: 26_000_000, output_file: "/w/.lanes/outputs/ab.log" };
    const event = { type: "tool-result", id: "t", name: "bash", content: "a\nb", is_error: false } as const;
    renderAgentEvent({ ...event, duration_ms: 5, details }, createStyle(false), (text) => printed.push(text));
    expect(printed.join("")).toBe(
      "  ⎿ a\n    b\n    … the whole output (24.8 MiB) is in /w/.lanes/outputs/ab.log\n",
    );
  });
});
