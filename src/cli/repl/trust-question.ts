import { emitKeypressEvents } from "node:readline";
import { ArmingClock, ARMING_MS } from "./arming.js";
import type { Key } from "./line-editor.js";

const CHOICES = "[y] yes, trust it   [n] no";

/**
 * The REPL's one-time question, before the session starts: may this workspace's .env set what it tries
 * to (an endpoint, a key)? Answered like an approval question: one key, counted only once the question is
 * armed (keys typed before it are dropped); y is yes, n / Escape / Ctrl+C / Ctrl+D are no. The caller
 * stores the answer, so the question names the command that changes it.
 */
export function askTrust(workspace: string, held: string[]): Promise<boolean> {
  const input = process.stdin;
  const output = process.stdout;
  // A dumb terminal (Emacs shell mode) cannot clear a line: each state gets a line of its own.
  const clearLine = process.env.TERM === "dumb" ? "\n" : "\r\u001b[K";
  output.write(
    [
      `? The .env of ${workspace} sets ${held.join(", ")}: a workspace's .env could send your API key to its own server.`,
      "  Trust this workspace, so its .env may set endpoints, keys and tokens? The answer is saved; change it",
      "  later with `lanes trust --revoke` (or `lanes trust`) in this folder.",
      "",
    ].join("\n"),
  );
  const arming = `${clearLine}  ${CHOICES}   (keys count after ${ARMING_MS} ms without typing)`;
  return new Promise((resolve) => {
    const clock = new ArmingClock(() => output.write(`${clearLine}  ${CHOICES} › `));
    const wasRaw = input.isRaw;
    const done = (trusted: boolean): void => {
      clock.stop();
      input.off("keypress", onKey);
      input.off("end", onEnd);
      input.setRawMode(wasRaw);
      input.pause();
      output.write(`${clearLine}  ${CHOICES} → ${trusted ? "yes, trusted" : "no"}\n`);
      resolve(trusted);
    };
    const onEnd = (): void => done(false);
    const onKey = (str: string | undefined, key: Key = {}): void => {
      if (key.ctrl && (key.name === "c" || key.name === "d")) return done(false);
      if (clock.armed && str === "y") return done(true);
      if (clock.armed && (str === "n" || key.name === "escape")) return done(false);
      // Too soon, or not an answer: someone is typing; wait for quiet again (and say so once).
      if (clock.armed) output.write(arming);
      clock.restart();
    };
    emitKeypressEvents(input);
    input.setRawMode(true);
    input.on("keypress", onKey);
    input.once("end", onEnd);
    input.resume();
    output.write(arming);
    clock.restart();
  });
}
