import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TEST_MARK_VARIABLE, useProcessMarker } from "../helpers/process-marker.js";
import { LANES_BIN } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";
import { requireTmux, TmuxTerminal } from "../helpers/tmux.js";

// `lanes run` in a real terminal: the command answers its own prompt from what the user types (the
// terminal is its stdin, though it runs in a group of its own without a controlling terminal), and a Ctrl+C
// reaches lanes, which ends the command and exits 130.
const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function terminal(command: string): TmuxTerminal {
  requireTmux();
  const workspace = tempWorkspace("lanes-run-tty-");
  cleanups.push(workspace.cleanup);
  const dir = workspace.dir;
  const env = { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, "config"), TERM: "screen" };
  const term = new TmuxTerminal([process.execPath, LANES_BIN, "run", command], {
    cwd: dir,
    env: { ...env, [TEST_MARK_VARIABLE]: marker.value },
  });
  cleanups.push(() => term.kill());
  return term;
}

describe("lanes run in a terminal", { timeout: 60_000 }, () => {
  it("the command reads what the user types at its prompt", async () => {
    const term = terminal('printf "name? "; read name; echo "hello $name"');
    await term.waitFor("name?", 20_000);
    term.type("ada");
    term.keys("Enter");
    await term.waitFor(/hello ada\n\[exited 0\]/, 20_000);
  });

  it("Ctrl+C ends the command and lanes exits 130", async () => {
    const term = terminal("echo started; sleep 120");
    await term.waitFor("started", 20_000);
    term.keys("C-c");
    const [line] = await term.waitFor(/\[exited \d+\]/, 20_000);
    expect(line).toBe("[exited 130]");
  });
});
