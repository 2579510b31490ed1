/** Edit distance (insert, delete, substitute, swap of neighbours): "statsu" is 1 from "status". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest of `choices` to a mistyped word, if it is close enough to be what was meant. */
export function closest(word: string, choices: readonly string[]): string | undefined {
  let best: { choice: string; score: number } | undefined;
  for (const choice of choices) {
    const score = distance(word.toLowerCase(), choice);
    if (score <= Math.max(1, Math.floor(choice.length / 3)) && (!best || score < best.score))
      best = { choice, score };
  }
  return best?.choice;
}
