import { accessSync, constants } from "node:fs";
import { exitCodePerl } from "./exit-code-perl.js";
import { STDIN_FIFO_WAIT } from "./stdin-fifo-wait.js";
import { hidePerlEnv, RESTORE_PERL_ENV } from "./perl-env.js";
import { archSyscalls } from "./linux-syscalls.js";
import { enterNamespacesPerl, heldSandboxPerl } from "./enter-perl.js";

/** What to hand to `spawn` so `FILE ARGS` (the shell, or bwrap around it) leads a new process group. */
export interface Launch {
  file: string;
  args: string[];
  /** Node's `detached`: setsid(), a session of its own. Only the fallback uses it. */
  detached: boolean;
  env: NodeJS.ProcessEnv;
  /** The launcher's perl and its @ARGV, for the fork server (fork-server.ts) to run without a perl start. */
  script?: { code: string; argv: string[] };
}

// Why not `detached: true` (setsid)? With kernel autogroup scheduling (on by default on Linux desktops and
// servers alike) every new session is a scheduling group of its own, an equal of lanes: 20 busy tasks left
// lanes' event loop 1/21 of a CPU. Node can only setsid, dash cannot make a group without a terminal
// (`set -m` needs a tty), and no standard command does setpgid-then-exec, so perl (in every Debian/Ubuntu
// base system and on macOS) does it in one exec: the pid Node sees is the group id and, after the exec, the
// shell itself, so exit codes, signals, stdin and the LANES_TASK_ID marker are exactly as before.
//
// It also drops lanes' controlling terminal (TIOCNOTTY: only this process, not lanes), as setsid did: a task
// that opens /dev/tty (a password prompt) fails at once instead of stopping on SIGTTIN or writing over the
// REPL, and a closing terminal's SIGHUP, sent to the session leader and the foreground group, never reaches a
// task. TIOCNOTTY is 0x5422 on Linux; the perl launcher is only used there.
//
// Known gap: until perl runs its first line (about a millisecond after spawn returns) the launcher is still in
// lanes' own group, so a Ctrl+C or Ctrl+Z sent by the terminal in that instant reaches it too, and a group
// signal does not (terminate() in group-process.ts signals the launcher itself then).
export const DROP_TTY = 'if (open(my $tty, "+<", "/dev/tty")) { ioctl($tty, 0x5422, 0); close($tty) }';
const SET_GROUP = 'setpgrp(0, 0) or die "lanes: setpgid: $!\\n";';
// The program to run comes first (/bin/sh, or bwrap when the command is sandboxed).
const EXEC = `${STDIN_FIFO_WAIT} my $prog = shift @ARGV; exec { $prog } $prog, @ARGV or die "lanes: exec $prog: $!\\n";`;

/**
 * The parent-death watch of a task that must not outlive lanes: a forked perl in the task's group, KILLed by
 * the kernel the instant the task's leader exits (PR_SET_PDEATHSIG), that polls lanes and, once lanes is gone
 * (a SIGKILL leaves no shutdown), TERMs the group and KILLs it after the grace period.
 */
function watchOwner(prctl: number): string {
  return [
    "my $grace = shift @ARGV; my $owner = $::owner // getppid(); my $leader = $$; my $w = fork();",
    "if (defined $w && $w == 0) {",
    `  syscall(${prctl}, 1, 9, 0, 0, 0); exit 0 if getppid() != $leader;`,
    '  open(STDIN, "<", "/dev/null"); open(STDOUT, ">", "/dev/null"); open(STDERR, ">", "/dev/null");',
    '  for my $fd (3..20) { my $h; close($h) if open($h, ">&=", $fd) or open($h, "<&=", $fd) }',
    '  my $gone = sub { return 1 unless kill(0, $owner); open(my $s, "<", "/proc/$owner/stat") or return 0; return <$s> =~ /\\) Z/ };',
    "  until ($gone->()) { select(undef, undef, undef, 0.5) }",
    '  $SIG{TERM} = "IGNORE"; kill("TERM", -$leader); select(undef, undef, undef, $grace); kill("KILL", -$leader); exit 0;',
    "}",
  ].join(" ");
}

