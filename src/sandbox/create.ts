import { policyFromSettings, type SandboxSettings } from "./policy.js";
import { CommandSandbox, type SandboxOptions } from "./sandbox.js";

/**
 * The session's sandbox from its settings; undefined for danger-full-access (commands run as lanes does).
 * A burst of commands enters held sandboxes (held-sandbox.ts) instead of starting a bubblewrap each;
 * LANES_SANDBOX_HELD=0 (or `held: false`) keeps a bubblewrap per command.
 */
export function createSandbox(
  settings: SandboxSettings,
  options: SandboxOptions,
): CommandSandbox | undefined {
  if (settings.sandbox === "danger-full-access") return undefined;
  const held = options.held ?? options.env.LANES_SANDBOX_HELD !== "0";
  return new CommandSandbox(policyFromSettings(settings, options.workspace, options.env), {
    ...options,
    held,
  });
}
