import { constants } from "node:fs";
import { constants as osConstants } from "node:os";
import { archSyscalls } from "./linux-syscalls.js";
import { DROP_TTY } from "./own-group-launch.js";

// exit_group(2) and mknodat(2) by number (linux-syscalls.ts). Elsewhere there is no fork server, and a perl
// starts per task.
/**
 * The fork server's perl (see fork-server.ts). It reads one request a line on stdin: hex fields (each with an
 * `x` in front, so an empty one survives the split) id, cwd, stdin FIFO (empty: /dev/null), log, exit file
 * (empty: none), the launcher's key and script (empty once sent: compiled once, kept under its key), the
 * environment (a count of base entries and the entries, or an empty count to keep the last base; then a
 * count of entries set over the base, the entries, a count of names removed, the names), then the script's
 * @ARGV. The base becomes the server's own %ENV, so a child inherits it and writes only the few entries of
 * its task (each write copies a page of the server's heap). For each it opens the task's log, exit file and
 * stdin FIFO (so they exist once lanes has the pid, as with spawn()), forks a child that takes them as 0-3
 * and its environment (the server closes its copies), and runs the very script a per-task `perl -e` runs, so
 * the tree keeps its shape: the child leads the task's group. Replies: on descriptor 3, `S id pid` (or `F id why`) for each request, in order; on
 * stdout, `X id why` when a child could not set up and `E pid status` when a child ended (wait status).
 * It makes a group of its own (a terminal's Ctrl+C for lanes never reaches it), holds no task's descriptor
 * after the fork, and exits when lanes closes its end: its children run on and record their codes as today.
 */
