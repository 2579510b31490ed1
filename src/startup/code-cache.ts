import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { VERSION } from "../version.js";
import { withLazyModules } from "./lazy-require.js";

/**
 * The wrapper of a CommonJS module, which the build puts around the worker's bundle; import.meta.url of the
 * bundled ESM sources is the bundle's own URL.
 */
export const BUNDLE_WRAPPER = {
  head: "(function (exports, require, module, __filename, __dirname, __lanesBundleUrl) {",
  tail: "\n})",
};

/** What became of the cache file on this start: read and accepted, absent, refused by V8, or not looked for. */
export type CodeCacheState = "used" | "missing" | "rejected" | "off";

export interface CachedBundle<T> {
  exports: T;
  state: CodeCacheState;
  /** The cache file this start read or would write (undefined when caching is off). */
  file: string | undefined;
  /** Writes the code compiled so far as the cache, once, unless this start used one; never throws. */
  save(): void;
}

/**
 * The cache file of one bundle for this node: its name hashes lanes' version, the bundle's path, size and
 * mtime (hashing its 1.6 MB cost more than the cache saved), node's version and arch and the flags, since
 * V8 refuses a cache made under other flags anyway.
 */
export function codeCacheFile(cacheDir: string, bundle: string, execArgv: string[]): string {
  const { size, mtimeMs } = statSync(bundle);
  const key = createHash("sha256")
    .update([VERSION, bundle, size, mtimeMs, process.version, process.arch, ...execArgv].join("\0"))
    .digest("hex")
    .slice(0, 16);
  return join(cacheDir, "code-cache", `${basename(bundle)}-${key}.bin`);
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written beside and renamed into place: a reader never sees half a cache; a failure loses only speed. */
function writeAtomically(file: string, data: Buffer): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temp, data);
    renameSync(temp, file);
  } catch {
    rmSync(temp, { force: true });
  }
}

/**
 * The bundle's text. An ASCII one (esbuild escapes everything else) is read as one-byte text, which node
 * keeps outside V8's heap when it is over ~1 MB, as the worker's is: no UTF-8 decoding and no 1 MB copy for
 * the collector to move (a worker's start used ~10 ms less CPU, 10 starts each, alternating, load 4-6).
 */
function bundleSource(bundle: string): string {
  const bytes = readFileSync(bundle);
  return bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
}

/**
 * Runs a CommonJS bundle the way require() would, but through vm.Script with V8's code cache: Node 20 has
 * no module compile cache (loading the worker's ESM chunks cost ~240 ms CPU over a bare node, this ~170 ms).
 * A missing, corrupt or foreign cache file is ignored (V8 checks it) and replaced by save().
 */
export function loadCachedBundle<T>(bundle: string, cacheDir: string | undefined): CachedBundle<T> {
  const file = cacheDir === undefined ? undefined : codeCacheFile(cacheDir, bundle, process.execArgv);
  const source = bundleSource(bundle);
  const cachedData = file === undefined ? undefined : readCache(file);
  // A bundle built wrapped is compiled as read: a concatenation would copy its text into V8's heap.
  const wrapped = source.startsWith(BUNDLE_WRAPPER.head)
    ? source
    : BUNDLE_WRAPPER.head + source + BUNDLE_WRAPPER.tail;
  const script = new Script(wrapped, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  const state: CodeCacheState =
    file === undefined
      ? "off"
      : cachedData === undefined
        ? "missing"
        : script.cachedDataRejected
          ? "rejected"
          : "used";
  const module = { exports: {} as T };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(
    module.exports,
    withLazyModules(createRequire(bundle)),
    module,
    bundle,
    dirname(bundle),
    pathToFileURL(bundle).href,
  );
  let saved = state === "used";
  const save = (): void => {
    if (file === undefined || saved) return;
    saved = true;
    // Twenty agents started at once all miss: the first to get here writes it, the rest need not.
    if (state === "missing" && existsSync(file)) return;
    try {
      writeAtomically(file, script.createCachedData());
    } catch {
      // A cache is an optimisation: the next start compiles again.
    }
  };
  return { exports: module.exports, state, file, save };
}
