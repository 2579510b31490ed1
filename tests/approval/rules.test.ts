import { describe, expect, it } from "vitest";
import { isReadOnly } from "../../src/approval/read-only.js";
import { allowedBy, deniedBy } from "../../src/approval/rules.js";

describe("the known-read-only list (approval: untrusted runs these without asking)", () => {
  it.each([
    "ls",
    "ls -la src",
    "cat README.md",
    "git status",
    "git -C sub log --oneline -5",
    "git diff HEAD~1",
    "rg -n TODO src",
    "grep -r x . | head -5",
    "cat a 2>/dev/null",
    "git status 2>&1 | tail -3",
    "cd src && ls",
    "find . -name '*.ts'",
  ])("reads only: %s", (command) => expect(isReadOnly(command)).toBe(true));

  it.each([
    "rm x",
    "git status; rm x",
    "ls && rm -rf build",
    "cat x > y",
    "cat x >> y",
    "echo hi >&out.txt",
    "ls $(rm x)",
    "ls `rm x`",
    "cat <(rm x)",
    "sudo ls",
    "X=1 ls",
    "$CMD",
    "/tmp/ls",
    "git push",
    "git -c core.pager=sh log",
    "git diff --output=x",
    "git branch -D main",
    "find . -delete",
    "find . -exec rm {} +",
    "rg --pre ./evil x",
    "sort -o out in",
    "npm test",
    "ls\nrm x",
    "",
  ])("asks: %s", (command) => expect(isReadOnly(command)).toBe(false));
});

describe("allow and deny rules: command prefixes, word by word", () => {
  it("deny matches any command in the line, after wrappers and inside $(...) and sh -c", () => {
    const deny = ["git push", "curl"];
    expect(deniedBy("git push origin main", deny)).toBe("git push");
    expect(deniedBy("npm test && git push", deny)).toBe("git push");
    expect(deniedBy("sudo env X=1 git push", deny)).toBe("git push");
    expect(deniedBy("echo $(curl -s x)", deny)).toBe("curl");
    expect(deniedBy("sh -c 'git push -f'", deny)).toBe("git push");
    expect(deniedBy("git pushy", deny)).toBeUndefined();
    expect(deniedBy("echo git push", deny)).toBeUndefined();
  });

  it("allow covers a line only when every command is allowed or reads, without redirection or $(...)", () => {
    const allow = ["npm test", "make"];
    expect(allowedBy("npm test -- --watch=false", allow)).toBe(true);
    expect(allowedBy("cd web && npm  test", allow)).toBe(true);
    expect(allowedBy("npm test; rm -rf x", allow)).toBe(false);
    expect(allowedBy("npm test > /etc/x", allow)).toBe(false);
    expect(allowedBy("npm test $(rm x)", allow)).toBe(false);
    expect(allowedBy("npm testing", allow)).toBe(false);
    expect(allowedBy("npm install", allow)).toBe(false);
    expect(allowedBy("make -j4", allow)).toBe(true);
  });
});
