import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentEvent } from "../agent/events.js";
import { ConfigSchema } from "../config/config.js";
import { createScriptProviderFromTurns } from "../model/script-provider.js";
import { describeToolCall } from "../present/tool-call-text.js";
import type { BackgroundRunDetails } from "../tools/tool-details.js";
import { runPrintMode } from "./print-mode.js";
import { colorsEnabled, createStyle } from "../text/style.js";
import { count } from "../text/count.js";

const COMMANDS = ["sleep 2; echo A", "sleep 3; echo B", "sleep 1; echo C"];

/** The demo's script: three background commands, a file written meanwhile, then results. */
const DEMO_TURNS = [
  {
    text: "Starting three slow commands in background lanes.",
    tool_calls: COMMANDS.map((command) => ({ name: "background_run", input: { command } })),
  },
  {
    text: "While they run, I write a notes file.",
    tool_calls: [
      { name: "write_file", input: { path: "notes/hello.txt", content: "written while three tasks ran\n" } },
    ],
  },
  { text: "The file is written. I will be notified as each background task ends." },
];

interface Span {
  label: string;
  start: number;
  end?: number;
}

/** `lanes demo`: runs offline in a temporary workspace and prints a timeline showing the overlap. */
export async function runDemo(options: { keep?: boolean } = {}): Promise<number> {
  const style = createStyle(colorsEnabled(process.stdout, process.env));
  const workspace = mkdtempSync(join(tmpdir(), "lanes-demo-"));
  const out = (text: string): void => void process.stdout.write(`${text}\n`);
  out(style.bold("lanes demo") + style.dim(` · scripted model, real processes, workspace ${workspace}`));
  const t0 = Date.now();
  const at = (): string => style.dim(`${((Date.now() - t0) / 1000).toFixed(2).padStart(6)}s`);
  const spans = new Map<string, Span>();
  const onEvent = (event: AgentEvent): void => {
    if (event.type === "tool-call") out(`${at()}  model → ${describeToolCall(event.name, event.input)}`);
    if (event.type === "tool-result" && event.name === "background_run" && !event.is_error) {
      const { record } = event.details as BackgroundRunDetails;
      spans.set(record.id, { label: record.command, start: Date.now() - t0 });
      out(`${at()}  ${style.cyan("▶")} Background task ${record.id} started: ${record.command}`);
    }
    if (event.type === "tool-result" && event.name === "write_file") {
      const running = [...spans.values()].filter((span) => span.end === undefined).length;
      out(`${at()}  ${style.green("✓")} ${event.content}  ${style.dim(`(while ${running} tasks run)`)}`);
    }
    if (event.type === "idle-wait")
      out(
        `${at()}  … model idle, ${count(event.running, "task")} still running: waiting for the next result`,
      );
    if (event.type === "background-results") {
      for (const id of event.task_ids) {
        const span = spans.get(id);
        if (span) span.end = Date.now() - t0;
      }
      const lines = event.text.split("\n").filter((line) => line.startsWith("[bg:"));
      for (const line of lines)
        out(
          `${at()}  ${style.yellow("⚑")} drained before the model call: ${line.replace(/ \(output_file=.*$/, "")}`,
        );
    }
    if (event.type === "assistant-message" && event.text) {
      // The scripted model answers a wake-up by quoting the results it received: show them on one line.
      const said = event.text
        .replace(/ \(output_file=[^)]*\)/g, "")
        .split("\n")
        .join(" ");
      out(`${at()}  model: ${said.length > 140 ? `${said.slice(0, 139)}…` : said}`);
    }
  };
  const code = await runPrintMode({
    prompt:
      "Run the three commands in the background, write notes/hello.txt meanwhile, then report the results.",
    workspace,
    config: ConfigSchema.parse({ max_wait_ms: 60_000 }),
    env: process.env,
    ownerPid: process.pid,
    format: "text",
    provider: createScriptProviderFromTurns(DEMO_TURNS),
    onEvent,
    write: () => {},
    // The demo prints its own "model idle" line.
    waitNotes: false,
  });
  const interrupted = code === 130;
  const wall = (Date.now() - t0) / 1000;
  out("\nTimeline (each █ is 0.25 s):");
  const rows = [...spans].map(([id, span]) => {
    // A task without a result was ended by the interrupt: it did not finish.
    const end = span.end ?? Date.now() - t0;
    const how =
      span.end === undefined
        ? `killed at ${(end / 1000).toFixed(1)}s`
        : `${(span.start / 1000).toFixed(1)}s → ${(end / 1000).toFixed(1)}s`;
    const bar =
      " ".repeat(Math.round(span.start / 250)) +
      "█".repeat(Math.max(1, Math.round((end - span.start) / 250)));
    return { id, bar, how, label: span.label };
  });
  // The times start in one column, after the longest bar (a loaded machine stretches them).
  const width = Math.max(16, ...rows.map((row) => row.bar.length));
  for (const row of rows) out(`  ${row.id}  ${row.bar.padEnd(width)} ${row.how}  ${row.label}`);
  const unfinished = [...spans.values()].filter((span) => span.end === undefined).length;
  out(
    interrupted
      ? `\nInterrupted after ${wall.toFixed(1)} s: ${count(unfinished, "task")} still running ${unfinished === 1 ? "was" : "were"} killed.`
      : `\n3 tasks sleeping 6 s in all finished in ${wall.toFixed(1)} s of wall time: they ran in parallel while the agent kept working.`,
  );
  if (!options.keep) rmSync(workspace, { recursive: true, force: true });
  if (!interrupted)
    out(
      style.dim(
        "Next: set ANTHROPIC_API_KEY and run `lanes` in a project for the real thing; without a key, " +
          "`lanes --model script:FILE.json` replays a model you script (see the README); `lanes doctor` checks your setup.",
      ),
    );
  return code;
}
