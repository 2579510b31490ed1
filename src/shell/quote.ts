// Words the shell passes through unchanged: no quoting needed, so the line reads as typed.
const PLAIN_WORD = /^[\w@%+=:,./-]+$/;

/** One word for `sh -c`, single-quoted unless it is plain: `it's` becomes `'it'\''s'`. */
export function shellQuote(word: string): string {
  if (PLAIN_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
