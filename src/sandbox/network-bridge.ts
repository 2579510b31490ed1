/** Where the proxy answers inside the sandbox's own network namespace (private, so any port is free). */
export const INSIDE_PROXY_PORT = 3128;
const PORT_HEX = INSIDE_PROXY_PORT.toString(16).toUpperCase().padStart(4, "0");

/**
 * Runs inside the sandbox before the command: socat bridges 127.0.0.1:3128 to lanes' proxy socket, the
 * command runs once the listener is up (polled through /proc/net/tcp with builtins only: no exec per
 * poll), then the bridge is ended and reaped so it is never mistaken for the command's own leftovers.
 * Arguments: the socket path, then the command's argv. The exit status is the command's.
 */
export const BRIDGE_SCRIPT = [
  "__lanes_sock=$1; shift",
  `socat TCP-LISTEN:${INSIDE_PROXY_PORT},bind=127.0.0.1,fork,reuseaddr "UNIX-CONNECT:$__lanes_sock" 2>/dev/null &`,
  "__lanes_px=$!",
  `__lanes_up() { while read -r _ __lanes_a _; do [ "$__lanes_a" = 0100007F:${PORT_HEX} ] && return 0; done </proc/net/tcp; return 1; }`,
  'until __lanes_up; do kill -0 "$__lanes_px" 2>/dev/null || { echo "lanes sandbox: the network bridge (socat) did not start" >&2; exit 125; }; done',
  '"$@"; __lanes_c=$?',
  'kill "$__lanes_px" 2>/dev/null; wait "$__lanes_px" 2>/dev/null',
  "exit $__lanes_c",
].join("\n");

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
