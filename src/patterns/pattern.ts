import { createRequire } from "node:module";
import { matchInWorker, type MatchReply } from "./match-worker.js";

type Re2 = typeof import("re2js");
let re2: Re2 | undefined;
// Loaded on the first pattern: re2js holds 3.6 MB in every process that loads it, and most agents never match.
const loadRe2 = (): Re2 => (re2 ??= createRequire(import.meta.url)("re2js") as Re2);

/** How long one match job may run in the worker before it is stopped and the pattern given up on. */
export const PATTERN_DEADLINE_MS = 5_000;

/** A pattern lanes cannot use, with the reason in words the model can act on. */
export class PatternError extends Error {
  override name = "PatternError";
}

/** A match job ran past its deadline: the pattern is too costly on this output. */
export class PatternTimeout extends Error {
  override name = "PatternTimeout";
}

/**
 * A regular expression from the model (notify_on, grep). It is RE2 syntax, matched in linear time by re2js
 * in a worker thread, so neither a backtracking pattern ("(a+)+$") nor a merely costly one on a huge log
 * can stop lanes' event loop (timers, kills, the REPL, the MCP server). Compiled once here, on the caller's
 * thread, so a pattern RE2 cannot honour (lookaround, backreferences) is refused at once, not later.
 */
export class Pattern {
  private constructor(readonly source: string) {}

  /** Throws PatternError for a pattern that does not parse or that RE2 cannot run. */
  static compile(source: string): Pattern {
    try {
      // Bounded: RE2 caps repetition counts at 1000, so even a 500-char pattern compiles in milliseconds.
      loadRe2().RE2JS.compile(source);
    } catch (error) {
      const reason = (error as Error).message.replace(/^error parsing regexp: /, "");
      throw new PatternError(
        `not a pattern lanes can match (${reason}); patterns are RE2 syntax, matched in linear time: no lookahead, lookbehind or backreferences`,
      );
    }
    return new Pattern(source);
  }

  /** The first line of `text` (split on \n) that matches, or undefined. Rejects with PatternTimeout. */
  async firstMatch(text: string, deadlineMs = PATTERN_DEADLINE_MS): Promise<string | undefined> {
    const reply = await this.run(text, { first: true, keep: 1 }, deadlineMs);
    return reply.lines[0];
  }

  /** How many lines of `text` match, and the last `keep` of them. Rejects with PatternTimeout. */
  grep(text: string, keep: number, deadlineMs = PATTERN_DEADLINE_MS): Promise<MatchReply> {
    return this.run(text, { first: false, keep }, deadlineMs);
  }

  private async run(
    text: string,
    job: { first: boolean; keep: number },
    deadlineMs: number,
  ): Promise<MatchReply> {
    const outcome = await matchInWorker({ source: this.source, text, ...job }, deadlineMs);
    if (outcome === "timeout")
      throw new PatternTimeout(`matching took over ${Math.round(deadlineMs / 100) / 10}s and was stopped`);
    return outcome;
  }
}
