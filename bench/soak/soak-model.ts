/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON */
import {
  textReply,
  toolReply,
  type CapturedRequest,
  type FakeReply,
} from "../../tests/helpers/fake-anthropic-server.js";
import { DeliveryCounter, userTexts } from "./deliveries.js";
import type { Random } from "./random.js";
import { planTask, SHAPES, type PlannedTask, type Shape } from "./shapes.js";

/** What the model was told about a task it asked for, from the tool_result of its background_run. */
export interface ToldStart {
  id: string;
  text: string;
}

/**
 * The soak's model behind the fake Messages API: each turn it starts a few tasks of random shapes with
 * background_run or ends the turn. Every request is read as it arrives (results the model newly sees,
 * what it was told about its calls) and then dropped, so a long soak keeps no request bodies.
 */
export class SoakModel {
  readonly tasks = new Map<string, PlannedTask>();
  readonly told = new Map<string, ToldStart>();
  readonly deliveries = new DeliveryCounter();
  requests = 0;
  /** Set by the driver: in the final runs the model starts nothing and only ends turns. */
  finishing = false;
  private batchesLeft = 0;
  private roundRequests = 0;
  private onAnswer: (roundRequest: number) => void = () => {};

  constructor(
    private readonly random: Random,
    private readonly run: string,
    private readonly shapes: readonly Shape[] = SHAPES,
  ) {}

  /** A new `lanes -p`: up to `batches` turns that start tasks; `onAnswer` hears each request's number. */
  beginRound(batches: number, onAnswer: (roundRequest: number) => void): void {
    this.batchesLeft = batches;
    this.roundRequests = 0;
    this.onAnswer = onAnswer;
  }

  readonly handle = (request: CapturedRequest): FakeReply => {
    const messages: any[] = request.body?.messages ?? [];
    this.requests++;
    this.deliveries.observe(messages);
    this.readToolResults(messages);
    const reply = this.decide(messages);
    this.onAnswer(++this.roundRequests);
    return reply;
  };

  private decide(messages: any[]): FakeReply {
    const last = userTexts(messages.slice(-1)).join("\n");
    // A compaction side call (should the window fill after all) gets a summary, never a tool call.
    if (/summar/i.test(last) && !last.includes("<background-results>")) return textReply("Summary: soak.");
    const first = this.roundRequests === 0;
    if (this.finishing || this.batchesLeft <= 0 || (!first && this.random.next() < 0.4)) {
      return textReply(`Noted (request ${this.requests}).`);
    }
    this.batchesLeft--;
    const calls = Array.from({ length: this.random.int(2, 6) }, () => {
      const task = planTask(this.random, this.run, `t${this.tasks.size + 1}`, this.shapes);
      this.tasks.set(task.tag, task);
      return { name: "background_run", id: `toolu_${task.tag}`, input: task.input };
    });
    return toolReply(calls, "Starting tasks.");
  }

  private readToolResults(messages: any[]): void {
    for (const message of messages) {
      if (message?.role !== "user" || !Array.isArray(message.content)) continue;
      for (const block of message.content) {
        const tag = /^toolu_(t\d+)$/.exec(String(block?.tool_use_id ?? ""))?.[1];
        if (block?.type !== "tool_result" || tag === undefined || this.told.has(tag)) continue;
        const text = userTexts([{ role: "user", content: [block] }]).join("\n");
        const id = /Background task (\S+) (?:started|queued)/.exec(text)?.[1];
        if (id !== undefined) this.told.set(tag, { id, text: text.slice(0, 300) });
      }
    }
  }
}
