/** More changes than this over the base and the request sends its whole environment as the new base. */
const MAX_CHANGES = 16;

/**
 * The environment part of a fork server request (fork-server-perl.ts): the server keeps a base as its own
 * %ENV, and each request names only what its task's environment changes over it (its LANES_TASK_ID, mostly),
 * so neither lanes nor the server nor the forked child handles the whole environment per task.
 */
export class ServerEnv {
  private base: Map<string, string> | undefined;

  /** The request's fields: base count and entries (empty count: keep the base), set count and entries, removed count and names. */
  fields(env: NodeJS.ProcessEnv): string[] {
    const entries = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined);
    const base = this.base;
    if (base !== undefined) {
      const set = entries.filter(([name, value]) => base.get(name) !== value);
      const names = new Set(entries.map(([name]) => name));
      const removed = [...base.keys()].filter((name) => !names.has(name));
      if (set.length + removed.length <= MAX_CHANGES)
        return [
          "",
          String(set.length),
          ...set.map(([k, v]) => `${k}=${v}`),
          String(removed.length),
          ...removed,
        ];
    }
    // Set before the server has read it: a request it never read means a dead server, and a new one (and
    // a new ServerEnv) is what lanes starts next.
    this.base = new Map(entries);
    return [String(entries.length), ...entries.map(([k, v]) => `${k}=${v}`), "0", "0"];
  }
}
