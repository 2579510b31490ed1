import type { IgnoredSetting } from "./workspace-narrowing.js";

type Raw = Record<string, unknown>;

function entries(value: unknown): Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Raw) : {};
}

/**
 * A workspace's `lanes`: its limits apply lane by lane, but a remote comes from the user's config only. A
 * cloned repository must never make lanes connect to a host, so every `remote` it writes is dropped and the
 * user's remotes stay as they are.
 */
export function narrowLanes(user: unknown, workspace: unknown): { merged: Raw; ignored: IgnoredSetting[] } {
  const merged: Raw = { ...entries(user) };
  const ignored: IgnoredSetting[] = [];
  for (const [name, value] of Object.entries(entries(workspace))) {
    const { remote, ...rest } = entries(value);
    const own = entries(merged[name]);
    if (remote !== undefined)
      ignored.push({ key: `lanes.${name}.remote`, why: "only your own config may add or change a remote" });
    merged[name] = { ...own, ...rest, ...(own.remote === undefined ? {} : { remote: own.remote }) };
  }
  return { merged, ignored };
}
