import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_HELP } from "../../src/cli/environment-help.js";

// `lanes --help` and the README's Environment table list the same variables, said the same way.
const README = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");

describe("lanes --help's environment", () => {
  it("names every variable of the README's Environment table", () => {
    const table = README.split("## Environment")[1]?.split("\n\n")[1] ?? "";
    const names = [...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1] ?? "");
    expect(names).toContain("LANES_CODE_CACHE");
    expect(names.filter((name) => !ENVIRONMENT_HELP.includes(name))).toEqual([]);
  });

  it("says a workspace .env sets keys only once trusted, and keeps its columns aligned", () => {
    expect(ENVIRONMENT_HELP).toMatch(/credentials .*lanes trust/);
    const rows = ENVIRONMENT_HELP.split("\n").filter((line) => line.startsWith("  "));
    const columns = rows.map((row) => /^ {2}\S.*?\s{2,}(?=\S)/.exec(row)?.[0].length);
    expect(new Set(columns).size).toBe(1);
  });
});
