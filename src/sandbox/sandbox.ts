import { mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { LaunchWrapper, SpawnPlan } from "../process/launch-wrapper.js";
import { boundRoots, bwrapArgs } from "./bwrap-args.js";
import { processMountPoints, type ProtectionMounts } from "./mount-points.js";
import { bridgedCommand, proxyEnv } from "./network-bridge.js";
import { NestedCheckouts } from "./nested-repos.js";
import { tempRoots, type SandboxPolicy } from "./policy.js";
import { PendingEntries } from "./namespace-entry.js";
import { HeldSandboxes } from "./held-sandboxes.js";
import { BRIDGE_MISSING, networkBridge, probeSandbox } from "./probe.js";
import { loopbackFallbackLine, startSharedNetwork, type SharedNetwork } from "./shared-network.js";
import { FilteringProxy, type Connector } from "./proxy.js";
import { PROXY_DIR_PREFIX, removeStaleProxyDirs } from "./proxy-dir.js";
import { ownCache } from "./own-cache.js";
import { protectedPaths, protectedRoots, type ProtectedPath } from "./protected-paths.js";
import { RecentPathFacts } from "./path-facts.js";
import { Recent } from "./recent.js";

/** How long close() waits at most for launchers to enter the shared network namespace. */
const ENTRY_WAIT_MS = 1500;
/** How long after the proxy's start the proxy folders of dead lanes are removed. */
const STALE_SWEEP_DELAY_MS = 500;
/** How long a burst of starts shares the protected-path list and the roots' real paths (as nested checkouts). */
const SCOPE_TTL_MS = 1000;

export class SandboxUnavailableError extends Error {
  override name = "SandboxUnavailableError";
}

export interface SandboxOptions {
  workspace: string;
  lanesDir: string;
  /** The environment lanes was started with: HOME, TMPDIR and PATH (to find bwrap) come from it. */
  env: NodeJS.ProcessEnv;
  /** Upstream connections of the proxy (tests map an allowed name to a local server). */
  connect?: Connector;
  /** Told once, the first time the sandbox cannot start (the same line every refused command returns). */
  onUnavailable?: (line: string) => void;
  /** "socat": the fallback bridge even where perl is installed (the tests of that fallback). */
  bridge?: "socat";
  /** false: a network namespace per command, as without nsenter (the tests of that fallback). */
  sharedNetwork?: false;
  /** Told once when the session's commands cannot share a loopback (they still run, a namespace each). */
  onNotice?: (line: string) => void;
  /** true: a burst's commands enter held sandboxes (the default; LANES_SANDBOX_HELD=0 turns them off). */
  held?: boolean;
}

/**
 * The OS sandbox every command of a session runs in (read-only or workspace-write). Nothing happens at
 * construction: the first command probes bubblewrap and, for a domain list, starts the filtering proxy.
 * A command that cannot be sandboxed is refused with one line saying why; it never runs unsandboxed.
 */
export class CommandSandbox implements LaunchWrapper {
  private proxy: FilteringProxy | undefined;
  private proxyDir: string | undefined;
  private told = false;
  private readonly mountPoints = processMountPoints;
  private readonly nested = new NestedCheckouts();
  private readonly facts = new RecentPathFacts(SCOPE_TTL_MS);
  private readonly scope = new Recent(SCOPE_TTL_MS, () => this.protectionScope());
  /** Launchers on their way into the shared network namespace: close() lets them enter before its holder goes. */
  private readonly entering = new PendingEntries();
  /** The session's one network namespace; null once it could not be made (a namespace per command then). */
  private shared: { network: SharedNetwork; nsenter: string } | null | undefined;
  /** The session's sandboxes that stay up, one per layout, entered by each command's launcher. */
  private readonly held: HeldSandboxes;
  /**
   * Whether every command has a pid namespace of its own (--unshare-pid), its init in the command's group:
   * not where commands enter held sandboxes, whose pid namespace they share (their ends are swept by marker).
   */
  readonly containsProcesses: boolean;

  constructor(
    readonly policy: SandboxPolicy,
    private readonly options: SandboxOptions,
  ) {
    this.held = new HeldSandboxes(options.held === true);
    this.containsProcesses = !this.held.enabled;
  }

  /** Hosts the proxy refused so far. */
  get refusedHosts(): readonly string[] {
    return this.proxy?.refused ?? [];
  }

  /**
   * The command in the layout's held sandbox, entered by its launcher; undefined when it must be wrapped (held
   * sandboxes off or not to be had, or a network bridge per command).
   */
  enter(plan: SpawnPlan, cwd: string): SpawnPlan | undefined {
    if (!this.held.enabled) return undefined;
    const { probe, shared, context, childEnv, perCommandBridge } = this.setup(plan);
    const { held = [], used = [] } = context.protection ?? {};
    const release = () => this.mountPoints.release(held, used);
    const args = bwrapArgs(this.policy, context, cwd);
    const folder = args.length - 2;
    const entry =
      perCommandBridge || (shared !== undefined && !("namespaces" in shared)) || args[folder] !== "--chdir"
        ? undefined
        : this.held.entry({
            bwrap: probe.bwrap,
            args: args.slice(0, folder),
            namespaces: shared && "namespaces" in shared ? shared.namespaces : [],
            hold: () => {
              const own = this.protection();
              return () => this.mountPoints.release(own?.held ?? [], own?.used ?? []);
            },
          });
    if (!entry) {
      release();
      return undefined;
    }
    let released = false;
    return {
      file: plan.file,
      args: plan.args,
      env: childEnv,
      namespaces: entry.namespaces,
      sandboxCwd: cwd,
      spawned: (pid) => {
        this.entering.add(pid);
        entry.spawned(pid);
      },
      release: () => {
        // Once, whoever calls it: a second call would count another command out of the holder.
        if (released) return;
        released = true;
        release();
        entry.ended();
      },
    };
  }

  wrap(plan: SpawnPlan, cwd: string): SpawnPlan {
    const { probe, shared, context, childEnv, perCommandBridge } = this.setup(plan);
    const argv = [plan.file, ...plan.args];
    const inner = perCommandBridge
      ? bridgedCommand(perCommandBridge.bridge, perCommandBridge.socket, argv)
      : argv;
    const sandboxed = [probe.bwrap, ...bwrapArgs(this.policy, context, cwd), "--", ...inner];
    const entry = shared && "argv" in shared ? shared.argv : [];
    const [file = probe.bwrap, ...args] = [...entry, ...sandboxed];
    const { held = [], used = [] } = context.protection ?? {};
    const namespaces = shared && "namespaces" in shared ? shared : {};
    const spawned = shared ? { spawned: (pid: number) => this.entering.add(pid) } : {};
    const release = () => this.mountPoints.release(held, used);
    return { file, args, env: childEnv, ...namespaces, ...spawned, release };
  }

  /** What every sandboxed start needs: bubblewrap, the proxy and shared network, the mounts' context. */
  private setup(plan: SpawnPlan) {
    const { env } = this.options;
    const probe = probeSandbox(env);
    if (!probe.ok) this.refuse(probe.reason);
    const filtered = Array.isArray(this.policy.network);
    const bridge = filtered ? (this.options.bridge ?? networkBridge(env)) : undefined;
    if (filtered && bridge === undefined) this.refuse(BRIDGE_MISSING);
    const socket = bridge === undefined ? undefined : this.ensureProxy();
    const shared = this.policy.network === "on" ? undefined : this.sharedNetwork(env, bridge, socket);
    const context = {
      workspace: this.options.workspace,
      lanesDir: this.options.lanesDir,
      tempRoots: tempRoots(env),
      // In the shared namespace the holder bridges the proxy: the command needs no socket of its own.
      proxyDir: shared ? undefined : this.proxyDir,
      sshAuthSock: plan.env.SSH_AUTH_SOCK,
      sharedNetwork: shared !== undefined,
      protection: this.protection(),
      facts: this.facts,
    };
    const perCommandBridge =
      !shared && bridge !== undefined && socket !== undefined ? { bridge, socket } : undefined;
    const childEnv = { ...plan.env, ...(socket ? proxyEnv() : {}) };
    delete childEnv.SSH_AUTH_SOCK;
    return { probe, shared, context, childEnv, perCommandBridge };
  }

  /** The protected paths of workspace-write, with the mount points the missing ones need made now. */
  private protection(): ProtectionMounts | undefined {
    if (this.policy.mode !== "workspace-write") return undefined;
    const scope = this.scope.get();
    if (scope === undefined) return undefined;
    // Per command: which paths exist now, and the mount points the missing ones need.
    return this.mountPoints.prepare(scope.paths, scope.roots, scope.workspace);
  }

  /** What to protect (the same for every start of a burst): the paths, the roots that hold them. */
  private protectionScope(): { workspace: string; paths: ProtectedPath[]; roots: string[] } | undefined {
    const { env } = this.options;
    const [workspace] = boundRoots([this.options.workspace]);
    const [home = env.HOME ?? homedir()] = boundRoots([env.HOME ?? homedir()]);
    if (workspace === undefined) return undefined;
    const scope = {
      workspace,
      configured: boundRoots(this.policy.writableRoots),
      home,
      temp: boundRoots(tempRoots(env)),
      nested: this.nested.of(workspace),
      ...ownCache(env),
    };
    // The temp folders too: lanes' cache may lie there (HOME or XDG_CACHE_HOME under /tmp), nothing else does.
    const roots = [...protectedRoots(scope), ...(scope.lanesCache === undefined ? [] : scope.temp)];
    return { workspace, paths: protectedPaths(scope), roots };
  }

  /**
   * The session's shared network namespace, started with the first command that needs one; undefined when
   * it cannot be had (no nsenter, a holder that would not start, a filtered network without perl's bridge):
   * each command then gets a namespace of its own, as before.
   */
  private sharedNetwork(
    env: NodeJS.ProcessEnv,
    bridge: { perl: string } | "socat" | undefined,
    socket: string | undefined,
  ): { namespaces: string[] } | { argv: string[] } | undefined {
    if (this.shared === null || this.options.sharedNetwork === false || bridge === "socat") return undefined;
    if (this.shared && !this.shared.network.alive) this.shared = undefined;
    if (this.shared === undefined) {
      // Ports its tasks listen on are published on the host; their addresses go next to the task records.
      const started = startSharedNetwork(env, socket, join(this.options.lanesDir, "tasks"));
      if ("why" in started) {
        this.shared = null;
        this.options.onNotice?.(loopbackFallbackLine(started.why));
        return undefined;
      }
      this.shared = started;
    }
    return this.shared.network.entry(this.shared.nsenter);
  }

  /**
   * Removes the proxy's folder, the shared network and the mount points; the owner calls it at shutdown (a
   * SIGKILL leaves the folder to the next lanes' stale sweep, and the mount points as empty entries). A
   * later command starts them again.
   */
  close(): void {
    // A task started in the last moments (a persist one, lanes exiting) enters first: bounded, 1.5 s in all.
    this.entering.waitSync(ENTRY_WAIT_MS);
    this.held.close(ENTRY_WAIT_MS);
    this.mountPoints.sweep(true);
    if (this.shared) this.shared.network.close();
    this.shared = undefined;
    this.proxy?.close();
    this.proxy = undefined;
    if (this.proxyDir !== undefined) rmSync(this.proxyDir, { recursive: true, force: true });
    this.proxyDir = undefined;
  }

  private refuse(reason: string): never {
    const line = `lanes sandbox: ${reason}`;
    if (!this.told) {
      this.told = true;
      this.options.onUnavailable?.(line);
    }
    throw new SandboxUnavailableError(line);
  }

  /** The proxy's socket, started on first use, in a private folder outside the workspace. */
  private ensureProxy(): string {
    if (this.proxyDir !== undefined) return join(this.proxyDir, "proxy.sock");
    const allowed = Array.isArray(this.policy.network) ? this.policy.network : [];
    const proxy = new FilteringProxy({ allowed, connect: this.options.connect });
    // A short path: unix socket paths are limited to about 100 bytes, a workspace path may be longer.
    // Dead lanes' folders are no hurry: swept off the first command's start (a readdir of a shared /tmp).
    setTimeout(removeStaleProxyDirs, STALE_SWEEP_DELAY_MS).unref();
    const dir = mkdtempSync(join(tmpdir(), `${PROXY_DIR_PREFIX}${process.pid}-`));
    proxy.listen(join(dir, "proxy.sock"));
    this.proxy = proxy;
    this.proxyDir = dir;
    return join(dir, "proxy.sock");
  }
}
