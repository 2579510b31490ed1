/**
 * The context window an OpenAI-compatible server advertises in its model list, under the names servers
 * use for it: vLLM `max_model_len`, OpenRouter and LM Studio `context_length`, Groq `context_window`, LM
 * Studio's native API `max_context_length`. Ollama and llama.cpp's lists say nothing usable (llama.cpp's
 * `n_ctx_train` is the model's training length, not the `-c` the server runs with): undefined then.
 */
const WINDOW_FIELDS = ["max_model_len", "context_length", "context_window", "max_context_length"] as const;

export function advertisedWindow(entries: unknown, model: string): number | undefined {
  if (!Array.isArray(entries)) return undefined;
  const models = entries.filter(
    (entry): entry is Record<string, unknown> => typeof entry === "object" && entry !== null,
  );
  // A server of one model (llama.cpp, vLLM) answers whatever name is sent: its only entry is the model.
  const entry =
    models.find((candidate) => candidate.id === model) ?? (models.length === 1 ? models[0] : undefined);
  if (!entry) return undefined;
  for (const field of WINDOW_FIELDS) {
    const value = entry[field];
    if (typeof value === "number" && Number.isInteger(value) && value >= 1_000) return value;
  }
  return undefined;
}
