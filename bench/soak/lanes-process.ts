import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export interface LanesProcess {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KB lanes wrote to stderr, for a report when a run goes wrong. */
  stderrTail(): string;
  /** Its state in /proc (R running, S waiting), CPU seconds and wait channel: spinning or blocked, for a hang report. */
  procState(): string;
  /** A signal to lanes itself (never its tasks: they are in groups of their own); false once it ended. */
  signal(name: NodeJS.Signals): boolean;
}

const TAIL_BYTES = 4096;

/** Starts the built CLI as a user would, stdin closed, output collected only as a bounded tail. */
export function startLanes(cli: string, args: string[], env: NodeJS.ProcessEnv): LanesProcess {
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
  let tail = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    tail = (tail + chunk).slice(-TAIL_BYTES);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal }));
    child.on("error", () => resolve({ code: null, signal: null }));
  });
  return {
    pid: child.pid ?? -1,
    exited,
    stderrTail: () => tail,
    procState: () => procState(child.pid ?? -1),
    signal: (name) => child.exitCode === null && child.signalCode === null && child.kill(name),
  };
}

function procState(pid: number): string {
  try {
    // Fields after the command's closing parenthesis: state is the first, utime and stime the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const cpu = (Number(fields[11]) + Number(fields[12])) / 100;
    const wchan = readFileSync(`/proc/${pid}/wchan`, "utf8");
    return `state ${fields[0]}, ${cpu.toFixed(1)} s CPU, wchan ${wchan || "-"}`;
  } catch {
    return "no /proc entry";
  }
}
