import { afterEach, describe, expect, it } from "vitest";
import { useProcessMarker } from "../helpers/process-marker.js";
import { startScriptedRepl } from "../helpers/scripted-repl.js";

// What the REPL says about a command's or a task's end is said once, plainly.

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const count = (text: string, pattern: RegExp): number => text.match(new RegExp(pattern, "g"))?.length ?? 0;

describe("ends said once in the REPL (a real terminal)", { timeout: 60_000 }, () => {
  it("Esc during a foreground bash says in one line that the command was stopped, with no shell 'Terminated'", async () => {
    const { term } = await startScriptedRepl({
      prefix: "lanes-said-once-",
      marker: marker.value,
      cleanups,
      turns: [
        { tool_calls: [{ name: "bash", input: { command: "echo started; sleep 30; echo done" } }] },
        { text: "never asked" },
      ],
    });
    term.type("go");
    term.keys("Enter");
    await term.waitFor(/bash\(echo started/);
    // The command runs: its spinner is up. Esc cancels the turn and stops the command.
    await term.waitFor(/Ctrl\+B background/);
    term.keys("Escape");
    await term.waitFor("Cancelled. Background tasks keep running");
    const screen = term.screen();
    expect(screen).toMatch(/Cancelled: the command was stopped; its process group was killed \(SIGTERM\)\./);
    expect(screen).not.toMatch(/^\s*(⎿ )?Terminated$/m);
    // One line about the end; the turn's own "Cancelled." follows, about the turn.
    expect(
      screen.split("\n").filter((line) => /Terminated|SIGTERM|killed/.test(line)),
      screen,
    ).toHaveLength(1);
  });

  it("a task that ends during wait_background is shown once: by the tool's reply, not also by a ■ line", async () => {
    const { term } = await startScriptedRepl({
      prefix: "lanes-said-once-",
      marker: marker.value,
      cleanups,
      turns: [
        {
          tool_calls: [
            {
              name: "background_run",
              input: { command: "sleep 0.5; echo napped", description: "short nap" },
            },
          ],
        },
        { tool_calls: [{ name: "wait_background", input: {} }] },
        { text: "All done." },
      ],
    });
    term.type("go");
    term.keys("Enter");
    await term.waitFor("All done.", 30_000);
    const screen = term.screen();
    expect(screen).toMatch(
      /\[bg:\w+\] completed, exit 0 in [^:]+: short nap: sleep 0\.5; echo napped \| output: napped/,
    );
    expect(count(screen, /\[bg:\w+\] completed, exit 0/)).toBe(1);
  });
});
