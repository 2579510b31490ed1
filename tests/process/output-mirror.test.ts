import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { startGroupProcess } from "../../src/process/group-process.js";
import { openPipes } from "../../src/process/output-mirror.js";

// The pipes of an attached command (`lanes run`): real FIFOs where a filesystem holds them, Node's own
// pipes where none does, and the command's output arriving either way.
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function collect(stream: PassThrough): () => string {
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

async function run(command: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const [out, err] = [collect(stdout), collect(stderr)];
  const child = startGroupProcess({
    command,
    cwd: dir,
    env: process.env,
    outputFile: join(dir, "task.log"),
    stdin: "ignore",
    mirror: { stdout, stderr },
  });
  const result = await child.exited;
  return { result, stdout: out(), stderr: err(), log: readFileSync(join(dir, "task.log"), "utf8") };
}

describe("the pipes of an attached command", () => {
  it("are FIFOs made in the first folder that takes one, and leave no file behind", () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-mirror-"));
    expect(openPipes([join(dir, "missing")], 2)).toBeUndefined();
    const pipes = openPipes([join(dir, "missing"), dir], 2);
    expect(pipes).toHaveLength(2);
    for (const pipe of pipes ?? []) pipe.reader.destroy();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("fall back to Node's pipes where no FIFO can be made, and the output still arrives apart", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-mirror-"));
    const path = process.env.PATH;
    process.env.PATH = join(dir, "no-mkfifo-here"); // mkfifo is found through PATH; /bin/sh is absolute
    let outcome: Awaited<ReturnType<typeof run>>;
    try {
      outcome = await run("echo out; echo err >&2; exit 4");
    } finally {
      process.env.PATH = path;
    }
    expect(outcome.result.exitCode).toBe(4);
    expect(outcome.stdout).toBe("out\n");
    expect(outcome.stderr).toBe("err\n");
    expect(outcome.log.split("\n").sort()).toEqual(["", "err", "out"]);
  });
});
