import { readFileSync } from "node:fs";

/** The package version, read once from package.json so there is a single source. */
export const VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
