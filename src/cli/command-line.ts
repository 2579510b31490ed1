// Words the shell passes through unchanged: no quoting needed, so the line reads as typed.
const PLAIN_WORD = /^[\w@%+=:,./-]+$/;

/** One word for `sh -c`, single-quoted unless it is plain: `it's` becomes `'it'\''s'`. */
export function shellQuote(word: string): string {
  if (PLAIN_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell line of `lanes run WORDS…`: one word is a shell line as written (`lanes run "make && make
 * test"`); several are an argv, each quoted (`lanes run -- sh -c 'echo out; exit 4'`).
 */
export function commandLine(words: readonly string[]): string {
  if (words.length === 1) return words[0] ?? "";
  return words.map(shellQuote).join(" ");
}
