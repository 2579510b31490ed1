/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies and JSON output are loose in tests */
import { randomBytes } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEditFileTool } from "../../src/tools/edit-file.js";
import { createWriteFileTool } from "../../src/tools/write-file.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai-server.js";
import { countProcessesLeft } from "../helpers/left-behind.js";
import { startPathFlipper, type FlipState } from "../helpers/path-flipper.js";
import { recordReliability } from "../helpers/reliability.js";
import { testEnv } from "../helpers/run-cli.js";
import { filesHolding, filesUnder, runCliUnderUmask } from "../helpers/secret-scan.js";
import { eventually, tempWorkspace } from "../helpers/temp-workspace.js";
import { callTool, toolMap } from "../helpers/tool-harness.js";

let ws: { dir: string; cleanup: () => void };
const servers: { close(): Promise<void> }[] = [];
beforeEach(() => (ws = tempWorkspace("lanes-security-")));
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  ws.cleanup();
});

const FORMATS = ["text", "json", "stream-json"] as const;
const SECRET_NAMES = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY"];

function secret(prefix: string): string {
  return `${prefix}-SECRET-${randomBytes(12).toString("hex")}`;
}

/** The model runs `env` in the foreground (short and long output) and in the background, then waits. */
async function envScript(): Promise<FakeAnthropic> {
  const replies = [
    toolReply([
      { name: "bash", input: { command: "env" } },
      { name: "bash", input: { command: "env; head -c 200000 /dev/zero | tr '\\0' e" } },
      { name: "background_run", input: { command: "env; echo bg-env-done" } },
    ]),
    toolReply([{ name: "wait_background", input: {} }]),
    textReply("all done"),
  ];
  const server = await startFakeAnthropic((_request, index) => replies[index] ?? textReply("ack"));
  servers.push(server);
  return server;
}

function toolResultsOf(request: { body: any }): string[] {
  return request.body.messages
    .filter((message: any) => message.role === "user" && Array.isArray(message.content))
    .flatMap((message: any) => message.content)
    .filter((block: any) => block.type === "tool_result")
    .map((block: any) => String(block.content));
}

/** Modes under .lanes that must be private: the folders 0700, task records 0600. */
function permissionProblems(workspace: string): string[] {
  const lanesDir = join(workspace, ".lanes");
  const problems: string[] = [];
  const expectMode = (path: string, mode: number): void => {
    const actual = statSync(path).mode & 0o777;
    if (actual !== mode) problems.push(`${path} is ${actual.toString(8)}, expected ${mode.toString(8)}`);
  };
  expectMode(lanesDir, 0o700);
  expectMode(join(lanesDir, "tasks"), 0o700);
  for (const name of readdirSync(lanesDir)) {
    if (statSync(join(lanesDir, name)).isDirectory()) expectMode(join(lanesDir, name), 0o700);
  }
  const records = readdirSync(join(lanesDir, "tasks")).filter((name) => name.endsWith(".json"));
  if (records.length === 0) problems.push("no task record was written");
  for (const name of records) expectMode(join(lanesDir, "tasks", name), 0o600);
  return problems;
}

