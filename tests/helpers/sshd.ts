import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findByEnv, killByEnv } from "./process-tree.js";

/** Every process a session of a test sshd starts carries this (sshd's SetEnv), so stop() finds them all. */
export const SSHD_MARK_VARIABLE = "LANES_TEST_SSHD";

/** A real OpenSSH server on 127.0.0.1 with its own host key and one authorized client key, in a temp folder. */
export interface TestSshd {
  port: number;
  /** The client's private key (authorized for root on this sshd). */
  identityFile: string;
  /** A known_hosts file holding this sshd's host key. */
  knownHostsFile: string;
  dir: string;
  /** Lines sshd logged, e.g. to count connections ("Connection from"). */
  log(): string;
  connections(): number;
  /** Drops every open connection (kills sshd's per-connection children); the listener keeps listening. */
  dropConnections(): void;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("data", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function childPids(parent: number): number[] {
  const out = execFileSync("ps", ["-o", "pid=", "--ppid", String(parent)], { encoding: "utf8" }).trim();
  return out === "" ? [] : out.split(/\s+/).map(Number);
}

/** Missing programs, named in one line, so a machine without them fails clearly instead of skipping. */
function requirePrograms(): void {
  const missing = ["/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen", "/usr/bin/rsync"].filter(
    (file) => !existsSync(file),
  );
  if (missing.length > 0)
    throw new Error(
      `remote tests need openssh-server and rsync (apt-get install openssh-server rsync): missing ${missing.join(", ")}`,
    );
}

/**
 * Starts sshd -D under a small sh guard that reads its stdin: when this test process ends in any way
 * (also SIGKILL of the vitest worker), the pipe closes and the guard kills sshd. stop() ends it by PID.
 */
export async function startSshd(options: { setEnv?: Record<string, string> } = {}): Promise<TestSshd> {
  requirePrograms();
  const dir = mkdtempSync(join(tmpdir(), "lanes-sshd-"));
  const mark = `${process.pid}-${Date.now()}`;
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const keygen = (file: string): void => {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file]);
  };
  keygen(join(dir, "host_key"));
  keygen(join(dir, "client_key"));
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client_key.pub")));
  mkdirSync(join(dir, "home"), { mode: 0o700 });
  // A "login node" of a test cluster: its sessions need the cluster's SLURM_CONF, as a real one has it.
  const extraEnv = Object.entries(options.setEnv ?? {})
    .map(([name, value]) => ` ${name}=${value}`)
    .join("");
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const config = [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_key")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "UsePAM no",
      "StrictModes no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "LogLevel VERBOSE",
      "MaxStartups 100",
      // HOME of its own: sessions run root's login shell, bash, which sources ~/.bashrc over ssh; the machine's
      // (pyenv init: seconds per session, a minute when a killed session left pyenv's lock) is not the test's.
      `SetEnv ${SSHD_MARK_VARIABLE}=${mark} HOME=${join(dir, "home")}${extraEnv}`,
    ].join("\n");
    writeFileSync(join(dir, "sshd_config"), `${config}\n`);
    const logFile = join(dir, "sshd.log");
    const guard: ChildProcess = spawn(
      "sh",
      [
        "-c",
        'sshd=$1; shift; "$sshd" "$@" & pid=$!; read _; kill "$pid" 2>/dev/null',
        "guard",
        "/usr/sbin/sshd",
        "-D",
        "-f",
        join(dir, "sshd_config"),
        "-E",
        logFile,
      ],
      { stdio: ["pipe", "ignore", "ignore"] },
    );
    guard.stdin?.on("error", () => {});
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && guard.exitCode === null && !(await accepts(port)))
      await new Promise((resolve) => setTimeout(resolve, 50));
    if (guard.exitCode !== null || !(await accepts(port))) {
      lastError = existsSync(logFile) ? (readFileSync(logFile, "utf8").trim().split("\n").pop() ?? "") : "";
      guard.stdin?.end();
      guard.kill("SIGKILL");
      continue;
    }
    writeFileSync(
      join(dir, "known_hosts"),
      `[127.0.0.1]:${port} ${readFileSync(join(dir, "host_key.pub"), "utf8").split(" ").slice(0, 2).join(" ")}\n`,
    );
    const sshdPid = (): number => Number(readFileSync(join(dir, "sshd.pid"), "utf8").trim());
    // Readiness probes above connected too: only what comes after them counts.
    const baseline = existsSync(logFile) ? readFileSync(logFile, "utf8").length : 0;
    const log = (): string => (existsSync(logFile) ? readFileSync(logFile, "utf8").slice(baseline) : "");
    return {
      port,
      identityFile: join(dir, "client_key"),
      knownHostsFile: join(dir, "known_hosts"),
      dir,
      log,
      connections: () => (log().match(/Connection from 127\.0\.0\.1/g) ?? []).length,
      dropConnections: () => {
        for (const pid of childPids(sshdPid())) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Already gone.
          }
        }
      },
      stop: () => {
        try {
          process.kill(sshdPid(), "SIGKILL");
        } catch {
          // Already gone.
        }
        guard.stdin?.end();
        guard.kill("SIGKILL");
        // Sessions and what they started detached (the remote tasks) carry the mark.
        killByEnv(SSHD_MARK_VARIABLE, mark);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`the test sshd did not start: ${lastError || "no log line"}`);
}

/** Processes still running that a session of this sshd started (0 after a complete kill). */
export function sshdProcesses(sshd: TestSshd, filter: (command: string) => boolean = () => true): number {
  const mark = readFileSync(join(sshd.dir, "sshd_config"), "utf8").match(/SetEnv \S+=(\S+)/)?.[1] ?? "";
  return findByEnv(SSHD_MARK_VARIABLE, mark).filter((info) => filter(info.command)).length;
}
