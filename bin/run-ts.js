#!/usr/bin/env node
// Runs any TypeScript entry point of this repo (benchmarks, fixtures) through tsx's loader.
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { register } from "tsx/esm/api";

register();
const entry = process.argv[2];
if (!entry) {
  console.error("usage: run-ts.js FILE.ts [args...]");
  process.exit(2);
}
process.argv.splice(1, 1);
await import(pathToFileURL(resolve(entry)).href);
