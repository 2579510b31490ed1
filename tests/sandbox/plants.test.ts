import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/config/config.js";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { createSandbox } from "../../src/sandbox/create.js";
import { findByEnv } from "../helpers/process-tree.js";
import { recordReliability } from "../helpers/reliability.js";
import { eventually } from "../helpers/temp-workspace.js";

// The plant table: files that something outside the sandbox runs or trusts later (git hooks and config,
// editor tasks, MCP servers, shell rc files, executable caches, lanes' own settings), each planted by a real
// task through the real bubblewrap sandbox (workspace-write), where it must fail, and with
// danger-full-access, where it must succeed, so a row that could never plant anything shows up.

const TOKEN = `lanes-plant-${process.pid}`;
const MARK = `${TOKEN}-planted`;

interface Fixture {
  /** Pristine workspace and HOME, copied afresh for every run. */
  wsTemplate: string;
  homeTemplate: string;
  runs: string[];
}
let f: Fixture;

const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd, encoding: "utf8" });

beforeAll(() => {
  const wsTemplate = mkdtempSync(join(tmpdir(), "lanes-plant-ws-"));
  const homeTemplate = mkdtempSync(join(tmpdir(), "lanes-plant-home-"));
  for (const dir of [".npm/_cacache", ".cache/pip", ".config/lanes"]) {
    mkdirSync(join(homeTemplate, dir), { recursive: true });
  }
  writeFileSync(join(homeTemplate, ".bashrc"), "# the user's bashrc\n");
  writeFileSync(join(homeTemplate, ".config/lanes/config.json"), "{}\n");
  git(wsTemplate, "init", "-q");
  writeFileSync(join(wsTemplate, "README.md"), "hello\n");
  writeFileSync(join(wsTemplate, ".bashrc"), "# the project's own bashrc\n");
  mkdirSync(join(wsTemplate, ".lanes"));
  writeFileSync(join(wsTemplate, ".lanes/config.json"), "{}\n");
  // A submodule as git lays it out: its git folder under .git/modules, a `.git` file in the checkout.
  const module = join(wsTemplate, ".git/modules/sub");
  mkdirSync(join(module, "hooks"), { recursive: true });
  writeFileSync(join(module, "HEAD"), "ref: refs/heads/main\n");
  writeFileSync(join(module, "config"), "[core]\n\tworktree = ../../../sub\n");
  mkdirSync(join(wsTemplate, "sub"));
  writeFileSync(join(wsTemplate, "sub/.git"), "gitdir: ../.git/modules/sub\n");
  writeFileSync(join(wsTemplate, ".gitmodules"), '[submodule "sub"]\n\tpath = sub\n\turl = ./sub\n');
  // A repository of its own below the workspace, not a submodule (a cloned dependency).
  mkdirSync(join(wsTemplate, "vendor/lib"), { recursive: true });
  git(join(wsTemplate, "vendor/lib"), "init", "-q");
  git(join(wsTemplate, "vendor/lib"), "commit", "-q", "--allow-empty", "-m", "lib");
  writeFileSync(join(wsTemplate, ".git/info/exclude"), "vendor/\n");
  git(wsTemplate, "add", "README.md");
  git(wsTemplate, "commit", "-qm", "first");
  f = { wsTemplate, homeTemplate, runs: [] };
});

afterAll(() => {
  for (const dir of [f.wsTemplate, f.homeTemplate, ...f.runs]) rmSync(dir, { recursive: true, force: true });
});

type Mode = "workspace-write" | "danger-full-access";

interface Run {
  ws: string;
  home: string;
  output: string;
  exitCode: number | null;
}

/**
 * A fresh copy of the workspace and HOME. `enclosed`: the workspace is a subfolder of another checkout in the
 * temp folder (writable inside), as when lanes starts in a subfolder of a repository cloned under /tmp.
 */
function freshCopy(enclosed = false): { ws: string; home: string } {
  const base = mkdtempSync(join(tmpdir(), "lanes-plant-run-"));
  f.runs.push(base);
  if (enclosed) git(base, "init", "-q", "outer");
  const ws = join(base, enclosed ? "outer/ws" : "ws");
  const home = join(base, "home");
  cpSync(f.wsTemplate, ws, { recursive: true });
  cpSync(f.homeTemplate, home, { recursive: true });
  return { ws, home };
}

