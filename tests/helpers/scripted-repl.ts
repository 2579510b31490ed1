import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScriptTurn } from "../../src/model/script-provider.js";
import { TEST_MARK_VARIABLE } from "./process-marker.js";
import { killByEnv } from "./process-tree.js";
import { LANES_BIN } from "./run-cli.js";
import { tempWorkspace } from "./temp-workspace.js";
import { requireTmux, TmuxTerminal } from "./tmux.js";

/** The folders a scripted REPL runs in: reused by a second start (`again`) to resume there. */
export interface ReplFolders {
  /** The project folder lanes works in (`--cwd`), inside `home`. */
  work: string;
  /** The temp folder that is lanes' HOME; the user's config is in its `config/` (XDG_CONFIG_HOME). */
  home: string;
}

export interface ScriptedRepl extends ReplFolders {
  term: TmuxTerminal;
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
  /** The user's config.json (XDG_CONFIG_HOME/lanes/config.json). */
  config?: Record<string, unknown>;
  /** Pane width in columns (default 120). */
  width?: number;
  /** Pane height in rows (default 40). */
  height?: number;
  /** Start in these folders (an earlier REPL's, e.g. for --continue) instead of fresh ones. */
  again?: ReplFolders;
}): Promise<ScriptedRepl> {
  requireTmux();
  let folders = options.again;
  if (folders === undefined) {
    const workspace = tempWorkspace(options.prefix);
    options.cleanups.push(workspace.cleanup);
    folders = { work: join(workspace.dir, "work"), home: workspace.dir };
    mkdirSync(folders.work);
  }
  const { work, home } = folders;
  const script = join(home, "script.json");
  writeFileSync(script, JSON.stringify({ turns: options.turns }));
  if (options.config !== undefined) {
    mkdirSync(join(home, "config", "lanes"), { recursive: true });
    writeFileSync(join(home, "config", "lanes", "config.json"), JSON.stringify(options.config));
  }
  options.prepare?.(work);
  const argv = [process.execPath, LANES_BIN, "--model", `script:${script}`, "--cwd", work];
  const term = new TmuxTerminal([...argv, ...(options.args ?? [])], {
    cwd: home,
    width: options.width,
    ...(options.height === undefined ? {} : { height: options.height }),
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, "config"),
      TERM: "screen-256color",
      [TEST_MARK_VARIABLE]: options.marker,
      ...options.env,
    },
  });
  // Then what the REPL left running (background agents' workers finish writing into the workspace for a
  // while after their last request), before the workspace is removed: a write there made the removal fail.
  options.cleanups.push(() => {
    term.kill();
    killByEnv(TEST_MARK_VARIABLE, options.marker);
  });
  await term.waitFor(/^lanes · script:/m, 25_000);
  return { term, work, home };
}
