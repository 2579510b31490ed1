import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadWorkspaceEnv } from "../../src/config/workspace-env.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the workspace's .env", () => {
  it("a folder named .env (the sandbox's mount point for a missing one) loads nothing and is no error", () => {
    const workspace = mkdtempSync(join(tmpdir(), "lanes-env-"));
    dirs.push(workspace);
    mkdirSync(join(workspace, ".env"));
    const env: NodeJS.ProcessEnv = {};
    expect(loadWorkspaceEnv(workspace, true, env)).toEqual({ loaded: [], held: [] });
    expect(env).toEqual({});
  });

  it("a real .env still loads", () => {
    const workspace = mkdtempSync(join(tmpdir(), "lanes-env-"));
    dirs.push(workspace);
    writeFileSync(join(workspace, ".env"), "MODEL_ID=claude-test\n");
    const env: NodeJS.ProcessEnv = {};
    loadWorkspaceEnv(workspace, true, env);
    expect(env.MODEL_ID).toBe("claude-test");
  });
});
