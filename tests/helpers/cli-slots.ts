/**
 * At most `size` jobs at once. Each lanes CLI start costs CPU (node, the SDKs); a dozen at
 * once on two cores starve each other and every timing in the test stretches, so a file runs a few at a time.
 */
export function cliSlots(size: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    // A finishing job hands its slot straight to the next waiter, so `running` never overshoots.
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
