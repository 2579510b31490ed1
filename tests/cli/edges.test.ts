import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import { LANES_BIN, runCli, testEnv, type CliRun } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let server: FakeAnthropic | undefined;
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  await server?.close();
  server = undefined;
  ws.cleanup();
});

const lanes = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
  runCli(args, { cwd: ws.dir, env: testEnv(env) });

/** `lanes ARGS | head -N` through a real shell pipe; resolves with lanes' own exit status and stderr. */
function intoClosedPipe(args: string[], lines: number, env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const script = `"$@" 2>lanes.stderr | head -${lines}; exit \${PIPESTATUS[0]}`;
    const child = spawn("bash", ["-c", script, "bash", process.execPath, LANES_BIN, ...args], {
      cwd: ws.dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stderr = readFileSync(join(ws.dir, "lanes.stderr"), "utf8");
      resolve({ code, signal, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
}

describe("lanes doctor", () => {
  it("checks that the key is accepted with an authenticated request that costs nothing", async () => {
    server = await startFakeAnthropic(() => textReply("unused"));
    server.acceptedKey = "sk-good";
    const good = await lanes(["doctor"], { ANTHROPIC_API_KEY: "sk-good", ANTHROPIC_BASE_URL: server.url });
    expect(good.code, good.stdout).toBe(0);
    expect(good.stdout).toContain(`✓ ${server.url} accepted the key (listed models)`);
    const bad = await lanes(["doctor"], { ANTHROPIC_API_KEY: "sk-revoked", ANTHROPIC_BASE_URL: server.url });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      new RegExp(`✗ ${server.url} refused the key \\(401\\)\\n\\s+fix: check the key`),
    );
    expect(server.listings.map((listing) => listing.headers["x-api-key"])).toEqual(["sk-good", "sk-revoked"]);
    expect(server.requests).toHaveLength(0); // no model call, nothing billed
    expect(good.stdout + bad.stdout).not.toMatch(/sk-good|sk-revoked/);
  });

  it("drops the tmux check and creates nothing in the workspace", async () => {
    server = await startFakeAnthropic(() => textReply("unused"));
    const run = await lanes(["doctor"], { ANTHROPIC_API_KEY: "sk-x", ANTHROPIC_BASE_URL: server.url });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).not.toMatch(/tmux/);
    expect(run.stdout).toContain(`workspace ${ws.dir} is writable`);
    expect(readdirSync(ws.dir)).toEqual([]);
  });
});

describe("reading commands create no .lanes/", () => {
  it("lanes tasks and lanes tasks --all in a folder lanes never ran in", async () => {
    const [list, all] = await Promise.all([lanes(["tasks"]), lanes(["tasks", "--all"])]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("No running tasks");
    expect(all.stdout).toContain("No background tasks.");
    expect(existsSync(join(ws.dir, ".lanes"))).toBe(false);
  });
});

describe("output into a closed pipe ends quietly", () => {
  it("lanes doctor | head -1 and lanes demo | head -2: no stack trace, no temp files left", async () => {
    const tmp = join(ws.dir, "tmp");
    mkdirSync(tmp);
    const env = testEnv({ TMPDIR: tmp });
    const [doctor, demo] = await Promise.all([
      intoClosedPipe(["doctor"], 1, env),
      intoClosedPipe(["demo"], 2, env),
    ]);
    expect(doctor.stdout.split("\n")[0]).toBe("lanes doctor (provider anthropic)");
    expect(doctor.stderr).toBe("");
    expect(doctor.code).toBe(1); // no key: the doctor's verdict, not a crash
    expect(demo.stdout.split("\n")[0]).toMatch(/^lanes demo · scripted model/);
    expect(demo.stderr).toBe("");
    expect(demo.code).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe("lanes run and lanes tasks logs give all the output", () => {
  it("lanes run 'seq 1 100000' prints every line, and tasks logs prints the whole log", async () => {
    const run = await lanes(["run", "seq 1 100000"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(100_000);
    expect(lines[0]).toBe("1");
    expect(lines.at(-1)).toBe("100000");
    const [id] = readdirSync(join(ws.dir, ".lanes", "tasks"))
      .filter((name) => name.endsWith(".json"))
      .map((name) => name.replace(/\.json$/, ""));
    const logs = await lanes(["tasks", "logs", id ?? "?"]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toBe(run.stdout);
  });
});

describe("lanes run keeps stdout and stderr apart", () => {
  it("prints the command's stdout on stdout and its stderr on stderr, however long; the log keeps both", async () => {
    const run = await lanes([
      "run",
      "printf 'out1\\n'; printf 'err1\\n' >&2; seq 1 100000; seq 1 50000 >&2; printf 'out2\\n'; printf 'err2\\n' >&2; exit 3",
    ]);
    expect(run.code, run.stderr.slice(0, 200)).toBe(3);
    const out = run.stdout.trimEnd().split("\n");
    const err = run.stderr.trimEnd().split("\n");
    expect(out).toHaveLength(100_002);
    expect([out[0], out[1], out.at(-2), out.at(-1)]).toEqual(["out1", "1", "100000", "out2"]);
    expect(err).toHaveLength(50_002);
    expect([err[0], err[1], err.at(-2), err.at(-1)]).toEqual(["err1", "1", "50000", "err2"]);
    const [id] = readdirSync(join(ws.dir, ".lanes", "tasks"))
      .filter((name) => name.endsWith(".json"))
      .map((name) => name.replace(/\.json$/, ""));
    const logs = await lanes(["tasks", "logs", id ?? "?"]);
    expect(logs.code, logs.stderr).toBe(0);
    const logged = logs.stdout.trimEnd().split("\n");
    expect(logged).toHaveLength(150_004);
    // Each stream's own order holds in the log; the two interleave as they arrived.
    expect(logged.filter((line) => line.startsWith("out"))).toEqual(["out1", "out2"]);
    expect(logged.filter((line) => line.startsWith("err"))).toEqual(["err1", "err2"]);
    // Read through two pipes, chunks split lines; the log still interleaves whole lines only.
    expect(logged.filter((line) => !/^(out|err)[12]$|^\d+$/.test(line))).toEqual([]);
    const record = JSON.parse(readFileSync(join(ws.dir, ".lanes", "tasks", `${id}.json`), "utf8"));
    expect(record).toMatchObject({
      status: "failed",
      exit_code: 3,
      output_bytes: Buffer.byteLength(logs.stdout),
    });
  });

  it("a reader that stalls after the command ended loses nothing of what lanes still holds", async () => {
    // The reader takes all but the last ~88 KB, then stalls 2 s: seq has ended by then, and lanes holds the
    // rest, paused on a full pipe. Exactly the bytes after the first 464 blocks must arrive.
    const reader = "(dd bs=4096 count=464 iflag=fullblock of=/dev/null 2>/dev/null; sleep 2; wc -c)";
    const run = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const script = `"$@" | ${reader}; exit \${PIPESTATUS[0]}`;
      const child = spawn(
        "bash",
        ["-c", script, "bash", process.execPath, LANES_BIN, "run", "seq 1 300000"],
        {
          cwd: ws.dir,
          env: testEnv(),
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout }));
    });
    let total = 0;
    for (let n = 1; n <= 300_000; n++) total += String(n).length + 1;
    expect(run.code).toBe(0);
    expect(Number(run.stdout.trim())).toBe(total - 464 * 4096);
  });

  it("reads lanes' own stdin: what is piped into lanes run reaches the command, and its end is an EOF", async () => {
    const run = await runCli(["run", 'read first; echo "got $first"; wc -l'], {
      cwd: ws.dir,
      env: testEnv(),
      input: "hello\ntwo\nthree\n",
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("got hello\n2\n");
  });

  it("a Ctrl+C (SIGINT to lanes) ends the command's group and lanes exits 130, as a shell reports it: no 'Terminated' line", async ({
    onTestFinished,
  }) => {
    const child = spawn(process.execPath, [LANES_BIN, "run", "echo started; sleep 120"], {
      cwd: ws.dir,
      env: testEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Should the test fail first: the interrupt that ends lanes and its task.
    onTestFinished(() => void (child.exitCode === null && child.kill("SIGINT")));
    const started = new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("started") && resolve()),
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await started;
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    // The command's shell printed "Terminated" when lanes' TERM ended its sleep: lanes' stop, not the command's.
    expect(stderr).toBe("");
    const list = await lanes(["tasks", "--all"]);
    expect(list.stdout).toMatch(/killed \(SIGTERM\) .*sleep 120/);
    expect(list.stdout).not.toMatch(/running/);
  });

  it("lanes run yes | head -1: the closed pipe ends the command as a shell pipeline would (SIGPIPE, 141)", async () => {
    const run = await intoClosedPipe(["run", "yes"], 1, testEnv());
    expect(run.stdout).toBe("y\n");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(141);
    const list = await lanes(["tasks", "--all"]);
    expect(list.stdout).toMatch(/failed, exit 141 .* yes/);
  });
});

describe("lanes run --detach in the default sandbox", () => {
  it("gets no network rather than a proxy that ends with this lanes, and says so", async () => {
    const run = await lanes(["run", "--detach", "env > seen-env; echo started"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/network: off \(the filtering proxy of sandbox_network ends with this lanes/);
    const id = /^(\S+)\s+started \(persisted\)/.exec(run.stdout)?.[1] ?? "?";
    const record = () => JSON.parse(readFileSync(join(ws.dir, ".lanes", "tasks", `${id}.json`), "utf8"));
    const deadline = Date.now() + 20_000;
    // Its lanes is gone: `lanes tasks` reads the truth (exit file) and writes it back to the record.
    while ((await lanes(["tasks", "--all"])).stdout.includes("running") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(record().status).toBe("completed");
    expect(readFileSync(join(ws.dir, "seen-env"), "utf8")).not.toMatch(/HTTPS?_PROXY=/i);
  });
});

describe("a failed -p run keeps its accounting", () => {
  it("a 400 after a tool call: num_turns, usage and tool_calls of what ran are in the JSON", async () => {
    server = await startFakeAnthropic((_request, index) =>
      index === 0
        ? toolReply([{ name: "bash", input: { command: "echo hi" } }])
        : { kind: "error", status: 400, message: "tools.0: invalid schema" },
    );
    const run = await lanes(["-p", "x", "--output-format", "json"], {
      ANTHROPIC_API_KEY: "sk-test",
      ANTHROPIC_BASE_URL: server.url,
    });
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout);
    expect(json.is_error).toBe(true);
    expect(json.result).toMatch(/tools.0: invalid schema/);
    expect(json.num_turns).toBe(1);
    // What the fake billed for the one answered request, prompt caching included.
    const billed = server.requests[0]?.usage ?? {};
    expect(Object.values(billed).some((tokens) => tokens > 0)).toBe(true);
    expect(json.usage).toMatchObject(billed);
    expect(json.tool_calls).toEqual([{ name: "bash", input: { command: "echo hi" }, is_error: false }]);
    expect(server.requests).toHaveLength(2);
  });
});
