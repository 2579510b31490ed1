import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { startGroupProcess } from "../../src/process/group-process.js";
import { useForkServerFixture } from "../helpers/fork-server-fixture.js";

// A task's stdin is a FIFO the fork server makes; lanes opens its end just after the server says the task
// started. Under load the command ran first: a read from a FIFO no writer has opened yet is EOF, so
// `while read line` ended at once and send_background_input found no stdin (CI: "has no open stdin", or
// "write EPIPE"). lanes' open is made late here, as a loaded machine made it.
vi.mock("../../src/process/fork-server-pipes.js", async (original) => {
  const real = await original<typeof import("../../src/process/fork-server-pipes.js")>();
  const late = (fifo: string) => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
    return real.openInput(fifo);
  };
  return { ...real, openInput: late };
});

const fixture = useForkServerFixture();

describe.skipIf(process.platform !== "linux")("a forked task's stdin", () => {
  it("is open for the command from its first read, however late lanes opened its end", async () => {
    const outputFile = join(fixture.dir(), "task.log");
    const task = startGroupProcess({
      command: 'read -r line; echo "got [$line]"',
      cwd: fixture.dir(),
      env: process.env,
      outputFile,
      exitFile: join(fixture.dir(), "task.exit"),
      stdin: "pipe",
      forkServer: fixture.slot(),
    });
    task.stdin?.write("alpha\n");
    const result = await task.exited;
    expect({ log: readFileSync(outputFile, "utf8"), exit: result.exitCode }).toEqual({
      log: "got [alpha]\n",
      exit: 0,
    });
  });
});
