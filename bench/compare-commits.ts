/*
 * Two commits' bench figures from one run, side by side: each commit is checked out in a temp worktree and
 * built, then the same bench parts run alternately for both (before, after, after, before...), so the load
 * of the moment weighs on both alike and the after/before ratio is what to read.
 *
 *   node bin/run-ts.js bench/compare-commits.ts BEFORE AFTER [--parts startup,spawn] [--rounds 2] [--quick]
 *
 * Writes the table to stdout and, with --out FILE, to FILE as Markdown.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const DEFAULT_PARTS = ["startup", "spawn", "spawnSteps", "latency", "eventLoop"];

interface Options {
  before: string;
  after: string;
  parts: string[];
  rounds: number;
  quick: boolean;
  out: string | undefined;
}

function parseOptions(argv: string[]): Options {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  const quick = argv.includes("--quick");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--quick") continue;
    if (arg.startsWith("--")) flags.set(arg.slice(2), argv[++i] ?? "");
    else positional.push(arg);
  }
  const [before, after] = positional;
  const rounds = Number(flags.get("rounds") ?? "2");
  if (before === undefined || after === undefined || !Number.isInteger(rounds) || rounds < 1) {
    console.error("usage: compare-commits.ts BEFORE AFTER [--parts a,b] [--rounds N] [--quick] [--out FILE]");
    process.exit(2);
  }
  const parts = (flags.get("parts") ?? DEFAULT_PARTS.join(",")).split(",").filter(Boolean);
  return { before, after, parts, rounds, quick, out: flags.get("out") };
}

const repo = resolve(import.meta.dirname, "..");
const git = (...args: string[]): string =>
  execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();

/** A built checkout of `commit` in `dir`, using this checkout's node_modules (nothing is installed). */
function checkout(commit: string, dir: string): string {
  git("worktree", "add", "--detach", dir, commit);
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  execFileSync("node", ["bin/run-ts.js", "scripts/build.ts"], { cwd: dir, stdio: "ignore" });
  return dir;
}

/** Runs one bench part in `dir` and returns its raw figures (bench/results[.quick].parts.json). */
function runPart(dir: string, part: string, quick: boolean): unknown {
  const base = join(dir, "bench", quick ? "results.quick" : "results");
  // `--only` wants earlier figures for the other parts: the committed full run stands in for them.
  if (!existsSync(`${base}.parts.json`))
    copyFileSync(join(dir, "bench", "results.parts.json"), `${base}.parts.json`);
  const args = ["bin/run-ts.js", "bench/run.ts", "--only", part, ...(quick ? ["--quick"] : [])];
  const run = spawnSync("node", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (run.status !== 0) {
    console.error(
      `  ${part} failed in ${dir} (exit ${run.status}): ${run.stderr.trim().split("\n").slice(-3).join(" | ")}`,
    );
    return undefined;
  }
  return (JSON.parse(readFileSync(`${base}.parts.json`, "utf8")) as Record<string, unknown>)[part];
}

/** Every number in a part's figures, by its path (`k10.wallMs`). */
function numbers(value: unknown, path = ""): [string, number][] {
  if (typeof value === "number" && Number.isFinite(value)) return [[path, value]];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => numbers(inner, path ? `${path}.${key}` : key));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

const format = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3));

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const commits = {
    before: git("rev-parse", "--short", options.before),
    after: git("rev-parse", "--short", options.after),
  };
  const temp = mkdtempSync(join(tmpdir(), "lanes-compare-"));
  const dirs: string[] = [];
  const figures = new Map<string, { before: number[]; after: number[] }>();
  const loadStart = loadavg()[0] ?? 0;
  const write = (): void => {
    const table = tableOf(options, commits, figures, loadStart);
    if (options.out) writeFileSync(options.out, table);
  };
  // Stopped halfway (a bench takes minutes a part): the temp worktrees go, the table so far stays written.
  const stop = (): void => {
    for (const dir of dirs) spawnSync("git", ["-C", repo, "worktree", "remove", "--force", dir]);
    process.exit(130);
  };
  process.once("SIGINT", stop).once("SIGTERM", stop);
  try {
    for (const side of ["before", "after"] as const) dirs.push(checkout(commits[side], join(temp, side)));
    const [beforeDir, afterDir] = dirs as [string, string];
    for (let round = 0; round < options.rounds; round++) {
      // ABBA: neither side always runs first, so a drift in load shows in both.
      const order = round % 2 === 0 ? (["before", "after"] as const) : (["after", "before"] as const);
      for (const part of options.parts)
        for (const side of order) {
          console.log(`round ${round + 1}: ${part} on ${side} (${commits[side]})`);
          const raw = runPart(side === "before" ? beforeDir : afterDir, part, options.quick);
          for (const [path, value] of numbers(raw)) {
            const key = `${part}.${path}`;
            const entry = figures.get(key) ?? { before: [], after: [] };
            entry[side].push(value);
            figures.set(key, entry);
          }
          write();
        }
    }
  } finally {
    for (const dir of dirs) spawnSync("git", ["-C", repo, "worktree", "remove", "--force", dir]);
    rmSync(temp, { recursive: true, force: true });
  }
  write();
  console.log(`\n${tableOf(options, commits, figures, loadStart)}`);
}

function tableOf(
  options: Options,
  commits: { before: string; after: string },
  figures: Map<string, { before: number[]; after: number[] }>,
  loadStart: number,
): string {
  const loadEnd = loadavg()[0] ?? 0;
  const lines = [
    `Bench ${commits.before} (before) vs ${commits.after} (after), ${options.rounds} alternating round(s)${options.quick ? ", --quick" : ""}, parts ${options.parts.join(", ")}; medians; load average ${loadStart.toFixed(1)} at the start, ${loadEnd.toFixed(1)} now.`,
    "",
    "| figure | before | after | after / before |",
    "| --- | ---: | ---: | ---: |",
  ];
  for (const [key, { before, after }] of figures) {
    if (before.length === 0 || after.length === 0) continue;
    const [b, a] = [median(before), median(after)];
    lines.push(`| ${key} | ${format(b)} | ${format(a)} | ${b === 0 ? "-" : (a / b).toFixed(2)} |`);
  }
  return `${lines.join("\n")}\n`;
}

main();
