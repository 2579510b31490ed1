import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitUntilSync } from "../async/blocking-wait.js";
import { groupAlive, signalGroup } from "../process/kill-group.js";
import { ownGroupLaunch } from "../process/own-group-launch.js";
import { entryOrder, namespaceOf } from "./namespace-of.js";

/**
 * How long lanes' close waits for a holder it ended to be gone, its mounts with it: the sweep after it removes
 * the workspace's mount points only once no namespace has them mounted. A holder asked to end exits at its next
 * look (milliseconds); on a loaded machine that look can come a second or more later (CI left twelve empty
 * `.vscode`, `.env`... in a workspace when this was 1 s).
 */
const END_WAIT_MS = 5_000;
/** How long a holder waits to be ready before the session falls back to a bubblewrap per command. */
const READY_WAIT_MS = 5_000;

/**
 * The holder's program, pid 1 of the sandbox's pid namespace (bubblewrap --as-pid-1): it says it is ready
 * (descriptor 3) once bubblewrap has built everything and exec'd it, then reaps what tasks orphan there. Its
 * stdin is lanes' end of a pipe. Once that closes with tasks still inside (lanes exited with persist or
 * detached tasks running), it stays while a task's own process does (one whose parent, the task's launcher,
 * is outside: ppid 0 here) and exits when none has for two looks in a row, which ends whatever those tasks
 * left in its namespace. As pid 1 it takes no signal from inside.
 */
const HOLDER_PERL = [
  "$0 = 'lanes-sandbox-holder'; $SIG{PIPE} = 'IGNORE'; $SIG{CHLD} = sub {};",
  'if (open(my $r, ">&=", 3)) { print $r "ready\\n"; close($r) }',
  "my $open = 1; my $empty = 0; my $looks = 2;",
  "my $ppid = sub { open(my $f, '<', \"/proc/$_[0]/stat\") or return -1; my $s = <$f> // ''; $s =~ /\\) \\S+ (\\d+)/ ? $1 : -1 };",
  "while (1) {",
  "  1 while waitpid(-1, 1) > 0;",
  "  if ($open) { my $in = ''; vec($in, 0, 1) = 1; if ((select(my $ready = $in, undef, undef, 1))[0] > 0) { my $n = sysread(STDIN, my $b, 64); $looks = 1 if $n && $b =~ /end/; $open = 0 if !$n || $looks == 1 } next }",
  '  opendir(my $d, "/proc") or exit 0; my @tasks = grep { /^\\d+$/ && $_ != 1 && $ppid->($_) == 0 } readdir($d); closedir($d);',
  "  $empty = @tasks ? 0 : $empty + 1; exit 0 if $empty >= $looks; select(undef, undef, undef, 0.1);",
  "}",
].join(" ");

export interface HolderStart {
  bwrap: string;
  /** bubblewrap's arguments for the layout (lanes' arguments for a command, less its folder). */
  args: string[];
  perl: string;
  /** The shared network's namespaces, entered before bubblewrap starts (its net namespace is the holder's). */
  namespaces: string[];
  /** Called once the holder has exited (its mount points can go). */
  onExit: () => void;
}

/**
 * One bubblewrap per sandbox layout that stays up while a session's commands run in it: each command's
 * launcher enters its namespaces (net, user where there is one, ipc, uts, mount, pid), goes to its folder and
 * drops every capability, so no namespace is made or torn down per command. Commands share its pid namespace
 * (they see each other, never lanes or the host), so a task's end is swept by its marker as unsandboxed.
 */
export class HeldSandbox {
  /** Commands started in it that have not ended yet. */
  private users = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private retired = false;
  /** Retire as soon as no command is in it (the session moved on to another layout). */
  private leaving = false;

  /** Set once it is up: its host pid (pid 1 inside), namespaces, and the order a launcher enters them in. */
  pid = 0;
  private mountNamespace = "";
  private pidNamespace = "";
  namespaces: string[] = [];
  private state: "starting" | "up" | "failed" = "starting";
  private readonly startedAt = Date.now();
  /** end() was asked (once is enough); the ready and info files are still open until it is up or ends. */
  private endAsked = false;
  private filesOpen = true;

  private constructor(
    private readonly holder: ChildProcess,
    /**
     * Where bubblewrap's --info-fd and the holder's ready line go, until it is up: files already unlinked,
     * read through lanes' own descriptors (no folder is left behind, whatever ends lanes).
     */
    private readonly files: { ready: number; info: number },
    /** The shared network's namespaces, entered first. */
    private readonly shared: string[],
  ) {}

