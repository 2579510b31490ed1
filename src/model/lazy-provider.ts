import type { ModelProvider } from "./types.js";

/**
 * A provider whose module (and SDK) loads at its first call, so a run on another API, the scripted demo
 * or `lanes doctor` never parses an SDK it does not use. The load starts once; every call shares it.
 */
export function lazyProvider(name: string, model: string, load: () => Promise<ModelProvider>): ModelProvider {
  let loading: Promise<ModelProvider> | undefined;
  return {
    name,
    model,
    async createTurn(request, events) {
      loading ??= load();
      return (await loading).createTurn(request, events);
    },
    async advertisedWindow(signal) {
      loading ??= load();
      const provider = await loading;
      return provider.advertisedWindow?.(signal);
    },
  };
}
