import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_WRAPPER } from "../../src/startup/code-cache.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

// Each load is its own node process: V8's in-memory compilation cache would answer a second compile of
// the same source in one process without ever reading the cache file.
const runner = tempWorkspace("lanes-code-cache-runner-");
const RUNNER = join(runner.dir, "load.mjs");
beforeAll(async () => {
  await build({
    stdin: {
      contents: `import { loadCachedBundle } from "./src/startup/code-cache.ts";
const [bundle, cacheDir] = process.argv.slice(2);
const heapBefore = process.memoryUsage().heapUsed;
const loaded = loadCachedBundle(bundle, cacheDir === "-" ? undefined : cacheDir);
const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
loaded.save();
const { answer, url, joined, text } = loaded.exports;
console.log(JSON.stringify({ state: loaded.state, file: loaded.file, answer: answer(), url, joined, text, heapGrowth }));`,
      resolveDir: join(import.meta.dirname, "..", ".."),
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "node",
    outfile: RUNNER,
    define: { __LANES_VERSION__: '"test"' },
    logLevel: "warning",
  });
});
afterAll(() => runner.cleanup());

interface Load {
  state: string;
  file: string;
  answer: number;
  url: string;
  joined: string;
  text?: string;
  /** How much V8's heap grew while the bundle was read, compiled and run (bytes). */
  heapGrowth: number;
}

/** Loads the bundle in a fresh node (with `flags`), saves its cache, and says what happened. */
function load(bundle: string, cacheDir: string | undefined, flags: string[] = []): Load {
  const run = spawnSync(process.execPath, [...flags, RUNNER, bundle, cacheDir ?? "-"], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as Load;
}

/** A small CommonJS bundle that requires a built-in and reads import.meta.url's stand-in, in a temp folder. */
function fixture(): { bundle: string; cacheDir: string } {
  const { dir, cleanup } = tempWorkspace("lanes-code-cache-");
  cleanups.push(cleanup);
  const bundle = join(dir, "bundle.cjs");
  const body = Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return x * ${i} + ${i}; }`).join(
    "\n",
  );
  writeFileSync(
    bundle,
    `${body}\nconst { join } = require("node:path");\nmodule.exports = { answer: () => f41(1), url: __lanesBundleUrl, joined: join("a", "b") };\n`,
  );
  return { bundle, cacheDir: join(dir, "cache") };
}

describe("the code cache of a bundle", () => {
  it("is written after the first start and used, unchanged, by the second", () => {
    const { bundle, cacheDir } = fixture();
    const first = load(bundle, cacheDir);
    expect(first).toEqual({
      heapGrowth: first.heapGrowth,
      state: "missing",
      file: first.file,
      answer: 82,
      url: `file://${bundle}`,
      joined: "a/b",
    });
    expect(first.file.startsWith(join(cacheDir, "code-cache"))).toBe(true);
    const written = statSync(first.file);
    const second = load(bundle, cacheDir);
    expect(second.state).toBe("used");
    expect(second.answer).toBe(82);
    expect(statSync(first.file).mtimeMs).toBe(written.mtimeMs);
    // Written into place by a rename: no temp file is left beside it.
    expect(readdirSync(join(cacheDir, "code-cache"))).toEqual([first.file.split("/").at(-1)]);
  });

  it("ignores a corrupt cache file (the bundle still runs) and replaces it with a good one", () => {
    const { bundle, cacheDir } = fixture();
    const { file } = load(bundle, cacheDir);
    const good = readFileSync(file);
    // Every byte after the header flipped, then a truncated file.
    const flipped = Buffer.from(good.map((byte, i) => (i < 16 ? byte : byte ^ 0xff)));
    for (const bad of [flipped, good.subarray(0, 20)]) {
      writeFileSync(file, bad);
      expect(load(bundle, cacheDir)).toMatchObject({ state: "rejected", answer: 82 });
    }
    expect(load(bundle, cacheDir).state).toBe("used");
  });

  it("ignores a cache made by a node with other V8 flags, or for another bundle", () => {
    const { bundle, cacheDir } = fixture();
    const { file } = load(bundle, cacheDir, ["--no-lazy"]);
    // The flags are in the file's name; put the other node's cache where this one looks.
    const mine = load(bundle, cacheDir);
    expect(mine.file).not.toBe(file);
    writeFileSync(mine.file, readFileSync(file));
    expect(load(bundle, cacheDir)).toMatchObject({ state: "rejected", answer: 82 });
    const other = fixture();
    writeFileSync(other.bundle, "module.exports = { answer: () => 1 };\n".repeat(3));
    writeFileSync(mine.file, readFileSync(load(other.bundle, other.cacheDir).file));
    expect(load(bundle, cacheDir)).toMatchObject({ state: "rejected", answer: 82 });
  });

  it("keeps a large ASCII bundle's text out of V8's heap, and reads a non-ASCII one as UTF-8", () => {
    const { bundle, cacheDir } = fixture();
    // 3 MB of comment, as the worker's 1 MB bundle is mostly text V8 only needs for lazy functions.
    const padding = `// ${"x".repeat(99)}\n`.repeat(30_000);
    // Wrapped, as the build writes the worker's bundle.
    const wrap = (body: string): string => `${BUNDLE_WRAPPER.head}${padding}${body}${BUNDLE_WRAPPER.tail}`;
    writeFileSync(bundle, wrap(readFileSync(bundle, "utf8")));
    for (const state of ["missing", "used"]) {
      const loaded = load(bundle, cacheDir);
      expect(loaded).toMatchObject({ state, answer: 82 });
      expect(loaded.heapGrowth).toBeLessThan(1_500_000);
    }
    writeFileSync(bundle, wrap(`module.exports = { answer: () => 82, text: "café ⏺ 日本" };`));
    expect(load(bundle, cacheDir)).toMatchObject({ answer: 82, text: "café ⏺ 日本" });
  });

  it("is neither read nor written when caching is off", () => {
    const { bundle, cacheDir } = fixture();
    expect(load(bundle, undefined)).toMatchObject({ state: "off", answer: 82 });
    expect(() => readdirSync(cacheDir)).toThrow();
  });
});
