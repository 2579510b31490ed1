import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResultLine } from "./deliveries.js";
import { TRUTH_DIR } from "./shapes.js";

/** How a task's command really ended, as its own traps wrote it (never from lanes). */
export type Truth =
  | { kind: "never-ran" }
  | { kind: "exit"; code: number }
  | { kind: "signal"; signal: "SIGTERM" }
  /** Started, no end written: only SIGKILL stops a trap from writing (or it still runs). */
  | { kind: "no-end" };

export function readTruth(workspace: string, tag: string): Truth {
  const base = join(workspace, TRUTH_DIR, tag);
  if (!existsSync(`${base}.start`)) return { kind: "never-ran" };
  let end = "";
  try {
    end = readFileSync(`${base}.end`, "utf8").trim();
  } catch {
    return { kind: "no-end" };
  }
  const code = /^exit (\d+)$/.exec(end)?.[1];
  if (code !== undefined) return { kind: "exit", code: Number(code) };
  return end === "signal TERM" ? { kind: "signal", signal: "SIGTERM" } : { kind: "no-end" };
}

export function describeTruth(truth: Truth): string {
  switch (truth.kind) {
    case "never-ran":
      return "never ran";
    case "exit":
      return `exited ${truth.code}`;
    case "signal":
      return `died of ${truth.signal}`;
    case "no-end":
      return "SIGKILLed (no trap ran)";
  }
}

/** Whether a result line states the end the truth file shows; undefined when it does. */
export function exitMismatch(truth: Truth, line: ResultLine): string | undefined {
  const code = /\bexit (\d+)/.exec(line.detail)?.[1];
  const signal = /\b(SIG[A-Z]+)/.exec(line.detail)?.[1];
  const said = `${line.status}${line.detail.replace(/ in [\d.]+\w*$/, "")}`;
  const ok = (() => {
    switch (truth.kind) {
      case "never-ran":
        // Or a signal before its first line: a TERM (143 from its shell) or a KILL leaves no truth to write.
        return code === undefined || (signal === undefined && (code === "143" || code === "137"));
      case "exit":
        return signal === undefined && code === String(truth.code);
      case "signal":
        return signal === "SIGTERM" || code === "143";
      case "no-end":
        return signal === "SIGKILL" || code === "137";
    }
  })();
  return ok ? undefined : `${describeTruth(truth)}, lanes said "${said}"`;
}