describe("security: secrets", () => {
  it("never lets the API key or the Authorization token reach logs, records, .lanes, -p output (text, json, stream-json) or the model, and children run without them", async ({
    task,
  }) => {
    let runs = 0;
    let lost = 0;
    const workspaces: string[] = [];
    const cases = (["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"] as const).flatMap((credential) =>
      FORMATS.map((format) => ({ credential, format })),
    );
    // The runs are independent (own workspace, own fake API): they run side by side.
    await Promise.all(
      cases.map(async ({ credential, format }) => {
        const workspace = join(ws.dir, `${credential}-${format}`);
        mkdirSync(workspace);
        workspaces.push(workspace);
        const key = secret("sk-ant");
        const openaiKey = secret("sk-openai");
        const fake = await envScript();
        // umask 000: any file lanes does not make private on purpose would come out world-readable.
        const run = await runCliUnderUmask(["-p", "show the environment", "--output-format", format], {
          cwd: workspace,
          umask: "000",
          env: testEnv({
            [credential]: key,
            OPENAI_API_KEY: openaiKey,
            ANTHROPIC_BASE_URL: fake.url,
            MODEL_ID: "claude-test",
            // The SDK's own debug log prints requests; lanes turns it off whatever the user sets.
            ANTHROPIC_LOG: "debug",
          }),
        });
        runs++;
        expect(run.code, run.stderr).toBe(0);
        // The secret really was in use: the API got it, in the header it belongs in.
        // (This SDK sends an API key as `Authorization: Bearer` too, not only as x-api-key.)
        const headers = fake.requests[0]?.headers ?? {};
        expect([headers["x-api-key"], headers.authorization]).toContain(
          credential === "ANTHROPIC_API_KEY" && headers["x-api-key"] !== undefined ? key : `Bearer ${key}`,
        );
        // The commands really ran `env`, without lanes' credentials.
        const results = toolResultsOf(fake.requests[1] as { body: any });
        // Three commands, three results: one missing or doubled is a lost item.
        lost += Math.abs(results.length - 3);
        for (const envOutput of results.slice(0, 2)) {
          expect(envOutput).toContain("LANES_TASK_ID=");
          for (const name of SECRET_NAMES) expect(envOutput).not.toContain(`${name}=`);
        }
        const logs = filesUnder(join(workspace, ".lanes", "tasks")).filter((file) => file.endsWith(".log"));
        const backgroundLogs = logs
          .map((file) => readFileSync(file, "utf8"))
          .filter((text) => text.includes("bg-env-done"));
        lost += Math.abs(backgroundLogs.length - 1);
        const backgroundLog = backgroundLogs[0];
        expect(backgroundLog).toContain("LANES_TASK_ID=");
        for (const name of SECRET_NAMES) expect(backgroundLog).not.toContain(`${name}=`);
        // Nowhere: any file in the workspace (.lanes/** included), stdout, stderr, what the model was sent.
        const files = filesUnder(workspace);
        // The scan covers a kept foreground output and the saved conversation (transcript), not just logs.
        expect(files.some((file) => file.includes(join(".lanes", "outputs")))).toBe(true);
        expect(files.some((file) => file.endsWith(".jsonl"))).toBe(true);
        expect(filesHolding(files, [key, openaiKey])).toEqual([]);
        expect(run.stdout + run.stderr).not.toContain(key);
        expect(run.stdout + run.stderr).not.toContain(openaiKey);
        for (const request of fake.requests) expect(JSON.stringify(request.body)).not.toContain(key);
        expect(permissionProblems(workspace)).toEqual([]);
      }),
    );
    const left = await countProcessesLeft(workspaces);
    expect({ left, lost }).toEqual({ left: 0, lost: 0 });
    recordReliability(task, {
      area: "Security",
      does: `lanes -p (text/json/stream-json × API key/auth token, umask 000) runs env in bash and background_run: key in no workspace file (.lanes/**: logs, records, outputs, transcript), no output, no model request; env lacks ${SECRET_NAMES.join("/")}; .lanes dirs 0700, records 0600`,
      cases: runs,
      faultsSurvived: 0,
      processesLeft: left,
      itemsLost: lost,
    });
  }, 120_000);

  it("passes the credentials to commands only with pass_secrets_to_commands: true in the user's config, and tightens a .lanes/ the user made for config.json", async ({
    task,
  }) => {
    const key = secret("sk-ant");
    const token = secret("sk-ant-token");
    const openaiKey = secret("sk-openai");
    // The user creates .lanes/ by hand (mode 0755 under a usual umask) to hold the config.
    mkdirSync(join(ws.dir, ".lanes"), { mode: 0o755 });
    writeFileSync(join(ws.dir, ".lanes", "config.json"), JSON.stringify({ max_turns: 10 }));
    // Only the user's own config may grant it (a workspace's may not: tests/reliability/trust.test.ts).
    const userConfig = join(ws.dir, "user-config");
    mkdirSync(join(userConfig, "lanes"), { recursive: true });
    writeFileSync(
      join(userConfig, "lanes", "config.json"),
      JSON.stringify({ pass_secrets_to_commands: true }),
    );
    const fake = await envScript();
    const run = await runCliUnderUmask(["-p", "show the environment", "--output-format", "json"], {
      cwd: ws.dir,
      umask: "022",
      env: testEnv({
        ANTHROPIC_API_KEY: key,
        ANTHROPIC_AUTH_TOKEN: token,
        OPENAI_API_KEY: openaiKey,
        ANTHROPIC_BASE_URL: fake.url,
        MODEL_ID: "claude-test",
        XDG_CONFIG_HOME: userConfig,
      }),
    });
    expect(run.code, run.stderr).toBe(0);
    const results = toolResultsOf(fake.requests[1] as { body: any });
    const lost = Math.abs(results.length - 3);
    const [foreground] = results;
    expect(foreground).toContain(`ANTHROPIC_API_KEY=${key}`);
    expect(foreground).toContain(`ANTHROPIC_AUTH_TOKEN=${token}`);
    expect(foreground).toContain(`OPENAI_API_KEY=${openaiKey}`);
    const logs = filesUnder(join(ws.dir, ".lanes", "tasks")).filter((file) => file.endsWith(".log"));
    expect(logs.some((file) => readFileSync(file, "utf8").includes(`ANTHROPIC_API_KEY=${key}`))).toBe(true);
    // Logs now hold the key by the user's choice; what keeps them private is .lanes/ itself.
    expect(permissionProblems(ws.dir)).toEqual([]);
    const left = await countProcessesLeft([ws.dir]);
    expect({ left, lost }).toEqual({ left: 0, lost: 0 });
    recordReliability(task, {
      area: "Security",
      does: "pass_secrets_to_commands: true in the user's config: env in bash and background_run sees ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, OPENAI_API_KEY; a 0755 .lanes/ made by the user ends 0700",
      cases: 1,
      faultsSurvived: 0,
      processesLeft: left,
      itemsLost: lost,
    });
  }, 60_000);

  it("keeps a key the API echoes back in its error out of every output after auth failures and retries (Anthropic key and token, OpenAI)", async ({
    task,
  }) => {
    let runs = 0;
    let faults = 0;
    // A run whose auth failure was not reported lost the one item it had to give back.
    let unreported = 0;
    const workspaces: string[] = [];
    const cases: { provider: "anthropic" | "openai"; credential: string; format: string }[] = [];
    for (const format of FORMATS) {
      cases.push({ provider: "anthropic", credential: "ANTHROPIC_API_KEY", format });
      cases.push({ provider: "anthropic", credential: "ANTHROPIC_AUTH_TOKEN", format });
      cases.push({ provider: "openai", credential: "OPENAI_API_KEY", format });
    }
    // The runs are independent (own workspace, own fake API): they run side by side.
    await Promise.all(
      cases.map(async ({ provider, credential, format }) => {
        const key = secret(provider === "openai" ? "sk-openai" : "sk-ant");
        const workspace = join(ws.dir, `${credential}-${format}`);
        mkdirSync(workspace);
        workspaces.push(workspace);
        // Two overloads, then an auth failure: each error message quotes the credential, as gateways do.
        const echo = `invalid credential ${key} (Authorization: Bearer ${key})`;
        let server: FakeAnthropic | FakeOpenAI;
        if (provider === "anthropic") {
          server = await startFakeAnthropic((_request, index) =>
            index < 2
              ? { kind: "error", status: 529, message: echo }
              : { kind: "error", status: 401, message: echo },
          );
        } else {
          server = await startFakeOpenAI((_request, index) =>
            index < 2
              ? { kind: "error", status: 503, message: echo }
              : { kind: "error", status: 401, message: echo },
          );
        }
        servers.push(server);
        const env =
          provider === "anthropic"
            ? { [credential]: key, ANTHROPIC_BASE_URL: server.url, MODEL_ID: "claude-test" }
            : { OPENAI_API_KEY: key, OPENAI_BASE_URL: `${server.url}/v1`, MODEL_ID: "gpt-test" };
        const args = ["-p", "hello", "--output-format", format, "--provider", provider];
        const run = await runCliUnderUmask(args, {
          cwd: workspace,
          umask: "022",
          env: testEnv({
            ...env,
            LANES_MAX_RETRIES: "4",
            LANES_RETRY_BASE_MS: "5",
            ANTHROPIC_LOG: "debug",
            OPENAI_LOG: "debug",
          }),
        });
        runs++;
        // Three answers, all failures: two retried, the last one final.
        expect(server.requests).toHaveLength(3);
        faults += server.requests.length;
        expect(run.code).toBe(1);
        const output = run.stdout + run.stderr;
        if (!/401|auth/i.test(output)) unreported++;
        if (format === "stream-json") expect(output).toContain('"type":"model-retry"');
        expect(output).not.toContain(key);
        expect(filesHolding(filesUnder(workspace), [key])).toEqual([]);
      }),
    );
    const left = await countProcessesLeft(workspaces);
    expect({ left, unreported }).toEqual({ left: 0, unreported: 0 });
    recordReliability(task, {
      area: "Security",
      does: "fake API echoes the credential in 529/503 retries and a final 401 (Anthropic key, Anthropic token, OpenAI key × text/json/stream-json, SDK debug logs requested): not in stdout, stderr, retry events or any workspace file",
      cases: runs,
      faultsSurvived: faults,
      processesLeft: left,
      itemsLost: unreported,
    });
  }, 120_000);
});

