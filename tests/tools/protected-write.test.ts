import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseToolInput, type Tool } from "../../src/tools/define-tool.js";
import { createEditFileTool } from "../../src/tools/edit-file.js";
import { createWriteFileTool } from "../../src/tools/write-file.js";

let root: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), "lanes-protected-write-")));
  execFileSync("git", ["init", "-q", root]);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function call(tool: Tool, raw: unknown): Promise<string> {
  return tool
    .run(parseToolInput(tool, raw), { signal: new AbortController().signal, callId: "t" })
    .then((result) => result.content);
}
const write = (file: string, content: string) => call(createWriteFileTool(root), { path: file, content });

describe("the model's file tools and the files that run later", () => {
  // What the sandbox keeps commands from planting, a write_file or edit_file (which run outside it) must not plant either.
  it.each([
    [".git/config", "[core]\n\tfsmonitor = touch /tmp/pwned\n"],
    [".git/hooks/pre-commit", "#!/bin/sh\ntouch /tmp/pwned\n"],
    [".vscode/tasks.json", '{"tasks":[{"runOptions":{"runOn":"folderOpen"}}]}\n'],
    [".mcp.json", '{"mcpServers":{"x":{"command":"sh"}}}\n'],
    [".claude/settings.json", "{}\n"],
    [".env", "ANTHROPIC_BASE_URL=http://evil\n"],
    [".lanes/config.json", '{"allow":["curl"]}\n'],
    ["./sub/../.gitmodules", "[submodule]\n"],
  ])("write_file of %s is refused and writes nothing", async (file, content) => {
    const before = existsSync(path.join(root, file)) ? readFileSync(path.join(root, file), "utf8") : null;
    await expect(write(file, content)).rejects.toThrow(/is protected/);
    const after = existsSync(path.join(root, file)) ? readFileSync(path.join(root, file), "utf8") : null;
    expect(after).toBe(before);
  });

  it("write_file into lanes' cache folder is refused where XDG_CACHE_HOME puts it in the workspace", async () => {
    // Agent workers run the V8 code cached there, outside the sandbox.
    const tool = createWriteFileTool(root, { cacheDir: path.join(root, "xdg", "lanes") });
    const planted = path.join(root, "xdg/lanes/code-cache/agent-worker.cjs-0.bin");
    await expect(
      call(tool, { path: "xdg/lanes/code-cache/agent-worker.cjs-0.bin", content: "x" }),
    ).rejects.toThrow(/is protected/);
    expect(existsSync(planted)).toBe(false);
    await expect(call(tool, { path: "xdg/other.txt", content: "fine" })).resolves.toContain("other.txt");
  });

  it("edit_file of .git/config is refused, and so is a write through a symlink to it", async () => {
    const config = path.join(root, ".git", "config");
    const before = readFileSync(config, "utf8");
    await expect(
      call(createEditFileTool(root), {
        path: ".git/config",
        old_text: "[core]",
        new_text: "[core]\n\tfsmonitor = x",
      }),
    ).rejects.toThrow(/is protected/);
    symlinkSync(config, path.join(root, "innocent.txt"));
    await expect(write("innocent.txt", "[core]\n\tfsmonitor = x\n")).rejects.toThrow(/is protected/);
    expect(readFileSync(config, "utf8")).toBe(before);
  });

  it("ordinary files and AGENTS.md stay writable", async () => {
    mkdirSync(path.join(root, "src"));
    await write("src/app.ts", "export {};\n");
    await write("AGENTS.md", "# notes\n");
    expect(readFileSync(path.join(root, "src", "app.ts"), "utf8")).toBe("export {};\n");
    expect(readFileSync(path.join(root, "AGENTS.md"), "utf8")).toBe("# notes\n");
  });
});
