import type { SandboxPolicy } from "./policy.js";

/** What `lanes sandbox` says after the command for each host the proxy refused. */
export function refusedLine(host: string): string {
  return `lanes sandbox: refused a connection to ${host} (not in sandbox_network)`;
}

function tilde(path: string, home: string): string {
  return path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

/** One line per aspect, for `lanes doctor`: mode, writable places, network, hidden paths. */
export function describePolicy(policy: SandboxPolicy, home: string): string[] {
  const network =
    policy.network === "on"
      ? "network: on (the host's, loopback included)"
      : policy.network === "off"
        ? "network: off"
        : `network: ${policy.network.length} domain(s) through the proxy (${policy.network.slice(0, 4).join(", ")}${policy.network.length > 4 ? ", ..." : ""})`;
  const writable =
    policy.mode === "read-only"
      ? "writable: nothing"
      : `writable: the workspace, /tmp, /var/tmp, $TMPDIR${policy.writableRoots.map((p) => `, ${tilde(p, home)}`).join("")}`;
  return [
    `sandbox ${policy.mode}`,
    writable,
    network,
    `hidden: ${policy.denyRead
      .slice(0, 4)
      .map((p) => tilde(p, home))
      .join(", ")}${policy.denyRead.length > 4 ? ` and ${policy.denyRead.length - 4} more` : ""}`,
  ];
}
