import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type LanesConfig } from "../config/config.js";
import { ensureLanesDir } from "../lanes/task-store.js";
import { sandboxCheck } from "./doctor-sandbox.js";
import { createStyle, colorsEnabled } from "../text/style.js";

interface Check {
  ok: boolean;
  /** Optional checks warn instead of failing the doctor. */
  optional?: boolean;
  what: string;
  fix?: string;
}

async function reachable(url: string): Promise<string | undefined> {
  try {
    await fetch(url, { method: "GET", signal: AbortSignal.timeout(3000) });
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}

function credentialCheck(provider: string, env: NodeJS.ProcessEnv): Check {
  if (provider === "openai") {
    const ok = Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL);
    return {
      ok,
      what: ok ? "OpenAI credentials or a local OPENAI_BASE_URL set" : "no OPENAI_API_KEY or OPENAI_BASE_URL",
      fix: "export OPENAI_API_KEY=… (or OPENAI_BASE_URL=http://localhost:11434/v1 for a local server)",
    };
  }
  const name = env.ANTHROPIC_API_KEY
    ? "ANTHROPIC_API_KEY"
    : env.ANTHROPIC_AUTH_TOKEN
      ? "ANTHROPIC_AUTH_TOKEN"
      : undefined;
  return {
    ok: name !== undefined,
    what: name ? `${name} is set` : "no ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN",
    fix: "export ANTHROPIC_API_KEY=… (or put it in .env), or try the offline demo: npx lanes demo",
  };
}

/** `lanes doctor`: checks what lanes needs and says what to fix. Exit 0 when every required check passes. */
export async function runDoctor(options: { workspace: string; provider?: string }): Promise<number> {
  const env = process.env;
  const provider = options.provider ?? env.LANES_PROVIDER ?? "anthropic";
  const checks: Check[] = [];
  const major = Number(process.versions.node.split(".")[0]);
  checks.push({
    ok: major >= 20,
    what: `node ${process.versions.node} (lanes needs 20 or newer)`,
    fix: "install Node.js 20+",
  });
  let shellOk = false;
  try {
    shellOk = execFileSync("/bin/sh", ["-c", "echo ok"], { encoding: "utf8" }).trim() === "ok";
  } catch {
    shellOk = false;
  }
  checks.push({
    ok: shellOk,
    what: shellOk ? "/bin/sh runs commands" : "/bin/sh not found or not working",
    fix: "lanes runs every command with /bin/sh -c",
  });
  let workspaceOk = existsSync(options.workspace);
  try {
    accessSync(options.workspace, constants.W_OK);
    ensureLanesDir(join(options.workspace, ".lanes"));
  } catch {
    workspaceOk = false;
  }
  checks.push({
    ok: workspaceOk,
    what: workspaceOk
      ? `workspace ${options.workspace} is writable (.lanes/ ready)`
      : `cannot write ${options.workspace}/.lanes`,
    fix: "run lanes in a directory you own, or pass --cwd",
  });
  let config: LanesConfig | undefined;
  try {
    config = loadConfig(options.workspace);
    checks.push({ ok: true, what: "configuration files valid" });
  } catch (error) {
    checks.push({
      ok: false,
      what: `configuration: ${(error as Error).message}`,
      fix: "fix or remove the file named above (settings are listed in the README)",
    });
  }
  checks.push(credentialCheck(provider, env));
  const base =
    provider === "openai"
      ? (env.OPENAI_BASE_URL ?? "https://api.openai.com/v1")
      : (env.ANTHROPIC_BASE_URL ?? "https://api.anthropic.com");
  const problem = await reachable(base);
  checks.push({
    ok: problem === undefined,
    what: problem ? `${base} not reachable (${problem})` : `${base} reachable`,
    fix: "check the network or proxy, or point ANTHROPIC_BASE_URL / OPENAI_BASE_URL at a reachable endpoint",
  });
  if (config) checks.push(sandboxCheck(config, options.workspace, env));
  const tmux = ((): boolean => {
    try {
      execFileSync("tmux", ["-V"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  checks.push({
    ok: tmux,
    optional: true,
    what: tmux
      ? "tmux found (used by the REPL terminal tests)"
      : "tmux not found (only the REPL terminal tests need it)",
    fix: "apt-get install tmux",
  });

  const style = createStyle(colorsEnabled(process.stdout));
  process.stdout.write(`${style.bold("lanes doctor")} ${style.dim(`(provider ${provider})`)}\n`);
  for (const check of checks) {
    const mark = check.ok ? style.green("✓") : check.optional ? style.yellow("!") : style.red("✗");
    process.stdout.write(`  ${mark} ${check.what}\n`);
    if (!check.ok && check.fix) process.stdout.write(`      ${style.dim(`fix: ${check.fix}`)}\n`);
  }
  const failed = checks.filter((check) => !check.ok && !check.optional).length;
  process.stdout.write(failed === 0 ? "All set.\n" : `${failed} problem(s) to fix.\n`);
  return failed === 0 ? 0 : 1;
}
