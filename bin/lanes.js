#!/usr/bin/env node
// Runs the TypeScript sources directly, so a fresh clone needs only `npm ci` (no build step to forget).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
