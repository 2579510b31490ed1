import { afterEach, describe, expect, it } from "vitest";
import { useProcessMarker } from "../helpers/process-marker.js";
import { startScriptedRepl } from "../helpers/scripted-repl.js";

// Leaving the REPL by Ctrl+C says, as Ctrl+D does, what leaving would end.

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

describe("Ctrl+C at an empty prompt", { timeout: 60_000 }, () => {
  it("/help and the exit hint say a second Ctrl+C ends running tasks; the second ends them and exits", async () => {
    const { term } = await startScriptedRepl({
      prefix: "lanes-exit-keys-",
      marker: marker.value,
      cleanups,
      turns: [
        {
          text: "Starting.",
          tool_calls: [{ name: "background_run", input: { command: "sleep 60", description: "dev server" } }],
        },
        { text: "It runs." },
      ],
    });
    cleanups.push(() => void marker.killMarked());
    term.type("/help");
    term.keys("Enter");
    await term.waitFor("Ctrl+C twice: exit (running tasks end)");
    // The approval keys as the question takes them: "a" alone never answers.
    await term.waitFor("yes once / don't ask again (a, then y) / no");
    term.type("serve");
    term.keys("Enter");
    await term.waitFor("It runs.");
    term.keys("C-c");
    await term.waitFor("Press Ctrl+C again to exit: it ends 1 running background task.");
    term.keys("C-c");
    await term.waitFor(
      /■ \[bg:\w+\] killed when lanes exited \(SIG(TERM|KILL)\) .*dev server: sleep 60/,
      30_000,
    );
    const [line] = await term.waitFor(/\[exited \d+\]/, 30_000);
    expect(line).toBe("[exited 0]");
  });
});
