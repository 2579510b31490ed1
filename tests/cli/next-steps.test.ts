import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAnthropic } from "../helpers/fake-anthropic-server.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

// A new user's first failures each name the next step: what to set, what to run instead.

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

const lanes = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: ws.dir, input: "", env: testEnv(env) });

describe("no API key", () => {
  it("lanes says how to set the key and how to go on without one: the demo and a scripted model", async () => {
    const [anthropic, openai] = await Promise.all([lanes([]), lanes(["--provider", "openai"])]);
    expect(anthropic.code, anthropic.stderr).toBe(2);
    expect(anthropic.stderr).toMatch(/export ANTHROPIC_API_KEY=/);
    expect(anthropic.stderr).toMatch(/lanes demo/);
    expect(anthropic.stderr).toMatch(/--model script:FILE\.json/);
    expect(openai.code, openai.stderr).toBe(2);
    expect(openai.stderr).toMatch(/export OPENAI_API_KEY=/);
    expect(openai.stderr).toMatch(/OPENAI_BASE_URL/);
    expect(openai.stderr).toMatch(/--model script:FILE\.json/);
  });

  it("lanes doctor says no key is set and how to set it, and does not call the default endpoint unreachable", async () => {
    const run = await lanes(["doctor"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /✗ no ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN\n\s+fix: export ANTHROPIC_API_KEY=/,
    );
    expect(run.stdout).not.toMatch(/not reachable|reachable; it needs a key/);
    expect(run.stdout).toMatch(/https:\/\/api\.anthropic\.com not checked: no key to check it with/);
    expect(run.stdout).toContain("1 problem to fix.");
  });
});

describe("lanes run --detach", () => {
  it("says how to follow the task's output and how to stop it", async () => {
    const run = await lanes(["run", "--detach", "--sandbox", "danger-full-access", "sleep 0.2"]);
    expect(run.code, run.stderr).toBe(0);
    const id = /^(\w+) {2}started \(persisted\)/.exec(run.stdout)?.[1] ?? "";
    expect(run.stdout).toContain(`follow it: lanes tasks logs ${id} -f`);
    expect(run.stdout).toContain(`stop it: lanes tasks kill ${id}`);
  });
});

describe("an unknown task id", () => {
  // The task is run unsandboxed: what is asked here is its id, and bubblewrap would only add start time.
  it("lanes tasks logs / kill say the id is unknown and point at lanes tasks --all, and at a close id", async () => {
    const ran = await lanes(["run", "--sandbox", "danger-full-access", "echo hi"]);
    expect(ran.code, ran.stderr).toBe(0);
    const [id = ""] = readdirSync(join(ws.dir, ".lanes", "tasks")).filter((name) => name.endsWith(".json"));
    const known = id.replace(/\.json$/, "");
    const [logs, kill, prefix] = await Promise.all([
      lanes(["tasks", "logs", "nope"]),
      lanes(["tasks", "kill", "nope"]),
      lanes(["tasks", "logs", known.slice(0, 3)]),
    ]);
    for (const run of [logs, kill]) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/no task "nope" in this workspace .*lanes tasks --all lists every task/);
    }
    // Three characters are too few to be taken (as git): the one task they start is suggested.
    expect(prefix.code, prefix.stderr).toBe(1);
    expect(prefix.stderr).toContain(
      `no task "${known.slice(0, 3)}" in this workspace (${ws.dir}): did you mean ${known}? (a shortened id needs 4 characters)`,
    );
  });
});

describe("a shortened task id", () => {
  /** A copy of the record of `from` under the id `id`: ids are random, and these tests need two alike. */
  function recordAs(from: string, id: string): void {
    const tasks = join(ws.dir, ".lanes", "tasks");
    const record = JSON.parse(readFileSync(join(tasks, `${from}.json`), "utf8")) as Record<string, unknown>;
    writeFileSync(join(tasks, `${id}.json`), JSON.stringify({ ...record, id }));
  }

  it("a unique prefix of 4 characters is taken by lanes tasks logs and kill, as git takes a commit's", async () => {
    const ran = await lanes(["run", "--sandbox", "danger-full-access", "echo hi"]);
    expect(ran.code, ran.stderr).toBe(0);
    const detached = await lanes(["run", "--detach", "--sandbox", "danger-full-access", "sleep 30"]);
    expect(detached.code, detached.stderr).toBe(0);
    const running = /^(\w+) {2}started \(persisted\)/.exec(detached.stdout)?.[1] ?? "";
    const [file = ""] = readdirSync(join(ws.dir, ".lanes", "tasks")).filter(
      (name) => name.endsWith(".json") && !name.startsWith(running),
    );
    const echoed = file.replace(/\.json$/, "");
    const logs = await lanes(["tasks", "logs", echoed.slice(0, 4)]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toBe("hi\n");
    const kill = await lanes(["tasks", "kill", running.slice(0, 5)]);
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stdout).toContain(running);
    const record = JSON.parse(readFileSync(join(ws.dir, ".lanes", "tasks", `${running}.json`), "utf8")) as {
      status: string;
    };
    expect(record.status).toBe("killed");
  });

  it("an ambiguous prefix lists the tasks it starts, in lanes tasks and in the REPL's /tasks", async () => {
    writeFileSync(join(ws.dir, "turns.json"), JSON.stringify({ turns: [] }));
    const ran = await lanes(["run", "--sandbox", "danger-full-access", "echo hi"]);
    expect(ran.code, ran.stderr).toBe(0);
    const [file = ""] = readdirSync(join(ws.dir, ".lanes", "tasks")).filter((name) => name.endsWith(".json"));
    recordAs(file.replace(/\.json$/, ""), "abcd1111");
    recordAs(file.replace(/\.json$/, ""), "abcd2222");
    const [logs, kill] = await Promise.all([
      lanes(["tasks", "logs", "abcd"]),
      lanes(["tasks", "kill", "abcd"]),
    ]);
    for (const run of [logs, kill]) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(
        'lanes: task id "abcd" is ambiguous: 2 tasks start with it (abcd1111, abcd2222); give more of it',
      );
    }
    const repl = await runCli(["--model", "script:turns.json"], {
      cwd: ws.dir,
      input: "/tasks logs abcd\n/tasks logs abcd2\n",
      env: testEnv(),
    });
    expect(repl.stdout).toContain(
      "Task id abcd is ambiguous: 2 tasks start with it (abcd1111, abcd2222); give more of it (see /tasks).",
    );
    expect(repl.stdout).toMatch(/› \/tasks logs abcd2\nhi\n/);
  });
});

