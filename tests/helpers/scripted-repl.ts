import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScriptTurn } from "../../src/model/script-provider.js";
import { TEST_MARK_VARIABLE } from "./process-marker.js";
import { LANES_BIN } from "./run-cli.js";
import { tempWorkspace } from "./temp-workspace.js";
import { requireTmux, TmuxTerminal } from "./tmux.js";

export interface ScriptedRepl {
  term: TmuxTerminal;
  /** The project folder lanes works in (`--cwd`), inside a temp folder that is also its HOME. */
  work: string;
}

/**
 * The REPL in a tmux pane with a scripted model, on a fresh project folder; resolves once the banner shows.
 * `prepare` fills the project first; everything made is removed through `cleanups`.
 */
export async function startScriptedRepl(options: {
  prefix: string;
  turns: ScriptTurn[];
  marker: string;
  cleanups: Array<() => void>;
  prepare?: (work: string) => void;
  args?: string[];
  env?: Record<string, string>;
}): Promise<ScriptedRepl> {
  requireTmux();
  const workspace = tempWorkspace(options.prefix);
  options.cleanups.push(workspace.cleanup);
  const script = join(workspace.dir, "script.json");
  writeFileSync(script, JSON.stringify({ turns: options.turns }));
  const work = join(workspace.dir, "work");
  mkdirSync(work);
  options.prepare?.(work);
  const argv = [process.execPath, LANES_BIN, "--model", `script:${script}`, "--cwd", work];
  const term = new TmuxTerminal([...argv, ...(options.args ?? [])], {
    cwd: workspace.dir,
    env: {
      PATH: process.env.PATH,
      HOME: workspace.dir,
      XDG_CONFIG_HOME: join(workspace.dir, "config"),
      TERM: "screen-256color",
      [TEST_MARK_VARIABLE]: options.marker,
      ...options.env,
    },
  });
  options.cleanups.push(() => term.kill());
  await term.waitFor(/^lanes · script:/m, 25_000);
  return { term, work };
}
