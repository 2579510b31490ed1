import { join } from "node:path";
import { enclosingCheckout, gitPathsToProtect, repositoryFiles } from "./git-paths.js";

/**
 * How a protected path looks inside: `read-only` refuses every write (EROFS, EBUSY for rename and unlink);
 * `scratch` is an empty writable tmpfs whose contents vanish with the command (npx still works inside).
 */
export type Protection = "read-only" | "scratch";

export interface ProtectedEntry {
  /** Relative to the root it protects. */
  path: string;
  /** What to make when it does not exist yet: the mount point's type. */
  kind: "file" | "dir";
  how: Protection;
  /**
   * false: protected only when it exists. For names nothing reads from a project folder (shell rc files,
   * .gitconfig): each mount point costs a mount per command, so a missing one there gets none.
   */
  whenMissing?: boolean;
}

const file = (path: string): ProtectedEntry => ({ path, kind: "file", how: "read-only" });
const ifPresent = (path: string): ProtectedEntry => ({ ...file(path), whenMissing: false });
const dir = (path: string): ProtectedEntry => ({ path, kind: "dir", how: "read-only" });
/**
 * A file protected while missing through an empty folder in its place: git and npm skip empty folders, while
 * an empty file there was committed by a `git add -A` inside (and listed by every tool that walks the tree).
 */
const fileHeldByDir = (path: string): ProtectedEntry => ({ path, kind: "dir", how: "read-only" });

/** Shell start-up files: run by the user's next login or shell wherever HOME is a writable root. */
export const SHELL_RC_FILES: readonly string[] = [
  ".bashrc",
  ".bash_profile",
  ".bash_login",
  ".bash_logout",
  ".profile",
  ".zshrc",
  ".zshenv",
  ".zprofile",
  ".zlogin",
  ".inputrc",
];

/**
 * Files that something outside the sandbox runs or trusts later, protected at the top of the workspace and
 * of every configured writable root (see docs/SANDBOX.md, "What is protected", for why each is here).
 */
export const PROJECT_PROTECTED: readonly ProtectedEntry[] = [
  ...SHELL_RC_FILES.map(ifPresent),
  ifPresent(".gitconfig"),
  fileHeldByDir(".gitmodules"),
  fileHeldByDir(".ripgreprc"),
  fileHeldByDir(".mcp.json"),
  fileHeldByDir(".envrc"),
  fileHeldByDir(".env"),
  fileHeldByDir(".npmrc"),
  dir(".vscode"),
  dir(".idea"),
  dir(".claude"),
  dir(".cursor"),
  dir(".codex"),
  dir(".devcontainer"),
];

/** In HOME, when a writable root holds it: git's global config and folders that run programs at login. */
export const HOME_PROTECTED: readonly ProtectedEntry[] = [
  ...SHELL_RC_FILES.map(file),
  file(".gitconfig"),
  dir(".config/git"),
  dir(".local/bin"),
  dir(".config/autostart"),
  dir(".config/systemd"),
];

/**
 * Caches that hold programs run later outside (relative to HOME). npx's cache is a scratch folder, so
 * `npx pkg` still works inside; the others are read-only: what they hold runs, what is missing fails.
 * `~/.npm/_cacache` and `~/.cache/pip` stay writable: `npm install` and `pip install` need them.
 */
export const CACHE_PROTECTED: readonly ProtectedEntry[] = [
  { path: ".npm/_npx", kind: "dir", how: "scratch" },
  dir(".cache/node/corepack"),
  dir(".cache/pre-commit"),
  dir(".cache/node-gyp"),
  dir(".cache/ms-playwright"),
  dir(".cache/puppeteer"),
  dir(".cache/deno"),
  // The agent worker's V8 code cache: code in it runs outside the sandbox, with the API key.
  dir(".cache/lanes"),
];

/** One absolute path to protect. */
export type ProtectedPath = ProtectedEntry;

const absolute = (root: string, entries: readonly ProtectedEntry[]): ProtectedPath[] =>
  entries.map((entry) => ({ ...entry, path: join(root, entry.path) }));

const inside = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

export interface ProtectionScope {
  /** Real paths, as bubblewrap binds them. */
  workspace: string;
  /** The configured writable roots that exist (the caches among them get the cache list only). */
  configured: readonly string[];
  home: string;
  /**
   * The temp folders, writable inside: a repository there that holds the workspace from above (lanes
   * started in a subfolder of a checkout under /tmp) has its git files protected too.
   */
  temp?: readonly string[];
  /** Checkouts with a `.git` of their own below the workspace (see nested-repos.ts). */
  nested?: readonly string[];
  /**
   * lanes' cache folder (real path; agent workers run the code cached there, outside the sandbox): read-only
   * wherever it lies in a writable place, a temp folder or an XDG_CACHE_HOME inside the workspace included.
   */
  lanesCache?: string;
}

/** The checkout above the workspace whose `.git` lies in a temp folder, writable inside. */
function enclosingInTemp(scope: ProtectionScope): string | undefined {
  const checkout = scope.temp?.length ? enclosingCheckout(scope.workspace) : undefined;
  return checkout !== undefined && scope.temp?.some((root) => inside(checkout, root)) ? checkout : undefined;
}

/** The roots whose paths are protected: the workspace, the configured writable roots, and see `temp`. */
export function protectedRoots(scope: ProtectionScope): string[] {
  const roots = [scope.workspace, ...scope.configured];
  return enclosingInTemp(scope) === undefined ? roots : [...roots, ...(scope.temp ?? [])];
}

/**
 * Every path to protect: the project list and the repository's git files in the workspace and in each
 * configured root that is not a cache, the cache list under HOME, and HOME's own files when the workspace or
 * a configured root holds HOME; the git files of checkouts nested below the workspace and of one that holds
 * it from a temp folder. Otherwise the temp folders are scratch: nothing there is protected (each protected
 * path is a mount per command, and more mounts make the sandbox slower to start and to end).
 */
export function protectedPaths(scope: ProtectionScope): ProtectedPath[] {
  const { home, workspace } = scope;
  const writable = [workspace, ...scope.configured];
  const cacheRoots = [join(home, ".npm"), join(home, ".cache")];
  const projects = [workspace, ...scope.configured.filter((root) => !cacheRoots.includes(root))];
  // HOME's entries first: where HOME is also a project root, its rc files are protected even when missing.
  const found: ProtectedPath[] = writable.some((root) => inside(home, root))
    ? absolute(home, HOME_PROTECTED)
    : [];
  for (const root of new Set(projects)) {
    found.push(...absolute(root, PROJECT_PROTECTED), ...gitPathsToProtect(root));
  }
  for (const checkout of scope.nested ?? []) found.push(...repositoryFiles(checkout));
  const enclosing = enclosingInTemp(scope);
  // Only what exists: a mount point made in someone else's checkout would show up in their git status.
  if (enclosing !== undefined)
    found.push(...repositoryFiles(enclosing).map((entry) => ({ ...entry, whenMissing: false })));
  found.push(...absolute(home, CACHE_PROTECTED));
  const roots = protectedRoots(scope);
  const seen = new Set<string>();
  const kept = found.filter((entry) => {
    if (seen.has(entry.path) || !roots.some((root) => inside(entry.path, root))) return false;
    seen.add(entry.path);
    return true;
  });
  const cache = scope.lanesCache;
  const writableAnywhere = [...roots, ...(scope.temp ?? [])];
  if (cache !== undefined && !seen.has(cache) && writableAnywhere.some((root) => inside(cache, root)))
    kept.push({ path: cache, kind: "dir", how: "read-only" });
  return kept;
}