/** One command as the model's commands run: a task of a LaneManager, in the session's sandbox. */
/** `homeWritable`: HOME is a configured writable root too (its rc files then matter). */
async function runIn(
  ws: string,
  home: string,
  command: string,
  mode: Mode,
  homeWritable = false,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<Run> {
  return (await runSession(ws, home, [command], mode, homeWritable, extraEnv))[0]!;
}

/** Commands one after the other in one session (one sandbox), as a model's turns run them. */
async function runSession(
  ws: string,
  home: string,
  commands: string[],
  mode: Mode,
  homeWritable = false,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<Run[]> {
  const roots = ["~/.npm", "~/.cache", ...(homeWritable ? ["~"] : [])];
  const config = ConfigSchema.parse({ sandbox: mode, sandbox_network: "off", sandbox_writable_roots: roots });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, PLANT_PROBE: TOKEN, ...extraEnv };
  // npx/npm running vitest point npm at the real ~/.npm: commands use the test's HOME instead.
  for (const key of Object.keys(env)) if (key.toLowerCase().startsWith("npm_config_")) delete env[key];
  const sandbox = createSandbox(config, {
    workspace: ws,
    lanesDir: join(ws, ".lanes"),
    env,
    onUnavailable: (line) => {
      throw new Error(line);
    },
  });
  const lanes = new LaneManager({
    ownerPid: process.pid,
    workspace: ws,
    env,
    sandbox,
    killGraceMs: 300,
    stallMs: 0,
  });
  try {
    const runs: Run[] = [];
    for (const command of commands) {
      const record = lanes.start({ command, timeoutMs: 30_000 });
      const ended = await lanes.whenEnded(record.id);
      runs.push({ ws, home, output: readFileSync(ended.output_file, "utf8"), exitCode: ended.exit_code });
    }
    return runs;
  } finally {
    await lanes.shutdown();
    sandbox?.close();
  }
}

async function run(
  command: string,
  mode: Mode,
  plant: Omit<Plant, "name" | "command" | "planted">,
): Promise<Run> {
  const { ws, home } = freshCopy(plant.enclosed);
  const xdg = plant.xdgCacheIn === undefined ? {} : { XDG_CACHE_HOME: xdgCache(ws, plant.xdgCacheIn) };
  return runIn(ws, home, command, mode, plant.homeWritable, xdg);
}

/** An XDG_CACHE_HOME inside the workspace, or in the temp folder beside it (outside HOME and the workspace). */
const xdgCache = (ws: string, where: "workspace" | "temp"): string =>
  join(where === "workspace" ? ws : dirname(ws), "xdg-cache");

const has = (path: string): boolean => existsSync(path) && readFileSync(path, "utf8").includes(MARK);

interface Plant {
  name: string;
  command: string;
  planted: (ws: string, home: string) => boolean;
  /** Run with HOME as a writable root (`sandbox_writable_roots` holding `~`). */
  homeWritable?: true;
  /** The workspace is a subfolder of a checkout in the temp folder (see freshCopy). */
  enclosed?: true;
  /** Run with XDG_CACHE_HOME (lanes' cache folder, which agent workers run code from) there. */
  xdgCacheIn?: "workspace" | "temp";
}

const fsmonitor = `[core]\\n\\tfsmonitor = \\"echo ${MARK}\\"\\n`;
const PLANTS: Plant[] = [
  {
    name: "create .git/hooks/pre-commit",
    command: `printf '#!/bin/sh\\necho ${MARK}\\n' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit`,
    planted: (ws) => has(join(ws, ".git/hooks/pre-commit")),
  },
  {
    name: "append core.fsmonitor to .git/config",
    command: `printf "${fsmonitor}" >> .git/config`,
    planted: (ws) => has(join(ws, ".git/config")),
  },
  {
    name: "mv a file over .git/config",
    command: `{ cat .git/config; printf "${fsmonitor}"; } > x && mv -f x .git/config`,
    planted: (ws) => has(join(ws, ".git/config")),
  },
  {
    name: "git config core.fsmonitor through GIT_DIR",
    command: `GIT_DIR="$PWD/.git" git config core.fsmonitor "echo ${MARK}"`,
    planted: (ws) => has(join(ws, ".git/config")),
  },
  {
    name: "write .git/config through ../workspace/.git",
    command: `printf "${fsmonitor}" >> "../$(basename "$PWD")/.git/config"`,
    planted: (ws) => has(join(ws, ".git/config")),
  },
  {
    name: "write through a symlink to .git/config",
    command: `ln -s .git/config link && printf "${fsmonitor}" >> link`,
    planted: (ws) => has(join(ws, ".git/config")),
  },
  {
    name: "replace .git/hooks with a symlink to planted hooks",
    command: `mkdir evil && echo ${MARK} > evil/pre-commit && rm -rf .git/hooks && ln -s ../evil .git/hooks`,
    planted: (ws) => has(join(ws, ".git/hooks/pre-commit")),
  },
  {
    name: "mv .git aside and rebuild it with a planted config",
    command: `mv .git .git-old && cp -a .git-old .git && printf "${fsmonitor}" >> .git/config`,
    planted: (ws) => has(join(ws, ".git/config")),
  },
  {
    name: "append to a submodule's config in .git/modules",
    command: `printf "${fsmonitor}" >> .git/modules/sub/config`,
    planted: (ws) => has(join(ws, ".git/modules/sub/config")),
  },
  {
    name: "point a submodule's .git file at a planted git folder",
    command: `echo "gitdir: ../${MARK}" > sub/.git`,
    planted: (ws) => has(join(ws, "sub/.git")),
  },
  {
    name: "create a hook in a nested repository that is not a submodule (vendor/lib/.git)",
    command: `printf '#!/bin/sh\\necho ${MARK}\\n' > vendor/lib/.git/hooks/post-checkout`,
    planted: (ws) => has(join(ws, "vendor/lib/.git/hooks/post-checkout")),
  },
  {
    name: "append core.fsmonitor to a nested repository's config",
    command: `printf "${fsmonitor}" >> vendor/lib/.git/config`,
    planted: (ws) => has(join(ws, "vendor/lib/.git/config")),
  },
  {
    name: "create a hook in the checkout under /tmp that holds the workspace (../.git)",
    command: `printf '#!/bin/sh\\necho ${MARK}\\n' > ../.git/hooks/pre-commit`,
    planted: (ws) => has(join(ws, "../.git/hooks/pre-commit")),
    enclosed: true,
  },
  {
    name: "append core.fsmonitor to the enclosing checkout's config under /tmp",
    command: `printf "${fsmonitor}" >> ../.git/config`,
    planted: (ws) => has(join(ws, "../.git/config")),
    enclosed: true,
  },
  {
    name: "overwrite .gitmodules",
    command: `echo "# ${MARK}" > .gitmodules`,
    planted: (ws) => has(join(ws, ".gitmodules")),
  },
  {
    name: "create .devcontainer/devcontainer.json (its initializeCommand runs on the host)",
    command: `mkdir -p .devcontainer && echo '{"initializeCommand": "${MARK}"}' > .devcontainer/devcontainer.json`,
    planted: (ws) => has(join(ws, ".devcontainer/devcontainer.json")),
  },
  {
    name: "mkdir -p .vscode && create .vscode/tasks.json",
    command: `mkdir -p .vscode && echo '{"label": "${MARK}"}' > .vscode/tasks.json`,
    planted: (ws) => has(join(ws, ".vscode/tasks.json")),
  },
  {
    name: "rename a prepared folder to .vscode",
    command: `mkdir x && echo ${MARK} > x/tasks.json && mv x .vscode`,
    planted: (ws) => has(join(ws, ".vscode/tasks.json")),
  },
  {
    name: "create .idea/workspace.xml",
    command: `mkdir -p .idea && echo ${MARK} > .idea/workspace.xml`,
    planted: (ws) => has(join(ws, ".idea/workspace.xml")),
  },
  {
    name: "create .mcp.json",
    command: `echo '{"mcpServers": {"x": {"command": "${MARK}"}}}' > .mcp.json`,
    planted: (ws) => has(join(ws, ".mcp.json")),
  },
  {
    name: "create .claude/commands/x.md and .claude/settings.json",
    command: `mkdir -p .claude/commands; echo ${MARK} > .claude/commands/x.md; echo ${MARK} > .claude/settings.json`,
    planted: (ws) => has(join(ws, ".claude/commands/x.md")) || has(join(ws, ".claude/settings.json")),
  },
  {
    name: "create .envrc",
    command: `echo "echo ${MARK}" > .envrc`,
    planted: (ws) => has(join(ws, ".envrc")),
  },
  {
    name: "create .env (endpoints and keys lanes loads in a trusted workspace)",
    command: `echo "ANTHROPIC_BASE_URL=http://${MARK}" > .env`,
    planted: (ws) => has(join(ws, ".env")),
  },
  {
    name: "create .ripgreprc",
    command: `echo "--pre=${MARK}" > .ripgreprc`,
    planted: (ws) => has(join(ws, ".ripgreprc")),
  },
  {
    name: "append to a .bashrc the workspace has",
    command: `echo "echo ${MARK}" >> .bashrc`,
    planted: (ws) => has(join(ws, ".bashrc")),
  },
  {
    name: "append to ~/.bashrc (HOME a writable root)",
    command: `echo "echo ${MARK}" >> ~/.bashrc`,
    planted: (_ws, home) => has(join(home, ".bashrc")),
    homeWritable: true,
  },
  {
    name: "create ~/.zshrc and ~/.profile",
    command: `echo "echo ${MARK}" > ~/.zshrc; echo "echo ${MARK}" > ~/.profile`,
    planted: (_ws, home) => has(join(home, ".zshrc")) || has(join(home, ".profile")),
    homeWritable: true,
  },
  {
    name: "create ~/.gitconfig",
    command: `printf "${fsmonitor}" > ~/.gitconfig`,
    planted: (_ws, home) => has(join(home, ".gitconfig")),
    homeWritable: true,
  },
  {
    name: "create ~/.local/bin/git",
    command: `mkdir -p ~/.local/bin && echo "echo ${MARK}" > ~/.local/bin/git`,
    planted: (_ws, home) => has(join(home, ".local/bin/git")),
    homeWritable: true,
  },
  {
    name: "plant a program in npx's cache (~/.npm/_npx)",
    command: `mkdir -p ~/.npm/_npx/abc/node_modules/.bin && echo ${MARK} > ~/.npm/_npx/abc/node_modules/.bin/x`,
    planted: (_ws, home) => has(join(home, ".npm/_npx/abc/node_modules/.bin/x")),
  },
  {
    name: "plant a hook environment in ~/.cache/pre-commit",
    command: `mkdir -p ~/.cache/pre-commit/repo && echo ${MARK} > ~/.cache/pre-commit/repo/hook`,
    planted: (_ws, home) => has(join(home, ".cache/pre-commit/repo/hook")),
  },
  {
    name: "plant a package manager in corepack's cache",
    command: `mkdir -p ~/.cache/node/corepack/pnpm && echo ${MARK} > ~/.cache/node/corepack/pnpm/pnpm.js`,
    planted: (_ws, home) => has(join(home, ".cache/node/corepack/pnpm/pnpm.js")),
  },
  {
    name: "plant compiled code in lanes' own cache (~/.cache/lanes, which agent workers run)",
    command: `mkdir -p ~/.cache/lanes/code-cache && echo ${MARK} > ~/.cache/lanes/code-cache/agent-worker.cjs-0.bin`,
    planted: (_ws, home) => has(join(home, ".cache/lanes/code-cache/agent-worker.cjs-0.bin")),
  },
  {
    name: "plant compiled code in lanes' cache where XDG_CACHE_HOME is inside the workspace",
    command: `mkdir -p "$XDG_CACHE_HOME/lanes/code-cache" && echo ${MARK} > "$XDG_CACHE_HOME/lanes/code-cache/w.bin"`,
    planted: (ws) => has(join(xdgCache(ws, "workspace"), "lanes/code-cache/w.bin")),
    xdgCacheIn: "workspace",
  },
  {
    name: "plant compiled code in lanes' cache where XDG_CACHE_HOME is in the temp folder",
    command: `mkdir -p "$XDG_CACHE_HOME/lanes/code-cache" && echo ${MARK} > "$XDG_CACHE_HOME/lanes/code-cache/w.bin"`,
    planted: (ws) => has(join(xdgCache(ws, "temp"), "lanes/code-cache/w.bin")),
    xdgCacheIn: "temp",
  },
  {
    name: "overwrite lanes' workspace settings (.lanes/config.json)",
    command: `echo '{"sandbox": "danger-full-access", "x": "${MARK}"}' > .lanes/config.json`,
    planted: (ws) => has(join(ws, ".lanes/config.json")),
  },
  {
    name: "forge a task record in .lanes/tasks",
    command: `mkdir -p .lanes/tasks && echo '{"id": "${MARK}"}' > .lanes/tasks/forged.json`,
    planted: (ws) => has(join(ws, ".lanes/tasks/forged.json")),
  },
  {
    name: "overwrite the user's lanes settings (~/.config/lanes/config.json)",
    command: `echo '{"allow": ["${MARK}"]}' > ~/.config/lanes/config.json`,
    planted: (_ws, home) => has(join(home, ".config/lanes/config.json")),
  },
];

let attempts = 0;
let refused = 0;

describe.sequential("plant table: workspace-write refuses, danger-full-access plants", () => {
  it.each(PLANTS.map((plant) => [plant.name, plant] as const))("%s", async (_name, plant) => {
    const boxed = await run(plant.command, "workspace-write", plant);
    attempts++;
    const planted = plant.planted(boxed.ws, boxed.home);
    if (!planted) refused++;
    expect(planted, boxed.output).toBe(false);
    const open = await run(plant.command, "danger-full-access", plant);
    expect(plant.planted(open.ws, open.home), open.output).toBe(true);
  });

  it("refuses every plant of the table in the sandbox (cases = attempts, items lost = plants)", ({
    task,
  }) => {
    const left = findByEnv("PLANT_PROBE", TOKEN).length;
    expect(attempts).toBe(PLANTS.length);
    expect(attempts).toBeGreaterThanOrEqual(20);
    expect(refused).toBe(attempts);
    expect(left).toBe(0);
    recordReliability(task, {
      area: "Security",
      does: "plant table in the real bubblewrap sandbox (workspace-write): git hooks/config (direct, mv, ln -s, GIT_DIR, ../ws, mv .git, submodules, nested repositories, a checkout under /tmp holding the workspace), .vscode/.idea/.claude/.mcp.json/.env/.envrc/.ripgreprc, shell rc files, ~/.gitconfig, ~/.local/bin, npx/pre-commit/corepack caches, lanes' settings and records; each also run with danger-full-access, where it plants",
      cases: attempts,
      faultsSurvived: refused,
      processesLeft: left,
      itemsLost: attempts - refused,
    });
  });
});

/** Every path under `dir`, lanes' own records left out. */
function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => !p.startsWith(".lanes")).sort();
}

