/** `1 task`, `3 tasks`: a count and its noun, so no line says "task(s)". `plural` for the irregular ones. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
