import { spawn } from "node:child_process";
import { RELAY_BOTH_WAYS } from "./network-bridge.js";

/** A task's published ports are listed in `<tasks dir>/<task id>` + this, by the publisher that holds them. */
export const PORTS_FILE_SUFFIX = ".ports";

// Runs inside the namespace, one per host connection (entered with nsenter, the connection as its stdin):
// connects to the task's port on the namespace's own loopback and relays. Arguments: port, 4 or 6.
const INSIDE_RELAY = [
  "my ($port, $fam) = @ARGV;",
  'open(my $c, "+<&=", 0) or exit 1;',
  'open(STDOUT, ">", "/dev/null");',
  "my $u;",
  'if ($fam == 6) { socket($u, 10, 1, 0) and connect($u, pack("S n N a16 L", 10, $port, 0, ("\\0" x 15) . "\\1", 0)) or exit 1 }',
  'else { socket($u, 2, 1, 0) and connect($u, pack("S n C4 x8", 2, $port, 127, 0, 0, 1)) or exit 1 }',
  ...RELAY_BOTH_WAYS,
].join("\n");

// Which processes are in the namespace: its link, and unprivileged the user namespace that owns it (only a
// process there can be entered with the rights to enter the network). Our own relays do not count.
const NAMESPACE = [
  "my ($ns, $userns, $anchor, $nsenter, $perl, $dir, $skip, $inside, $lanes) = @ARGV;",
  "my ($holder, $born) = ($anchor, time());",
  // Held open for its whole life: the kernel gives a freed namespace's number to the next one made, so a link
  // compared by name alone could be another session's namespace a moment after this one ended. Held, the
  // number stays this namespace's until the publisher exits (when no process is left in it).
  'open(my $pin, "<", "/proc/$holder/ns/net") or exit 0;',
  '(readlink("/proc/self/fd/" . fileno($pin)) // "") eq $ns or exit 0;',
  'sub ns_of { my ($pid, $kind) = @_; readlink("/proc/$pid/ns/$kind") // "" }',
  'sub in_ns { my ($pid) = @_; ns_of($pid, "net") eq $ns && ($userns eq "" || ns_of($pid, "user") eq $userns) }',
  // The holder outlives its lanes by up to 2 s; once lanes is gone only tasks count, so this exits at once
  // (after 3 s of its own: a `lanes run --detach` exits while its task may still be entering).
  "sub counts { my ($pid) = @_; in_ns($pid) && ($pid != $holder || kill(0, $lanes) || time() - $born < 3) }",
  "sub pids { opendir(my $d, '/proc') or return (); grep { /^\\d+$/ && $_ != $$ } readdir($d) }",
  'sub stat_of { my ($pid) = @_; open(my $f, "<", "/proc/$pid/stat") or return (); my $s = <$f> // ""; $s =~ /\\) \\S+ (\\d+) (\\d+)/ ? ($1, $2) : () }',
  "sub find_anchor {",
  "  return $anchor if counts($anchor);",
  "  for my $pid (pids()) { next unless counts($pid); my ($ppid) = stat_of($pid); return $pid unless defined $ppid && $ppid == $$ }",
  "  return 0;",
  "}",
];

// Sockets in LISTEN (state 0A) on the namespace's loopback or any address, read from /proc (builtins only):
// port => [family to connect with, socket inode]. IPv4 loopback reads 0100007F on little-endian machines.
// Never below 1024: a task must not take the host's 22, 53 or 80 on loopback before its own service does.
const LISTENERS = [
  "sub listeners {",
  "  my %found;",
  "  for my $fam (4, 6) {",
  '    open(my $f, "<", "/proc/$anchor/net/tcp" . ($fam == 6 ? "6" : "")) or next;',
  "    <$f>;",
  "    while (<$f>) {",
  "      my @x = split;",
  '      next unless $x[3] eq "0A";',
  "      my ($addr, $port) = split /:/, $x[1]; $port = hex($port);",
  "      next if $port < 1024 || $port == $skip;",
  "      my $any = $addr =~ /^0+$/;",
  "      my $ok = $any || ($fam == 4 ? $addr =~ /^(0100007F|7F000001)$/ : $addr =~ /^(0{24}01000000|0{31}1)$/);",
  "      next unless $ok;",
  "      my $via = ($fam == 6 && !$any) ? 6 : 4;",
  "      $found{$port} = [$via, $x[9]] unless $found{$port} && $found{$port}[0] == 4;",
  "    }",
  "  }",
  "  return \\%found;",
  "}",
];

