import { execFileSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";
import { loadWorkspaceEnv } from "../config/workspace-env.js";
import { ConfigError, loadConfig, type LanesConfig } from "../config/config.js";
import { problemLine } from "./config-error-text.js";
import { remoteChecks } from "../remote/remote-doctor.js";
import { sandboxCheck } from "./doctor-sandbox.js";
import { createStyle, colorsEnabled } from "../text/style.js";
import { modelsProbe, probeEndpoint } from "./doctor-endpoint.js";
import { modelEndpoint } from "./model-endpoint.js";

interface Check {
  ok: boolean;
  /** Optional checks warn instead of failing the doctor. */
  optional?: boolean | undefined;
  what: string;
  fix?: string | undefined;
  /** Not run (it needs what an earlier check found missing): shown dim, never a problem. */
  skipped?: boolean | undefined;
}

function credentialCheck(provider: string, env: NodeJS.ProcessEnv, held: HeldEnv): Check {
  if (provider === "openai") {
    const ok = Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL);
    return {
      ok,
      what: ok ? "OpenAI credentials or a local OPENAI_BASE_URL set" : "no OPENAI_API_KEY or OPENAI_BASE_URL",
      fix:
        heldKeyFix(held, /^OPENAI_(API_KEY|BASE_URL)$/) ??
        "export OPENAI_API_KEY=… (or OPENAI_BASE_URL=http://localhost:11434/v1 for a local server)",
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
    fix:
      heldKeyFix(held, /^ANTHROPIC_(API_KEY|AUTH_TOKEN)$/) ??
      "export ANTHROPIC_API_KEY=sk-ant-… in your shell (or put it in .env and run lanes trust); without a key: lanes demo, or --model script:FILE.json",
  };
}

/** What the workspace's .env would set but may not, untrusted: the fix for a key that is only there. */
interface HeldEnv {
  workspace: string;
  names: string[];
}

function heldKeyFix(held: HeldEnv, key: RegExp): string | undefined {
  const name = held.names.find((candidate) => key.test(candidate));
  if (name === undefined) return undefined;
  return `${name} is in ${held.workspace}/.env, which lanes does not read until you trust the workspace: run lanes trust (lanes trust --revoke undoes it)`;
}

/** Writable, checked without writing: the doctor creates nothing (no .lanes/ in a folder that has none). */
function workspaceCheck(workspace: string): Check {
  const fix = "run lanes in a folder you own, or pass --cwd";
  const stat = statSync(workspace, { throwIfNoEntry: false });
  if (!stat) return { ok: false, what: `workspace ${workspace} does not exist`, fix };
  if (!stat.isDirectory()) return { ok: false, what: `workspace ${workspace} is not a folder`, fix };
  const lanesDir = join(workspace, ".lanes");
  const lanesStat = statSync(lanesDir, { throwIfNoEntry: false });
  if (lanesStat && !lanesStat.isDirectory())
    return {
      ok: false,
      what: `${lanesDir} is not a folder (lanes keeps task records and sessions there)`,
      fix: `move or remove ${lanesDir}`,
    };
  // .lanes/ itself when it exists (it may be read-only in a writable workspace), else where it would be made.
  const target = lanesStat ? lanesDir : workspace;
  try {
    accessSync(target, constants.W_OK);
    return { ok: true, what: `workspace ${workspace} is writable${lanesStat ? " (and its .lanes/)" : ""}` };
  } catch {
    return { ok: false, what: `${target} is not writable`, fix };
  }
}

/** Reachable, and the key accepted: an authenticated request that costs nothing (listing the models). */
async function endpointCheck(
  provider: string,
  base: string,
  env: NodeJS.ProcessEnv,
  haveKey: boolean,
): Promise<Check> {
  const variable = provider === "openai" ? "OPENAI_BASE_URL" : "ANTHROPIC_BASE_URL";
  let probe;
  try {
    if (!/^https?:$/.test(new URL(base).protocol)) throw new Error("not http(s)");
    probe = modelsProbe(provider, base, env);
  } catch {
    return {
      ok: false,
      what: `${variable} "${base}" is not an http(s) URL`,
      fix: `set ${variable} to a URL`,
    };
  }
  const verdict = await probeEndpoint(probe);
  const unreachableFix =
    "check the network or proxy, or point ANTHROPIC_BASE_URL / OPENAI_BASE_URL at a reachable endpoint";
  switch (verdict.kind) {
    case "unreachable":
      return { ok: false, what: `${base} not reachable (${verdict.problem})`, fix: unreachableFix };
    case "rejected":
      return {
        // Without a key the credentials check has already failed; the endpoint itself is fine.
        ok: !haveKey,
        what: haveKey
          ? `${base} refused the key (${verdict.status})`
          : `${base} reachable; it needs a key (${verdict.status})`,
        fix: haveKey ? "check the key: it may be mistyped, revoked or for another endpoint" : undefined,
      };
    case "accepted":
      return { ok: true, what: haveKey ? `${base} accepted the key (listed models)` : `${base} reachable` };
    case "answered":
      // Reachable, but it has no model list to ask (some gateways): the key could not be checked.
      return {
        ok: false,
        optional: true,
        what: `${base} reachable; the key could not be checked (the model list answered ${verdict.status})`,
      };
  }
}

/** `lanes doctor`: checks what lanes needs and says what to fix. Exit 0 when every required check passes. */
export async function runDoctor(options: {
  workspace: string;
  provider?: string | undefined;
}): Promise<number> {
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
  checks.push(workspaceCheck(options.workspace));
  let config: LanesConfig | undefined;
  try {
    config = loadConfig(options.workspace, process.env);
    checks.push({ ok: true, what: "configuration files valid" });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    checks.push({
      ok: false,
      what: `${error.file} is not valid: ${error.problems.map(problemLine).join("; ")}`,
      fix: `correct what is named, or remove the file (the settings and their defaults: the README's "Settings")`,
    });
  }
  // On a copy of the environment: what the .env would set, without setting it.
  const held = {
    workspace: options.workspace,
    names: loadWorkspaceEnv(options.workspace, false, { ...env }).held,
  };
  const credentials = credentialCheck(provider, env, held);
  checks.push(credentials);
  const { url: base, fromEnv } = modelEndpoint(provider, env);
  // With no key, the default endpoint can only say "401": name the missing key alone, not the network.
  if (credentials.ok || fromEnv) checks.push(await endpointCheck(provider, base, env, credentials.ok));
  else checks.push({ ok: true, skipped: true, what: `${base} not checked: no key to check it with` });
  if (config) checks.push(sandboxCheck(config, options.workspace, env));
  else checks.push({ ok: true, skipped: true, what: "sandbox not checked: it needs a valid configuration" });
  if (config) checks.push(...(await remoteChecks(config.lanes, options.workspace, env)));

  const style = createStyle(colorsEnabled(process.stdout, process.env));
  process.stdout.write(`${style.bold("lanes doctor")} ${style.dim(`(provider ${provider})`)}\n`);
  for (const check of checks) {
    const mark = check.skipped
      ? style.dim("–")
      : check.ok
        ? style.green("✓")
        : check.optional
          ? style.yellow("!")
          : style.red("✗");
    process.stdout.write(`  ${mark} ${check.skipped ? style.dim(check.what) : check.what}\n`);
    if (!check.ok && check.fix) process.stdout.write(`      ${style.dim(`fix: ${check.fix}`)}\n`);
  }
  const failed = checks.filter((check) => !check.ok && !check.optional).length;
  process.stdout.write(
    failed === 0 ? "All set.\n" : `${failed} ${failed === 1 ? "problem" : "problems"} to fix.\n`,
  );
  return failed === 0 ? 0 : 1;
}
