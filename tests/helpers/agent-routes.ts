/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON in tests */
import {
  textReply,
  type CapturedRequest,
  type FakeHandler,
  type FakeReply,
} from "./fake-anthropic-server.js";

/** The first text of a request's first user message: an agent's `prompt`, exactly as agent_run got it. */
export function firstPrompt(request: CapturedRequest): string {
  const first = request.body?.messages?.[0];
  if (!first) return "";
  if (typeof first.content === "string") return first.content;
  return first.content.find((block: any) => block.type === "text")?.text ?? "";
}

/** A conversation's script: its replies in order, or a function of its own request index. */
export type Route =
  FakeReply[] | ((request: CapturedRequest, index: number) => FakeReply | Promise<FakeReply>);

/**
 * One fake Messages API scripting several conversations at once (the parent and each agent), told apart by
 * their first user message. Each conversation counts its own requests; one past its script says `done N`.
 */
export function routeByPrompt(routes: Record<string, Route>, fallback?: FakeHandler): FakeHandler {
  const counts = new Map<string, number>();
  return (request) => {
    const prompt = firstPrompt(request);
    const route = routes[prompt];
    if (route === undefined && fallback) return fallback(request, 0);
    const index = counts.get(prompt) ?? 0;
    counts.set(prompt, index + 1);
    if (route === undefined) return textReply(`no route for ${JSON.stringify(prompt.slice(0, 80))}`);
    if (typeof route === "function") return route(request, index);
    return route[index] ?? textReply(`done ${index}`);
  };
}

/** The requests of one conversation. */
export function requestsOf(requests: CapturedRequest[], prompt: string): CapturedRequest[] {
  return requests.filter((request) => firstPrompt(request) === prompt);
}