// Whose a listening socket is: the task id (LANES_TASK_ID) of its process group's leader, lanes' own launch,
// or else of the process itself. Validated: it names a file.
const OWNER = [
  'sub task_of { my ($pid) = @_; open(my $e, "<", "/proc/$pid/environ") or return ""; local $/; my $env = <$e> // ""; $env =~ /(?:^|\\0)LANES_TASK_ID=([0-9a-f]{8})(?:\\0|$)/ ? $1 : "" }',
  "sub owner_of {",
  "  my ($inode) = @_;",
  "  for my $pid (pids()) {",
  "    next unless ns_of($pid, 'net') eq $ns;",
  '    opendir(my $d, "/proc/$pid/fd") or next;',
  '    next unless grep { (readlink("/proc/$pid/fd/$_") // "") eq "socket:[$inode]" } readdir($d);',
  "    my (undef, $pgid) = stat_of($pid);",
  '    for my $p (grep { defined } $pgid, $pid) { my $id = task_of($p); return $id if $id ne "" }',
  '    return "";',
  "  }",
  '  return "";',
  "}",
];

// On the host: 127.0.0.1 at the same port, or any free one when that is taken (never 0.0.0.0).
const PUBLISH = [
  "sub publish {",
  "  my ($port) = @_;",
  "  socket(my $l, 2, 1, 0) or return;",
  "  setsockopt($l, 1, 2, 1);",
  '  bind($l, pack("S n C4 x8", 2, $port, 127, 0, 0, 1)) or bind($l, pack("S n C4 x8", 2, 0, 127, 0, 0, 1)) or return;',
  "  listen($l, 128) or return;",
  '  my (undef, $host) = unpack("S n", getsockname($l));',
  "  return ($l, $host);",
  "}",
  "my (%pub, %files);",
  "sub write_files {",
  "  my %by;",
  '  for my $port (sort { $a <=> $b } keys %pub) { my $p = $pub{$port}; $by{$p->{task}} .= "$port $p->{host}\\n" if $p->{sock} && $p->{task} ne "" }',
  `  for my $id (keys %files) { unlink("$dir/$id${PORTS_FILE_SUFFIX}") unless $by{$id} }`,
  "  %files = ();",
  "  for my $id (keys %by) {",
  `    my $file = "$dir/$id${PORTS_FILE_SUFFIX}";`,
  '    open(my $f, ">", "$file.$$") or next; print $f "$$\\n$by{$id}"; close($f);',
  '    rename("$file.$$", $file) and $files{$id} = 1;',
  "  }",
  "}",
];

// Reading /proc/PID/net/tcp walks the kernel's whole socket table (about 0.4 ms each here); the namespace's
// own socket counts (sockstat) are cheap, so the tables are read only when those change, or every 5 s.
const SCAN = [
  'my ($counts, $full) = ("", 0);',
  "sub socket_counts {",
  '  my $all = "";',
  '  for my $name ("sockstat", "sockstat6") { open(my $f, "<", "/proc/$anchor/net/$name") or next; local $/; $all .= join(" ", <$f> =~ /^TCP6?: inuse (\\d+)/m) }',
  "  return $all;",
  "}",
  "sub scan {",
  "  $anchor = find_anchor();",
  "  if (!$anchor) { %pub = (); write_files(); exit 0 }",
  "  my $seen = socket_counts();",
  "  return if $seen eq $counts && time() - $full < 5;",
  "  ($counts, $full) = ($seen, time());",
  "  my $now = listeners();",
  "  my $changed = 0;",
  "  for my $port (keys %pub) { next if $now->{$port} && $now->{$port}[1] eq $pub{$port}{inode}; delete $pub{$port}; $changed = 1 }",
  "  for my $port (keys %$now) {",
  "    next if $pub{$port};",
  "    my ($l, $host) = publish($port);",
  "    $pub{$port} = { sock => $l, host => $host, fam => $now->{$port}[0], inode => $now->{$port}[1], task => owner_of($now->{$port}[1]) };",
  "    $changed = 1;",
  "  }",
  "  write_files() if $changed;",
  "}",
];

