/** Lower-case, no trailing dot, no IPv6 brackets: the form hosts are compared in. */
export function normalHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/\.$/, "")
    .replace(/^\[(.*)\]$/, "$1");
}

/**
 * Whether `host` is on the list: an exact name, or `*.name` for any subdomain of name (not name itself).
 * IP literals match only when listed literally, so an allowed name can never be reached as "127.0.0.1".
 */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const name = normalHost(host);
  if (name === "") return false;
  return allowed.some((entry) => {
    const rule = normalHost(entry);
    if (rule.startsWith("*.")) return name.endsWith(rule.slice(1)) && name.length > rule.length - 1;
    return name === rule;
  });
}

/** `host:port` of a CONNECT target or a Host header; undefined when it is not one. */
export function splitHostPort(
  target: string,
  defaultPort: number,
): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:/\s]+)(?::(\d{1,5}))?$/.exec(target.trim());
  if (!match?.[1]) return undefined;
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: normalHost(match[1]), port };
}
