import { rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildCli } from "../scripts/build.js";
import { removeDeadOwnerDirs } from "../src/process/dead-owner-dirs.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The compiled CLI this test run spawns (built from the current src/ by this setup). */
    lanesBin: string;
  }
}

const BUILDS = join(import.meta.dirname, "..", ".build");

/**
 * Global setup: builds the CLI once per test run, so CLI tests run what users run (no TypeScript loader)
 * and never a stale dist/. Each run gets its own folder inside the repo (bundles resolve any external
 * dependency from its node_modules), so two runs, or a `npm run build` meanwhile, never swap files under a
 * running test.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  removeDeadOwnerDirs(BUILDS, /^test-(\d+)$/);
  const outDir = join(BUILDS, `test-${process.pid}`);
  project.provide("lanesBin", await buildCli(outDir));
  return () => rmSync(outDir, { recursive: true, force: true });
}
