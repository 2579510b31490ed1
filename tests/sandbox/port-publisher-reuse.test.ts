import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSharedNetwork, type SharedNetwork } from "../../src/sandbox/shared-network.js";
import { eventually, sleep } from "../helpers/temp-workspace.js";

// The CI flake in ports.test.ts, found: a session's port publisher outlived its namespace by up to half a second,
// and the kernel gives a freed namespace's number to the next one made. Another session's namespace then carried
// the same "net:[N]" link, and the old publisher took it for its own: it published that session's dev servers
// into another workspace's records, and took their host ports first (the real publisher then said "taken").

const dirs: string[] = [];
const networks: SharedNetwork[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const network of networks.splice(0)) network.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tasksDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lanes-publisher-reuse-"));
  dirs.push(dir);
  return dir;
}

/** A shared network whose ports are published into `dir`, and the holder pid its namespaces are read through. */
function network(dir?: string): { network: SharedNetwork; pid: number; link: string } {
  const started = startSharedNetwork(process.env, undefined, dir);
  if ("why" in started) throw new Error(started.why);
  networks.push(started.network);
  const entry = started.network.entry(started.nsenter);
  const paths = "namespaces" in entry ? entry.namespaces : entry.argv;
  const pid = Number(/\/proc\/(\d+)\/ns\/net/.exec(paths.join(" "))?.[1]);
  return { network: started.network, pid, link: readlinkSync(`/proc/${pid}/ns/net`) };
}

const publishersOf = (dir: string): number[] =>
  readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);

const portsFiles = (dir: string): string[] => readdirSync(dir).filter((name) => name.endsWith(".ports"));

/**
 * One old session's namespace ends, and new ones are made until one gets its number (the kernel frees it some
 * 60 ms after its last process left and gives the next namespace made the lowest free number). The old
 * publisher looks every half second, so most often it has not noticed its namespace end by then.
 */
async function reusedNamespace(oldDir: string, newDir: string): Promise<{ pid: number } | undefined> {
  const old = network(oldDir);
  expect(await eventually(() => publishersOf(oldDir).length === 1, 5_000, 10)).toBe(true);
  old.network.close();
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    const next = network(newDir);
    if (next.link === old.link) return next;
    next.network.close();
    await sleep(5);
  }
  return undefined;
}

describe.runIf(process.platform === "linux" && process.getuid?.() === 0)("a port publisher", () => {
  it("never takes a later namespace with its old namespace's number for its own", async () => {
    let rounds = 0;
    for (let round = 0; round < 3; round++) {
      const [oldDir, newDir] = [tasksDir(), tasksDir()];
      const reused = await reusedNamespace(oldDir, newDir);
      if (reused === undefined) continue;
      rounds++;
      // A dev server in the new namespace, as a task of the new session.
      const server = spawn(
        "nsenter",
        [
          `--net=/proc/${reused.pid}/ns/net`,
          "--",
          process.execPath,
          "-e",
          'require("net").createServer().listen(0)',
        ],
        { env: { ...process.env, LANES_TASK_ID: "abcdef01" }, stdio: "ignore" },
      );
      children.push(server);
      expect(await eventually(() => portsFiles(newDir).length === 1, 5_000)).toBe(true);
      const [port, host] = readFileSync(join(newDir, "abcdef01.ports"), "utf8").split("\n")[1]!.split(" ");
      // Published by its own session's publisher at the same port; the old one has gone and wrote nothing.
      await sleep(700);
      expect(portsFiles(oldDir)).toEqual([]);
      expect(publishersOf(oldDir)).toEqual([]);
      expect(host).toBe(port);
      server.kill("SIGKILL");
    }
    // Without a namespace made with a freed number there is nothing to take: such a run proves nothing.
    expect(rounds, "no namespace got a freed number").toBeGreaterThan(0);
  }, 60_000);
});