  /**
   * Starts a holder without waiting for it (commands meanwhile get a bubblewrap each: see settle()); undefined
   * when it cannot even be spawned.
   */
  static spawn(options: HolderStart): HeldSandbox | undefined {
    const dir = mkdtempSync(join(tmpdir(), "lanes-held-"));
    let files: { ready: number; info: number } | undefined;
    try {
      files = { ready: openSync(join(dir, "ready"), "w+"), info: openSync(join(dir, "info"), "w+") };
      // Gone before the spawn (the open files are all it needs): a lanes killed during a spawn left one behind.
      rmSync(dir, { recursive: true, force: true });
      const argv = [...options.args, "--as-pid-1", "--info-fd", "4", "--", options.perl, "-e", HOLDER_PERL];
      // Its own group (a Ctrl+C to lanes' group must not reach it); no environment: it carries no task's marks.
      const launch = ownGroupLaunch(options.bwrap, argv, {}, { namespaces: options.namespaces });
      const holder = spawn(launch.file, launch.args, {
        env: launch.env,
        stdio: ["pipe", "ignore", "ignore", files.ready, files.info],
      });
      holder.on("error", () => {});
      holder.stdin?.on("error", () => {});
      holder.unref();
      (holder.stdin as { unref?: () => void } | null)?.unref?.();
      const held = new HeldSandbox(holder, files, options.namespaces);
      held.onExit = options.onExit;
      holder.once("exit", held.exited);
      return held;
    } catch {
      if (files) for (const fd of Object.values(files)) closeSync(fd);
      return undefined;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Whether it is up (the holder said ready after bubblewrap built everything and exec'd it), still starting,
   * or failed (exited, or not ready within READY_WAIT_MS: then KILLed). A few small reads, no wait.
   */
  settle(): "starting" | "up" | "failed" {
    if (this.state !== "starting") return this.state;
    const failed = (): "failed" => {
      this.state = "failed";
      this.end();
      return this.state;
    };
    if (this.holder.exitCode !== null || this.holder.signalCode !== null) return failed();
    const ready = readFrom(this.files.ready);
    if (ready !== "ready\n") return Date.now() - this.startedAt > READY_WAIT_MS ? failed() : "starting";
    const pid = childPid(readFrom(this.files.info));
    this.closeFiles();
    const mnt = pid === undefined ? undefined : namespaceOf(pid, "mnt");
    // Never hand out a namespace that is lanes' own (the holder gone, its pid reused).
    if (pid === undefined || mnt === undefined || mnt === namespaceOf("self", "mnt")) return failed();
    this.pid = pid;
    this.mountNamespace = mnt;
    this.pidNamespace = namespaceOf(pid, "pid") ?? "";
    this.namespaces = entryOrder(pid, this.shared);
    this.state = "up";
    return this.state;
  }

  /** Whether the holder still holds its namespaces (never enter whatever took its pid). */
  get alive(): boolean {
    return (
      this.state === "up" &&
      !this.retired &&
      this.holder.exitCode === null &&
      this.holder.signalCode === null &&
      namespaceOf(this.pid, "mnt") === this.mountNamespace
    );
  }

  /** A command is starting in it: it stays until that command has ended (`done`). */
  use(): void {
    this.users++;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** A command started in it ended; once none has for `idleMs`, the holder is retired. */
  done(idleMs: number): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0 || this.retired) return;
    if (this.leaving) return this.end();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.users === 0 && this.end(), idleMs);
    this.idleTimer.unref();
  }

  /** No new command will enter it: retired once the ones in it have ended (at once if none is). */
  retireWhenIdle(): void {
    this.leaving = true;
    if (this.users === 0) this.end();
  }

  /**
   * No more commands enter it: its stdin closes, and it exits once nothing runs in it. Launchers already
   * told to enter must have entered first (the caller waits for them).
   */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    clearTimeout(this.idleTimer);
    this.holder.stdin?.destroy();
  }

  /**
   * Whether a launcher is in (or gone): a child of it runs in the holder's pid namespace (the command, forked
   * after every setns), or it cannot be read.
   */
  entered(pid: number): boolean {
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1");
    } catch {
      return true;
    }
    return children
      .split(" ")
      .filter(Boolean)
      .some((child) => namespaceOf(Number(child), "pid") === this.pidNamespace);
  }

  /**
   * At lanes' close: a holder no command is in ends now; one with commands still in it (persist, detached) is
   * retired and stays until they end.
   */
  close(): void {
    if (this.users > 0) this.retire();
    else this.end();
  }

  /**
   * Ends a holder no command is in: its namespace's init KILLed, so whatever a task left inside (a process
   * that cleared its environment and left the task's session, which no marker sweep finds) goes with it, and
   * its mount points are given back at once.
   */
  end(): void {
    if (this.retired && this.endAsked) return;
    this.endAsked = true;
    this.closeFiles();
    if (this.state !== "up") {
      // Never up: no command entered it. bubblewrap and its child share the group its launcher made.
      this.retire();
      const group = this.holder.pid;
      if (group !== undefined && signalGroup(group, "SIGKILL"))
        waitUntilSync(() => !groupAlive(group, Date.now()), END_WAIT_MS, 2);
      this.exited();
      return;
    }
    // The holder itself ends its namespace, and only once no task's own process runs there (one lanes still
    // counted as running, or a miscount, keeps it up): `end` makes it exit at its first empty look.
    this.retired = true;
    clearTimeout(this.idleTimer);
    // A pipe's write is tried at once (libuv), so the line is there before the wait below blocks.
    this.holder.stdin?.end("end\n");
    // Its mounts go with its namespace's last process: the sweep after this must not find them still in use.
    const gone = waitUntilSync(() => namespaceOf(this.pid, "mnt") !== this.mountNamespace, END_WAIT_MS, 2);
    if (gone) this.exited();
  }

  private closeFiles(): void {
    if (!this.filesOpen) return;
    this.filesOpen = false;
    closeSync(this.files.ready);
    closeSync(this.files.info);
  }

  /** Told once: the holder's mount points can go. */
  onExit: (() => void) | undefined;
  readonly exited = (): void => {
    const told = this.onExit;
    this.onExit = undefined;
    told?.();
  };
}

/** What a descriptor's file holds, read from its start (the writer's offset is not moved). */
function readFrom(fd: number): string {
  const buffer = Buffer.alloc(4096);
  return buffer.toString("utf8", 0, readSync(fd, buffer, 0, buffer.length, 0));
}

/** The sandboxed process's host pid, from bubblewrap's --info-fd JSON. */
function childPid(info: string): number | undefined {
  try {
    const pid = (JSON.parse(info) as { "child-pid"?: unknown })["child-pid"];
    return typeof pid === "number" && Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
