import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requestsOf, routeByPrompt } from "../helpers/agent-routes.js";
import { userTexts } from "../helpers/conversation-checks.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();
const gitIn = (dir: string, ...args: string[]): string =>
  execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
const git = (...args: string[]): string => gitIn(ws.dir, ...args);
// Outside the temp folders the sandbox leaves writable, as a real checkout is: only its worktree is writable.
// Not under the repository: a clone in /tmp (a CI runner's) would put it in a temp folder, writable inside.
const OUTSIDE_TMP = join(homedir(), ".lanes-test-worktrees");

describe("isolation: worktree", () => {
  it("an agent that commits in its worktree leaves the parent checkout untouched, cannot write into it, and its branch is named in the result", async ({
    onTestFinished,
  }) => {
    mkdirSync(OUTSIDE_TMP, { recursive: true });
    const dir = mkdtempSync(join(OUTSIDE_TMP, "worktree-test-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const git = (...args: string[]): string => gitIn(dir, ...args);
    git("init", "-q", "-b", "main");
    git("config", "user.email", "t@example.com");
    git("config", "user.name", "Tester");
    writeFileSync(join(dir, "readme.txt"), "hello\n");
    git("add", "readme.txt");
    git("commit", "-qm", "initial");
    const head = git("rev-parse", "HEAD");
    const escaped = join(dir, "escaped.txt");
    const server = await startFakeAnthropic(
      routeByPrompt({
        "fix it apart": [
          toolReply([{ name: "agent_run", input: { prompt: "fix in a worktree", isolation: "worktree" } }]),
          textReply("waiting"),
          textReply("merged nothing yet"),
        ],
        "fix in a worktree": [
          toolReply([
            {
              name: "bash",
              input: {
                command: "echo fixed > fix.txt && git add fix.txt && git commit -qm fix && echo committed",
              },
            },
            { name: "bash", input: { command: `echo bad > ${escaped}` } },
          ]),
          textReply("fixed on my branch"),
        ],
      }),
    );
    onTestFinished(() => server.close());
    const run = await runCli(["-p", "fix it apart"], { cwd: dir, env: ws.env(server), onTestFinished });
    expect(run.code).toBe(0);
    const agentRequests = requestsOf(server.requests, "fix in a worktree");
    const agentSaw = JSON.stringify(agentRequests.at(-1)!.body.messages);
    expect(agentSaw).toContain("committed");
    // The parent checkout: same HEAD, no new file, nothing written through an absolute path.
    expect(git("rev-parse", "HEAD")).toBe(head);
    expect(existsSync(join(dir, "fix.txt"))).toBe(false);
    expect(existsSync(escaped)).toBe(false);
    expect(git("status", "--porcelain")).toBe("");
    const records = readdirSync(join(dir, ".lanes", "tasks")).filter((name) => name.endsWith(".json"));
    const agent = records
      .map((name) => JSON.parse(readFileSync(join(dir, ".lanes", "tasks", name), "utf8")))
      .find((r) => r.type === "local_agent");
    const branch = `lanes/agent-${agent.id}`;
    expect(git("log", "-1", "--format=%s", branch)).toBe("fix");
    expect(git("rev-parse", `${branch}~1`)).toBe(head);
    const told = userTexts(requestsOf(server.requests, "fix it apart").at(-1)!.body.messages).join("\n");
    expect(told).toContain(`branch ${branch}`);
  }, 240_000);

  it("a worktree agent that changes nothing leaves no worktree and no branch", async ({ onTestFinished }) => {
    git("init", "-q", "-b", "main");
    git("config", "user.email", "t@example.com");
    git("config", "user.name", "Tester");
    writeFileSync(join(ws.dir, "readme.txt"), "hello\n");
    git("add", "readme.txt");
    git("commit", "-qm", "initial");
    const server = await startFakeAnthropic(
      routeByPrompt({
        "look apart": [
          toolReply([{ name: "agent_run", input: { prompt: "only read", isolation: "worktree" } }]),
          textReply("waiting"),
        ],
        "only read": [textReply("nothing to change")],
      }),
    );
    onTestFinished(() => server.close());
    const run = await runCli(["-p", "look apart"], { cwd: ws.dir, env: ws.env(server), onTestFinished });
    expect(run.code).toBe(0);
    expect(git("branch", "--list", "lanes/*")).toBe("");
    expect(git("worktree", "list").split("\n")).toHaveLength(1);
  }, 240_000);

  it("a worktree whose agent was killed with its parent is listed by lanes tasks and removed by lanes tasks prune", async ({
    onTestFinished,
  }) => {
    git("init", "-q", "-b", "main");
    git("config", "user.email", "t@example.com");
    git("config", "user.name", "Tester");
    writeFileSync(join(ws.dir, "readme.txt"), "hello\n");
    git("add", "readme.txt");
    git("commit", "-qm", "initial");
    let asked = false;
    const server = await startFakeAnthropic(
      routeByPrompt({
        "start and die": [
          toolReply([{ name: "agent_run", input: { prompt: "never finish", isolation: "worktree" } }]),
          textReply("waiting"),
        ],
        "never finish": async () => {
          asked = true;
          return new Promise(() => {});
        },
      }),
    );
    onTestFinished(() => server.close());
    let pid = 0;
    const run = runCli(["-p", "start and die"], {
      cwd: ws.dir,
      env: ws.env(server),
      onSpawn: (p) => (pid = p),
      onTestFinished,
    });
    expect(await eventually(() => asked, 90_000)).toBe(true);
    const agent = ws.records().find((r) => r.type === "local_agent");
    // The parent and the agent die at once (a machine crash, kill -9 of both).
    process.kill(pid, "SIGKILL");
    process.kill(-agent.pid, "SIGKILL");
    await run;
    const listed = await runCli(["tasks"], { cwd: ws.dir, env: ws.env(), onTestFinished });
    expect(listed.stdout).toContain(`Interrupted agent worktrees`);
    expect(listed.stdout).toContain(`lanes/agent-${agent.id}`);
    const pruned = await runCli(["tasks", "prune"], { cwd: ws.dir, env: ws.env(), onTestFinished });
    expect(pruned.stdout).toContain("Removed 1 interrupted agent worktree(s)");
    expect(git("worktree", "list").split("\n")).toHaveLength(1);
    expect(git("branch", "--list", "lanes/*")).toBe("");
  }, 240_000);
});
