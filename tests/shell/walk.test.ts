import { describe, expect, it } from "vitest";
import { isReadOnly } from "../../src/approval/read-only.js";
import { allowedBy, deniedBy } from "../../src/approval/rules.js";
import { checkCommand } from "../../src/shell/guard.js";
import { parse } from "../../src/shell/parse.js";
import { MAX_DEPTH, walkShell } from "../../src/shell/walk.js";
import { unwrap } from "../../src/shell/wrappers.js";

const programs = (line: string) => walkShell(line).commands.map((c) => c.program.words.join(" "));

describe("the shell tokenizer", () => {
  it("decodes ANSI-C quoting as bash does: hex, octal, unicode and control escapes", () => {
    expect(parse("$'\\x72m' $'a\\tb' $'\\101' $'\\u00e9' $'it\\'s'")[0]?.[0]?.words).toEqual([
      "rm",
      "a\tb",
      "A",
      "é",
      "it's",
    ]);
  });

  it('reads a $"..." locale string as a double-quoted one', () => {
    expect(parse('$"npm" publish')[0]?.[0]?.words).toEqual(["npm", "publish"]);
  });

  it("joins a word split by a line continuation", () => {
    expect(parse("np\\\nm pub\\\nlish")[0]?.[0]?.words).toEqual(["npm", "publish"]);
  });
});

describe("the walk over nested commands", () => {
  it("finds the command inside wrappers, shells, eval, substitutions and find -exec", () => {
    expect(programs("sudo -u root env X=1 timeout 5 nice -n 3 npm publish")).toEqual(["npm publish"]);
    expect(programs("bash -ce 'eval \"npm publish\"'")).toEqual([
      'bash -ce eval "npm publish"',
      "eval npm publish",
      "npm publish",
    ]);
    expect(programs("find . -name x -exec npm publish {} \\;")).toContain("npm publish {}");
    expect(programs("env -S 'npm publish --tag x'")).toEqual(["npm publish --tag x"]);
  });

  it("keeps where the command may start when a wrapper option is unknown", () => {
    const unwrapped = unwrap(["sudo", "--odd", "value", "npm", "publish"]);
    expect(unwrapped.words).toEqual(["value", "npm", "publish"]);
    expect(unwrapped.alternatives).toEqual([["npm", "publish"]]);
    expect(unwrapped.transparent).toBe(false);
  });

  it("follows nesting to MAX_DEPTH and reports anything deeper as too deep", () => {
    const at = (levels: number) => `${"echo $(".repeat(levels)}ls${")".repeat(levels)}`;
    expect(walkShell(at(MAX_DEPTH)).tooDeep).toBe(false);
    expect(walkShell(at(MAX_DEPTH + 1)).tooDeep).toBe(true);
    expect(checkCommand(at(MAX_DEPTH + 1))).toMatchObject({ allowed: false });
    expect(deniedBy(at(MAX_DEPTH + 1), ["git push"])).toBe("git push");
  });

  it("fails closed on a command stacking more wrappers or unknown options than it follows", () => {
    expect(walkShell(`${"nice ".repeat(40)}ls`).tooDeep).toBe(true);
    expect(walkShell(`sudo ${"-Q ".repeat(40)}ls`).tooDeep).toBe(true);
    expect(walkShell("sudo -E -H nice ls").tooDeep).toBe(false);
    expect(unwrap(["sudo", "-EH", "-u", "root", "ls"]).alternatives).toEqual([]);
  });

  // A 100 KB line must not block the event loop for long: the old guard's per-command pipeline copies made
  // a 20,000-command pipeline take ~20 s on its own; the bound is generous for a loaded machine.
  it("checks a 100 KB pipeline and 40,000 wrapper options with all four lists in bounded time", () => {
    const started = Date.now();
    for (const line of [`${"ls | ".repeat(20_000)}ls`, `sudo ${"-Q ".repeat(40_000)}ls`]) {
      checkCommand(line);
      deniedBy(line, ["npm publish"]);
      allowedBy(line, ["npm test"]);
      isReadOnly(line);
    }
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
