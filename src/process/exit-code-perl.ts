import { archSyscalls } from "./linux-syscalls.js";
import { STDIN_FIFO_WAIT } from "./stdin-fifo-wait.js";

/** Whether the exit code can be recorded by the launcher's own perl (see exitCodePerl). */
export function perlRecordsExitCode(): boolean {
  return archSyscalls()?.signals !== undefined;
}

function closeSyscall(): number {
  const calls = archSyscalls();
  if (calls === undefined) throw new Error("lanes: close's number is not known here");
  return calls.close;
}

function signalSyscalls(): { sigprocmask: number; sigpending: number } {
  const calls = archSyscalls()?.signals;
  if (calls === undefined) throw new Error("lanes: rt_sigprocmask's number is not known here");
  return calls;
}

/**
 * Perl that blocks HUP, INT and TERM (kept pending, and across exec) and defines $set and $mask for later
 * changes ($mask->(1) unblocks). Only where perlRecordsExitCode().
 */
function blockSignalsPerl(): string {
  const { sigprocmask } = signalSyscalls();
  return [
    'my $bits = 1 | 2 | 16384; my $set = pack("L!", $bits); $set .= "\\0" x (8 - length $set);',
    `my $mask = sub { syscall(${sigprocmask}, $_[0], $set, 0, 8) == 0 or die "lanes: sigprocmask: $!\\n" };`,
    "$mask->(0);",
  ].join(" ");
}

/**
 * Perl that runs `PROG ARGV0 ARGS...` (from @ARGV) as its child, waits, writes the child's code (128 + N for
 * signal N, as a shell's $?) to descriptor 3 and ends as the child did. One interpreter does what the wrapper
 * shell and its subshell did, and closes the lost-TERM gap (issue 17): HUP/INT/TERM are blocked across the
 * fork, so one that lands before the command's exec stays pending and reaches it, never a trap of ours.
 * A signal that reached only the parent (sent before the fork) is raised in the child once: the parent sends
 * its pending set after the fork, and the child raises what it does not hold itself, so none arrives twice.
 * The parent catches them meanwhile (a command that ignores TERM and exits 7 is recorded 7), and dies of the
 * one it got when the command died of a signal, so its own end looks like the command's.
 */
export function exitCodePerl(): string {
  return [
    "my $prog = shift @ARGV;",
    blockSignalsPerl(),
    // rt_sigpending: the thread's and the process's pending set (what /proc/self/status's SigPnd and ShdPnd
    // say), without opening and parsing that file in both perls of every task.
    `my $pending = sub { my $p = "\\0" x 8; syscall(${signalSyscalls().sigpending}, $p, 8) == 0 ? unpack("L", $p) & $bits : 0 };`,
    'pipe(my $r, my $w) or die "lanes: pipe: $!\\n"; my $pid = fork(); defined $pid or die "lanes: fork: $!\\n";',
    "if ($pid == 0) {",
    "  close($w); my $early = <$r> // 0; close($r); my $missed = $early ? $early & ~$pending->() : 0;",
    "  for (1, 2, 15) { kill($_, $$) if $missed & (1 << ($_ - 1)) }",
    // By number: under the fork server another handle shares descriptor 3, and perl's close only counts down.
    `  syscall(${closeSyscall()}, 3); $mask->(1);`,
    `  ${STDIN_FIFO_WAIT}`,
    '  exec { $prog } @ARGV or do { print STDERR "lanes: exec $prog: $!\\n"; exit 127 };',
    "}",
    'close($r); print $w $pending->(), "\\n"; close($w);',
    'my $got; for my $s (qw(HUP INT TERM)) { $SIG{$s} = sub { $got //= $s } unless ($SIG{$s} // "") eq "IGNORE" }',
    "$mask->(1); waitpid($pid, 0); my $sig = $? & 127; my $code = $sig ? 128 + $sig : $? >> 8;",
    // The command line's shell itself died of a signal lanes did not send (`kill -9 $$`): the leader dies of
    // it too, as it did when the shell was the leader, and the record says which signal, not 128 + N. The file
    // says so as well, for a lanes that sees no wait status (it crashed, or its fork server died).
    'if ($sig && !defined $got) { if (open(my $x, ">&=", 3)) { print $x "$code signal\\n"; close($x) }',
    '  $SIG{$_} = "DEFAULT" for qw(HUP INT TERM); kill($sig, $$); exit $code }',
    'if (open(my $x, ">&=", 3)) { print $x "$code\\n"; close($x) }',
    'if (defined $got && $code > 128) { $SIG{$got} = "DEFAULT"; kill($got, $$) } exit $code;',
  ].join(" ");
}
