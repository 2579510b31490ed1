import { execFileSync, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";

/** Fails (never skips) when tmux is missing: the terminal tests are the only proof of what people see. */
export function requireTmux(): void {
  const found = spawnSync("tmux", ["-V"], { encoding: "utf8" });
  if (found.error || found.status !== 0) {
    throw new Error(
      "tmux is not installed, and the REPL terminal tests drive a real terminal through it. Install it " +
        "(apt-get install tmux; .ci/run does this) and run the tests again.",
    );
  }
}

let counter = 0;

function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface TerminalOptions {
  cwd: string;
  /** The whole environment of the command (nothing is inherited). */
  env: Record<string, string | undefined>;
  width?: number | undefined;
  height?: number;
}

/**
 * A program in a real terminal: a tmux pane on a private tmux server (its own socket, so a developer's
 * tmux is never touched). After the program exits the pane shows `[exited CODE]` and stays readable.
 */
export class TmuxTerminal {
  private readonly socket = `lanes-test-${process.pid}-${++counter}`;
  private readonly target = "repl";

  constructor(argv: string[], options: TerminalOptions) {
    const env = Object.entries(options.env)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([key, value]) => quote(`${key}=${value}`));
    const command = `env -i ${env.join(" ")} ${argv.map(quote).join(" ")}; echo "[exited $?]"; sleep 600`;
    this.tmux(
      ["new-session", "-d", "-s", this.target, "-x", String(options.width ?? 120)],
      ["-y", String(options.height ?? 40), "-c", options.cwd, command],
    );
  }

  /** Named keys as tmux spells them: "Enter", "C-c", "C-b", "C-d", "Up". */
  keys(...keys: string[]): void {
    this.tmux(["send-keys", "-t", this.target, ...keys]);
  }

  /** Literal text, typed. */
  type(text: string): void {
    this.tmux(["send-keys", "-t", this.target, "-l", text]);
  }

  /** A bracketed paste (as a terminal sends it when the program turned bracketed paste on). */
  paste(text: string): void {
    this.tmux(["set-buffer", "-b", "lanes-test", text]);
    this.tmux(["paste-buffer", "-p", "-d", "-b", "lanes-test", "-t", this.target]);
  }

  /** The visible screen as text; with `escapes`, including colour sequences. */
  screen(escapes = false): string {
    return this.tmux(["capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", this.target]);
  }

  /** The pane's title, as a program sets it with OSC 0 or 2. */
  title(): string {
    return this.tmux(["display", "-p", "-t", this.target, "#{pane_title}"]).trim();
  }

  /** Polls the screen until `pattern` shows (at most `timeoutMs`); returns the match. Fails with the screen. */
  async waitFor(pattern: RegExp | string, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const regex =
      typeof pattern === "string" ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : pattern;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      const match = regex.exec(screen);
      if (match) return match;
      if (Date.now() > deadline) {
        const pane = this.tmux(["display", "-p", "-t", this.target, "#{pane_pid} #{pane_current_command}"]);
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${regex}; pane ${pane.trim()}; screen:\n${screen}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Ends the tmux server and with it the pane's processes, and removes its socket file. */
  kill(): void {
    const path = spawnSync("tmux", ["-L", this.socket, "display", "-p", "#{socket_path}"], {
      encoding: "utf8",
    });
    spawnSync("tmux", ["-L", this.socket, "kill-server"], { stdio: "ignore" });
    if (path.status === 0 && path.stdout.trim() !== "") rmSync(path.stdout.trim(), { force: true });
  }

  private tmux(...args: string[][]): string {
    return execFileSync("tmux", ["-L", this.socket, "-f", "/dev/null", ...args.flat()], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }
}
