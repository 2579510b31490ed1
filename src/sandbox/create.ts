import { policyFromSettings, type SandboxSettings } from "./policy.js";
import { CommandSandbox, type SandboxOptions } from "./sandbox.js";

/**
 * The session's sandbox from its settings; undefined for danger-full-access (commands run as lanes does).
 * LANES_SANDBOX_HELD=0 gives every command a bubblewrap of its own instead of entering a held sandbox (the
 * bench's side by side, and a way back should held sandboxes misbehave somewhere).
 */
export function createSandbox(
  settings: SandboxSettings,
  options: SandboxOptions,
): CommandSandbox | undefined {
  if (settings.sandbox === "danger-full-access") return undefined;
  const held = options.env.LANES_SANDBOX_HELD === "0" ? { held: false as const } : {};
  return new CommandSandbox(policyFromSettings(settings, options.workspace, options.env), {
    ...options,
    ...held,
  });
}
