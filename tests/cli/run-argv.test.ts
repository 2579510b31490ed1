import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, testEnv, type CliRun } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

const lanes = (args: string[]): Promise<CliRun> => runCli(args, { cwd: ws.dir, env: testEnv() });

describe("lanes run: everything after the command's first word belongs to the command", () => {
  it("passes the command's own flags and operands through (grep -r, ls -la, echo -V, node -p)", async () => {
    writeFileSync(join(ws.dir, "a.txt"), "hello there\n");
    const [grep, ls, echo, node] = await Promise.all([
      lanes(["run", "grep", "-r", "hello", "."]),
      lanes(["run", "ls", "-la"]),
      lanes(["run", "echo", "-V"]),
      lanes(["run", "node", "-p", "1+1"]),
    ]);
    expect(grep.code, grep.stderr).toBe(0);
    expect(grep.stdout).toContain("a.txt:hello there");
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/a\.txt/);
    expect(ls.stdout).toMatch(/^total /m);
    expect(echo.code, echo.stderr).toBe(0);
    expect(echo.stdout).toBe("-V\n");
    expect(node.code, node.stderr).toBe(0);
    expect(node.stdout).toBe("2\n");
  });

  it("several arguments are an argv, quoted for the shell: sh -c 'echo out; exit 4' prints out, exits 4", async () => {
    const [argv, spaces] = await Promise.all([
      lanes(["run", "--", "sh", "-c", "echo out; exit 4"]),
      lanes(["run", "printf", "%s|", "two words", "it's", "$HOME"]),
    ]);
    expect(argv.stdout).toBe("out\n");
    expect(argv.code, argv.stderr).toBe(4);
    expect(spaces.stdout).toBe("two words|it's|$HOME|");
  });

  it("one argument stays a shell line", async () => {
    const run = await lanes(["run", "echo one && echo two | tr a-z A-Z"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("one\nTWO\n");
  });

  it("lanes' own --detach still applies before the command", async () => {
    const run = await lanes(["run", "--detach", "echo", "-n", "x"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/started \(persisted\): echo -n x/);
  });
});

describe("lanes sandbox -- CMD: the same argv rules", () => {
  it("sh -c 'echo out; exit 4' prints out and exits 4; flags belong to the command", async () => {
    const [argv, flags] = await Promise.all([
      lanes(["sandbox", "--", "sh", "-c", "echo out; exit 4"]),
      lanes(["sandbox", "echo", "-V"]),
    ]);
    expect(argv.stdout).toBe("out\n");
    expect(argv.code, argv.stderr).toBe(4);
    expect(flags.stdout).toBe("-V\n");
    expect(flags.code, flags.stderr).toBe(0);
  });
});
