import { readFileSync } from "node:fs";

// Replaced with the version string by the build (scripts/build.ts); undefined when run from source.
declare const __LANES_VERSION__: string | undefined;

function versionFromPackageJson(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** The package version: injected when bundled (dist/ has no package.json beside it), read from source. */
export const VERSION = typeof __LANES_VERSION__ === "string" ? __LANES_VERSION__ : versionFromPackageJson();
