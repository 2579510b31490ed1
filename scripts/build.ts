import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build, type Metafile, type Plugin } from "esbuild";
import { BUNDLE_WRAPPER } from "../src/startup/code-cache.js";
import { LAZY_PREFIX } from "../src/startup/lazy-require.js";
import { thirdPartyNotices } from "./notices.js";

const ROOT = resolve(import.meta.dirname, "..");

interface PackageJson {
  version: string;
  dependencies?: Record<string, string>;
}

/**
 * Bundles the CLI into `outDir` (default dist/): lanes.js plus chunks that load on demand, so `--version`
 * never parses an SDK. Everything in devDependencies is bundled; whatever is in `dependencies` stays an
 * import from node_modules (for a package that cannot be bundled, e.g. one that ships files it reads at
 * run time). Returns the entry file.
 */
export async function buildCli(outDir = join(ROOT, "dist")): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;
  rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    // The agent worker has its own slim entry: an agent process loads only what a session needs.
    entryPoints: { lanes: join(ROOT, "src/cli/main.ts") },
    absWorkingDir: ROOT,
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    chunkNames: "chunks/[name]-[hash]",
    external: Object.keys(pkg.dependencies ?? {}),
    define: { __LANES_VERSION__: JSON.stringify(pkg.version) },
    // Bundled CommonJS (commander, dotenv) calls require() for Node built-ins; ESM has no require.
    banner: {
      js: 'import { createRequire as __lanesRequire } from "node:module";\nconst require = __lanesRequire(import.meta.url);',
    },
    legalComments: "none",
    // A third less source to read, parse and keep in every process (each agent is one); names stay for stacks.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    metafile: true,
    logLevel: "warning",
  });
  const worker = await buildWorkerBundle(outDir, pkg);
  await buildWorkerEntry(outDir, pkg);
  const entry = join(outDir, "lanes.js");
  writeFileSync(entry, `#!/usr/bin/env node\n${readFileSync(entry, "utf8")}`);
  chmodSync(entry, 0o755);
  writeFileSync(
    join(outDir, "THIRD-PARTY-NOTICES.md"),
    thirdPartyNotices(ROOT, bundledPackages(result.metafile, worker.metafile)),
  );
  return entry;
}

/**
 * The agent worker's code as one CommonJS file (dist/agent-worker.cjs), which its loader runs through
 * vm.Script with V8's code cache: ESM modules cannot use one in Node 20.
 */
function buildWorkerBundle(outDir: string, pkg: PackageJson): Promise<{ metafile: Metafile }> {
  return build({
    entryPoints: [join(ROOT, "src/cli/agent-worker-bundle.ts")],
    absWorkingDir: ROOT,
    outfile: join(outDir, "agent-worker.cjs"),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    external: Object.keys(pkg.dependencies ?? {}),
    // The loader hands the bundle its own URL, which createRequire(import.meta.url) in the sources needs.
    define: { __LANES_VERSION__: JSON.stringify(pkg.version), "import.meta.url": "__lanesBundleUrl" },
    // Wrapped here, so the loader compiles the file's text as read (kept outside V8's heap).
    banner: { js: BUNDLE_WRAPPER.head },
    footer: { js: BUNDLE_WRAPPER.tail },
    legalComments: "none",
    minifyWhitespace: true,
    minifySyntax: true,
    // Every agent keeps the whole source in memory: short local names make it a third smaller.
    minifyIdentifiers: true,
    keepNames: true,
    metafile: true,
    logLevel: "warning",
    plugins: [lazyBuiltins(LAZY_WORKER_BUILTINS)],
  });
}

/**
 * Built-ins the worker's code imports at its top level but a worker seldom uses before its first command:
 * the pattern and /proc-scan threads, and TLS for an https endpoint (~10 ms of CPU per start together).
 */
const LAZY_WORKER_BUILTINS = ["node:worker_threads", "node:https"];

/** Each named built-in becomes an id the worker's loader answers with a module loaded on its first use. */
function lazyBuiltins(names: string[]): Plugin {
  const filter = new RegExp(`^(${names.map((name) => name.replace(/[/]/g, "\\/")).join("|")})$`);
  return {
    name: "lazy-builtins",
    setup(on) {
      // The loader's require (src/startup/lazy-require.ts) gives the bundle a lazy module for these ids.
      on.onResolve({ filter }, (args) => ({ path: `${LAZY_PREFIX}${args.path}`, external: true }));
    },
  };
}

/**
 * The worker's entry (dist/agent-worker-start.cjs): one small CommonJS file that loads the bundle through V8's
 * code cache. CommonJS, so a worker's start runs no ESM loader and reads no chunk files.
 */
function buildWorkerEntry(outDir: string, pkg: PackageJson): Promise<unknown> {
  return build({
    entryPoints: [join(ROOT, "src/cli/agent-worker-loader.ts")],
    absWorkingDir: ROOT,
    outfile: join(outDir, "agent-worker-start.cjs"),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    define: { __LANES_VERSION__: JSON.stringify(pkg.version), "import.meta.url": "__lanesEntryUrl" },
    banner: { js: 'const __lanesEntryUrl = require("node:url").pathToFileURL(__filename).href;' },
    legalComments: "none",
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    logLevel: "warning",
  });
}

/** The folders of the packages whose code ended up in the bundle ("node_modules/zod"), nested ones too. */
function bundledPackages(...metafiles: Metafile[]): string[] {
  const folders = new Set<string>();
  for (const input of metafiles.flatMap((metafile) => Object.keys(metafile.inputs))) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) folders.add(match[1]);
  }
  return [...folders].sort();
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const entry = await buildCli(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`built ${entry}`);
}
