import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAnthropic, textReply, type FakeAnthropic } from "../helpers/fake-anthropic-server.js";
import { runCli, testEnv, type CliRun } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let server: FakeAnthropic | undefined;
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  await server?.close();
  server = undefined;
  ws.cleanup();
});

const lanes = (
  args: string[],
  options: { input?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<CliRun> =>
  runCli(args, {
    cwd: options.cwd ?? ws.dir,
    input: options.input,
    env: testEnv({
      ANTHROPIC_API_KEY: "sk-test",
      ...(server ? { ANTHROPIC_BASE_URL: server.url } : {}),
      ...options.env,
    }),
  });

/** The text of the user's first message in the `index`th request the fake API got. */
function userText(index: number): string {
  const content = server?.requests[index]?.body.messages[0].content as string | { text?: string }[];
  return typeof content === "string" ? content : content.map((block) => block.text ?? "").join("");
}

/** The system prompt of the first request, as one string. */
function systemText(): string {
  const system = server?.requests[0]?.body.system as string | { text: string }[];
  return typeof system === "string" ? system : system.map((block) => block.text).join("\n");
}

describe("-p reads piped stdin as claude -p does", () => {
  it("adds piped stdin after the prompt, and takes stdin as the prompt with -p - or -p alone", async () => {
    server = await startFakeAnthropic(() => textReply("ok"));
    const added = await lanes(["-p", "review this"], { input: "diff --git a/x b/x\n+hello\n" });
    expect(added.code, added.stderr).toBe(0);
    expect(userText(0)).toBe("review this\n\ndiff --git a/x b/x\n+hello");
    const dash = await lanes(["-p", "-"], { input: "explain stdin\n" });
    expect(dash.code, dash.stderr).toBe(0);
    expect(userText(1)).toBe("explain stdin");
    const alone = await lanes(["-p"], { input: "only stdin" });
    expect(alone.code, alone.stderr).toBe(0);
    expect(userText(2)).toBe("only stdin");
  });

  it('-p --model X is not a prompt of "--model": the prompt comes from stdin', async () => {
    server = await startFakeAnthropic(() => textReply("ok"));
    const run = await lanes(["-p", "--model", "claude-test-model"], { input: "piped prompt" });
    expect(run.code, run.stderr).toBe(0);
    expect(userText(0)).toBe("piped prompt");
    expect(server.requests[0]?.body.model).toBe("claude-test-model");
  });

  it("-p with no prompt and empty stdin is a usage error that calls nobody", async () => {
    server = await startFakeAnthropic(() => textReply("ok"));
    const run = await lanes(["-p"], { input: "" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/-p without a prompt reads it from stdin, but stdin was empty/);
    expect(server.requests).toHaveLength(0);
  });
});

describe("typos, help and flags that do not apply", () => {
  it("a mistyped subcommand names the valid ones; lanes tasks list names tasks' own", async () => {
    const [typo, tasksList] = await Promise.all([lanes(["statsu"]), lanes(["tasks", "list"])]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(
      /"statsu" is not a command: the commands are demo, run, sandbox, mcp, tasks, doctor/,
    );
    expect(tasksList.code).toBe(2);
    expect(tasksList.stderr).toMatch(
      /"list" is not a command of lanes tasks: its commands are logs, prune, kill/,
    );
    const near = await lanes(["doctr"]);
    expect(near.stderr).toMatch(/did you mean lanes doctor\?/);
  });

  it("lanes help, lanes help run and -v answer, exit 0", async () => {
    const [help, helpRun, version, upperVersion] = await Promise.all([
      lanes(["help"]),
      lanes(["help", "run"]),
      lanes(["-v"]),
      lanes(["-V"]),
    ]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/Usage: lanes \[options\] \[command\]/);
    expect(helpRun.code, helpRun.stderr).toBe(0);
    expect(helpRun.stdout).toMatch(/Usage: lanes run \[options\] <command\.\.\.>/);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(upperVersion.stdout).toBe(version.stdout);
    expect(help.stdout).not.toMatch(/chapter/);
  });

  it("--output-format without -p, lanes mcp --model and lanes --model X mcp are errors, exit 2", async () => {
    const [format, mcpModel, modelBefore] = await Promise.all([
      lanes(["--output-format", "json"]),
      lanes(["mcp", "--model", "x"]),
      lanes(["--model", "x", "mcp"]),
    ]);
    for (const run of [format, mcpModel, modelBefore]) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    }
    expect(format.stderr).toMatch(/--output-format applies only to -p/);
    expect(mcpModel.stderr).toMatch(/unknown option '--model'/);
    expect(modelBefore.stderr).toMatch(/--model does not apply to lanes mcp/);
    // A flag the subcommand does take may come before its name.
    const before = await lanes(["--cwd", ws.dir, "tasks"], { cwd: "/" });
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toMatch(/No running tasks/);
  });
});

describe("the workspace is the project around the current folder", () => {
  it("from repo/sub/dir, -p works in repo and reads AGENTS.md from the root down", async () => {
    server = await startFakeAnthropic(() => textReply("ok"));
    mkdirSync(join(ws.dir, ".git"));
    const sub = join(ws.dir, "sub", "dir");
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(ws.dir, "AGENTS.md"), "ROOT-CONVENTION\n");
    writeFileSync(join(ws.dir, "sub", "AGENTS.md"), "SUB-CONVENTION\n");
    const run = await lanes(["-p", "hi"], { cwd: sub });
    expect(run.code, run.stderr).toBe(0);
    const system = systemText();
    expect(system).toContain(`working in ${ws.dir}`);
    expect(system.indexOf("ROOT-CONVENTION")).toBeGreaterThan(-1);
    expect(system.indexOf("SUB-CONVENTION")).toBeGreaterThan(system.indexOf("ROOT-CONVENTION"));
    expect(existsSync(join(ws.dir, ".lanes"))).toBe(true);
    expect(existsSync(join(sub, ".lanes"))).toBe(false);
  });

  it("lanes run from a subfolder keeps its records at the root, and lanes tasks there lists them", async () => {
    mkdirSync(join(ws.dir, ".lanes"));
    const sub = join(ws.dir, "src", "deep");
    mkdirSync(sub, { recursive: true });
    const run = await lanes(["run", "--detach", "sleep 30"], { cwd: sub });
    expect(run.code, run.stderr).toBe(0);
    const id = /^(\S+)\s+started/.exec(run.stdout)?.[1] ?? "";
    try {
      expect(existsSync(join(sub, ".lanes"))).toBe(false);
      const list = await lanes(["tasks"], { cwd: join(ws.dir, "src") });
      expect(list.stdout).toContain(id);
    } finally {
      await lanes(["tasks", "kill", id], { cwd: sub });
    }
  });

  it("-p started in HOME without --cwd refuses with one line, exit 2, creating nothing", async () => {
    server = await startFakeAnthropic(() => textReply("ok"));
    const home = join(ws.dir, "home");
    mkdirSync(home);
    const run = await lanes(["-p", "hi"], { cwd: home, env: { HOME: home } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is not inside a project.*--cwd/);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(server.requests).toHaveLength(0);
    expect(existsSync(join(home, ".lanes"))).toBe(false);
    const explicit = await lanes(["--cwd", home, "-p", "hi"], { cwd: home, env: { HOME: home } });
    expect(explicit.code, explicit.stderr).toBe(0);
    expect(readdirSync(join(home, ".lanes", "sessions"))).toHaveLength(1);
  });
});

describe("the README's -p claims", () => {
  it("the README's script:FILE.json example runs offline with -p, its task result reaching the model", async () => {
    const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
    const example = /### A scripted model[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    writeFileSync(join(ws.dir, "script.json"), example);
    const run = await lanes(["--model", "script:script.json", "-p", "go", "--output-format", "json"], {
      env: { ANTHROPIC_API_KEY: "" },
    });
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { result: string; background_tasks: { status: string }[] };
    expect(summary.result).toBe("Done.");
    expect(summary.background_tasks.map((task) => task.status)).toEqual(["completed"]);
  });

  it("a key the endpoint rejects exits 1; no key at all exits 2", async () => {
    server = await startFakeAnthropic(() => ({ kind: "error", status: 401, message: "invalid x-api-key" }));
    const [rejected, missing] = await Promise.all([
      lanes(["-p", "hi"]),
      lanes(["-p", "hi"], { env: { ANTHROPIC_API_KEY: "" } }),
    ]);
    expect(rejected.code, rejected.stderr).toBe(1);
    expect(rejected.stderr).toMatch(/401|x-api-key|authentication/i);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/no API key set/);
  });
});
