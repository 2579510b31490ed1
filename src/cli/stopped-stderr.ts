import { Writable } from "node:stream";
import { trailingDeathLine } from "../text/shell-death-line.js";

/**
 * `lanes run`'s stderr for the command: once the user stopped it (Ctrl+C, a TERM to lanes, `lanes tasks kill`
 * from another shell), the "Terminated"
 * its shell prints when lanes' TERM ends its program is not shown: a shell's Ctrl+C prints none, and lanes
 * already says how the command ended. Everything else passes through, with the target's backpressure and errors.
 */
export function stderrAfterStop(target: NodeJS.WritableStream, stopped: () => boolean): Writable {
  const filtered = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (trailingDeathLine(chunk.toString("latin1")) === chunk.length && stopped()) return done();
      target.write(chunk, (error) => done(error ?? undefined));
    },
  });
  target.on("error", (error: Error) => filtered.destroy(error));
  return filtered;
}
