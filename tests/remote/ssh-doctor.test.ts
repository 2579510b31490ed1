import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { remoteWorkspace, type RemoteWorkspace } from "../helpers/remote-workspace.js";
import { runCli } from "../helpers/run-cli.js";
import { startSshd, type TestSshd } from "../helpers/sshd.js";

describe("lanes doctor with remote lanes", () => {
  let sshd: TestSshd;
  let ws: RemoteWorkspace;
  beforeAll(async () => {
    sshd = await startSshd();
  }, 120_000);
  afterAll(() => {
    sshd?.stop();
    ws?.remove();
  });

  it(
    "checks each remote in one line: a good host passes, a closed port fails with its fix",
    { timeout: 180_000 },
    async ({ onTestFinished }) => {
      ws = remoteWorkspace(sshd);
      const good = {
        type: "ssh",
        host: "root@127.0.0.1",
        port: sshd.port,
        identity_file: sshd.identityFile,
        known_hosts_file: sshd.knownHostsFile,
        dir: ws.remoteDir,
      };
      const config = { lanes: { box: { remote: good }, gone: { remote: { ...good, port: 1 } } } };
      writeFileSync(join(ws.home, ".config", "lanes", "config.json"), JSON.stringify(config));
      const run = await runCli(["doctor"], {
        cwd: ws.dir,
        env: { ...ws.env, ANTHROPIC_BASE_URL: "http://127.0.0.1:9" },
        onTestFinished,
      });
      expect(run.stdout).toMatch(
        /✓ remote lane box \(root@127\.0\.0\.1:.*\): reachable, key accepted, dir writable, rsync present/,
      );
      expect(run.stdout).toMatch(
        /✗ remote lane gone \(root@127\.0\.0\.1\): unreachable: .*Connection refused\n\s+fix: check the host/,
      );
      expect(run.code).toBe(1);
    },
  );
});