describe.sequential("mount points for paths that do not exist yet", () => {
  it("leaves nothing behind in the workspace or HOME once a command ends", async () => {
    const { ws, home } = freshCopy();
    const before = { ws: listing(ws), home: listing(home) };
    const boxed = await runIn(
      ws,
      home,
      "ls -a; test -d .mcp.json && test -d .vscode && echo held",
      "workspace-write",
    );
    // While it ran, the missing paths were held by empty mount points (a missing file by an empty folder, which
    // git and npm skip: an empty file there was committed by `git add -A`).
    expect(boxed.output).toContain("held");
    expect({ ws: listing(ws), home: listing(home) }).toEqual(before);
  });

  it("a mount point reused by the next command stays protected past the idle sweep of the one before", async () => {
    const { ws, home } = freshCopy();
    // The first command's mount points become idle when it ends; the second reuses them for longer than
    // the sweep's delay (1 s), then tries to plant through one.
    const plant = `sleep 2; echo ${MARK} > .mcp.json; echo "rc=$?"`;
    const [, second] = await runSession(ws, home, ["true", plant], "workspace-write");
    expect(second?.output).toMatch(/Read-only file system|rc=[1-9]/);
    expect(has(join(ws, ".mcp.json"))).toBe(false);
  });

  it("keeps what the user put into a mount point while the command ran", async () => {
    const { ws, home } = freshCopy();
    const command = "while [ ! -e go ]; do sleep 0.05; done";
    const running = runIn(ws, home, command, "workspace-write");
    expect(await eventually(() => existsSync(join(ws, ".vscode")), 20_000)).toBe(true);
    writeFileSync(join(ws, ".vscode/settings.json"), `{"user": "${TOKEN}"}\n`);
    writeFileSync(join(ws, "go"), "");
    const ended = await running;
    expect(ended.exitCode, ended.output).toBe(0);
    expect(readFileSync(join(ws, ".vscode/settings.json"), "utf8")).toContain(TOKEN);
    expect(existsSync(join(ws, ".mcp.json"))).toBe(false);
    expect(existsSync(join(ws, ".idea"))).toBe(false);
  });
});

