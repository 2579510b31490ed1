const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** How often the spinner moves. */
export const SPINNER_INTERVAL_MS = 80;

/** The frame to show `elapsedMs` after the spinner started (time-based, so redraw rate does not matter). */
export function spinnerFrame(elapsedMs: number): string {
  return FRAMES[Math.floor(elapsedMs / SPINNER_INTERVAL_MS) % FRAMES.length] ?? "⠋";
}

/** What the REPL is waiting for during a turn, shown next to the spinner. */
export interface Activity {
  label: string;
  startedAt: number;
  /** Keys that apply now, e.g. "Ctrl+B background". */
  keys: string;
}

/** `⠹ thinking 3s · Ctrl+C cancel`: seconds only after the first, so a quick answer shows no clock. */
export function activityText(activity: Activity, now: number): string {
  const elapsed = now - activity.startedAt;
  const seconds = elapsed >= 1000 ? ` ${Math.floor(elapsed / 1000)}s` : "";
  return `${spinnerFrame(elapsed)} ${activity.label}${seconds} · ${activity.keys}`;
}
