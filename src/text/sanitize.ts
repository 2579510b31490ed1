// CSI / OSC / other ESC sequences, as terminals print them (colours, cursor moves, titles, hyperlinks).
// eslint-disable-next-line no-control-regex
const ANSI_PATTERN = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;
// C0 controls except tab and newline, plus DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL_PATTERN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Removes escape sequences (colours, cursor moves, titles, hyperlinks): they take no room on screen. */
export function stripEscapes(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}

/** Removes control characters other than newline and tab: text from outside must not move a cursor. */
export function stripControls(text: string): string {
  return text.replace(CONTROL_PATTERN, "");
}

// Line breaks other than "\n" (VT, FF, NEL, U+2028, U+2029): a model or a client may start a line at each.
// eslint-disable-next-line no-control-regex
const OTHER_LINE_BREAKS = /[\u000b\u000c\u0085\u2028\u2029]/g;

/** Every line break as "\n"; one UTF-16 unit for one, so indices into `text` still hold. */
export function newlinesOnly(text: string): string {
  return text.replace(OTHER_LINE_BREAKS, "\n");
}

/**
 * Makes command output safe to show the model: no escape sequences or control characters, every line break
 * a "\n", carriage-return progress bars reduced to their final state. The log file keeps the raw bytes.
 */
export function sanitizeOutput(text: string): string {
  const withoutAnsi = newlinesOnly(stripEscapes(text));
  const lines = withoutAnsi.split("\n").map((line) => {
    const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
    const lastReturn = trimmed.lastIndexOf("\r");
    return lastReturn === -1 ? trimmed : trimmed.slice(lastReturn + 1);
  });
  return stripControls(lines.join("\n"));
}
