import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findPerl, launcherEntersNamespaces } from "../process/own-group-launch.js";
import { holderArgv, INSIDE_PROXY_PORT } from "./network-bridge.js";
import { startPortPublisher } from "./port-publisher.js";
import { findProgram } from "./probe.js";
import { waitUntilSync } from "../async/blocking-wait.js";

/**
 * One private network namespace for all of a session's sandboxed commands, so a dev server one task starts
 * on 127.0.0.1 answers another task's curl (a namespace per command hid them from each other), while the
 * host's loopback and network stay out of reach. A holder process owns the namespace (made by unshare, with
 * `lo` brought up by the holder); with a domain list it is the proxy's bridge itself, listening on
 * 127.0.0.1:3128 once for every command instead of once per command. Each command then enters the namespace
 * with nsenter before its own bubblewrap starts, which no longer unshares the network.
 */
export class SharedNetwork {
  private constructor(
    private readonly holder: ChildProcess,
    /** The holder's pid: the namespaces a command enters are read through it. */
    private readonly pid: number,
    /** Unprivileged, the namespace belongs to a user namespace of the holder's, entered first. */
    private readonly ownUserNamespace: boolean,
    /** The namespace as /proc names it ("net:[4026532181]"): a reused pid can never pass for the holder. */
    private readonly namespace: string,
  ) {}

  /**
   * Starts the holder and waits (synchronously, a few ms, once a session) until it is ready. Undefined when
   * it cannot be made: the caller falls back to a namespace per command.
   */
  static start(options: {
    unshare: string;
    perl: string;
    proxySocket?: string | undefined;
  }): SharedNetwork | undefined {
    const dir = mkdtempSync(join(tmpdir(), "lanes-netns-"));
    const readyPath = join(dir, "ready");
    const ready = openSync(readyPath, "w");
    let holder: ChildProcess | undefined;
    try {
      // Root makes the namespace in its own user namespace; anyone else needs one of their own to own it, and
      // keeps its capabilities there across the exec, so the holder can bring `lo` up (util-linux 2.38+;
      // an older unshare fails here, and commands get a namespace each).
      const privileged = process.getuid?.() === 0;
      const flags = privileged ? ["--net"] : ["--user", "--map-current-user", "--keep-caps", "--net"];
      const argv = [...flags, "--", ...holderArgv(options.perl, options.proxySocket)];
      // No environment: the holder needs none, and carries no task's or test's marks.
      holder = spawn(options.unshare, argv, { env: {}, stdio: ["ignore", "ignore", "ignore", ready] });
      holder.on("error", () => {});
      holder.unref();
      const pid = holder.pid;
      const started =
        pid !== undefined && waitUntilSync(() => readFileSync(readyPath, "utf8") === "ready\n", 5_000);
      // Never hand out a namespace that is lanes' own (the holder gone, its pid reused).
      if (!started || pid === undefined || sameNamespace(pid, "net")) {
        holder.kill("SIGKILL");
        return undefined;
      }
      return new SharedNetwork(holder, pid, !sameNamespace(pid, "user"), readlinkSync(`/proc/${pid}/ns/net`));
    } catch {
      holder?.kill("SIGKILL");
      return undefined;
    } finally {
      closeSync(ready);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Whether the holder still holds the namespace (a command must never enter whatever took its pid). */
  get alive(): boolean {
    return (
      this.holder.exitCode === null && this.holder.signalCode === null && !sameNamespace(this.pid, "net")
    );
  }

  /**
   * How a command enters the namespace: the namespace files for the group launcher to enter itself, or,
   * where it cannot (no setns number for this CPU), nsenter's part of the argv, before its bubblewrap.
   */
  entry(nsenter: string): { namespaces: string[] } | { argv: string[] } {
    const user = this.ownUserNamespace ? [`/proc/${this.pid}/ns/user`] : [];
    const namespaces = [...user, `/proc/${this.pid}/ns/net`];
    if (launcherEntersNamespaces()) return { namespaces };
    const flags = this.ownUserNamespace ? [`--user=${user[0]}`, "--preserve-credentials"] : [];
    return { argv: [nsenter, ...flags, `--net=/proc/${this.pid}/ns/net`, "--"] };
  }

  /**
   * Publishes the ports tasks listen on in the namespace at the host's 127.0.0.1 (port-publisher.ts), their
   * addresses written to `tasksDir`. The publisher outlives this holder while tasks remain in the namespace.
   */
  publishPorts(tools: { nsenter: string; perl: string }, tasksDir: string, bridged: boolean): void {
    startPortPublisher({
      ...tools,
      holderPid: this.pid,
      namespace: this.namespace,
      userNamespace: this.ownUserNamespace ? readlinkSync(`/proc/${this.pid}/ns/user`) : undefined,
      tasksDir,
      skipPort: bridged ? INSIDE_PROXY_PORT : 0,
    });
  }

  close(): void {
    this.holder.kill("SIGKILL");
  }
}

function sameNamespace(pid: number, kind: "net" | "user"): boolean {
  try {
    return readlinkSync(`/proc/${pid}/ns/${kind}`) === readlinkSync(`/proc/self/ns/${kind}`);
  } catch {
    return true; // Unreadable or gone: never taken for a namespace of its own.
  }
}

/**
 * Whether commands would share one loopback here (`lanes doctor`, and the session's first command): nsenter,
 * unshare and perl are found and a holder starts. The reason when they would not. A holder that started is handed back.
 */
export function startSharedNetwork(
  env: NodeJS.ProcessEnv,
  proxySocket?: string,
  publishTo?: string,
): { network: SharedNetwork; nsenter: string } | { why: string } {
  const tools = {
    nsenter: findProgram("nsenter", env),
    unshare: findProgram("unshare", env),
    perl: findPerl(),
  };
  if (tools.nsenter === undefined) return { why: "nsenter (util-linux) is not installed" };
  if (tools.unshare === undefined) return { why: "unshare (util-linux) is not installed" };
  if (tools.perl === null) return { why: "perl is not installed" };
  const network = SharedNetwork.start({ unshare: tools.unshare, perl: tools.perl, proxySocket });
  if (!network) return { why: "its holder did not start (unprivileged, unshare needs util-linux 2.38+)" };
  if (publishTo !== undefined) {
    network.publishPorts({ nsenter: tools.nsenter, perl: tools.perl }, publishTo, proxySocket !== undefined);
  }
  return { network, nsenter: tools.nsenter };
}

/** The line a session prints once when its commands cannot share a loopback. */
export function loopbackFallbackLine(why: string): string {
  return `lanes sandbox: each command gets a loopback of its own here, so a server one task starts cannot be reached from another (${why}); sandbox_network "on" shares the host's`;
}
