/**
 * A value computed at most once per `ttlMs`: work every sandboxed start repeats, which a burst of starts (one
 * model reply with fifty calls) then shares. Stale by at most `ttlMs`, as NestedCheckouts already is.
 */
export class Recent<T> {
  private cached: { at: number; value: T } | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly compute: () => T,
    private readonly now: () => number = Date.now,
  ) {}

  get(): T {
    const at = this.now();
    if (this.cached !== undefined && at - this.cached.at < this.ttlMs) return this.cached.value;
    this.cached = { at, value: this.compute() };
    return this.cached.value;
  }
}
