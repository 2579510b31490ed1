/** The CLI's sink for one-line notes: stderr, so stdout keeps only the answer (or the JSON stream). */
export function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}