/** The server's script for this machine, or undefined where its system calls' numbers are not known. */
export function forkServerPerl(): string | undefined {
  const calls = archSyscalls();
  if (calls === undefined) return undefined;
  const nonBlocking = constants.O_NONBLOCK;
  const exit = (code: string): string => `syscall(${calls.exit}, ${code})`;
  return [
    'setpgrp(0, 0) or die "lanes: setpgid: $!\\n";',
    DROP_TTY,
    // The owner a parent-death watch polls is lanes, not this server (own-group-launch.ts reads $::owner).
    "$::owner = getppid();",
    ...makeFifos(calls.mknodat, nonBlocking),
    'my ($events, %code, $kids, $buf) = (\\*STDOUT, (), 0, "");',
    '$SIG{PIPE} = "IGNORE"; $SIG{CHLD} = sub {};',
    // lanes gone (EPIPE): nothing is left to tell, so the server ends; its children are not touched.
    "my $say = sub { defined syswrite($_[0], $_[1]) or exit 0 };",
    "my $line = sub { my $t = $_[0]; $t =~ s/\\n/ /g; $t };",
    // Until lanes opens its ends it may die unseen (no EOF comes from a FIFO never written): then it goes too.
    "my $heard = 0;",
    // Ends are queued and written without blocking: lanes reads them only between its synchronous requests, so
    // a server blocked on a full pipe would never answer the request lanes waits on.
    `fcntl($events, 4, fcntl($events, 3, 0) | ${nonBlocking}); my $queue = "";`,
    "my $tell = sub { $queue .= $_[0]; my $n = syswrite($events, $queue);",
    `  if (defined $n) { substr($queue, 0, $n) = "" } elsif ($! != ${osConstants.errno.EAGAIN}) { exit 0 } };`,
    'my $reap = sub { while ((my $pid = waitpid(-1, 1)) > 0) { $kids--; $tell->("E $pid $?\\n") } };',
    "my $child = sub {",
    "  my ($id, $cwd, $in, $out, $code, $sub, $set, $unset, $args, $fifo) = @_;",
    '  $SIG{CHLD} = "DEFAULT"; $SIG{PIPE} = "DEFAULT";',
    `  chdir($cwd) or do { syswrite($events, "X $id " . $line->("cannot enter $cwd: $!") . "\\n"); ${exit("127")} };`,
    `  fcntl($in, 4, fcntl($in, 3, 0) & ~${nonBlocking});`,
    // Reopening a handle whose descriptor is at most $^F keeps its number (a dup2): 0-2, and 3 for the code.
    '  $^F = 3; open(STDIN, "<&", $in); open(STDOUT, ">&", $out); open(STDERR, ">&", $out);',
    '  if ($code) { open($started, ">&", $code) } else { close($started) }',
    "  close($in); close($out); close($code) if $code;",
    // The command waits for lanes' end of its stdin before its exec (stdin-fifo-wait.ts).
    "  $::stdin_fifo = $fifo;",
    "  for (@$set) { my ($k, $v) = split(/=/, $_, 2); $ENV{$k} = $v } delete @ENV{@$unset};",
    "  @ARGV = @$args; $sub->(); exit 0;",
    "};",
    "my $serve = sub {",
    "  my @f = map { pack('H*', substr($_, 1)) } split(/ /, $_[0], -1);",
    "  my ($id, $cwd, $fifo, $log, $exit, $key, $src, $base) = splice(@f, 0, 8);",
    '  if ($base ne "") { %ENV = map { split(/=/, $_, 2) } splice(@f, 0, $base) }',
    "  my @set = splice(@f, 0, shift @f); my @unset = splice(@f, 0, shift @f);",
    '  my $refuse = sub { $say->($started, "F $id " . $line->($_[0]) . "\\n") };',
    '  if ($src ne "") { $code{$key} = eval "sub { $src }" or return $refuse->("lanes: fork server: $@") }',
    '  my $sub = $code{$key} or return $refuse->("lanes: fork server: no launcher $key");',
    // Opened here, before the fork, so they exist when lanes is told the pid (as with spawn()); closed after it.
    "  my ($in, $out, $code);",
    '  open($out, ">>", $log) or return $refuse->("cannot open $log: $!");',
    '  if ($exit ne "") { open($code, ">", $exit) or return $refuse->("cannot open $exit: $!") }',
    '  if ($fifo eq "") { open($in, "<", "/dev/null") or return $refuse->("cannot open /dev/null: $!") }',
    `  elsif (!(syscall(${calls.mknodat}, -100, $fifo, 0010600, 0) == 0 && sysopen($in, $fifo, ${nonBlocking}))) {`,
    '    return $refuse->("lanes: stdin pipe $fifo: $!") }',
    "  my $pid = fork();",
    '  if (!defined $pid) { my $why = "$!"; unlink($fifo) if $fifo ne ""; return $refuse->("lanes: fork: $why") }',
    "  $child->($id, $cwd, $in, $out, $code, $sub, \\@set, \\@unset, \\@f, $fifo) if $pid == 0;",
    '  close($in); close($out); close($code) if $code; $kids++; $say->($started, "S $id $pid\\n");',
    "};",
    // A forked child's `exit` skips perl's global destruction, which touches (so copies) the server's heap: 6 ms
    // of CPU per task here. Only what is compiled from now on (the launchers) gets it; they flush what they print.
    `*CORE::GLOBAL::exit = sub { ${exit("$_[0] // 0")} };`,
    // A SIGCHLD landing between the reap and select() would wait for the next request: the timeout bounds it.
    "while (1) {",
    "  $reap->();",
    "  my $rin = ''; vec($rin, 0, 1) = 1;",
    "  my $win = ''; vec($win, 1, 1) = 1 if length $queue;",
    "  if (!$heard && getppid() != $::owner) { unlink(@fifos); exit 0 }",
    "  my $ready = select(my $rout = $rin, my $wout = $win, undef, $kids > 0 || !$heard ? 0.2 : undef);",
    '  $tell->("") if $ready > 0 && vec($wout, 1, 1);',
    "  next unless $ready > 0 && vec($rout, 0, 1);",
    "  my $got = sysread(STDIN, $buf, 65536, length $buf);",
    `  next if !defined $got && $! == ${osConstants.errno.EAGAIN};`,
    "  exit 0 unless $got;",
    "  $heard = 1;",
    "  while ($buf =~ s/^([^\\n]*)\\n//) { $serve->($1) }",
    "}",
  ].join("\n");
}

/**
 * The server's FIFOs, at the two paths lanes gives it: requests (then its stdin, non-blocking: select() sees
 * nothing until lanes first writes, and EOF once lanes is gone) and replies (descriptor 3, opened read-write so
 * the open never waits for lanes). The reply FIFO is made last: once it exists, lanes' ends open at once.
 */
function makeFifos(mknodat: number, nonBlocking: number): string[] {
  const fifo = (path: string): string =>
    `syscall(${mknodat}, -100, ${path}, 0010600, 0) == 0 or die "lanes: fork server: FIFO ${path}: $!\\n";`;
  return [
    "my @fifos = @ARGV[0, 1]; @ARGV = ();",
    fifo("$fifos[0]"),
    `sysopen(my $requests, $fifos[0], ${nonBlocking}) or die "lanes: fork server: $fifos[0]: $!\\n";`,
    'open(STDIN, "<&", $requests) or die "lanes: fork server: stdin: $!\\n"; close($requests);',
    fifo("$fifos[1]"),
    // Descriptor 3, the lowest free one (0-2 are open): the launcher's exit-code file takes its place in a child.
    `sysopen(my $started, $fifos[1], ${constants.O_RDWR}) or die "lanes: fork server: $fifos[1]: $!\\n";`,
    'fileno($started) == 3 or die "lanes: fork server: replies on descriptor " . fileno($started) . ", not 3\\n";',
  ];
}
