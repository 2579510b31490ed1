import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildSystemPrompt } from "../../src/agent/system-prompt.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

describe("system prompt", () => {
  it("tells the model it is notified and should not poll", () => {
    const prompt = buildSystemPrompt(ws.dir, undefined, { HOME: ws.dir });
    expect(prompt).toContain(ws.dir);
    expect(prompt).toMatch(/<background-results>.*never poll/s);
    expect(prompt).toContain("wait_background");
  });

  it("includes AGENTS.md and CLAUDE.md from the workspace, each tagged with its file", () => {
    writeFileSync(join(ws.dir, "AGENTS.md"), "Use pnpm, never npm.\n");
    writeFileSync(join(ws.dir, "CLAUDE.md"), "Tests live in spec/.\n");
    const prompt = buildSystemPrompt(ws.dir, undefined, { HOME: ws.dir });
    expect(prompt).toContain('<project-conventions file="AGENTS.md">\nUse pnpm, never npm.');
    expect(prompt).toContain('<project-conventions file="CLAUDE.md">\nTests live in spec/.');
  });

  it("has no conventions block when the workspace has none", () => {
    expect(buildSystemPrompt(ws.dir, undefined, { HOME: ws.dir })).not.toContain("project-conventions");
  });

  it("reads AGENTS.md from the workspace root down to the folder lanes started in, the nearest last", () => {
    const deep = join(ws.dir, "packages", "app");
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(ws.dir, "AGENTS.md"), "root rules\n");
    writeFileSync(join(ws.dir, "packages", "CLAUDE.md"), "packages rules\n");
    writeFileSync(join(deep, "AGENTS.md"), "app rules\n");
    const prompt = buildSystemPrompt(ws.dir, deep, { HOME: ws.dir });
    const order = ["root rules", "packages rules", "app rules"].map((text) => prompt.indexOf(text));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(prompt).toContain('<project-conventions file="packages/app/AGENTS.md">');
    expect(prompt).toContain("started lanes in its subfolder packages/app");
    // A folder outside the workspace is not read.
    expect(buildSystemPrompt(deep, ws.dir, { HOME: ws.dir })).not.toContain("root rules");
  });

  it("reads the user's ~/.config/lanes/AGENTS.md (XDG_CONFIG_HOME) before the project's conventions", () => {
    const config = join(ws.dir, "config");
    mkdirSync(join(config, "lanes"), { recursive: true });
    writeFileSync(join(config, "lanes", "AGENTS.md"), "Answer in British English.\n");
    writeFileSync(join(ws.dir, "AGENTS.md"), "Use pnpm, never npm.\n");
    const prompt = buildSystemPrompt(ws.dir, undefined, { XDG_CONFIG_HOME: config });
    const user = prompt.indexOf(
      '<user-conventions file="~/.config/lanes/AGENTS.md">\nAnswer in British English.',
    );
    expect(user).toBeGreaterThan(0);
    expect(prompt.indexOf("<project-conventions")).toBeGreaterThan(user);
    expect(buildSystemPrompt(ws.dir, undefined, { HOME: ws.dir })).not.toContain("user-conventions");
  });
});
