/*
 * Untrusted bytes for a terminal, as `cat -v` shows them: every control character but newline and tab
 * becomes visible text (ESC as `^[`, BEL as `^G`, a lone CR as `^M`, C1 as `M-^[`), so no escape sequence
 * reaches the terminal (no retitling, no clearing, no cursor moves). Invalid UTF-8 becomes U+FFFD.
 */

/** One character as the terminal may print it. */
function caret(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  if (code === 0x7f) return "^?";
  return `M-^${String.fromCharCode(code - 0x80 + 0x40)}`;
}

// C0 but tab and newline, DEL and C1 (CR handled apart: "\r\n" is an ordinary line end).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

export interface CaretStream {
  /** Takes the next bytes; chunks may split characters and "\r\n". */
  write(chunk: Uint8Array): void;
  /** The bytes held back (a cut character, a "\r" that may start "\r\n"), shown as they are. */
  end(): void;
}

/** Wraps `out` so what is written to it arrives in caret notation. */
export function caretStream(out: (text: string) => void): CaretStream {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  let heldReturn = false;
  const show = (text: string, last: boolean): void => {
    let all = (heldReturn ? "\r" : "") + text;
    heldReturn = !last && all.endsWith("\r");
    if (heldReturn) all = all.slice(0, -1);
    const shown = all.replace(CONTROL, caret).replace(/\r(?!\n)/g, "^M");
    if (shown !== "") out(shown);
  };
  return {
    write: (chunk) => show(decoder.decode(chunk, { stream: true }), false),
    end: () => show(decoder.decode(), true),
  };
}
