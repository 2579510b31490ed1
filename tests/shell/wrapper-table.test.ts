import { describe, expect, it } from "vitest";
import { isReadOnly } from "../../src/approval/read-only.js";
import { allowedBy, deniedBy } from "../../src/approval/rules.js";
import { checkCommand } from "../../src/shell/guard.js";
import { MAX_DEPTH } from "../../src/shell/walk.js";

/**
 * One wrapper form around an inner command. `seen`: the shell module finds the inner command (the guard
 * blocks `rm -rf /` inside, a deny rule `npm publish` matches). `covered`: an allow rule for the inner
 * command covers the whole form and a reader inside keeps it read-only (only forms that change nothing:
 * `timeout 5`, `nice`, `bash -c`, never `sudo`, `env X=1`, `xargs`).
 */
interface Row {
  name: string;
  form: (inner: string) => string;
  seen: boolean;
  covered: boolean;
  /** Nested past the depth limit: every deny rule matches (the first is named), nothing is covered. */
  tooDeep?: boolean;
}

const row = (template: string, seen: boolean, covered: boolean, name = template): Row => ({
  name,
  form: (inner) => template.replaceAll("CMD", inner),
  seen,
  covered,
});
const each = (name: string, wrapWord: (word: string) => string, covered = true): Row => ({
  name,
  form: (inner) => inner.split(" ").map(wrapWord).join(" "),
  seen: true,
  covered,
});
/** `levels` nested scripts: `sh -c 'eval eval ... CMD'` (eval, unlike quoting, grows linearly). */
function nested(levels: number): (inner: string) => string {
  return (inner) => `sh -c '${"eval ".repeat(levels - 1)}${inner}'`;
}

const TABLE: Row[] = [
  row("CMD", true, true),
  // shells and their -c spellings
  row("bash -c 'CMD'", true, true),
  row("bash -ce 'CMD'", true, true),
  row("bash -lc 'CMD'", true, true),
  row("sh -c -e 'CMD'", true, true),
  row("bash -o pipefail -c 'CMD'", true, true),
  row("zsh -c 'CMD'", true, true),
  row("dash -c 'CMD'", true, true),
  row("fish -c 'CMD'", true, true),
  row("fish --command='CMD'", true, true),
  row("busybox sh -c 'CMD'", true, false),
  row("su -c 'CMD' root", true, false),
  row("su - root -c 'CMD'", true, false),
  row("runuser -u nobody -- CMD", true, false),
  row("eval 'CMD'", true, true),
  row("eval CMD", true, true),
  row("sh -c \"bash -c 'CMD'\"", true, true, "nested twice"),
  row("bash -c \"eval 'CMD'\"", true, true),
  // wrappers that run their arguments as a program
  row("env CMD", true, false),
  row("env -i PATH=/usr/bin CMD", true, false),
  row("env -u HOME CMD", true, false),
  row("env -S 'CMD'", true, false),
  row("command CMD", true, true),
  row("exec CMD", true, false),
  row("nice CMD", true, true),
  row("nice -n 10 CMD", true, true),
  row("nice -n10 CMD", true, true),
  row("nohup CMD", true, false),
  row("timeout 5 CMD", true, true),
  row("timeout -s KILL -k 5 10 CMD", true, true),
  row("timeout --signal=KILL 5 CMD", true, true),
  row("timeout --foreground 60 CMD", true, true),
  row("stdbuf -oL CMD", true, true),
  row("time CMD", true, true),
  row("time -o /tmp/t CMD", true, false),
  row("setsid CMD", true, true),
  row("ionice -c 3 CMD", true, true),
  row("xargs CMD", true, false),
  row("xargs -0 -n 1 CMD", true, false),
  row("sudo CMD", true, false),
  row("sudo -u root -E CMD", true, false),
  row("sudo --weird-option value CMD", true, false, "sudo with an option the table does not know"),
  row("doas -u root CMD", true, false),
  row("pkexec CMD", true, false),
  row("chroot / CMD", true, false),
  row("X=1 CMD", true, false),
  row("sudo env X=1 timeout 5 nice CMD", true, false),
  row("find . -exec CMD \\;", true, false),
  row("watch -n 1 CMD", true, false),
  row("script -qc 'CMD' /dev/null", true, false),
  row("flock /tmp/l CMD", true, false),
  row("flock /tmp/l -c 'CMD'", true, false),
  // substitutions and lists
  row("echo $(CMD)", true, false),
  row("echo `CMD`", true, false),
  row("cat <(CMD)", true, false),
  row("ls; CMD", true, true),
  row("ls && CMD", true, true),
  row("false || CMD", true, false),
  row("ls | CMD", true, true),
  row("ls\nCMD", true, true, "a newline"),
  row("(CMD)", true, true),
  row("{ CMD; }", true, true),
  row("if true; then CMD; fi", true, true),
  row("nohup sh -c 'CMD' &", true, false),
  row("bash <<'EOF'\nCMD\nEOF", true, false, "a heredoc fed to bash"),
  // quoting the shell removes
  each("every word double-quoted", (word) => `"${word}"`),
  each("every word as $'..'", (word) => `$'${word}'`),
  each("a backslash before every word", (word) => `\\${word}`),
  each("a line continuation inside the first word", (word) => word.replace(/^(.)/, "$1\\\n")),
  { name: "nested to the depth limit", form: nested(MAX_DEPTH), seen: true, covered: true },
  {
    name: "nested past the depth limit",
    form: nested(MAX_DEPTH + 1),
    seen: true,
    covered: false,
    tooDeep: true,
  },
  // what the module cannot see: built at run time
  row("bash -c \"$(printf '%s' 'CMD')\"", false, false),
];

