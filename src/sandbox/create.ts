import { policyFromSettings, type SandboxSettings } from "./policy.js";
import { CommandSandbox, type SandboxOptions } from "./sandbox.js";

/**
 * The session's sandbox from its settings; undefined for danger-full-access (commands run as lanes does).
 * LANES_SANDBOX_HELD=1 lets a burst of commands enter held sandboxes (held-sandbox.ts) instead of starting a
 * bubblewrap each: not yet the default (CI's crash soak lost a task's TERM trap with it, not yet explained).
 */
export function createSandbox(
  settings: SandboxSettings,
  options: SandboxOptions,
): CommandSandbox | undefined {
  if (settings.sandbox === "danger-full-access") return undefined;
  const held = options.env.LANES_SANDBOX_HELD === "1" ? { held: true as const } : {};
  return new CommandSandbox(policyFromSettings(settings, options.workspace, options.env), {
    ...options,
    ...held,
  });
}