describe("security: file tools at open time", () => {
  it("never writes outside while a file or a folder on the path is swapped for a link to outside between check and open", async ({
    task,
    onTestFinished,
  }) => {
    const root = join(ws.dir, "workspace");
    const outside = join(ws.dir, "outside");
    mkdirSync(join(root, "real-d"), { recursive: true });
    mkdirSync(join(root, "e"));
    mkdirSync(outside);
    writeFileSync(join(outside, "secret.txt"), "SECRET\n");
    writeFileSync(join(root, "real-d", "secret.txt"), "inside SECRET\n");
    writeFileSync(join(root, "e", "secret.txt"), "inside SECRET\n");
    symlinkSync("real-d", join(root, "d"));
    const tools = toolMap([createWriteFileTool(root), createEditFileTool(root)] as never[]);
    type Attempt = { name: string; runs: number; input: (i: number) => Record<string, unknown> };
    const write = (path: (i: number) => string, runs = 500): Attempt => ({
      name: "write_file",
      runs,
      input: (i) => ({ path: path(i), content: `pwned ${i}\n` }),
    });
    // An edit turns SECRET into SECRET! (still one match), so edits keep matching inside; outside it would show.
    const edit = (path: string): Attempt => ({
      name: "edit_file",
      runs: 500,
      input: () => ({ path, old_text: "SECRET", new_text: "SECRET!" }),
    });
    // One flipper at a time, so it gets a core to itself and hits the narrow windows often.
    const phases: { path: string; states: FlipState[]; attempts: Attempt[] }[] = [
      {
        path: "t.txt",
        states: [
          ["file", "inside SECRET\n"],
          ["link", join(outside, "secret.txt")],
        ],
        attempts: [write(() => "t.txt"), edit("t.txt")],
      },
      {
        path: "d",
        states: [
          ["link", "real-d"],
          ["link", outside],
        ],
        attempts: [
          write(() => "d/secret.txt"),
          edit("d/secret.txt"),
          write((i) => `d/new-${i}.txt`),
          write((i) => `d/sub-${i}/new.txt`),
        ],
      },
      {
        // A real folder on the resolved path swapped for a link: the O_CREAT and mkdir races.
        path: "e",
        states: [["dir"], ["link", outside]],
        attempts: [
          write(() => "e/secret.txt"),
          edit("e/secret.txt"),
          write((i) => `e/new-${i}.txt`, 3000),
          write((i) => `e/sub-${i}/new.txt`, 3000),
        ],
      },
    ];
    // Attack only once the flipper really flips (a node process takes a moment to start).
    const flipping = (path: string): boolean => {
      const seen = new Set<string>();
      for (let i = 0; i < 500; i++) {
        try {
          seen.add(lstatSync(path).isSymbolicLink() ? readlinkSync(path) : "not a link");
        } catch {
          seen.add("missing");
        }
      }
      return seen.size >= 2;
    };
    let tried = 0;
    let refused = 0;
    let wrote = 0;
    // Calls made while the path was seen flipping both before and after them: deterministic, unlike refusals.
    let duringFlips = 0;
    for (const phase of phases) {
      const flipper = startPathFlipper(join(root, phase.path), phase.states);
      // A timed-out test never reaches the finally below, and its worker process lives on for other files.
      onTestFinished(() => flipper.stop());
      try {
        expect(await eventually(() => flipping(join(root, phase.path)), 5_000)).toBe(true);
        for (const attempt of phase.attempts) {
          let calls = 0;
          for (let i = 0; i < attempt.runs; i++) {
            const result = await callTool(tools, attempt.name, attempt.input(i), 5_000);
            calls++;
            if (result.is_error) refused++;
            else wrote++;
          }
          tried += calls;
          // Still flipping after the batch, so every call of it ran against a live flipper.
          if (await eventually(() => flipping(join(root, phase.path)), 5_000)) duringFlips += calls;
        }
      } finally {
        await flipper.stop();
      }
    }
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("SECRET\n");
    const created = readdirSync(outside).filter((name) => name !== "secret.txt");
    expect(created).toEqual([]);
    // Both ways were taken: the race really happened.
    expect(refused).toBeGreaterThan(0);
    expect(wrote).toBeGreaterThan(0);
    expect(duringFlips).toBe(tried);
    const left = await countProcessesLeft([ws.dir]);
    expect(left).toBe(0);
    recordReliability(task, {
      area: "Security",
      does: `${tried} write_file/edit_file calls while another process flips t.txt (file ↔ link to outside), d/ (link inside ↔ outside), e/ (real folder ↔ link to outside), all made while the flip was live, some refused and some written: outside untouched (no byte, no new file or folder)`,
      cases: tried,
      faultsSurvived: duringFlips,
      processesLeft: left,
      itemsLost: created.length,
    });
  }, 60_000);
});