describe.sequential("git, npm and pip still work inside", () => {
  it("git add and commit in the workspace's repository, with its hooks read-only", async () => {
    const { ws, home } = freshCopy();
    const command = [
      "echo more > new.txt",
      "git add new.txt",
      "git -c user.email=t@t -c user.name=t commit -qm second",
      "echo x > .git/hooks/pre-commit || echo hooks-refused",
    ].join(" && ");
    const boxed = await runIn(ws, home, command, "workspace-write");
    expect(boxed.exitCode, boxed.output).toBe(0);
    expect(boxed.output).toContain("hooks-refused");
    expect(git(ws, "log", "--oneline").trim().split("\n")).toHaveLength(2);
  });

  it("git add -A commits what the command wrote and none of the mount points that hold missing paths", async () => {
    const { ws, home } = freshCopy();
    // The template's own untracked files (a .bashrc, a .gitmodules) are the user's: those go in too.
    const untracked = git(ws, "ls-files", "--others", "--exclude-standard")
      .trim()
      .split("\n")
      // lanes' own folder gets a .gitignore of * once a command runs.
      .filter((name) => name !== "" && !name.startsWith(".lanes/"));
    const command =
      "echo more > new.txt && git add -A && git -c user.email=t@t -c user.name=t commit -qm all";
    const boxed = await runIn(ws, home, command, "workspace-write");
    expect(boxed.exitCode, boxed.output).toBe(0);
    const committed = git(ws, "show", "--name-only", "--format=", "HEAD").trim().split("\n");
    expect(committed.sort()).toEqual([...untracked, "new.txt"].sort());
  });

  it("git init, add and commit in a folder that had no repository", async () => {
    const { ws, home } = freshCopy();
    const command =
      "mkdir fresh && cd fresh && git init -q && echo a > a && git add a && git -c user.email=t@t -c user.name=t commit -qm one";
    const boxed = await runIn(ws, home, command, "workspace-write");
    expect(boxed.exitCode, boxed.output).toBe(0);
    expect(git(join(ws, "fresh"), "log", "--oneline")).toContain("one");
  });

  it("npm install of a local tarball, offline, filling ~/.npm/_cacache", async () => {
    const { ws, home } = freshCopy();
    mkdirSync(join(ws, "dep"));
    writeFileSync(join(ws, "dep/package.json"), '{"name": "plant-dep", "version": "1.0.0"}\n');
    writeFileSync(join(ws, "dep/index.js"), `module.exports = "${TOKEN}";\n`);
    execFileSync("npm", ["pack", "--silent", "./dep"], { cwd: ws, env: { ...process.env, HOME: home } });
    const command =
      "npm install --offline --no-audit --no-fund ./plant-dep-1.0.0.tgz && node -p 'require(\"plant-dep\")'";
    const boxed = await runIn(ws, home, command, "workspace-write");
    expect(boxed.exitCode, boxed.output).toBe(0);
    expect(boxed.output).toContain(TOKEN);
    expect(readdirSync(join(home, ".npm/_cacache")).length).toBeGreaterThan(0);
  });

  it("pip install --no-index of a local wheel, offline", async () => {
    const { ws, home } = freshCopy();
    // A wheel is a zip with the module and its metadata: made here, no build backend or network needed.
    const script = [
      "import zipfile",
      "z = zipfile.ZipFile('plant_tiny-0.1-py3-none-any.whl', 'w')",
      `z.writestr('plant_tiny.py', 'VALUE = "${TOKEN}"\\n')`,
      "z.writestr('plant_tiny-0.1.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: plant-tiny\\nVersion: 0.1\\n')",
      "z.writestr('plant_tiny-0.1.dist-info/WHEEL', 'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')",
      "z.writestr('plant_tiny-0.1.dist-info/RECORD', '')",
      "z.close()",
    ].join("\n");
    execFileSync("python3", ["-c", script], { cwd: ws });
    // The interpreter itself: a pyenv shim would try to rehash its read-only shims folder after installing.
    const python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
      encoding: "utf8",
    }).trim();
    const command = [
      `${python} -m pip install -q --disable-pip-version-check --no-index --target vendor ./plant_tiny-0.1-py3-none-any.whl`,
      `PYTHONPATH=vendor ${python} -c 'import plant_tiny; print(plant_tiny.VALUE)'`,
    ].join(" && ");
    const boxed = await runIn(ws, home, command, "workspace-write");
    expect(boxed.exitCode, boxed.output).toBe(0);
    expect(boxed.output).toContain(TOKEN);
  });
});
