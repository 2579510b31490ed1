import { truncateToWidth } from "../text/width.js";

/** Cells of a tool call's argument shown on its line; the model and the records keep all of it. */
const CALL_CELLS = 100;
/** A description leads the line; a long one is cut so the command (or prompt) keeps room after it. */
const DESCRIPTION_CELLS = 40;

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, " ⏎ ");
}

/** `task_ids: ["a1"], timeout_ms: 4000`: every field as the model gave it, rejected ones included. */
function fieldsText(input: unknown): string {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return JSON.stringify(input) ?? "";
  return Object.entries(input)
    .map(([key, value]) => `${key}: ${JSON.stringify(value) ?? String(value)}`)
    .join(", ");
}

/**
 * One line describing a tool call for people: `bash(npm test)`. A task the model described leads with the
 * description, as the task's own lines do: `background_run(dev server: npm run dev)`. A call with no command,
 * prompt, path or task id shows what it asked: `wait_background(timeout: 5)`.
 */
export function describeToolCall(name: string, input: unknown): string {
  const record = (input ?? {}) as Record<string, unknown>;
  const main = record.command ?? record.prompt ?? record.path ?? record.task_id;
  if (typeof main !== "string")
    return `${name}(${truncateToWidth(oneLine(fieldsText(input ?? {})), CALL_CELLS)})`;
  const shown = oneLine(main);
  const described = typeof record.description === "string" ? oneLine(record.description) : "";
  const label = described === "" ? "" : `${truncateToWidth(described, DESCRIPTION_CELLS)}: `;
  return `${name}(${label}${truncateToWidth(shown, CALL_CELLS - label.length)})`;
}
