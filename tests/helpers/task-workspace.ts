/* eslint-disable @typescript-eslint/no-explicit-any -- records are loose JSON in tests */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { startFakeAnthropic, textReply, type FakeAnthropic } from "./fake-anthropic-server.js";
import { testEnv } from "./run-cli.js";
import { tempWorkspace } from "./temp-workspace.js";

/**
 * A fresh workspace per test for CLI runs that leave tasks behind (crashes, detached runs): its records,
 * fake APIs closed and every task group seen running SIGKILLed after the test.
 */
export function useTaskWorkspace() {
  let ws: { dir: string; cleanup: () => void } | undefined;
  const servers: FakeAnthropic[] = [];
  const pgids: number[] = [];
  beforeEach(() => void (ws = tempWorkspace()));
  afterEach(async () => {
    for (const pgid of pgids.splice(0)) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await Promise.all(servers.splice(0).map((server) => server.close()));
    ws?.cleanup();
  });
  const dir = (): string => {
    if (!ws) throw new Error("useTaskWorkspace: no test is running");
    return ws.dir;
  };

  function records(): any[] {
    const tasks = join(dir(), ".lanes", "tasks");
    if (!existsSync(tasks)) return [];
    return readdirSync(tasks)
      .filter((name) => name.endsWith(".json"))
      .flatMap((name) => {
        try {
          return [JSON.parse(readFileSync(join(tasks, name), "utf8"))];
        } catch {
          return [];
        }
      });
  }

  /** Registers every started task's group for cleanup; returns how many run. */
  function running(): number {
    const found = records().filter((r) => r.status === "running" && typeof r.pid === "number");
    for (const record of found) if (!pgids.includes(record.pid)) pgids.push(record.pid);
    return found.length;
  }

  /** A fake API answering `replies` in turn; each answer first waits for `before` when given. */
  async function fake(
    replies: ReturnType<typeof textReply>[],
    before?: () => Promise<unknown>,
  ): Promise<FakeAnthropic> {
    const server = await startFakeAnthropic(async (_request, index) => {
      await before?.();
      return replies[index] ?? textReply(`ack ${index}`);
    });
    servers.push(server);
    return server;
  }

  function env(server?: FakeAnthropic) {
    if (!server) return testEnv();
    return testEnv({ ANTHROPIC_API_KEY: "sk-test", ANTHROPIC_BASE_URL: server.url, MODEL_ID: "claude-test" });
  }

  return {
    get dir() {
      return dir();
    },
    records,
    running,
    fake,
    env,
  };
}
