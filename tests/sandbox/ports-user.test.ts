import { execFile, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { processesUnder } from "../helpers/left-behind.js";
import { LANES_BIN } from "../helpers/run-cli.js";
import { eventually, sleep } from "../helpers/temp-workspace.js";

// Publishing as people run lanes: not as root. The publisher then enters the namespace's own user namespace
// (as every command does) for each connection. Run as `nobody` when the tests run as root (CI).
let dir: string;
afterEach(() => {
  for (const pid of processesUnder([dir])) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** `lanes ARGS` in `dir`, as nobody when the test runs as root; its stdout. */
function lanesUnprivileged(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const asRoot = process.getuid?.() === 0;
  const argv = [process.execPath, LANES_BIN, ...args];
  const quoted = argv.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(" ");
  const env = `HOME='${dir}' XDG_CONFIG_HOME='${dir}/config' PATH='${process.env.PATH ?? "/usr/bin:/bin"}'`;
  const [command, ...rest] = asRoot
    ? ["su", "-s", "/bin/sh", "nobody", "-c", `cd '${dir}' && env ${env} ${quoted}`]
    : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command!, rest, {
      cwd: dir,
      env: asRoot ? {} : { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, "config") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function curl(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("curl", ["-sS", "--max-time", "3", `http://127.0.0.1:${port}/`], (error, stdout) =>
      resolve(error ? undefined : stdout),
    );
  });
}

/** A process's network namespace ("net:[N]"), undefined once it is gone. */
function netOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

describe("published dev servers, unprivileged", () => {
  it("lanes run --detach as a user: reachable from the host after lanes exits; kill leaves nothing", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-ports-user-"));
    chmodSync(dir, 0o777);
    const port = await freePort();
    const serve = `node -e 'require("http").createServer((q, s) => s.end("hello as a user\\n")).listen(${port}, "127.0.0.1")'`;
    const run = await lanesUnprivileged(["run", "--detach", serve]);
    expect(run.code, run.stderr).toBe(0);
    const id = /^(\S+)\s+started/.exec(run.stdout)?.[1] ?? "?";
    let body: string | undefined;
    for (let i = 0; i < 100 && body === undefined; i++) {
      body = await curl(port);
      if (body === undefined) await sleep(200);
    }
    expect(body).toBe("hello as a user\n");
    const list = await lanesUnprivileged(["tasks"]);
    expect(list.stdout).toContain(`listening on 127.0.0.1:${port}`);
    const own = netOf(process.pid);
    const link = processesUnder([dir])
      .map(netOf)
      .find((net) => net !== undefined && net !== own);
    expect(link).toBeDefined();
    expect((await lanesUnprivileged(["tasks", "kill", id])).code).toBe(0);
    const inNamespace = () =>
      readdirSync("/proc").filter((pid) => /^\d+$/.test(pid) && netOf(Number(pid)) === link);
    expect(
      await eventually(() => inNamespace().length === 0 && processesUnder([dir]).length === 0, 10_000, 100),
    ).toBe(true);
    expect(await curl(port)).toBeUndefined();
  }, 60_000);
});
