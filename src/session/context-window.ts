import type { ModelProvider } from "../model/types.js";

/** Context windows when `context_window` is not configured. */
export const DEFAULT_CONTEXT_WINDOW = { anthropic: 200_000, openai: 128_000 } as const;

/** The context window a session compacts against: configured, else what the server reports, else a default. */
export class ContextWindow {
  /** The window the server reported (learn), when no `context_window` is configured. */
  private served: number | undefined;
  private asked = false;

  constructor(
    private readonly configured: number | undefined,
    private readonly provider: () => ModelProvider,
  ) {}

  get size(): number {
    const fallback = this.provider().name === "openai" ? "openai" : "anthropic";
    return this.configured ?? this.served ?? DEFAULT_CONTEXT_WINDOW[fallback];
  }

  /** Another model: its window is asked again before its first call. */
  reset(): void {
    this.asked = false;
    this.served = undefined;
  }

  /**
   * Asks the server once (a local server's may be 8k, far below the 128k assumed). True when the window
   * changed, so the compactor must be set to it.
   */
  async learn(signal: AbortSignal): Promise<boolean> {
    if (this.asked || this.configured !== undefined) return false;
    this.asked = true;
    const advertised = await this.provider().advertisedWindow?.(signal);
    if (advertised === undefined || advertised === this.size) return false;
    this.served = advertised;
    return true;
  }
}
