/** Where the proxy answers inside the sandbox's own network namespace (private, so any port is free). */
export const INSIDE_PROXY_PORT = 3128;
const PORT_HEX = INSIDE_PROXY_PORT.toString(16).toUpperCase().padStart(4, "0");

/**
 * The fallback where there is no perl: socat bridges 127.0.0.1:3128 to lanes' proxy socket, the command runs
 * once the listener is up (polled through /proc/net/tcp with builtins only: no exec per poll, but a busy
 * loop), then the bridge is ended and reaped so it is never mistaken for the command's own leftovers.
 * Arguments: the socket path, then the command's argv. The exit status is the command's.
 */
const SOCAT_BRIDGE_SCRIPT = [
  "__lanes_sock=$1; shift",
  `socat TCP-LISTEN:${INSIDE_PROXY_PORT},bind=127.0.0.1,fork,reuseaddr "UNIX-CONNECT:$__lanes_sock" 2>/dev/null &`,
  "__lanes_px=$!",
  `__lanes_up() { while read -r _ __lanes_a _; do [ "$__lanes_a" = 0100007F:${PORT_HEX} ] && return 0; done </proc/net/tcp; return 1; }`,
  'until __lanes_up; do kill -0 "$__lanes_px" 2>/dev/null || { echo "lanes sandbox: the network bridge (socat) did not start" >&2; exit 125; }; done',
  '"$@"; __lanes_c=$?',
  'kill "$__lanes_px" 2>/dev/null; wait "$__lanes_px" 2>/dev/null',
  "exit $__lanes_c",
].join("\n");

// The bridge in perl (already lanes' group launcher, in every Debian/Ubuntu base system), builtins only so
// it starts in about 2 ms (the Socket module alone costs 10): it listens first, then forks, and the parent
// prints the relay's pid and exits, so the shell goes on exactly when the port is open, with no polling. Each
// connection is a forked child relaying both ways until each side has closed. Linux constants: AF_INET 2,
// AF_UNIX 1, SOCK_STREAM 1.
const LISTEN = [
  "my $path = shift @ARGV;",
  'socket(my $l, 2, 1, 0) or die "lanes sandbox: network bridge: socket: $!\\n";',
  `bind($l, pack("S n C4 x8", 2, ${INSIDE_PROXY_PORT}, 127, 0, 0, 1)) or die "lanes sandbox: network bridge: bind: $!\\n";`,
  'listen($l, 128) or die "lanes sandbox: network bridge: listen: $!\\n";',
];
const DAEMONIZE = [
  'defined(my $pid = fork()) or die "lanes sandbox: network bridge: fork: $!\\n";',
  'if ($pid) { print "$pid\\n"; exit 0 }',
  'open(STDOUT, ">", "/dev/null");',
];

/** Relays $c and $u both ways until each side has closed, then exits (the sockets' own process). */
export const RELAY_BOTH_WAYS = [
  "  my %to = (fileno($c) => [$c, $u], fileno($u) => [$u, $c]);",
  '  my $rin = ""; vec($rin, $_, 1) = 1 for keys %to;',
  "  while (%to) {",
  "    select(my $r = $rin, undef, undef, undef) > 0 or next;",
  "    for my $fd (keys %to) {",
  "      next unless vec($r, $fd, 1);",
  "      my ($from, $dest) = @{$to{$fd}};",
  "      my $n = sysread($from, my $buf, 65536);",
  "      if (!$n) { shutdown($dest, 1); vec($rin, $fd, 1) = 0; delete $to{$fd}; next }",
  "      for (my $off = 0; $off < $n;) { my $w = syswrite($dest, $buf, $n - $off, $off); exit 0 unless $w; $off += $w }",
  "    }",
  "  }",
  "  exit 0;",
];
/** One accepted connection, in a forked child: relayed both ways until each side has closed. */
const RELAY_CONNECTION = [
  "  defined(my $child = fork()) or next;",
  "  if ($child) { close($c); next }",
  "  close($l);",
  "  my $u;",
  '  socket($u, 1, 1, 0) and connect($u, pack("S a108", 1, $path)) or exit 1;',
  ...RELAY_BOTH_WAYS,
];
const PERL_RELAY = [
  ...LISTEN,
  ...DAEMONIZE,
  '$SIG{CHLD} = "IGNORE";',
  "while (1) {",
  "  accept(my $c, $l) or next;",
  ...RELAY_CONNECTION,
  "}",
].join("\n");

