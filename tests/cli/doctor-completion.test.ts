import { execFileSync } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAnthropic, textReply, type FakeAnthropic } from "../helpers/fake-anthropic-server.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { pathWithOnly } from "../helpers/path-with-only.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let server: FakeAnthropic;
beforeEach(async () => {
  ws = tempWorkspace();
  server = await startFakeAnthropic(() => textReply("hi"));
});
afterEach(async () => {
  await server.close();
  ws.cleanup();
});

describe("lanes doctor", () => {
  it("says whether the session's commands share one loopback, and why not", async () => {
    const env = testEnv({ ANTHROPIC_API_KEY: "sk-x", ANTHROPIC_BASE_URL: server.url });
    const shared = await runCli(["doctor"], { cwd: ws.dir, env });
    expect(shared.stdout).toContain("loopback: one for the session's commands");
    // A PATH with bubblewrap but no util-linux: the sandbox works, each command gets its own loopback.
    const bin = pathWithOnly(ws.dir, ["bwrap"]);
    const alone = await runCli(["doctor"], { cwd: ws.dir, env: { ...env, PATH: bin } });
    expect(alone.stdout).toMatch(
      /✓ sandbox .*loopback: one per command, .*\(nsenter \(util-linux\) is not installed\)/,
    );
  });

  it("passes with a key and a reachable endpoint", async () => {
    const run = await runCli(["doctor"], {
      cwd: ws.dir,
      env: testEnv({ ANTHROPIC_API_KEY: "sk-x", ANTHROPIC_BASE_URL: server.url }),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("✓ ANTHROPIC_API_KEY is set");
    expect(run.stdout).toContain(`✓ ${server.url} accepted the key (listed models)`);
    expect(run.stdout).not.toContain("sk-x");
  });

  it("fails naming what to fix when the key is missing and the endpoint is down", async () => {
    const base = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(["doctor"], { cwd: ws.dir, env: testEnv({ ANTHROPIC_BASE_URL: base }) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ no ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN\n\s+fix: .*lanes demo/);
    expect(run.stdout).toContain(`✗ ${base} not reachable (ECONNREFUSED)`);
    expect(run.stdout).toContain("2 problems to fix.");
  });
});

/** A port nothing listens on: bound by us, then released. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe("lanes completion", () => {
  it("prints a bash script that bash accepts and that completes subcommands", async () => {
    const run = await runCli(["completion", "bash"], { cwd: ws.dir, env: testEnv() });
    expect(run.code).toBe(0);
    const offered = execFileSync(
      "bash",
      ["-c", `${run.stdout}\nCOMP_WORDS=(lanes ta); COMP_CWORD=1; _lanes; echo "\${COMPREPLY[@]}"`],
      { encoding: "utf8" },
    );
    expect(offered.trim()).toBe("tasks");
    const sub = execFileSync(
      "bash",
      ["-c", `${run.stdout}\nCOMP_WORDS=(lanes tasks ""); COMP_CWORD=2; _lanes; echo "\${COMPREPLY[@]}"`],
      { encoding: "utf8" },
    );
    expect(sub.trim().split(" ")).toEqual(["logs", "prune", "kill", "show", "--all", "--cwd"]);
  });

  it("prints a zsh script and refuses an unknown shell with exit 2", async () => {
    const zsh = await runCli(["completion", "zsh"], { cwd: ws.dir, env: testEnv() });
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef lanes\n[\s\S]*compdef _lanes lanes\n$/);
    const fish = await runCli(["completion", "fish"], { cwd: ws.dir, env: testEnv() });
    expect(fish.code).toBe(2);
    expect(fish.stderr).toContain('unknown shell "fish"');
  });
});