const shown = (command: string) => JSON.stringify(command);
/** The form's own first word (`sudo`, `bash`, `timeout`), or null where the inner command comes first. */
function wrapperWord(form: (inner: string) => string): string | null {
  const first = form("rm -rf build").split(/[\s;|&]/)[0] ?? "";
  return /^[a-z][\w.-]*$/.test(first) && first !== "rm" ? first : null;
}

describe("one wrapper table for the guard, the deny rules, the allow rules and the read-only list", () => {
  it("holds at least 30 wrapper forms", () => expect(TABLE.length).toBeGreaterThanOrEqual(30));

  for (const { name, form, seen, covered, tooDeep = false } of TABLE) {
    const wrapper = wrapperWord(form);
    describe(name, () => {
      it(`the guard ${seen ? "blocks" : "cannot see"} rm -rf / inside: ${shown(form("rm -rf /"))}`, () => {
        expect(checkCommand(form("rm -rf /")).allowed).toBe(!seen);
      });

      it(`the deny rule "npm publish" ${seen ? "matches" : "cannot see"} ${shown(form("npm publish"))}`, () => {
        const expected = tooDeep ? "npm test" : seen ? "npm publish" : undefined;
        expect(deniedBy(form("npm publish"), ["npm test", "npm publish"])).toBe(expected);
        expect(deniedBy(form("npm publish"), ["npm install"])).toBe(tooDeep ? "npm install" : undefined);
      });

      it("a deny rule is never weaker than the guard on the same command", () => {
        for (const inner of ["rm -rf /", "rm -rf ~", "mkfs.ext4 /dev/sda1", "shutdown -h now"]) {
          if (!checkCommand(form(inner)).allowed) expect(deniedBy(form(inner), [inner])).toBe(inner);
        }
      });

      it(`the allow rule "npm test" ${covered ? "covers" : "does not cover"} ${shown(form("npm test"))}`, () => {
        expect(allowedBy(form("npm test"), ["npm test"])).toBe(covered);
        expect(allowedBy(form("rm -rf build"), ["npm test"])).toBe(false);
      });

      if (wrapper !== null)
        it(`the allow rule "${wrapper}" does not cover the command inside`, () => {
          expect(allowedBy(form("rm -rf build"), [wrapper])).toBe(false);
          expect(allowedBy(form("rm -rf build"), [wrapper], "ignore")).toBe(false);
        });

      it(`the read-only list ${covered ? "keeps" : "does not keep"} ${shown(form("ls -la"))} read-only`, () => {
        expect(isReadOnly(form("ls -la"))).toBe(covered);
        expect(isReadOnly(form("rm -rf build"))).toBe(false);
      });
    });
  }

  it("fails closed past the depth limit: the guard refuses, a deny rule matches, allow and read-only do not cover", () => {
    let deep = "ls";
    for (let level = 0; level <= MAX_DEPTH; level++) deep = `sh -c ${JSON.stringify(deep)}`;
    const shallow = JSON.parse(deep.slice("sh -c ".length)) as string;
    expect(checkCommand(deep)).toEqual({ allowed: false, reason: expect.stringContaining("too deeply") });
    expect(deniedBy(deep, ["git push"])).toBe("git push");
    expect(allowedBy(deep, ["ls", "sh"])).toBe(false);
    expect(isReadOnly(deep)).toBe(false);
    expect(checkCommand(shallow)).toEqual({ allowed: true });
    expect(deniedBy(shallow, ["git push"])).toBeUndefined();
    expect(isReadOnly(shallow)).toBe(true);
  });
});

describe("rules beyond the table", () => {
  it("a deny rule matches the program by name as the guard does: /usr/bin/npm publish is npm publish", () => {
    expect(deniedBy("/usr/bin/npm publish", ["npm publish"])).toBe("npm publish");
    expect(deniedBy("./npm publish", ["/usr/bin/npm publish"])).toBeUndefined();
  });

  it("a deny rule naming a wrapper matches the command as written", () => {
    expect(deniedBy("sudo -n apt-get install x", ["sudo"])).toBe("sudo");
    expect(deniedBy("timeout 5 git push", ["timeout 5 git push"])).toBe("timeout 5 git push");
  });

  it("an allow rule written with its wrapper covers that command, and only when it names the program", () => {
    expect(allowedBy("sudo apt-get update", ["sudo apt-get update"])).toBe(true);
    expect(allowedBy("sudo apt-get update", ["sudo"])).toBe(false);
    expect(allowedBy("sudo apt-get update", ["apt-get update"])).toBe(false);
    expect(allowedBy("xargs rm -f", ["xargs"])).toBe(false);
    expect(allowedBy("env -S 'rm -rf x'", ["env"])).toBe(false);
  });

  it("readers never count for leaving the sandbox, also behind a transparent shell", () => {
    expect(allowedBy("bash -c 'ls'", [], "count")).toBe(true);
    expect(allowedBy("bash -c 'ls'", [], "ignore")).toBe(false);
    expect(allowedBy("bash -c 'npm test'", ["npm test"], "ignore")).toBe(true);
  });

  it("read-only never looks through a wrapper that changes the user, environment or arguments", () => {
    for (const line of [
      "sudo ls",
      "env X=1 ls",
      "X=1 ls",
      "xargs ls",
      "nohup ls",
      "su -c ls",
      "time -o f ls",
    ])
      expect(isReadOnly(line)).toBe(false);
    for (const line of ["timeout 5 ls", "nice -n 5 cat x", "command ls", "bash -c 'git status'"])
      expect(isReadOnly(line)).toBe(true);
  });
});
