import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSshd, type TestSshd } from "../helpers/sshd.js";

describe("the test sshd", () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  }, 120_000);
  afterAll(() => sshd?.stop());

  it("accepts the client key with strict host-key checking and runs a command", { timeout: 120_000 }, () => {
    const out = execFileSync(
      "ssh",
      [
        "-p",
        String(sshd.port),
        "-i",
        sshd.identityFile,
        "-o",
        "BatchMode=yes",
        "-o",
        `UserKnownHostsFile=${sshd.knownHostsFile}`,
        "-o",
        "StrictHostKeyChecking=yes",
        "root@127.0.0.1",
        "echo hi-$LANES_TEST_SSHD",
      ],
      { encoding: "utf8" },
    );
    expect(out).toMatch(/^hi-\d+-\d+/);
    expect(sshd.connections()).toBe(1);
  });
});
