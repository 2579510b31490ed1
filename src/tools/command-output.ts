import { headAndTail } from "../text/preview.js";
import { inertText } from "../text/inert.js";
import { readWindow } from "../text/utf8-window.js";

/** What the model sees of one command's output at most (Claude Code, Crush and OpenHands use the same). */
export const MODEL_OUTPUT_CHARS = 30_000;

/**
 * Reads a command's output for the model: whole when short, otherwise head and tail around a note that
 * names the file holding all of it. Reads two bounded windows, never the whole file.
 */
export function readCommandOutput(
  file: string,
  shownPath: string,
): { text: string; truncated: boolean; bytes: number } {
  const budget = MODEL_OUTPUT_CHARS * 4;
  const head = readWindow(file, 0, budget);
  if (head.end >= head.size) {
    const text = inertText(head.text).replace(/\n$/, "");
    const shown = headAndTail(text, MODEL_OUTPUT_CHARS, shownPath);
    return { text: shown, truncated: shown !== text, bytes: head.size };
  }
  const tail = readWindow(file, head.size - budget, budget);
  const halfChars = Math.floor((MODEL_OUTPUT_CHARS - 300) / 2);
  const start = inertText(head.text).slice(0, halfChars);
  const tailText = inertText(tail.text).replace(/\n$/, "");
  const end = tailText.slice(Math.max(0, tailText.length - halfChars));
  const omitted = head.size - Buffer.byteLength(start) - Buffer.byteLength(end);
  return {
    text: `${start}\n\n… [${omitted} bytes left out; the whole output (${head.size} bytes) is in ${shownPath}] …\n\n${end}`,
    truncated: true,
    bytes: head.size,
  };
}
