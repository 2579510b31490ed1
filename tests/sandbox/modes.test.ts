import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigSchema, type LanesConfig } from "../../src/config/config.js";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { readExitFile } from "../../src/lanes/reconcile.js";
import { createSandbox } from "../../src/sandbox/create.js";
import { runForeground } from "../../src/lanes/foreground.js";
import { eventually } from "../helpers/temp-workspace.js";
import type { CommandSandbox } from "../../src/sandbox/sandbox.js";

// The modes and settings other than the escape table's default: read-only, the network "on" and "off",
// an extra deny-read path; and the task model inside: exit file, exact exit code, stdin.

let ws: string;
let home: string;
let listener: Server;
let port = 0;
let connections = 0;
const open: { lanes: LaneManager; sandbox?: CommandSandbox | undefined }[] = [];
/** Every folder a manager() made: a test may make several. */
const made: string[] = [];

beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(() => new Promise((resolve) => listener.close(resolve)));
afterEach(async () => {
  for (const { lanes, sandbox } of open.splice(0)) {
    await lanes.shutdown();
    sandbox?.close();
  }
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function manager(settings: Partial<LanesConfig>): LaneManager {
  ws = mkdtempSync(join(tmpdir(), "lanes-modes-ws-"));
  home = mkdtempSync(join(tmpdir(), "lanes-modes-home-"));
  made.push(ws, home);
  const env = { ...process.env, HOME: home };
  const sandbox = createSandbox(ConfigSchema.parse(settings), {
    workspace: ws,
    lanesDir: join(ws, ".lanes"),
    env,
  });
  const lanes = new LaneManager({
    ownerPid: process.pid,
    workspace: ws,
    env,
    sandbox,
    killGraceMs: 300,
    stallMs: 0,
  });
  open.push({ lanes, sandbox });
  return lanes;
}

async function run(lanes: LaneManager, command: string) {
  const record = await lanes.whenEnded(lanes.start({ command }).id);
  return { record, output: readFileSync(record.output_file, "utf8") };
}

const connect = `node -e 'require("net").connect(PORT, "127.0.0.1").on("connect", () => process.exit(0)).on("error", () => process.exit(7))'`;

describe("sandbox modes and settings", () => {
  it("read-only: not even the workspace is writable; the exit file and the exact code still are lanes'", async () => {
    const lanes = manager({ sandbox: "read-only" });
    const { record, output } = await run(lanes, "echo x > mine; echo x > /tmp/lanes-ro-probe-$$; exit 42");
    expect(output).toMatch(/mine: Read-only file system/);
    expect(output).toMatch(/lanes-ro-probe.*Read-only file system/);
    expect(existsSync(join(ws, "mine"))).toBe(false);
    expect(record).toMatchObject({ status: "failed", exit_code: 42 });
    expect(readExitFile(record.exit_file)?.code).toBe(42);
  });

  it("workspace-write: the workspace is, .lanes/ is not, and the command cannot forge its exit file", async () => {
    const lanes = manager({});
    const { record, output } = await run(
      lanes,
      "echo x > mine; echo 0 > .lanes/tasks/*.exit; echo 9 >&3; exit 5",
    );
    expect(readFileSync(join(ws, "mine"), "utf8")).toBe("x\n");
    expect(output).toMatch(/Read-only file system/);
    expect(output).toMatch(/Bad file descriptor/);
    expect(record.exit_code).toBe(5);
    expect(readExitFile(record.exit_file)?.code).toBe(5);
  });

  it("stdin reaches a sandboxed task", async () => {
    const lanes = manager({});
    const started = lanes.start({ command: "read line; echo got:$line" });
    await lanes.sendInput(started.id, "hello\n", true);
    const record = await lanes.whenEnded(started.id);
    expect(readFileSync(record.output_file, "utf8")).toContain("got:hello");
    expect(record.exit_code).toBe(0);
  });

  it("sandbox_network: on reaches the host's loopback; off reaches nothing and sets no proxy", async () => {
    const before = connections;
    const on = await run(manager({ sandbox_network: "on" }), connect.replace("PORT", String(port)));
    expect(on.record.exit_code, on.output).toBe(0);
    expect(connections).toBe(before + 1);
    const off = await run(
      manager({ sandbox_network: "off" }),
      `${connect.replace("PORT", String(port))}; echo "code=$? proxy=\${HTTPS_PROXY:-none}"`,
    );
    expect(off.output).toContain("code=7 proxy=none");
    expect(connections).toBe(before + 1);
  });

  it("sandbox_deny_read hides more paths; a symlinked credential folder is hidden where it points", async () => {
    const lanes = manager({ sandbox_deny_read: ["~/private"] });
    mkdirSync(join(home, "private"));
    writeFileSync(join(home, "private", "note"), "PRIVATE-NOTE\n");
    const keys = mkdtempSync(join(tmpdir(), "lanes-modes-keys-"));
    writeFileSync(join(keys, "id_rsa"), "LINKED-KEY\n");
    symlinkSync(keys, join(home, ".ssh"));
    try {
      const { output } = await run(lanes, `cat ~/private/note ~/.ssh/id_rsa ${keys}/id_rsa`);
      expect(output).not.toContain("PRIVATE-NOTE");
      expect(output).not.toContain("LINKED-KEY");
    } finally {
      rmSync(keys, { recursive: true, force: true });
    }
  });

  it("a sandboxed foreground command is never told it left processes running: the sandbox's teardown is not a leftover", async () => {
    const foreground = (lanes: LaneManager, command: string) =>
      runForeground(lanes, { command, signal: new AbortController().signal });
    for (const network of ["off", undefined] as const) {
      const lanes = manager(network ? { sandbox_network: network } : {});
      const told: string[] = [];
      for (let i = 0; i < 40; i++) {
        const outcome = await foreground(lanes, "true");
        if (outcome.kind !== "finished" || outcome.leftovers !== "none")
          told.push(`run ${i}: ${outcome.kind}`);
      }
      expect(told, `network ${network ?? "default"}`).toEqual([]);
    }
    // What a command really leaves running is still found and ended.
    const open = manager({ sandbox: "danger-full-access" });
    const leaving = await foreground(open, "sleep 30 & echo started");
    expect(leaving.kind === "finished" && leaving.leftovers).toBe("ended");
  }, 60_000);

  it("a server one task starts on 127.0.0.1 answers another task's client, and the host's loopback stays out of reach", async () => {
    const serve = `node -e 'require("http").createServer((q, s) => s.end("from the other task\\n")).listen(0, "127.0.0.1", function () { console.log("port " + this.address().port) })'`;
    for (const network of [undefined, "off"] as const) {
      const lanes = manager(network ? { sandbox_network: network } : {});
      const server = lanes.start({ command: serve });
      const log = () => readFileSync(lanes.get(server.id)?.output_file ?? "", "utf8");
      expect(await eventually(() => /port \d+/.test(log()), 20_000)).toBe(true);
      const taskPort = /port (\d+)/.exec(log())?.[1];
      const before = connections;
      const { record, output } = await run(
        lanes,
        `curl -sS --max-time 5 http://127.0.0.1:${taskPort}/; ${connect.replace("PORT", String(port))}; echo "host=$?"`,
      );
      expect(record.exit_code, output).toBe(0);
      expect(output, `network ${network ?? "default"}`).toContain("from the other task");
      expect(output).toContain("host=7");
      expect(connections).toBe(before);
      await lanes.kill(server.id);
    }
  }, 60_000);
});
