/** A promise and the function that settles it, for a result that arrives through a callback later. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  /** Settles `promise`; later calls are ignored, as for any promise. */
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}
