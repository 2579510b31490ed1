import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitUntilSync } from "../async/blocking-wait.js";
import { readExitCode } from "./exit-file.js";
import { forkServerPerl } from "./fork-server-perl.js";
import { topmostHolder } from "./fd-holders.js";
import { runningNotZombie } from "./proc-stat.js";
import { fifoPaths, openLaneEnds, removeFifos, type FifoPaths, type LaneEnds } from "./fifo-pair.js";
import { ServerEnv } from "./fork-server-env.js";
import { ServedLeader } from "./served-leader.js";
import {
  closeQuietly,
  ForkServerRefused,
  openInput,
  readLine,
  realOrSelf,
  REPLY_DEADLINE_MS,
  ReplyOverdue,
  writeAll,
} from "./fork-server-pipes.js";

export { ForkServerRefused };

/** One task for the server: the launcher's script and @ARGV (own-group-launch.ts) and what it opens. */
export interface ServedLaunch {
  script: { code: string; argv: string[] };
  env: NodeJS.ProcessEnv;
  cwd: string;
  outputFile: string;
  exitFile?: string | undefined;
  /** "pipe": a FIFO lanes writes (send_background_input); "ignore": /dev/null. */
  stdin: "pipe" | "ignore";
}

const hex = (text: string): string => `x${Buffer.from(text).toString("hex")}`;

/**
 * One warm perl that forks each task's launcher (fork-server-perl.ts), so no interpreter starts per task.
 * Requests and their `S`/`F` replies are synchronous (a pid is known the moment a launch returns, as with
 * spawn()); ends come as lines on its stdout. Killed, it loses nothing: its leaders are watched by pid.
 */
