import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/config/config.js";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { createSandbox } from "../../src/sandbox/create.js";
import { liveProcessesWithEnv } from "../helpers/marked-processes.js";

// The bridge that carries the filtering proxy into the sandbox's own network namespace, under load: big
// bodies both ways, through plain HTTP and a CONNECT tunnel, many connections at once, for the perl relay
// and for the socat fallback. The proxy's upstream for "big.test" is a local server.
const BODY = randomBytes(6 * 1024 * 1024);
const sha = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

let server: Server;
let port = 0;
let ws: string;

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), "lanes-bridge-"));
  server = createServer((req, res) => {
    if (req.method === "POST") {
      const hash = createHash("sha256");
      req.on("data", (chunk: Buffer) => hash.update(chunk));
      req.on("end", () => res.end(`${hash.digest("hex")}\n`));
      return;
    }
    res.end(req.url === "/big" ? BODY : `hello ${req.url}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(ws, { recursive: true, force: true });
});

type Variant = { bridge?: "socat"; sharedNetwork?: false };

async function sandboxed(command: string, variant: Variant) {
  const config = ConfigSchema.parse({ sandbox: "workspace-write", sandbox_network: ["big.test"] });
  const sandbox = createSandbox(config, {
    workspace: ws,
    lanesDir: join(ws, ".lanes"),
    env: process.env,
    connect: (host) => connect({ host: "127.0.0.1", port: host === "big.test" ? port : 9 }),
    onUnavailable: (line) => {
      throw new Error(line);
    },
    ...variant,
  });
  const lanes = new LaneManager({
    env: process.env,
    ownerPid: process.pid,
    workspace: ws,
    sandbox,
    stallMs: 0,
    killGraceMs: 300,
  });
  try {
    const record = lanes.start({ command, timeoutMs: 60_000 });
    const ended = await lanes.whenEnded(record.id);
    return { ...ended, output: readFileSync(ended.output_file, "utf8") };
  } finally {
    await lanes.shutdown();
    sandbox?.close();
  }
}

const curl = "curl -sS --max-time 30";

describe.each([
  ["the session's shared network: one relay in its holder", {}],
  ["a namespace per command: perl relay", { sharedNetwork: false as const }],
  ["a namespace per command: socat fallback", { bridge: "socat" as const }],
])("the network bridge (%s)", (_name, variant: Variant) => {
  it("carries 6 MB down and 6 MB up byte-exact, over plain HTTP and over a CONNECT tunnel", async () => {
    const upload = join(ws, "upload.bin");
    const command = [
      `head -c ${BODY.length} /dev/urandom > ${upload}`,
      `${curl} http://big.test/big | sha256sum | cut -d' ' -f1`,
      `${curl} --proxytunnel http://big.test/big | sha256sum | cut -d' ' -f1`,
      `sha256sum < ${upload} | cut -d' ' -f1`,
      `${curl} --proxytunnel --data-binary @${upload} http://big.test/up`,
    ].join(" && ");
    const ended = await sandboxed(command, variant);
    expect(ended.exit_code, ended.output).toBe(0);
    const [down, tunnelled, local, echoed] = ended.output.trim().split("\n");
    expect([down, tunnelled]).toEqual([sha(BODY), sha(BODY)]);
    expect(echoed).toBe(local);
  });

  it("serves 24 connections at once, and nothing of the bridge outlives the command", async () => {
    const command = `for i in $(seq 1 24); do ${curl} http://big.test/n$i & done; wait`;
    const ended = await sandboxed(command, variant);
    expect(ended.exit_code, ended.output).toBe(0);
    const lines = ended.output.trim().split("\n").sort();
    expect(lines).toHaveLength(24);
    expect(new Set(lines).size).toBe(24);
    expect(liveProcessesWithEnv("LANES_TASK_ID", (id) => id === ended.id)).toEqual([]);
  });
});
