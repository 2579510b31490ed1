/* eslint-disable @typescript-eslint/no-explicit-any -- the JSON result is loose in tests */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { countProcessesLeft, processesUnder } from "../helpers/left-behind.js";
import { runCli, testEnv, type CliRun } from "../helpers/run-cli.js";
import { eventually, sleep, tempWorkspace } from "../helpers/temp-workspace.js";

// Dev servers in the sandbox's private network namespace, opened from the host: lanes publishes each port a
// task listens on at the host's 127.0.0.1 (as `docker run -p 127.0.0.1:P:P`), and says where.
let ws: ReturnType<typeof tempWorkspace>;
let hostServers: Server[] = [];
beforeEach(() => {
  ws = tempWorkspace("lanes-ports-");
});
afterEach(() => {
  // Whatever a failed test left (the task, the publisher, whose argv names the workspace) is ended.
  for (const pid of processesUnder([ws.dir])) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  for (const server of hostServers) server.close();
  hostServers = [];
  ws.cleanup();
});

const lanes = (args: string[], onTestFinished?: (hook: () => void) => void): Promise<CliRun> =>
  runCli(args, { env: testEnv(), cwd: ws.dir, onTestFinished });

/** A port free on the host right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP service on the host's own loopback (what a sandboxed command must never reach). */
async function hostService(port = 0): Promise<number> {
  const server = createServer((socket) => socket.end("host secret\n"));
  hostServers.push(server);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

/** The body of http://127.0.0.1:PORT/ fetched by the real curl on the host, or undefined when refused. */
function curl(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("curl", ["-sS", "--max-time", "3", `http://127.0.0.1:${port}/`], (error, stdout) =>
      resolve(error ? undefined : stdout),
    );
  });
}

/** Polls `get` until `done` holds for its result or `timeoutMs` passes; returns the last result. */
async function until<T>(get: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(200);
  }
}

/** The host's curl, polled until the server answers (it starts listening a moment after its task). */
const curlEventually = (port: number, timeoutMs = 20_000): Promise<string | undefined> =>
  until(
    () => curl(port),
    (body) => body !== undefined,
    timeoutMs,
  );

/** `lanes tasks`, polled until its output matches. */
const tasksEventually = async (pattern: RegExp): Promise<string> =>
  until(
    async () => (await lanes(["tasks"])).stdout,
    (list) => pattern.test(list),
  );

const server = (port: number, text: string): string =>
  `node -e 'require("http").createServer((q, s) => s.end("${text}\\n")).listen(${port}, "127.0.0.1")'`;