describe("a script file lanes cannot use", () => {
  it("--model script: names the file's problem and where its format is written", async () => {
    writeFileSync(join(ws.dir, "turns.json"), JSON.stringify({ turns: [{ txt: "hi" }] }));
    const run = await lanes(["--model", "script:turns.json", "-p", "hi"]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /turns\.0: Unrecognized key: "txt" \(each turn has text, tool_calls and delay_ms: /,
    );
    expect(run.stderr).toContain('"A scripted model" in the README');
  });
});

describe("an unknown session id", () => {
  it("--resume names where the saved conversations are listed", async () => {
    const run = await lanes(["--resume", "nope", "-p", "hi"], { ANTHROPIC_API_KEY: "sk-x" });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /no session nope in .*; lanes --resume \(without an id\) lists the saved conversations/,
    );
  });
});

describe("the REPL's own commands with an unknown id", () => {
  it("/resume ID points at /resume; /tasks logs finds an earlier run's task, and names the one a shortened id meant", async () => {
    writeFileSync(join(ws.dir, "turns.json"), JSON.stringify({ turns: [] }));
    const ran = await lanes(["run", "--sandbox", "danger-full-access", "echo hi"]);
    expect(ran.code, ran.stderr).toBe(0);
    const [file = ""] = readdirSync(join(ws.dir, ".lanes", "tasks")).filter((name) => name.endsWith(".json"));
    const id = file.replace(/\.json$/, "");
    const run = await runCli(["--model", "script:turns.json"], {
      cwd: ws.dir,
      input: `/resume nope\n/tasks logs ${id.slice(0, 3)}\n/tasks kill nope\n/tasks logs ${id.slice(0, 4)}\n`,
      env: testEnv(),
    });
    expect(run.stdout).toContain("no session nope in ");
    expect(run.stdout).toMatch(/no session nope in .*\(\/resume lists the saved conversations\)/);
    expect(run.stdout).toContain(
      `No task ${id.slice(0, 3)} in this folder: did you mean ${id}? (a shortened id needs 4 characters) (see /tasks)`,
    );
    expect(run.stdout).toContain("No task nope in this folder (see /tasks).");
    // A task of an earlier run (here lanes run's) is found in the workspace's records, by 4 of its id's characters.
    expect(run.stdout).toMatch(new RegExp(`› /tasks logs ${id.slice(0, 4)}\\nhi\\n`));
  });
});

describe("a model endpoint that does not answer", () => {
  it("-p names the next step (lanes doctor) and how to go on: the conversation is saved under the id it names", async () => {
    const base = `http://127.0.0.1:${await freePort()}`;
    const run = await lanes(["-p", "remember this prompt"], {
      ANTHROPIC_API_KEY: "sk-x",
      ANTHROPIC_BASE_URL: base,
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/connection failed .*ECONNREFUSED/);
    expect(run.stderr).toMatch(/could not reach the model API at http:\/\/127\.0\.0\.1:\d+ .*lanes doctor/);
    const id = /lanes --resume (\S+) -p/.exec(run.stderr)?.[1] ?? "";
    const saved = readFileSync(join(ws.dir, ".lanes", "sessions", `${id}.jsonl`), "utf8");
    expect(saved).toContain("remember this prompt");
  });

  it("the REPL says the same next step and keeps the conversation", async () => {
    const base = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli([], {
      cwd: ws.dir,
      input: "hello\n",
      env: testEnv({ ANTHROPIC_API_KEY: "sk-x", ANTHROPIC_BASE_URL: base }),
    });
    expect(run.stdout).toMatch(/Error: Anthropic API: connection failed/);
    expect(run.stdout).toContain(`could not reach the model API at ${base} (set by ANTHROPIC_BASE_URL)`);
    expect(run.stdout).toContain("The conversation is kept");
  });
});

describe("a model the endpoint does not have", () => {
  it("-p says which model was asked for and how to pick another", async () => {
    const server = await startFakeAnthropic(() => ({
      kind: "error",
      status: 404,
      type: "not_found_error",
      message: "model: claude-typo",
    }));
    try {
      const env = { ANTHROPIC_API_KEY: "sk-x", ANTHROPIC_BASE_URL: server.url };
      const run = await lanes(["-p", "hi", "--model", "claude-typo"], env);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(
        `${server.url} has no model claude-typo: --model (or MODEL_ID) picks another`,
      );
    } finally {
      await server.close();
    }
  });
});

/** A port nothing listens on: bound by us, then released. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
