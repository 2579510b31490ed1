/*
 * When a command's foreground child dies of a signal, /bin/sh prints a line of its own ("Terminated" for
 * TERM, "Killed" for KILL: the two lanes sends) after the command's output. Where lanes ended the command,
 * that line says again what its end already says: it is taken off the output and the log.
 */

const DEATH_LINES = ["Terminated\n", "Killed\n"];

/** How many characters (bytes: they are ASCII) at the end of `text` are such a line; 0 when none. */
export function trailingDeathLine(text: string): number {
  for (const line of DEATH_LINES) if (text === line || text.endsWith(`\n${line}`)) return line.length;
  // Output cut without its last newline still ends with the word (a preview trims the end).
  for (const line of DEATH_LINES) {
    const word = line.slice(0, -1);
    if (text === word || text.endsWith(`\n${word}`)) return word.length;
  }
  return 0;
}

/** `text` without the shell's trailing death line. */
export function withoutDeathLine(text: string): string {
  const drop = trailingDeathLine(text);
  return drop === 0 ? text : text.slice(0, text.length - drop);
}
