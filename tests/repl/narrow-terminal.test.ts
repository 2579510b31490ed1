import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ScriptTurn } from "../../src/model/script-provider.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { LANES_BIN } from "../helpers/run-cli.js";
import { startScriptedRepl } from "../helpers/scripted-repl.js";
import { TmuxTerminal } from "../helpers/tmux.js";

// What a person reads at 60 columns: task rows and tool-call lines as they wrap and what they lead with.

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const TEST_MS = 60_000;
const WIDTH = 60;

async function startNarrowRepl(turns: ScriptTurn[], height?: number) {
  const repl = await startScriptedRepl({
    prefix: "lanes-narrow-",
    turns,
    marker: marker.value,
    cleanups,
    width: WIDTH,
    ...(height === undefined ? {} : { height }),
    prepare: (work) => writeFileSync(join(work, "notes.txt"), "one\ntwo\nthree\n"),
  });
  // Runs before the folder is removed: a lanes still ending its tasks there would write records into it.
  cleanups.push(() => void marker.killMarked());
  return repl;
}

/** A task row wider than the pane: its second row starts under the text after the id, not at column 0. */
function expectHanging(row: string, ...parts: string[]): void {
  const [first = "", second = ""] = row.split("\n");
  expect(first.length + second.trim().length).toBeGreaterThan(WIDTH - 1);
  expect(second).toMatch(/^ {10}\S/);
  for (const part of parts) expect(`${first} ${second.trim()}`).toContain(part);
}

function send(repl: { term: { type(text: string): void; keys(...keys: string[]): void } }, text: string) {
  repl.term.type(text);
  repl.term.keys("Enter");
}

/** The screen's tool-call lines, each with its wrapped rows joined back (they hang two cells in). */
function callLines(screen: string): string[] {
  const calls: string[] = [];
  for (const row of screen.split("\n")) {
    if (row.startsWith("⏺ ")) calls.push(row);
    else if (calls.length > 0 && /^ {2}[^ ⎿]/.test(row) && !row.startsWith("  ⎿"))
      calls[calls.length - 1] += ` ${row.trim()}`;
    else if (calls.length > 0) calls.push("");
  }
  return calls.filter((line) => line !== "");
}

describe("the REPL at 60 columns (a real terminal)", { timeout: TEST_MS }, () => {
  it("a wrapped task row hangs under the text after its id and leads with the description, in /tasks and in `lanes tasks` on a terminal", async () => {
    const command = "sleep 0.2; wc -l notes.txt";
    const repl = await startNarrowRepl([
      { tool_calls: [{ name: "background_run", input: { command, description: "line count" } }] },
      { text: "Started.", tool_calls: [{ name: "wait_background", input: {} }] },
      { text: "Counted." },
    ]);
    send(repl, "count the lines");
    await repl.term.waitFor(/^Counted\.$/m);
    send(repl, "/tasks");
    const [row, id] = await repl.term.waitFor(/^([0-9a-f]{8}) {2}completed.*\n.*$/m);
    expectHanging(row, `${id}  completed, exit 0`, `line count: ${command}`);

    const listing = new TmuxTerminal([process.execPath, LANES_BIN, "tasks", "--all", "--cwd", repl.work], {
      cwd: repl.home,
      width: WIDTH,
      env: { PATH: process.env.PATH, HOME: repl.home, TERM: "screen-256color" },
    });
    cleanups.push(() => listing.kill());
    const [listed = ""] = await listing.waitFor(new RegExp(`^${id} {2}completed.*\n.*$`, "m"));
    // Led by the description there too.
    expectHanging(listed, `${id}  completed, exit 0`, `line count: ${command}`);
  });

  it("the tool-call line leads with the description the model gave, then the command (background_run, agent_run)", async () => {
    const command = "sleep 0.2; wc -l notes.txt";
    const prompt = `Read notes.txt and say how many lines it has, ${"then list every word in it in order, ".repeat(4)}and stop.`;
    const repl = await startNarrowRepl([
      {
        tool_calls: [
          { name: "background_run", input: { command, description: "line count" } },
          { name: "background_run", input: { command: "true" } },
          // Refused at once (a worktree needs a git repository), so no agent starts: its call line is the point.
          { name: "agent_run", input: { prompt, description: "word list", isolation: "worktree" } },
        ],
      },
      { text: "Called." },
    ]);
    send(repl, "count the lines");
    await repl.term.waitFor(/^Called\.$/m);
    const calls = callLines(repl.term.screen());
    expect(calls[0]).toBe(`⏺ background_run(line count: ${command})`);
    // Without a description the command alone, as before.
    expect(calls[1]).toBe("⏺ background_run(true)");
    // A long prompt is shortened after the description, and says so.
    expect(calls[2]).toMatch(
      /^⏺ agent_run\(word list: Read notes\.txt and say how many lines it has, then .*…\)$/,
    );
    expect(calls[2]?.length).toBeLessThan(prompt.length);
  });

  it("/help keeps its two columns (a wrapped description hangs under its column); a mistyped command names the one meant", async () => {
    const repl = await startNarrowRepl([{ text: "unused" }], 70);
    // A mistyped command names the one meant, before the whole list.
    send(repl, "/taks");
    await repl.term.waitFor("Unknown command /taks: did you mean /tasks?");
    send(repl, "/help");
    await repl.term.waitFor(/^ {2}Ctrl\+L/m);
    const rows = repl.term.screen().split("\n");
    const start = rows.findIndex((row) => row === "Commands:");
    const end = rows.findIndex((row, index) => index > start && row.startsWith("›"));
    const help = rows.slice(start + 1, end).filter((row) => row !== "Keys:");
    expect(help.length).toBeGreaterThan(20);
    // Every row is a command or key at two cells in, or a continuation under the description column.
    const description = /^ {2}(\/tasks|Enter) +/.exec(help[0] ?? "")?.[0].length;
    for (const row of help)
      expect(row, help.join("\n")).toMatch(/^ {2}\S/.test(row) ? /^ {2}\S/ : /^ {15,}\S/);
    const continuations = help.filter((row) => !/^ {2}\S/.test(row));
    expect(continuations.length).toBeGreaterThan(5);
    const commands = help.slice(
      0,
      help.findIndex((row) => row.startsWith("  Enter")),
    );
    for (const row of commands.filter((line) => !/^ {2}\S/.test(line)))
      expect(row.length - row.trimStart().length).toBe(description);
    // The columns line up: each command's description starts where the first one's does.
    for (const row of commands.filter((line) => /^ {2}\S/.test(line)))
      expect(/^ {2}\S+(?: \S+)* +/.exec(row)?.[0].length, row).toBe(description);
  });
});
