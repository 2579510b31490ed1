/** The prefix the build gives a built-in the worker's bundle loads only on its first use ("lazy:node:https"). */
export const LAZY_PREFIX = "lazy:";

/**
 * A module object that requires the real one on its first use: a bundle that imports `{ Worker }` from it
 * reads `Worker` only when it starts a thread, so a start that never does skips loading the module.
 */
export function lazyModule(load: () => object): object {
  let real: object | undefined;
  const module = (): object => (real ??= load());
  return new Proxy(
    {},
    {
      get: (_target, key) => Reflect.get(module(), key),
      has: (_target, key) => Reflect.has(module(), key),
      ownKeys: () => Reflect.ownKeys(module()),
      getOwnPropertyDescriptor: (_target, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(module(), key);
        // A proxy may not report a property its empty target lacks as fixed.
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}

/** `require` for a bundle: the build's `lazy:` ids become lazy modules, every other id goes to `base`. */
export function withLazyModules(base: NodeJS.Require): NodeJS.Require {
  const require = (id: string): unknown =>
    id.startsWith(LAZY_PREFIX) ? lazyModule(() => base(id.slice(LAZY_PREFIX.length)) as object) : base(id);
  return Object.assign(require, {
    resolve: base.resolve,
    cache: base.cache,
    main: base.main,
    extensions: base.extensions,
  });
}
