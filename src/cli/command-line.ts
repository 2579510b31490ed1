import { shellQuote } from "../shell/quote.js";

/**
 * The shell line of `lanes run WORDS…`: one word is a shell line as written (`lanes run "make && make
 * test"`); several are an argv, each quoted (`lanes run -- sh -c 'echo out; exit 4'`).
 */
export function commandLine(words: readonly string[]): string {
  if (words.length === 1) return words[0] ?? "";
  return words.map(shellQuote).join(" ");
}
