/** What the endpoint said to an authenticated request that costs nothing (listing the models). */
export type EndpointVerdict =
  | { kind: "accepted" }
  | { kind: "rejected"; status: number }
  | { kind: "answered"; status: number }
  | { kind: "unreachable"; problem: string };

export interface EndpointProbe {
  /** The models list: GET {base}/v1/models (Anthropic) or {base}/models (OpenAI). */
  url: string;
  headers: Record<string, string>;
}

/** The request for this provider; credentials are sent only when set, so the endpoint is probed anyway. */
export function modelsProbe(provider: string, base: string, env: NodeJS.ProcessEnv): EndpointProbe {
  const root = base.replace(/\/+$/, "");
  if (provider === "openai") {
    const headers: Record<string, string> = {};
    if (env.OPENAI_API_KEY) headers.authorization = `Bearer ${env.OPENAI_API_KEY}`;
    return { url: `${root}/models`, headers };
  }
  const headers: Record<string, string> = { "anthropic-version": "2023-06-01" };
  if (env.ANTHROPIC_API_KEY) headers["x-api-key"] = env.ANTHROPIC_API_KEY;
  else if (env.ANTHROPIC_AUTH_TOKEN) headers.authorization = `Bearer ${env.ANTHROPIC_AUTH_TOKEN}`;
  return { url: `${root}/v1/models?limit=1`, headers };
}

export async function probeEndpoint(probe: EndpointProbe): Promise<EndpointVerdict> {
  try {
    const response = await fetch(probe.url, { headers: probe.headers, signal: AbortSignal.timeout(5000) });
    await response.body?.cancel();
    if (response.ok) return { kind: "accepted" };
    if (response.status === 401 || response.status === 403)
      return { kind: "rejected", status: response.status };
    return { kind: "answered", status: response.status };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { kind: "unreachable", problem: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}
