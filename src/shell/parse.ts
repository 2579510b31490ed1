import { readAnsiC } from "./ansi-c.js";

/** One simple command: its words with quotes removed, its output redirection targets, its $(...) sources. */
export interface ShellCommand {
  words: string[];
  outputs: string[];
  substitutions: string[];
}

function indexOrEnd(source: string, search: string, from: number): number {
  const at = source.indexOf(search, from);
  return at === -1 ? source.length : at;
}

/** Index of the ")" closing the "(" at `open`, skipping quoted text; the end of input if unclosed. */
function closingParen(source: string, open: number): number {
  let depth = 0;
  for (let j = open; j < source.length; j++) {
    const c = source[j];
    if (c === "\\") j++;
    else if (c === "'") j = indexOrEnd(source, "'", j + 1);
    else if (c === '"') for (j++; j < source.length && source[j] !== '"'; j += source[j] === "\\" ? 2 : 1);
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return j;
  }
  return source.length;
}

function closingBacktick(source: string, from: number): number {
  let j = from;
  while (j < source.length && source[j] !== "`") j += source[j] === "\\" ? 2 : 1;
  return j;
}

/** Splits a command line into pipelines of simple commands, the way a POSIX shell tokenizes it. */
export function parse(source: string): ShellCommand[][] {
  const pipelines: ShellCommand[][] = [];
  let pipeline: ShellCommand[] = [];
  let command: ShellCommand = { words: [], outputs: [], substitutions: [] };
  let word: string | null = null;
  // "dup": `>&N` / `2>&1` copies a descriptor, unless what follows is a file name (`>&file`).
  let redirect: "out" | "dup" | "in" | null = null;
  const append = (text: string) => (word = (word ?? "") + text);
  const endWord = () => {
    if (word === null) return;
    if (redirect === "out" || (redirect === "dup" && !/^(\d+|-)$/.test(word))) command.outputs.push(word);
    else if (redirect === null) command.words.push(word);
    [word, redirect] = [null, null];
  };
  const endCommand = () => {
    endWord();
    redirect = null;
    const { words, outputs, substitutions } = command;
    if (words.length + outputs.length + substitutions.length > 0) pipeline.push(command);
    command = { words: [], outputs: [], substitutions: [] };
  };
  const endPipeline = () => {
    endCommand();
    if (pipeline.length > 0) pipelines.push(pipeline);
    pipeline = [];
  };
  // Keeps the substitution's text in the word (a later `sh -c` re-parses it) and records its source.
  const substitute = (start: number, open: number): number => {
    const close = closingParen(source, open);
    command.substitutions.push(source.slice(open + 1, close));
    append(source.slice(start, close + 1));
    return close + 1;
  };
  const backtick = (start: number): number => {
    const close = closingBacktick(source, start + 1);
    command.substitutions.push(source.slice(start + 1, close));
    append(source.slice(start, close + 1));
    return close + 1;
  };
  let i = 0;
  // Runs `action`, then moves past `count` characters.
  const after = (count: number, action?: () => void): number => {
    action?.();
    return i + count;
  };
  while (i < source.length) {
    const c = source[i] ?? "";
    const next = source[i + 1] ?? "";
    if (c === " " || c === "\t" || c === "\r") i = after(1, endWord);
    else if (c === "\\") i = after(2, () => next !== "\n" && append(next));
    else if (c === "'") {
      const close = indexOrEnd(source, "'", i + 1);
      append(source.slice(i + 1, close));
      i = close + 1;
    } else if (c === '"') {
      append("");
      for (i++; i < source.length && source[i] !== '"';) {
        const d = source[i] ?? "";
        const e = source[i + 1] ?? "";
        if (d === "\\" && e.length === 1 && '"\\$`\n'.includes(e))
          i = after(2, () => e !== "\n" && append(e));
        else if (d === "$" && e === "(") i = substitute(i, i + 1);
        else if (d === "`") i = backtick(i);
        else i = after(1, () => append(d));
      }
      i++;
    } else if (c === "$" && next === "'") {
      const { text, end } = readAnsiC(source, i + 2);
      append(text);
      i = end;
    } else if (c === "$" && next === '"')
      i += 1; // `$"..."` (a locale string) is read as "..."
    else if (c === "`") i = backtick(i);
    else if (c === "$" && next === "(") i = substitute(i, i + 1);
    else if ((c === "<" || c === ">") && next === "(" && word === null) i = substitute(i, i + 1);
    else if (c === "$" && next === "{") {
      const close = indexOrEnd(source, "}", i);
      append(source.slice(i, close + 1));
      i = close + 1;
    } else if (c === ">" || c === "<" || (c === "&" && next === ">")) {
      if (word !== null && /^\d+$/.test(word)) word = null; // the fd number of `2>`
      endWord();
      let j = i + 1;
      while (j < source.length && "<>&|".includes(source[j] ?? " ")) j++;
      const operator = source.slice(i, j);
      redirect = !operator.includes(">") ? "in" : operator.endsWith(">&") ? "dup" : "out";
      i = j;
    } else if (c === "|" && next !== "|") i = after(next === "&" ? 2 : 1, endCommand);
    else if (c === "|" || (c === "&" && next === "&")) i = after(2, endPipeline);
    else if (";&\n()".includes(c)) i = after(1, endPipeline);
    else if (c === "#" && word === null) i = indexOrEnd(source, "\n", i);
    else i = after(1, () => append(c));
  }
  endPipeline();
  return pipelines;
}
