import { sanitizeOutput } from "./sanitize.js";

/*
 * The one rule for output quoted to a model (docs/OUTPUT.md): after sanitizeOutput (no escape sequences or
 * controls, every line break a "\n"), a `<` that opens or closes a tag whose name holds `-` or `_` (every
 * tag lanes writes, `<background-results>`, and the clients' own, `<system-reminder>`) becomes `&lt;`, and
 * a `[` that would start a lanes line (`[bg:ID]`) becomes `&#91;`. Case, spaces and invisible format
 * characters between the pieces do not get around it.
 */

// Zero-width and bidi characters: invisible, so they must not split a tag name the model would still read.
const GAP = String.raw`[\s\p{Cf}]*`;
const TAG_NAME = String.raw`[A-Za-z][\w\p{Cf}]*[-_][\w\p{Cf}-]*`;
// A whole tag on one line (`>` included): `Result<my_type, E>` and `wc <my-file` stay as they are.
const TAG_START = new RegExp(String.raw`<(?=${GAP}\/?${GAP}${TAG_NAME}(?:[\s\p{Cf}/][^<>\n]*)?>)`, "gu");
const LANES_LINE_START = new RegExp(String.raw`\[(?=${GAP}b\p{Cf}*g${GAP}:)`, "giu");

/** Escapes what could pass for lanes' structure; `text` must already be sanitised. */
function neutralise(text: string): string {
  return text.replace(TAG_START, "&lt;").replace(LANES_LINE_START, "&#91;");
}

/** Untrusted output (a task's, a command's) as the model may read it, lines kept. */
export function inertText(text: string): string {
  return neutralise(sanitizeOutput(text));
}

/** Untrusted output inside one of lanes' own lines: inert, and its lines folded with " ⏎ ". */
export function inertLine(text: string): string {
  return inertText(text)
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter((line) => line.length > 0)
    .join(" ⏎ ");
}