// The shared network's holder (shared-network.ts): in a namespace unshare just made, it brings `lo` up
// (SIOCGIFFLAGS 0x8913 / SIOCSIFFLAGS 0x8914 on a 40-byte ifreq, IFF_UP 1), listens as the bridge when given
// the proxy's socket, writes "ready" to descriptor 3, and serves until lanes, its parent, is gone (checked
// every 2 s: a SIGKILLed lanes cannot end it).
const HOLDER_START = [
  "my $parent = getppid();",
  'socket(my $s, 2, 2, 0) or die "lanes sandbox: shared network: socket: $!\\n";',
  'my $req = pack("a16 s x22", "lo", 0);',
  'ioctl($s, 0x8913, $req) or die "lanes sandbox: shared network: lo: $!\\n";',
  'my $flags = unpack("x16 s", $req);',
  'ioctl($s, 0x8914, pack("a16 s x22", "lo", $flags | 1)) or die "lanes sandbox: shared network: lo up: $!\\n";',
  "close($s);",
];
const HOLDER_READY = ["my $ready;", 'if (open($ready, ">&=", 3)) { print $ready "ready\\n"; close($ready) }'];
const HOLDER_RELAY = [
  ...HOLDER_START,
  ...LISTEN,
  ...HOLDER_READY,
  '$SIG{CHLD} = "IGNORE";',
  "while (getppid() == $parent) {",
  '  my $rin = ""; vec($rin, fileno($l), 1) = 1;',
  "  select(my $r = $rin, undef, undef, 2) > 0 or next;",
  "  accept(my $c, $l) or next;",
  ...RELAY_CONNECTION,
  "}",
].join("\n");
const HOLDER_IDLE = [...HOLDER_START, ...HOLDER_READY, "sleep 2 while getppid() == $parent;"].join("\n");

/**
 * Runs inside the sandbox before the command: the perl relay above, started so the command runs once its
 * port is open, ended after it. Arguments: perl's path, the relay's code, the socket path, then the command's
 * argv. The relay
 * gets neither the task's stdin nor the exit-code descriptor. The exit status is the command's.
 */
const PERL_BRIDGE_SCRIPT = [
  "__lanes_perl=$1; __lanes_relay=$2; __lanes_sock=$3; shift 3",
  '__lanes_px=$("$__lanes_perl" -e "$__lanes_relay" -- "$__lanes_sock" </dev/null 3>&-) || { echo "lanes sandbox: the network bridge did not start" >&2; exit 125; }',
  '"$@"; __lanes_c=$?',
  'kill "$__lanes_px" 2>/dev/null',
  "exit $__lanes_c",
].join("\n");

/** What runs inside the sandbox for a filtered network: the bridge, then `argv`. */
export function bridgedCommand(bridge: { perl: string } | "socat", socket: string, argv: string[]): string[] {
  if (bridge === "socat") return ["/bin/sh", "-c", SOCAT_BRIDGE_SCRIPT, "sh", socket, ...argv];
  return ["/bin/sh", "-c", PERL_BRIDGE_SCRIPT, "sh", bridge.perl, PERL_RELAY, socket, ...argv];
}

/** The variables that point HTTP clients (curl, npm, pip, cargo, go, git) at the bridge. */
export function proxyEnv(): Record<string, string> {
  const url = `http://127.0.0.1:${INSIDE_PROXY_PORT}`;
  const local = "localhost,127.0.0.1,::1";
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: local,
    no_proxy: local,
  };
}

/** The shared network's holder: perl's argv, as the bridge to `socket` or, without one, only holding. */
export function holderArgv(perl: string, socket: string | undefined): string[] {
  return socket === undefined ? [perl, "-e", HOLDER_IDLE] : [perl, "-e", HOLDER_RELAY, "--", socket];
}
