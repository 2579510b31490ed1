import { DROP_TTY } from "./own-group-launch.js";

/**
 * The fork server's perl (see fork-server.ts). It reads one request a line on stdin: hex fields (each with an
 * `x` in front, so an empty one survives the split) id, cwd, stdin FIFO (empty: /dev/null), log, exit file
 * (empty: none), the launcher's script, the number of environment entries, the entries, then the script's
 * @ARGV. For each it opens the task's log, exit file and stdin FIFO (so they exist once lanes has the pid, as
 * with spawn()), forks a child that takes them as 0-3 and the environment (the server closes its copies),
 * and runs the very script a per-task `perl -e` runs (compiled once here), so the tree keeps its shape: the child leads
 * the task's group. Replies: on descriptor 3, `S id pid` (or `F id why`) for each request, in order; on
 * stdout, `X id why` when a child could not set up and `E pid status` when a child ended (wait status).
 * It makes a group of its own (a terminal's Ctrl+C for lanes never reaches it), holds no task's descriptor
 * after the fork, and exits when lanes closes its end: its children run on and record their codes as today.
 */
export const FORK_SERVER_PERL = [
  "use POSIX ();",
  'setpgrp(0, 0) or die "lanes: setpgid: $!\\n";',
  DROP_TTY,
  // The owner a parent-death watch polls is lanes, not this server (own-group-launch.ts reads $::owner).
  "$::owner = getppid();",
  'open(my $started, ">&=", 3) or die "lanes: fork server: descriptor 3: $!\\n";',
  'my ($events, %code, $kids, $buf) = (\\*STDOUT, (), 0, "");',
  '$SIG{PIPE} = "IGNORE"; $SIG{CHLD} = sub {};',
  // lanes gone (EPIPE): nothing is left to tell, so the server ends; its children are not touched.
  "my $say = sub { defined syswrite($_[0], $_[1]) or exit 0 };",
  "my $line = sub { my $t = $_[0]; $t =~ s/\\n/ /g; $t };",
  'my $reap = sub { while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) { $kids--; $say->($events, "E $pid $?\\n") } };',
  "my $child = sub {",
  "  my ($id, $cwd, $in, $out, $code, $sub, $env, $args) = @_;",
  '  $SIG{CHLD} = "DEFAULT"; $SIG{PIPE} = "DEFAULT";',
  '  chdir($cwd) or do { syswrite($events, "X $id " . $line->("cannot enter $cwd: $!") . "\\n"); POSIX::_exit(127) };',
  "  fcntl($in, POSIX::F_SETFL(), fcntl($in, POSIX::F_GETFL(), 0) & ~POSIX::O_NONBLOCK());",
  "  POSIX::dup2(fileno($in), 0); POSIX::dup2(fileno($out), 1); POSIX::dup2(fileno($out), 2);",
  "  if ($code) { POSIX::dup2(fileno($code), 3) } else { POSIX::close(3) }",
  "  close($in); close($out); close($code) if $code;",
  "  %ENV = map { split(/=/, $_, 2) } @$env; @ARGV = @$args; $sub->(); exit 0;",
  "};",
  "my $serve = sub {",
  "  my @f = map { pack('H*', substr($_, 1)) } split(/ /, $_[0], -1);",
  "  my ($id, $cwd, $fifo, $log, $exit, $src, $n) = splice(@f, 0, 7); my @env = splice(@f, 0, $n);",
  '  my $refuse = sub { $say->($started, "F $id " . $line->($_[0]) . "\\n") };',
  "  %code = () if keys %code > 16;",
  '  my $sub = $code{$src} //= eval "sub { $src }";',
  '  return $refuse->("lanes: fork server: $@") unless $sub;',
  // Opened here, before the fork, so they exist when lanes is told the pid (as with spawn()); closed after it.
  "  my ($in, $out, $code);",
  '  open($out, ">>", $log) or return $refuse->("cannot open $log: $!");',
  '  if ($exit ne "") { open($code, ">", $exit) or return $refuse->("cannot open $exit: $!") }',
  '  if ($fifo eq "") { open($in, "<", "/dev/null") or return $refuse->("cannot open /dev/null: $!") }',
  "  elsif (!(POSIX::mkfifo($fifo, 0600) && sysopen($in, $fifo, POSIX::O_RDONLY() | POSIX::O_NONBLOCK()))) {",
  '    return $refuse->("lanes: stdin pipe $fifo: $!") }',
  "  my $pid = fork();",
  '  if (!defined $pid) { my $why = "$!"; unlink($fifo) if $fifo ne ""; return $refuse->("lanes: fork: $why") }',
  "  $child->($id, $cwd, $in, $out, $code, $sub, \\@env, \\@f) if $pid == 0;",
  '  close($in); close($out); close($code) if $code; $kids++; $say->($started, "S $id $pid\\n");',
  "};",
  // A SIGCHLD landing between the reap and select() would wait for the next request: the timeout bounds it.
  "while (1) {",
  "  $reap->();",
  "  my $rin = ''; vec($rin, 0, 1) = 1;",
  "  my $ready = select(my $rout = $rin, undef, undef, $kids > 0 ? 0.2 : undef);",
  "  next unless $ready > 0;",
  "  my $got = sysread(STDIN, $buf, 65536, length $buf);",
  "  next if !defined $got && $! == POSIX::EAGAIN();",
  "  exit 0 unless $got;",
  "  while ($buf =~ s/^([^\\n]*)\\n//) { $serve->($1) }",
  "}",
].join("\n");
