import { emitKeypressEvents } from "node:readline";
import { jobControlAvailable } from "./job-control.js";
import type { Key } from "./line-editor.js";

/** What the REPL does with keys. Handlers must not throw. */
export interface KeyHandlers {
  /** Ctrl+C. */
  interrupt(): void;
  /** Ctrl+B: move the running foreground command into a lane. */
  background(): void;
  /** Ctrl+D. */
  endOfInput(): void;
  /** Ctrl+L. */
  redraw(): void;
  /** Ctrl+Z: about to stop (the shell takes the terminal); `resumed` after `fg`. */
  suspending(): void;
  resumed(): void;
  /** Ctrl+Z where no shell could resume lanes (no job control): lanes keeps running. */
  cannotSuspend(): void;
  /** A bracketed paste, as one piece of text (its newlines do not send anything). */
  paste(text: string): void;
  /** Every other key, for the line editor. */
  key(str: string | undefined, key: Key): void;
}

const PASTE_ON = "\u001b[?2004h";
const PASTE_OFF = "\u001b[?2004l";

/**
 * Reads keys from a terminal in raw mode (so Ctrl+C and Ctrl+B arrive as keys, also while a turn runs) with
 * bracketed paste on. Returns a function that restores the terminal; it also runs at process exit.
 */
export function readKeys(
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
  handlers: KeyHandlers,
): () => void {
  emitKeypressEvents(input);
  let pasting: string | undefined;
  const onKeypress = (str: string | undefined, key: Key | undefined): void => {
    const name = key?.name;
    if (name === "paste-start") pasting = "";
    else if (name === "paste-end") {
      handlers.paste(pasting ?? "");
      pasting = undefined;
    } else if (pasting !== undefined) {
      pasting += name === "return" || name === "enter" ? "\n" : (str ?? "");
    } else if (key?.ctrl && name === "c") handlers.interrupt();
    else if (key?.ctrl && name === "b") handlers.background();
    else if (key?.ctrl && name === "d") handlers.endOfInput();
    else if (key?.ctrl && name === "l") handlers.redraw();
    else if (key?.ctrl && name === "z") (jobControlAvailable() ? suspend : handlers.cannotSuspend)();
    else handlers.key(str, key ?? {});
  };
  const terminalMode = (raw: boolean): void => {
    if (input.isTTY) input.setRawMode(raw);
    if (!output.destroyed) output.write(raw ? PASTE_ON : PASTE_OFF);
  };
  // Raw mode turns off the terminal's own Ctrl+Z, so lanes stops itself the way the terminal would have.
  const suspend = (): void => {
    handlers.suspending();
    terminalMode(false);
    process.once("SIGCONT", () => {
      terminalMode(true);
      handlers.resumed();
    });
    process.kill(process.pid, "SIGTSTP");
  };
  const restore = (): void => {
    input.off("keypress", onKeypress);
    process.off("exit", restore);
    terminalMode(false);
    input.pause();
  };
  terminalMode(true);
  input.on("keypress", onKeypress);
  input.resume();
  process.once("exit", restore);
  return restore;
}
