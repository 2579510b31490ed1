import { describe, expect, it } from "vitest";
import { suggestPrefix } from "../../src/approval/prefix.js";

describe("the prefix 'don't ask again' offers: never broader than program plus subcommand", () => {
  it.each([
    ["npm test -- --watch", "npm test"],
    ["git push origin main", "git push"],
    ["cargo build --release", "cargo build"],
    ["npm run build", "npm run"],
    ["make test 2>/dev/null", "make test"],
  ])("%s offers `%s`", (command, prefix) => expect(suggestPrefix(command, "ignore")).toBe(prefix));

  it.each([
    "id",
    "curl https://example.com",
    "curl -s example.com",
    "rm -rf build",
    "./build.sh --fast",
    "sudo npm test",
    "env X=1 npm test",
    "npm exec cowsay",
    "npx cowsay",
    "pnpm dlx create-app",
    "uv run python x.py",
    "docker run alpine sh",
    "git -C sub push",
    "git push > log.txt",
    "npm test $(whoami)",
    "npm test | tee log",
    "cd web && npm test",
  ])("%s offers nothing (it would be broader than the command or not cover it)", (command) =>
    expect(suggestPrefix(command, "ignore")).toBeUndefined(),
  );

  it("in untrusted mode known readers may stand beside the one command the rule covers", () => {
    expect(suggestPrefix("cd web && npm test", "count")).toBe("npm test");
    expect(suggestPrefix("ls && rm -rf build", "count")).toBeUndefined();
    expect(suggestPrefix("npm test && git push", "count")).toBeUndefined();
  });
});
