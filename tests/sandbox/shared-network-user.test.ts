/* eslint-disable @typescript-eslint/no-explicit-any -- the JSON result is loose in tests */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LANES_BIN } from "../helpers/run-cli.js";

// The session's shared loopback as people run lanes: not as root. One `-p` session (a scripted model) starts
// a server in a lane, then curls it from a foreground bash. Run as `nobody` when the tests run as root (CI),
// as the current user otherwise: either way unprivileged, where the namespace needs a user namespace of its
// own (unshare --map-current-user --keep-caps) and every command enters both.
let dir: string;
let stale: string | undefined;
/** The unprivileged lanes of the test: ended should the test fail before it exits. */
let running: ChildProcess | undefined;
afterEach(() => {
  // su passes a TERM on to lanes, which ends its tasks.
  if (running?.exitCode === null) running.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
  if (stale) rmSync(stale, { recursive: true, force: true });
});

function runUnprivileged(argv: string[], cwd: string, env: Record<string, string>) {
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? "su" : argv[0]!;
  const quoted = argv.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(" ");
  const vars = Object.entries(env).map(([key, value]) => `${key}='${value}'`);
  const args = asRoot
    ? ["-s", "/bin/sh", "nobody", "-c", `cd '${cwd}' && env ${vars.join(" ")} ${quoted}`]
    : argv.slice(1);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = (running = spawn(command, args, {
      cwd,
      env: asRoot ? {} : { ...env },
      stdio: ["ignore", "pipe", "pipe"],
    }));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A pid no process has (above the kernel's pid_max on any default system). */
const DEAD_PID = 4_194_305;

describe("the session's shared loopback, unprivileged", () => {
  it("a server a background task starts on 127.0.0.1 answers a later foreground command", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-shared-net-"));
    chmodSync(dir, 0o777);
    // A proxy folder another user's lanes left in the shared /tmp when it died (its pid is gone): lanes' sweep
    // of such folders cannot remove it, and must go on without.
    stale = mkdtempSync(join(tmpdir(), `lanes-net-${DEAD_PID}-`));
    writeFileSync(join(stale, "proxy.sock"), "");
    const serve = `node -e 'require("http").createServer((q, s) => s.end("hello from the lane\\n")).listen(8765, "127.0.0.1")'`;
    const probe =
      "for i in $(seq 1 300); do curl -sS --max-time 2 http://127.0.0.1:8765/ 2>/dev/null && break; sleep 0.1; done; id -u";
    const script = join(dir, "script.json");
    const turns = [
      { tool_calls: [{ name: "background_run", input: { command: serve } }] },
      { tool_calls: [{ name: "bash", input: { command: probe } }] },
      { text: "done" },
    ];
    writeFileSync(script, JSON.stringify({ turns }));
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      // Not the workspace: lanes asks before starting in $HOME.
      HOME: join(dir, "home"),
      XDG_CONFIG_HOME: join(dir, "config"),
    };
    const run = await runUnprivileged(
      [
        process.execPath,
        LANES_BIN,
        "--model",
        `script:${script}`,
        "-p",
        "go",
        "--output-format",
        "stream-json",
        "--max-wait",
        "1",
      ],
      dir,
      env,
    );
    const events = run.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as any);
    const bash = events.find((event) => event.type === "tool-result" && event.name === "bash");
    expect(bash, `${run.stdout.slice(-2000)}\n${run.stderr}`).toBeDefined();
    const logs = readdirSync(join(dir, ".lanes", "tasks"))
      .filter((name) => name.endsWith(".log"))
      .map((name) => `${name}: ${readFileSync(join(dir, ".lanes", "tasks", name), "utf8").slice(0, 500)}`);
    expect(bash.content, `${logs.join("\n")}\nstderr: ${run.stderr}`).toContain("hello from the lane");
    // The command ran as the user (nobody is 65534), not as root inside a user namespace.
    expect(bash.content).toMatch(/^[1-9]\d*$/m);
  }, 60_000);
});
