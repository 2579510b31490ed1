import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildCli } from "../scripts/build.js";
import {
  startFakeAnthropic,
  textReply,
  type CapturedRequest,
} from "../tests/helpers/fake-anthropic-server.js";
import { percentile, round, since, withWorkspace, type BenchContext } from "./support.js";

const ROOT = join(import.meta.dirname, "..");

export interface StartupResult {
  /** `lanes --version` wall / `node -e 0` wall, medians of alternating runs. */
  versionRatio: number;
  versionMs: { lanes: number; node: number };
  /** spawn → first request at the fake API: `lanes -p` / a minimal SDK script sending the same body. */
  firstRequestRatio: number;
  firstRequestMs: { lanes: number; sdk: number };
  rounds: number;
  /** `npm install --omit=dev` of the packed tarball. */
  installedMb: number;
  tarballKb: number;
}

// The smallest client that sends what lanes sends: the body lanes' first request had, streamed through the
// SDK. Run from the repo root so `@anthropic-ai/sdk` resolves from its node_modules.
const MINIMAL_SCRIPT = `
import Anthropic from "@anthropic-ai/sdk";
import { readFileSync } from "node:fs";
const body = JSON.parse(readFileSync(process.argv[1], "utf8"));
const client = new Anthropic({ apiKey: "bench", baseURL: process.env.ANTHROPIC_BASE_URL, maxRetries: 0 });
await client.messages.stream(body).finalMessage();
`;

function median(values: number[]): number {
  return round(percentile(values, 50), 1);
}

/** Wall ms of one run of node with these arguments (which must exit 0). */
function wallMs(args: string[]): number {
  const started = performance.now();
  execFileSync(process.execPath, args, { stdio: "ignore", cwd: ROOT });
  return since(started);
}

/** Spawns `node ARGS` and resolves with ms from spawn to the request the fake API receives next. */
async function firstRequestMs(
  requests: CapturedRequest[],
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<number> {
  const before = requests.length;
  const spawned = Date.now();
  const child = spawn(process.execPath, args, { cwd, env, stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await exited;
  const request = requests[before];
  if (!request) throw new Error(`no request from node ${args.join(" ")}`);
  return request.receivedAt - spawned;
}

/** Installed size of the package as a user gets it: pack, then install the tarball without dev deps. */
function installedSize(dir: string): { installedMb: number; tarballKb: number } {
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const tarball = join(dir, packed.trim().split("\n").pop() ?? "");
  const prefix = join(dir, "prefix");
  mkdirSync(prefix);
  const quiet = ["--no-audit", "--no-fund", "--prefer-offline", "--silent"];
  execFileSync("npm", ["install", "-g", "--omit=dev", "--prefix", prefix, ...quiet, tarball], {
    stdio: "ignore",
  });
  const kb = (path: string): number =>
    Number(execFileSync("du", ["-sk", path], { encoding: "utf8" }).split("\t")[0]);
  return { installedMb: round(kb(join(prefix, "lib", "node_modules")) / 1024, 1), tarballKb: kb(tarball) };
}

export async function benchStartup(context: BenchContext): Promise<StartupResult> {
  const rounds = context.quick ? 4 : 15;
  const outDir = join(ROOT, ".build", `bench-${process.pid}`);
  const bin = await buildCli(outDir);
  try {
    const version = { lanes: [] as number[], node: [] as number[] };
    wallMs([bin, "--version"]); // warm the file cache for both
    for (let i = 0; i < rounds; i++) {
      version.node.push(wallMs(["-e", "0"]));
      version.lanes.push(wallMs([bin, "--version"]));
    }
    const versionMs = { lanes: median(version.lanes), node: median(version.node) };
    context.log(`--version ${versionMs.lanes} ms, node -e 0 ${versionMs.node} ms`);

    const fake = await startFakeAnthropic(() => textReply("done"));
    const first = await withWorkspace("startup", async (dir) => {
      const env = { PATH: process.env.PATH, HOME: dir, NO_COLOR: "1", ANTHROPIC_BASE_URL: fake.url };
      const lanesEnv = { ...env, ANTHROPIC_API_KEY: "bench", XDG_CONFIG_HOME: join(dir, ".config") };
      const lanesArgs = [bin, "-p", "say done", "--cwd", dir];
      await firstRequestMs(fake.requests, lanesArgs, lanesEnv, dir);
      const bodyFile = join(dir, "body.json");
      writeFileSync(bodyFile, JSON.stringify(fake.requests[0]?.body));
      const sdkArgs = ["--input-type=module", "-e", MINIMAL_SCRIPT, bodyFile];
      const samples = { lanes: [] as number[], sdk: [] as number[] };
      for (let i = 0; i < rounds; i++) {
        samples.sdk.push(await firstRequestMs(fake.requests, sdkArgs, env, ROOT));
        samples.lanes.push(await firstRequestMs(fake.requests, lanesArgs, lanesEnv, dir));
      }
      return { lanes: median(samples.lanes), sdk: median(samples.sdk) };
    });
    await fake.close();
    context.log(`-p first request ${first.lanes} ms, minimal SDK script ${first.sdk} ms`);

    const size = await withWorkspace("install", async (dir) => installedSize(dir));
    context.log(`installed --omit=dev ${size.installedMb} MB (tarball ${size.tarballKb} KB)`);
    return {
      versionRatio: round(versionMs.lanes / versionMs.node, 2),
      versionMs,
      firstRequestRatio: round(first.lanes / first.sdk, 2),
      firstRequestMs: first,
      rounds,
      ...size,
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
