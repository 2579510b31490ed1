import { policyFromSettings, type SandboxSettings } from "./policy.js";
import { CommandSandbox, type SandboxOptions } from "./sandbox.js";

/** The session's sandbox from its settings; undefined for danger-full-access (commands run as lanes does). */
export function createSandbox(
  settings: SandboxSettings,
  options: SandboxOptions,
): CommandSandbox | undefined {
  if (settings.sandbox === "danger-full-access") return undefined;
  return new CommandSandbox(policyFromSettings(settings, options.workspace, options.env), options);
}
