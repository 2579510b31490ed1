import { closeSync, lstatSync, mkdirSync, openSync } from "node:fs";
import { mountedElsewhere } from "./mounted-elsewhere.js";
import { MountRegistry, removeDeepestFirst, type MadeEntry } from "./mount-registry.js";
import { sweepOrphanRegistries } from "./registry-orphans.js";
import type { Protection, ProtectedPath } from "./protected-paths.js";
import { lstatOnce, resolveProtected, type Lstat } from "./resolve-protected.js";

/** What bubblewrap mounts for the protected paths of one command. */
export interface ProtectionMounts {
  /** Folders on the way to a protected path, bound writable over themselves so they cannot be renamed. */
  pins: string[];
  mounts: { path: string; how: Protection }[];
  /** Mount points this command holds; given back with `release` once it has ended. */
  held: string[];
  /** Every mount point and pin the command uses, made by lanes or not: never removed under it. */
  used: string[];
}

const IDLE_MS = 1000; // how long an unheld mount point waits for the next command before it is removed

interface Made {
  dev: number;
  ino: number;
  users: number;
  /** The workspace's registry: what other lanes use its mount points. */
  registry: MountRegistry;
  /** Left by a lanes that is gone, while a task it started still had it mounted. */
  inherited?: boolean;
}

/**
 * The empty files and folders lanes makes so bubblewrap can protect a path that does not exist yet (a
 * `.vscode/` a command could otherwise create). Each is counted while a command of this sandbox holds it
 * and removed soon after the last one ends, only if it is still the same empty file or folder lanes made.
 */
export class MountPoints {
  private readonly made = new Map<string, Made>();
  /** Paths this process's running commands use: none is removed, a dead lanes' leftover included. */
  private readonly inUse = new Map<string, number>();
  /** One per workspace this process made or used mount points in. */
  private readonly registries = new Map<string, MountRegistry>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private orphansSwept = false;

  /** `workspace`: its real path, which names its registry (mount-registry.ts, outside the workspace). */
  prepare(paths: readonly ProtectedPath[], writable: readonly string[], workspace: string): ProtectionMounts {
    // Every root registered before any path is looked at: no lanes sweeps a root another lanes is using. One
    // that was already removing when we registered is waited out: a path seen now would be gone a moment later.
    const roots = [workspace, ...writable].map((root) => this.registryFor(root));
    for (const registry of roots) registry.register();
    for (const registry of roots) registry.waitWhileRemoving();
    const lstat = lstatOnce();
    const result: ProtectionMounts = { pins: [], mounts: [], held: [], used: [] };
    const pins = new Set<string>();
    for (const target of paths) {
      const resolved = resolveProtected(target, writable, lstat);
      if (resolved === undefined || (!resolved.exists && target.whenMissing === false)) continue;
      const registry = this.registryFor(resolved.root);
      const made = resolved.exists ? [] : this.makeAll(resolved.make, resolved.at, target.kind, registry);
      if (made === undefined) continue;
      // Existing ones lanes made for an earlier command: held again, so no sweep removes them under this one.
      const reused = [...resolved.pins, ...(resolved.exists ? [resolved.at] : [])].filter((p) =>
        this.reuse(p, lstat),
      );
      result.held.push(...reused, ...made);
      for (const path of [...resolved.pins, resolved.at]) {
        this.inUse.set(path, (this.inUse.get(path) ?? 0) + 1);
        result.used.push(path);
      }
      for (const pin of [...resolved.pins, ...resolved.make]) pins.add(pin);
      if (!result.mounts.some((mount) => mount.path === resolved.at)) {
        result.mounts.push({ path: resolved.at, how: target.how });
      }
    }
    const depth = (path: string): number => path.split("/").length;
    result.pins = [...pins].sort((a, b) => depth(a) - depth(b));
    result.mounts.sort((a, b) => depth(a.path) - depth(b.path));
    return result;
  }

  /**
   * Gives back mount points a command held. Unheld ones go a moment later (IDLE_MS), deepest first: the
   * next command of a busy session reuses them instead of making and removing twenty paths each time.
   */
  release(held: readonly string[], used: readonly string[] = []): void {
    for (const path of used) {
      const count = (this.inUse.get(path) ?? 1) - 1;
      if (count > 0) this.inUse.set(path, count);
      else this.inUse.delete(path);
    }
    for (const path of held) {
      const made = this.made.get(path);
      if (made !== undefined && made.users > 0) made.users--;
    }
    if (this.sweepTimer === undefined && [...this.made.values()].some((made) => made.users === 0)) {
      this.sweepTimer = setTimeout(() => this.sweep(), IDLE_MS);
      this.sweepTimer.unref();
    }
  }

