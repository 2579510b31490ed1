import type { Usage } from "../../model/types.js";

// Anthropic's price ratios to an uncached input token; output is priced 5x input across its current models.
const CACHE_WRITE_WEIGHT = 1.25;
const CACHE_READ_WEIGHT = 0.1;
const OUTPUT_WEIGHT = 5;

/**
 * `/cost`: the session's tokens in input-token units (each kind weighted by its price ratio, so the number
 * tracks the bill whatever the model's price), and the share of prompt tokens read from cache.
 */
export function costLine(usage: Usage): string {
  const { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens } = usage;
  const prompts = input_tokens + cache_creation_input_tokens + cache_read_input_tokens;
  if (prompts + output_tokens === 0) return "cost: no model calls yet in this session";
  const units = Math.round(
    input_tokens +
      CACHE_WRITE_WEIGHT * cache_creation_input_tokens +
      CACHE_READ_WEIGHT * cache_read_input_tokens +
      OUTPUT_WEIGHT * output_tokens,
  );
  const share = prompts === 0 ? 0 : Math.round((100 * cache_read_input_tokens) / prompts);
  return [
    `cost: ${units} token-units (input = 1, cache write 1.25, cache read 0.1, output 5)`,
    `  prompt: ${prompts} tokens, ${share}% read from cache (${cache_read_input_tokens}), ${cache_creation_input_tokens} written to cache, ${input_tokens} uncached`,
    `  output: ${output_tokens} tokens`,
  ].join("\n");
}