/** Every process in the network namespace `link` ("net:[N]"): the task, a holder, a relay. */
function inNamespace(link: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/net`) === link;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The publishers of this test's workspace, with their ports files: what a failure message shows. */
function publishers(): string {
  const dir = join(ws.dir, ".lanes", "tasks");
  const files = readdirSync(dir).filter((name) => name.endsWith(".ports"));
  const pids = processesUnder([ws.dir]);
  return `processes ${pids.join(" ")}; ${files.map((name) => readFileSync(join(dir, name), "utf8")).join("; ")}`;
}

function record(id: string): any {
  return JSON.parse(readFileSync(join(ws.dir, ".lanes", "tasks", `${id}.json`), "utf8"));
}

function scriptModel(turns: unknown[]): string {
  const script = join(ws.dir, "..", `${ws.dir.split("/").pop()}-script.json`);
  writeFileSync(script, JSON.stringify({ turns }));
  return `script:${script}`;
}

/** `lanes tasks kill ID`, then: nothing of the task is left, in its namespace or naming its workspace. */
async function killAndExpectNothingLeft(id: string, link: string): Promise<void> {
  const killed = await lanes(["tasks", "kill", id]);
  expect(killed.code, killed.stderr).toBe(0);
  expect(await eventually(() => inNamespace(link).length === 0, 10_000, 100)).toBe(true);
  expect(await countProcessesLeft([ws.dir], [id], 5_000)).toBe(0);
}

describe("dev servers in the sandbox are published on the host's 127.0.0.1", () => {
  it("lanes run --detach: reachable from the host after lanes exits, listed as listening; kill leaves nothing", async ({
    onTestFinished,
  }) => {
    const port = await freePort();
    const run = await lanes(["run", "--detach", server(port, "hello from a detached task")], onTestFinished);
    expect(run.code, run.stderr).toBe(0);
    const id = /^(\S+)\s+started/.exec(run.stdout)?.[1] ?? "?";
    expect(await curlEventually(port)).toBe("hello from a detached task\n");
    expect(await tasksEventually(/listening on/)).toContain(`listening on 127.0.0.1:${port}`);
    const link = readlinkSync(`/proc/${record(id).pid}/ns/net`);
    expect(link).not.toBe(readlinkSync("/proc/self/ns/net"));
    await killAndExpectNothingLeft(id, link);
    expect(await curl(port)).toBeUndefined();
  }, 60_000);

  it("a port taken on the host: published on another, and the task's line says which and why", async ({
    onTestFinished,
  }) => {
    const taken = await hostService();
    const run = await lanes(["run", "--detach", server(taken, "hello from the lane")], onTestFinished);
    expect(run.code, run.stderr).toBe(0);
    const id = /^(\S+)\s+started/.exec(run.stdout)?.[1] ?? "?";
    const line = await tasksEventually(/listening on 127\.0\.0\.1:\d+/);
    const published = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
    expect(published).not.toBe(taken);
    expect(line).toContain(`port ${taken} is taken on the host`);
    const body = await curlEventually(published);
    expect(body, `${line}\n${publishers()}`).toBe("hello from the lane\n");
    // The host's own service on that port is untouched.
    expect(await curl(taken)).toBeUndefined();
    await killAndExpectNothingLeft(id, readlinkSync(`/proc/${record(id).pid}/ns/net`));
  }, 60_000);

  it("a plain background_run: reachable while the session runs; a persist one also after it exits", async ({
    onTestFinished,
  }) => {
    const [plain, kept] = [await freePort(), await freePort()];
    const hostOnly = await hostService();
    // The session waits in a foreground bash until the test has opened both servers from the host.
    const waitForHost = `for i in $(seq 1 600); do [ -f opened ] && break; sleep 0.1; done; curl -sS --max-time 2 http://127.0.0.1:${hostOnly}/ || echo "host loopback refused"`;
    const model = scriptModel([
      { tool_calls: [{ name: "background_run", input: { command: server(plain, "plain") } }] },
      {
        tool_calls: [
          { name: "background_run", input: { command: server(kept, "persisted"), persist: true } },
        ],
      },
      { tool_calls: [{ name: "bash", input: { command: waitForHost, timeout_ms: 120_000 } }] },
      { tool_calls: [{ name: "check_background", input: {} }] },
      // Both are servers (one persisted, one listening): a wait for "every running task" does not wait out
      // its timeout on them.
      { tool_calls: [{ name: "wait_background", input: { timeout_ms: 30_000 } }] },
      { text: "done" },
    ]);
    const session = lanes(
      ["--model", model, "-p", "go", "--output-format", "stream-json", "--max-wait", "1"],
      onTestFinished,
    );
    const [fromPlain, fromKept] = [await curlEventually(plain), await curlEventually(kept)];
    writeFileSync(join(ws.dir, "opened"), "");
    const run = await session;
    expect(fromPlain, run.stderr).toBe("plain\n");
    expect(fromKept).toBe("persisted\n");
    const events = run.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as any);
    const bash = events.find((event) => event.type === "tool-result" && event.name === "bash");
    // Publishing opens no way out: the host's loopback stays out of the sandbox's reach.
    expect(bash?.content).toContain("host loopback refused");
    expect(bash?.content).not.toContain("host secret");
    // What the model is told: each server's line says where the host reaches it.
    const listing = events.find((event) => event.type === "tool-result" && event.name === "check_background");
    expect(listing?.content).toContain(`listening on 127.0.0.1:${plain}`);
    expect(listing?.content).toContain(`listening on 127.0.0.1:${kept}`);
    const wait = events.find((event) => event.type === "tool-result" && event.name === "wait_background");
    expect(wait?.content).toMatch(
      /^Nothing to wait for: only servers run \(persisted, or listening on a port/,
    );
    expect(wait?.content.match(/\(node -e /g)).toHaveLength(2);
    // The session has ended its plain task, and with it that port; the persisted one still answers.
    expect(
      await until(
        () => curl(plain),
        (body) => body === undefined,
        5_000,
      ),
    ).toBeUndefined();
    expect(await curlEventually(kept, 5_000)).toBe("persisted\n");
    const list = await tasksEventually(/listening on/);
    expect(list).toContain(`listening on 127.0.0.1:${kept}`);
    const id = /^(\S+)\s+running.*\[persist\]/m.exec(list)?.[1] ?? "?";
    await killAndExpectNothingLeft(id, readlinkSync(`/proc/${record(id).pid}/ns/net`));
  }, 90_000);
});