  /**
   * Removes every mount point no command holds now, except in a workspace another live lanes uses (its
   * commands may be starting on them: they wait for the last one). `final`: the session is ending; what is
   * left stays listed in the registry for the next lanes to remove.
   */
  sweep(final = false): void {
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    let waiting = false;
    for (const registry of this.registries.values()) {
      const mine = [...this.made.entries()].filter(([, made]) => made.registry === registry);
      if (registry.othersAlive()) {
        waiting = true;
        continue;
      }
      const idle = mine.filter(([, made]) => made.users === 0);
      const leftovers = idle.length === mine.length ? registry.takeLeftovers() : [];
      // Still mounted in some sandbox (a task that outlived its lanes, or another lanes' command that began
      // on it): kept, and listed as ours until it ends; removing it would detach that read-only mount.
      const mounted = idle.length + leftovers.length > 0 ? mountedElsewhere() : new Set<string>();
      for (const { path, dev, ino } of leftovers.filter((entry) => mounted.has(entry.path)))
        this.made.set(path, { dev, ino, users: 0, registry, inherited: true });
      const remove: [string, MadeEntry][] = [
        ...idle.map(([path, made]): [string, MadeEntry] => [path, { path, ...made }]),
        ...leftovers.map((entry): [string, MadeEntry] => [entry.path, entry]),
      ].filter(([path]) => !mounted.has(path) && !this.inUse.has(path));
      // A dead lanes' leftover one of ours is starting on (not mounted yet): listed as ours, removed later.
      for (const { path, dev, ino } of leftovers.filter((entry) => this.inUse.has(entry.path)))
        this.made.set(path, { dev, ino, users: 0, registry, inherited: true });
      // Asked again holding the removal lock (the scan took a while): a lanes registering from now on waits.
      const removed =
        remove.length === 0 ||
        registry.removing(() => {
          if (registry.othersAlive()) return false;
          for (const [path] of remove) this.made.delete(path);
          removeDeepestFirst(remove.map(([, entry]) => entry));
          return true;
        }) === true;
      if (!removed) {
        for (const { path, dev, ino } of leftovers) this.made.set(path, { dev, ino, users: 0, registry });
        waiting = true;
      }
      const kept = [...this.made.entries()].filter(([, made]) => made.registry === registry);
      // Registered until the end, even with nothing made here: its next command may start on another's.
      if (kept.length === 0 && final) registry.unregister();
      else registry.rewrite(kept.map(([path, { dev, ino }]) => ({ path, dev, ino })));
    }
    // Once per process, at its first session's end: registries of deleted workspaces whose lanes are gone.
    if (final && !this.orphansSwept) {
      this.orphansSwept = true;
      sweepOrphanRegistries();
    }
    // Another lanes still uses a workspace: look again later, as its commands end.
    if (waiting && !final) {
      this.sweepTimer = setTimeout(() => this.sweep(), IDLE_MS);
      this.sweepTimer.unref();
    }
  }

  /** The registry of a workspace, or of another writable root holding mount points (HOME's caches). */
  private registryFor(root: string): MountRegistry {
    const known = this.registries.get(root);
    if (known !== undefined) return known;
    const registry = MountRegistry.forWorkspace(root);
    this.registries.set(root, registry);
    return registry;
  }

  /** Counts another holder of a mount point lanes made earlier and still has; false for anything else. */
  private reuse(path: string, lstat: Lstat): boolean {
    const made = this.made.get(path);
    if (made === undefined || !sameEntry(path, made, lstat)) return false;
    made.users++;
    return true;
  }

  /** The folders on the way and the mount point, as held; undefined when the mount point cannot be had. */
  private makeAll(
    folders: readonly string[],
    at: string,
    kind: "file" | "dir",
    registry: MountRegistry,
  ): string[] | undefined {
    const held: string[] = [];
    for (const [path, type] of [...folders.map((f) => [f, "dir"] as const), [at, kind] as const]) {
      const outcome = this.hold(path, type, registry);
      if (outcome === "failed") {
        this.release(held);
        return undefined;
      }
      if (outcome === "made") held.push(path);
    }
    return held;
  }

  /**
   * Makes (or counts another holder of) a mount point. "exists": made meanwhile by someone else, protected
   * as it is; "failed": not makeable here (a read-only parent), where the command cannot make it either.
   */
  private hold(path: string, kind: "file" | "dir", registry: MountRegistry): "made" | "exists" | "failed" {
    const made = this.made.get(path);
    if (made !== undefined && sameEntry(path, made)) {
      made.users++;
      return "made";
    }
    try {
      if (kind === "dir") mkdirSync(path);
      else closeSync(openSync(path, "wx", 0o644));
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EEXIST" ? "exists" : "failed";
    }
    const stat = lstatSync(path);
    this.made.set(path, { dev: stat.dev, ino: stat.ino, users: 1, registry });
    // Listed before any command uses it, so a lanes killed now still leaves it to the next one to remove.
    registry.recordMade({ path, dev: stat.dev, ino: stat.ino });
    return "made";
  }
}

function sameEntry(path: string, made: Made, lstat: Lstat = lstatSync): boolean {
  try {
    const stat = lstat(path);
    return stat !== undefined && stat.dev === made.dev && stat.ino === made.ino;
  } catch {
    return false;
  }
}

/**
 * The one registry of the process: mount points are on the filesystem every sandbox of the process shares
 * (two sessions of one workspace in a test, the bench's variants), and one sandbox must never sweep a mount
 * point another's command is starting with.
 */
export const processMountPoints = new MountPoints();