export class ForkServer {
  alive = true;
  private readonly leaders = new Map<number, { id: string; leader: ServedLeader }>();
  private readonly byId = new Map<string, ServedLeader>();
  private held = 0;
  private requests = 0;
  private pending = "";
  /** The launchers' scripts the server has compiled, by their key (sent once each). */
  private readonly scripts = new Map<string, { key: string; compiled: boolean }>();
  private readonly env = new ServerEnv();
  /** lanes' ends of the server's FIFOs, opened at the first launch (the server makes them as it starts). */
  private ends: LaneEnds | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly fifos: FifoPaths,
  ) {
    const events = child.stdout;
    events?.setEncoding("utf8");
    events?.on("data", (chunk: string) => this.read(chunk));
    events?.once("close", () => this.gone());
    events?.on("error", () => {});
    child.once("error", () => this.gone());
    child.once("exit", () => this.gone());
    child.unref();
    this.hold(0);
  }

  /**
   * Starts a server without waiting for it (its perl comes up while lanes goes on); throws when it cannot
   * (no perl); lanes then starts a perl per task. One that cannot make its FIFOs refuses the first launch.
   */
  static start(perl: string): ForkServer {
    const script = forkServerPerl();
    if (script === undefined) throw new Error("lanes: no fork server on this architecture");
    const fifos = fifoPaths(tmpdir());
    const child = spawn(perl, ["-e", script, "--", fifos.requests, fifos.replies], {
      stdio: ["ignore", "pipe", "ignore"],
      // Every symbol bound at start, once: lazily bound, each forked launcher bound (and copied the pages
      // of) the ones the server never called itself, 23 page faults a task. Gone from %ENV at the first
      // request, whose environment becomes the server's: no task inherits it.
      env: { LD_BIND_NOW: "1" },
    });
    return new ForkServer(child, fifos);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Forks the task's launcher; throws ForkServerRefused when the server cannot (nothing ran then). */
  launch(request: ServedLaunch): ServedLeader {
    if (!this.alive) throw new ForkServerRefused("gone");
    const ends = this.connect();
    const id = String(++this.requests);
    const fifo = request.stdin === "pipe" ? join(tmpdir(), `.lanes-in-${process.pid}-${randomUUID()}`) : "";
    const { cwd, outputFile, exitFile = "", script } = request;
    const known = this.scripts.get(script.code);
    const key = known?.key ?? String(this.scripts.size + 1);
    const env = this.env.fields(request.env);
    const fields = [
      id,
      cwd,
      fifo,
      outputFile,
      exitFile,
      key,
      known?.compiled ? "" : script.code,
      ...env,
      ...script.argv,
    ];
    let reply: string;
    let sent = false;
    try {
      writeAll(ends.requestFd, `${fields.map(hex).join(" ")}\n`, REPLY_DEADLINE_MS);
      sent = true;
      reply = readLine(ends.replyFd, REPLY_DEADLINE_MS);
    } catch (error) {
      // No answer in time (a stopped or wedged server): it is killed, and its tasks are watched by pid.
      if (error instanceof ReplyOverdue) this.kill();
      this.gone();
      if (!sent) throw new ForkServerRefused("gone", `its request would not go: ${(error as Error).message}`);
      return this.inFlight(request, fifo);
    }
    const [kind, , ...words] = reply.split(" ");
    const rest = words.join(" ");
    if (kind !== "S") {
      if (fifo) rmSync(fifo, { force: true });
      throw new ForkServerRefused({ refused: rest });
    }
    this.scripts.set(script.code, { key, compiled: true });
    const leader = new ServedLeader(Number(rest), fifo ? openInput(fifo) : null, (held) =>
      this.hold(held ? 1 : -1),
    );
    this.leaders.set(leader.pid, { id, leader });
    this.byId.set(id, leader);
    return leader;
  }

  /**
   * The server died after it read a request and before it answered: whether it forked is told by the files
   * it opened for the task (the leader holds its log and exit file until it ends). Found, the leader is
   * watched by pid; ran and ended already, the start fails saying so; neither, nothing ran and the caller
   * starts a perl of its own. Never a second run of the same command.
   */
  private inFlight(request: ServedLaunch, fifo: string): ServedLeader {
    const files = [request.outputFile, request.exitFile ?? ""].map(realOrSelf);
    const pid = topmostHolder(files);
    if (pid !== undefined) {
      const leader = new ServedLeader(pid, fifo ? openInput(fifo) : null, (held) => this.hold(held ? 1 : -1));
      leader.orphaned();
      return leader;
    }
    if (fifo) rmSync(fifo, { force: true });
    if (request.exitFile && readExitCode(request.exitFile) !== null)
      throw new Error(
        "lanes: the fork server died while starting this task, which ran and ended before lanes could watch it",
      );
    throw new ForkServerRefused("gone");
  }

  /** lanes' ends, opened at the first launch; a server that made no FIFOs in time is killed and gone. */
  private connect(): LaneEnds {
    if (this.ends) return this.ends;
    const pid = this.child.pid;
    const alive = (): boolean => pid !== undefined && runningNotZombie(pid);
    const ends = openLaneEnds(this.fifos, alive, REPLY_DEADLINE_MS);
    if (!("why" in ends)) return (this.ends = ends);
    this.kill();
    this.gone();
    throw new ForkServerRefused("gone", ends.why);
  }

  /** Kills a server that did not answer, and waits (briefly) until it is gone, so no fork can follow. */
  private kill(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      return;
    }
    waitUntilSync(() => !runningNotZombie(pid), 2000, 5);
  }

  /** Closes lanes' end: the server exits; tasks still running go on and are watched by pid. */
  close(): void {
    this.gone();
  }

  private read(chunk: string): void {
    this.pending += chunk;
    let end: number;
    while ((end = this.pending.indexOf("\n")) !== -1) {
      const [kind = "", key = "", ...rest] = this.pending.slice(0, end).split(" ");
      this.pending = this.pending.slice(end + 1);
      if (kind === "X") this.byId.get(key)?.failed(rest.join(" "));
      const served = kind === "E" ? this.leaders.get(Number(key)) : undefined;
      if (!served) continue;
      this.leaders.delete(Number(key));
      this.byId.delete(served.id);
      served.leader.exited(Number(rest[0]));
    }
  }

  private gone(): void {
    if (!this.alive) return;
    this.alive = false;
    if (this.ends) {
      closeQuietly(this.ends.requestFd);
      closeQuietly(this.ends.replyFd);
    } else {
      // Never reached: it has no task, and waits for lanes on FIFOs nobody else will open.
      this.child.kill("SIGKILL");
      removeFifos(this.fifos);
    }
    this.child.stdout?.destroy();
    for (const { leader } of this.leaders.values()) leader.orphaned();
    this.leaders.clear();
    this.byId.clear();
  }

  /** The server's stdout keeps lanes alive while a leader that is not released runs, as its child would. */
  private hold(change: number): void {
    this.held += change;
    const events = this.child.stdout as Socket | null;
    if (this.held > 0) events?.ref();
    else events?.unref();
  }
}
