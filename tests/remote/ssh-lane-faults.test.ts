import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sshTransport, runSsh } from "../../src/remote/ssh-transport.js";
import { supervisorCall } from "../../src/remote/supervisor-call.js";
import { remoteWorkspace, type RemoteWorkspace } from "../helpers/remote-workspace.js";
import {
  killMidTaskThenResume,
  runScript,
  taskScript,
  until,
  useLaneServer,
} from "../helpers/remote-scenarios.js";
import { sshdProcesses, startSshd, type TestSshd } from "../helpers/sshd.js";

describe("an SSH lane when things go wrong", () => {
  const host = useLaneServer(startSshd);
  let sshd: TestSshd;
  beforeAll(() => (sshd = host.server()));
  const workspace = (lane: Record<string, unknown> = {}): RemoteWorkspace =>
    host.track(remoteWorkspace(sshd, lane));

  it("a resent start is a no-op: the command runs once", { timeout: 180_000 }, async () => {
    const ws = workspace();
    const transport = sshTransport(
      "box",
      {
        host: "root@127.0.0.1",
        port: sshd.port,
        identity_file: sshd.identityFile,
        known_hosts_file: sshd.knownHostsFile,
        host_key_checking: "strict",
      },
      ws.env,
    );
    const place = { base: ws.remoteDir, workspaceKey: "w" };
    mkdirSync(join(ws.remoteDir, "w"), { recursive: true });
    const start = supervisorCall(place, "start", ["t1", 60, "echo ran >> count.txt"]);
    const first = await runSsh(transport, start);
    const second = await runSsh(transport, start);
    expect([first.stdout.trim(), second.stdout.trim()]).toEqual(["started", "exists"]);
    await until(() => {
      try {
        return readFileSync(join(ws.remoteDir, ".lanes-tasks", "w", "t1", "exit"), "utf8") !== "";
      } catch {
        return false;
      }
    }, "exit file");
    expect(readFileSync(join(ws.remoteDir, "w", "count.txt"), "utf8")).toBe("ran\n");
    expect(readFileSync(join(ws.remoteDir, ".lanes-tasks", "w", "t1", "exit"), "utf8")).toBe("0 exit\n");
  });

  it(
    "a dropped connection during output reconnects from its offset: every line once, in order",
    { timeout: 180_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      const command = "for i in $(seq 1 20); do echo line-$i; sleep 0.2; done";
      const run = runScript(ws, taskScript(ws, { command }, { timeout_ms: 120_000 }), onTestFinished);
      await until(() => ws.log().includes("line-3\n"), "the first lines");
      sshd.dropConnections();
      const done = await run;
      expect(done.code).toBe(0);
      const lines = Array.from({ length: 20 }, (_, i) => `line-${i + 1}`);
      expect(ws.log()).toBe(`${lines.join("\n")}\n`);
      expect(ws.records()[0]).toMatchObject({ status: "completed", exit_code: 0, notified: true });
    },
  );

  it(
    "SIGKILL of lanes mid-task: the next session adopts it and delivers its result once",
    { timeout: 240_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      // Where the shared connections' folders go: the killed lanes' one is removed by the next.
      ws.env.TMPDIR = ws.root;
      const record = await killMidTaskThenResume(ws, {
        onTestFinished,
        waitMs: 120_000,
        nextArgs: ["--output-format", "json"],
      });
      // Delivered: the host's copy of the task is removed.
      expect(hasTaskDir(ws, record!.id)).toBe(false);
      expect(readdirSync(ws.root).filter((name) => name.startsWith("lanes-ssh-"))).toEqual([]);
    },
  );

  it(
    "the host-side deadline (timeout_ms) ends a task there as timed out",
    { timeout: 180_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      const task = { command: "echo up; sleep 304", timeout_ms: 2_000 };
      await runScript(ws, taskScript(ws, task, { timeout_ms: 120_000 }), onTestFinished);
      expect(ws.records()[0]).toMatchObject({ status: "timed_out", end_reason: "timeout", notified: true });
      expect(ws.log()).toBe("up\n");
      expect(sshdProcesses(sshd, (line) => line.includes("sleep 304"))).toBe(0);
    },
  );

  it(
    "a workspace config that adds a remote makes 0 connections and says what it ignored",
    { timeout: 180_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      const evil = {
        type: "ssh",
        host: "root@127.0.0.1",
        port: sshd.port,
        identity_file: sshd.identityFile,
        host_key_checking: "off",
        dir: "/tmp",
      };
      mkdirSync(join(ws.dir, ".lanes"), { recursive: true });
      writeFileSync(
        join(ws.dir, ".lanes", "config.json"),
        JSON.stringify({ lanes: { evil: { remote: evil } } }),
      );
      writeFileSync(join(ws.dir, ".env"), `RSYNC_RSH=ssh -p ${sshd.port}\n`);
      const before = sshd.connections();
      const run = await runScript(
        ws,
        taskScript(ws, { command: "echo local", lane: "evil" }),
        onTestFinished,
      );
      expect(run.stderr).toContain("lanes.evil.remote (only your own config may add or change a remote)");
      expect(run.stderr).toContain("ignored RSYNC_RSH");
      expect(ws.records()[0]).toMatchObject({ status: "completed", exit_code: 0 });
      expect(ws.records()[0]?.remote).toBeUndefined();
      expect(sshd.connections()).toBe(before);
    },
  );

  it.for([
    ["unreachable", { port: 1 }],
    ["unknown host key", { known_hosts_file: "/dev/null" }],
    ["key refused", { identity_file: "KEY" }],
  ] as const)(
    "%s: one line naming the lane, host and reason, and nothing started",
    async ([reason, lane], { onTestFinished }) => {
      const other = join(sshd.dir, "other_key");
      const refusedKey = "identity_file" in lane;
      const settings = refusedKey ? { identity_file: other } : lane;
      if (refusedKey) {
        const { execFileSync } = await import("node:child_process");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]);
      }
      const ws = workspace(settings);
      await runScript(ws, taskScript(ws, { command: "echo never" }, { timeout_ms: 60_000 }), onTestFinished);
      const [record] = ws.records();
      expect(record).toMatchObject({ status: "failed", exit_code: null, notified: true });
      expect(record?.end_detail).toContain(`remote lane box (root@127.0.0.1): ${reason}:`);
      expect(record?.end_detail).not.toContain("\n");
      expect(record?.remote?.phase).toBe("submitting");
    },
  );
});

function hasTaskDir(ws: RemoteWorkspace, id: string): boolean {
  try {
    return readdirSync(join(ws.remoteDir, ".lanes-tasks")).some((key) =>
      readdirSync(join(ws.remoteDir, ".lanes-tasks", key)).includes(id),
    );
  } catch {
    return false;
  }
}
