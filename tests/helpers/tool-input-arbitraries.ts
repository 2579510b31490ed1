import fc from "fast-check";

/** JSON cannot carry NaN, but `1e999` parses to Infinity, so the model can send infinities. */
const fromJson = (text: string): unknown => JSON.parse(text);

/** Numbers a model could send for a count or a duration: negative, fractional, huge, unsafe, infinite. */
export const absurdNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    -0,
    0.5,
    1e-308,
    1e308,
    -1e308,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32,
    2 ** 53 + 1,
    Number.MAX_SAFE_INTEGER,
    600_001,
    fromJson("1e999") as number,
    fromJson("-1e999") as number,
  ),
  fc.integer(),
  fc.double({ noNaN: true }),
);

/** Strings with NUL bytes, lone surrogates, prototype names, paths and shell syntax. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 120 }),
  fc.constantFrom(
    "",
    "\0",
    "a\0b",
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    "../../etc/passwd",
    "/etc/passwd",
    "\u202e",
    "\ud800",
    "\udfff",
    " ",
    "\n",
    "$(touch PWNED)",
    "`touch PWNED`",
    "(a+)+$",
    "[",
  ),
);

/** Any value of a wrong (or sometimes right) type for a field. */
export const garbage: fc.Arbitrary<unknown> = fc.oneof(
  absurdNumber,
  nastyString,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(nastyString, { maxLength: 3 }),
);

/**
 * Whole inputs of the wrong shape: any JSON value at all, or an object with the tool's keys (some missing,
 * prototype names among them) holding garbage.
 */
export function wrongShape(keys: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.dictionary(fc.constantFrom(...keys, "__proto__", "constructor", "extra"), garbage, {
      maxKeys: keys.length + 2,
    }),
  );
}

/** An optional field: absent half of the time, else mostly right and sometimes garbage. */
export function maybe<T>(right: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> {
  const value = fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: garbage });
  return fc.option(value, { nil: undefined, freq: 2 });
}

/** A required field: mostly right, sometimes garbage. */
export function mostly<T>(right: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> {
  return fc.oneof({ weight: 5, arbitrary: right }, { weight: 1, arbitrary: garbage });
}

/** Commands that are harmless whatever else the input says: safe to run thousands of times. */
export const harmlessCommand: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("true", "false", ":", "echo", "exit 3"),
  fc.stringMatching(/^[A-Za-z0-9 _.,-]{0,40}$/).map((text) => `echo '${text}'`),
  fc.stringMatching(/^[A-Za-z0-9 _.,-]{0,40}$/).map((text) => `printf '%s\\n' '${text}' >&2`),
);

/**
 * Makes sure a command tool's fuzzed input never carries a runnable string command: arbitrary strings are
 * only ever validated, never run. Everything else about the input is kept.
 */
export function withoutRunnableCommand(input: unknown): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const command = (input as Record<string, unknown>).command;
  return typeof command === "string" ? { ...input, command: 7 } : input;
}

/** `depth` arrays inside each other: garbage a naive recursive printer or validator might choke on. */
export function deeplyNested(depth: number): unknown {
  let value: unknown = "bottom";
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}