let perl: string | null | undefined;

/** perl's path on Linux (null elsewhere, or when there is none): the group launcher, and the sandbox's bridge. */
export function findPerl(): string | null {
  if (perl !== undefined) return perl;
  perl = null;
  if (process.platform !== "linux") return perl;
  for (const candidate of ["/usr/bin/perl", "/bin/perl", "/usr/local/bin/perl"]) {
    try {
      accessSync(candidate, constants.X_OK);
      perl = candidate;
      break;
    } catch {
      // Not here.
    }
  }
  return perl;
}

/**
 * Whether ownGroupLaunch can enter namespaces itself (perl, and setns' number known for this CPU). Elsewhere the
 * sandbox keeps entering its namespaces with nsenter, one exec more per command.
 */
export function launcherEntersNamespaces(): boolean {
  return findPerl() !== null && archSyscalls()?.setns !== undefined;
}

/** What the launcher does besides making the group; every part is optional. */
export interface LaunchOptions {
  /** Entered before `file` runs (only where launcherEntersNamespaces(); it throws otherwise). */
  namespaces?: string[] | undefined;
  /**
   * The namespaces are a held sandbox's (mount and pid included): after entering, the launcher goes to this
   * folder and drops every capability (only where launcherEntersNamespaces()).
   */
  sandboxCwd?: string | undefined;
  /** The group ends when lanes dies, even by SIGKILL (where perl and prctl's number are known). */
  endWithOwner?: { graceMs: number } | undefined;
  /**
   * The launcher stays the leader, runs `file` as its child under this argv[0] and writes its exit code to
   * descriptor 3 (exit-code-perl.ts). Only where perlRecordsExitCode().
   */
  recordExitCode?: { argv0: string } | undefined;
}

/**
 * How `file args` is started in a process group of its own, inside lanes' session where possible (see
 * LaunchOptions for the rest).
 */
export function ownGroupLaunch(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: LaunchOptions = {},
): Launch {
  const { namespaces = [], endWithOwner, recordExitCode, sandboxCwd } = options;
  const launcher = findPerl();
  const calls = archSyscalls();
  const setns = calls?.setns;
  const prctl = endWithOwner ? calls?.prctl : undefined;
  if (namespaces.length > 0 && (!launcher || setns === undefined))
    throw new Error("lanes: cannot enter the sandbox's network namespace without perl's setns here");
  if (!launcher) return { file, args, detached: true, env };
  const launchEnv = hidePerlEnv(env);
  // `--` ends perl's options: the shell's `-c` must not be read as perl's "check syntax".
  const entering = namespaces.length > 0 && setns !== undefined;
  const watch = prctl === undefined ? [] : [watchOwner(prctl)];
  const code = [
    RESTORE_PERL_ENV,
    DROP_TTY,
    SET_GROUP,
    ...watch,
    ...(entering ? [enterNamespacesPerl(setns)] : []),
    ...(entering && sandboxCwd !== undefined && calls ? [heldSandboxPerl(calls)] : []),
    recordExitCode ? exitCodePerl() : EXEC,
  ];
  const held = sandboxCwd === undefined ? [] : [sandboxCwd];
  const enter = entering ? [String(namespaces.length), ...namespaces, ...held] : [];
  const grace = prctl === undefined || !endWithOwner ? [] : [String(endWithOwner.graceMs / 1000)];
  const argv0 = recordExitCode ? [recordExitCode.argv0] : [];
  const script = { code: code.join(" "), argv: [...grace, ...enter, file, ...argv0, ...args] };
  return {
    file: launcher,
    args: ["-e", script.code, "--", ...script.argv],
    detached: false,
    env: launchEnv,
    script,
  };
}

/** Whether tasks get a group inside lanes' session (false: the setsid fallback, a session each). */
export function groupsShareSession(): boolean {
  return findPerl() !== null;
}
