import { join } from "node:path";
import { ToolError } from "../errors/tool-error.js";
import { nestedCheckouts } from "../sandbox/nested-repos.js";
import { realised } from "../sandbox/own-cache.js";
import { protectedPaths } from "../sandbox/protected-paths.js";

const inside = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

/**
 * The model's file tools run in lanes itself, outside the sandbox: they refuse the same files the sandbox
 * keeps commands from writing (git hooks and config, editor and agent settings, .mcp.json, .env...), and
 * lanes' own folder, or a write_file of `.git/config` would plant what the sandbox stops a command planting.
 */
export function assertNotProtected(
  realRoot: string,
  realPath: string,
  shown: string,
  home: string,
  cacheDir?: string,
): void {
  // Nested checkouts' protected files all live in or at a `.git`: the walk only for such a path.
  const nested = realPath.includes("/.git") ? nestedCheckouts(realRoot) : [];
  const paths = [
    ...protectedPaths({ workspace: realRoot, configured: [], home, nested }).map((entry) => entry.path),
    join(realRoot, ".lanes"),
    ...(cacheDir === undefined ? [] : [realised(cacheDir) ?? cacheDir]),
  ];
  const hit = paths.find((path) => inside(realPath, path));
  if (hit === undefined) return;
  throw new ToolError(
    `${shown} is protected: something outside the sandbox runs or trusts it later (git hooks and config, editor tasks, agent and MCP settings, .env, lanes' own settings), so neither commands nor the file tools may write it. Tell the user what to change there and why; they can edit it themselves.`,
  );
}
