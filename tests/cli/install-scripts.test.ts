import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

// npm 11 skips a dependency's install script that package.json's allowScripts does not name, and ends
// `npm ci` with a warning for each: every one in the lockfile is decided, so a clean install prints none.
const ROOT = resolve(import.meta.dirname, "../..");
const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(resolve(ROOT, file), "utf8")) as Record<string, unknown>;

describe("npm ci's install scripts", () => {
  it("every dependency with an install script is approved or denied in package.json's allowScripts", () => {
    const packages = readJson("package-lock.json").packages as Record<string, { hasInstallScript?: boolean }>;
    const withScripts = Object.entries(packages)
      .filter(([path, entry]) => path !== "" && entry.hasInstallScript === true)
      .map(([path]) => path.replace(/^.*node_modules\//, ""));
    expect(withScripts).toContain("esbuild");
    const decided = Object.keys((readJson("package.json").allowScripts ?? {}) as Record<string, boolean>).map(
      (key) => key.replace(/(.)@.*$/, "$1"),
    );
    expect(withScripts.filter((name) => !decided.includes(name))).toEqual([]);
    // Denied: the build's esbuild API finds its platform package (@esbuild/linux-x64...) without the script.
    expect((readJson("package.json").allowScripts as Record<string, boolean>).esbuild).toBe(false);
  });
});