// One host connection: a child with the connection as stdin enters the namespace and relays it there.
const RELAY = [
  "sub relay {",
  "  my ($c, $port, $fam) = @_;",
  // The process it was read through may have ended since (the holder goes with its lanes).
  "  $anchor = find_anchor() unless in_ns($anchor);",
  "  defined(my $pid = fork()) or return;",
  "  return if $pid;",
  '  open(STDIN, "<&", $c) or exit 1;',
  '  my @user = $userns eq "" ? () : ("--user=/proc/$anchor/ns/user", "--preserve-credentials");',
  '  exec { $nsenter } $nsenter, @user, "--net=/proc/$anchor/ns/net", "--", $perl, "-e", $inside, "--", $port, $fam;',
  "  exit 1;",
  "}",
];

// Scans every half second (or right after a connection), so a listener shows within that; exits, removing
// its files, once nothing but its own relays is left in the namespace (the holder gone with its lanes, the
// last task ended or killed).
const PUBLISHER = [
  ...NAMESPACE,
  ...LISTENERS,
  ...OWNER,
  ...PUBLISH,
  ...SCAN,
  ...RELAY,
  '$SIG{CHLD} = "IGNORE";',
  "while (1) {",
  "  scan();",
  '  my $rin = ""; for (values %pub) { vec($rin, fileno($_->{sock}), 1) = 1 if $_->{sock} }',
  "  select(my $r = $rin, undef, undef, 0.5) > 0 or next;",
  "  for my $port (keys %pub) {",
  "    my $p = $pub{$port};",
  "    next unless $p->{sock} && vec($r, fileno($p->{sock}), 1);",
  "    accept(my $c, $p->{sock}) or next;",
  "    relay($c, $port, $p->{fam});",
  "    close($c);",
  "  }",
  "}",
].join("\n");

export interface PublisherOptions {
  perl: string;
  nsenter: string;
  /** The holder: the first process it reads the namespace through. */
  holderPid: number;
  /** The namespace as /proc names it ("net:[4026532181]"). */
  namespace: string;
  /** Unprivileged: the user namespace that owns it ("user:[...]"), entered first; undefined as root. */
  userNamespace: string | undefined;
  /** Where the `<task id>.ports` files go (lanes' tasks folder, read-only inside the sandbox). */
  tasksDir: string;
  /** The proxy bridge's port in the namespace: lanes' own, never published. */
  skipPort: number;
}

/**
 * Starts the namespace's port publisher: a perl process on the host that publishes every port a task
 * listens on inside at the host's 127.0.0.1, forwarding only host-to-task connections. In a session of its
 * own, so it outlives lanes exactly as long as the namespace has tasks (persisted ones, `lanes run --detach`).
 */
export function startPortPublisher(options: PublisherOptions): void {
  const args = [
    options.namespace,
    options.userNamespace ?? "",
    String(options.holderPid),
    options.nsenter,
    options.perl,
    options.tasksDir,
    String(options.skipPort),
    INSIDE_RELAY,
    String(process.pid),
  ];
  // No environment: it carries no task's or test's marks; cwd "/": it holds no folder of the user's.
  const child = spawn(options.perl, ["-e", PUBLISHER, "--", ...args], {
    env: {},
    cwd: "/",
    detached: true,
    stdio: "ignore",
  });
  child.on("error", () => {});
  child.unref();
}
