// What the model may see of command output: no C0 controls but tab and newline, no DEL, no C1, no ESC.
// eslint-disable-next-line no-control-regex
const UNCLEAN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` is not safe to put in front of the model, or undefined when it is. */
export function uncleanReason(text: string): string | undefined {
  const control = UNCLEAN.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, "0");
    return `control character U+${code} at ${control.index}: ${JSON.stringify(text.slice(Math.max(0, control.index - 20), control.index + 20))}`;
  }
  const surrogate = LONE_SURROGATE.exec(text);
  if (surrogate) return `lone surrogate at ${surrogate.index} (not valid UTF-16)`;
  return undefined;
}
