import type * as z from "zod";

/** One thing wrong with a config file, as data: the CLI words it (src/cli/config-error-text.ts). */
export type ConfigProblem =
  /** Not JSON at all: where the parser stopped (1-based), when it said, and its reason. */
  | { kind: "not_json"; line?: number; column?: number; reason: string }
  | { kind: "unreadable"; reason: string }
  | { kind: "not_object" }
  /** `known`: the keys allowed where it stands, for a "did you mean". */
  | { kind: "unknown_key"; key: string; known: string[] }
  /**
   * `expected`: what the schema wants there ("a number", "one of ..."); `got`: the value found;
   * `fallback`: the default a removed key takes (top-level keys with one).
   */
  | { kind: "bad_value"; key: string; expected: string; got: unknown; fallback?: unknown };

/** The zod 4 definition fields we walk: wrappers, objects, records and arrays. */
interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  defaultValue?: unknown;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { def: SchemaDef }).def;

/** The schema at `path` (record keys and array indexes step into their values), wrappers removed. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  let index = 0;
  while (current) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (index === path.length) return current;
    else if (def.type === "object") current = def.shape?.[String(path[index++])];
    else if (def.type === "record" || def.type === "array") {
      current = def.type === "record" ? def.valueType : def.element;
      index++;
    } else return undefined;
  }
  return undefined;
}

/** The default a top-level key falls back to when it is left out, if it has one. */
function fallbackOf(schema: z.ZodType, key: PropertyKey): unknown {
  for (let current = defOf(schema).shape?.[String(key)]; current;) {
    const def = defOf(current);
    if (def.type === "default") return def.defaultValue;
    current = def.innerType;
  }
  return undefined;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value !== null && typeof value === "object" ? (value as never)[key] : undefined),
    raw,
  );
}

/** What the schema wanted, from a zod 4 issue's own fields (its message is the fallback). */
function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected === "int"
        ? "a whole number"
        : `${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
    case "invalid_value":
      return `one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`;
    case "too_small":
      return issue.origin === "number"
        ? `a number ${issue.inclusive ? "of at least" : "above"} ${String(issue.minimum)}`
        : `at least ${String(issue.minimum)} ${issue.origin === "array" ? "entries" : "characters"}`;
    case "too_big":
      return issue.origin === "number"
        ? `a number ${issue.inclusive ? "of at most" : "below"} ${String(issue.maximum)}`
        : `at most ${String(issue.maximum)} ${issue.origin === "array" ? "entries" : "characters"}`;
    default:
      return issue.message;
  }
}

/** A failed validation's issues as problems, each with the value found in the file. */
export function schemaProblems(
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  raw: Record<string, unknown>,
): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    const path = issue.path;
    if (issue.code === "unrecognized_keys") {
      const known = Object.keys(defOf(schemaAt(schema, path) ?? schema).shape ?? {});
      return issue.keys.map((key) => ({ kind: "unknown_key", key: [...path, key].join("."), known }));
    }
    const problem: ConfigProblem = {
      kind: "bad_value",
      key: path.join("."),
      expected: expectedOf(issue),
      got: valueAt(raw, path),
    };
    const fallback = path.length === 1 ? fallbackOf(schema, path[0]!) : undefined;
    return [fallback === undefined ? problem : { ...problem, fallback }];
  });
}

/** A JSON.parse failure as a place in the file; V8's message is the only carrier of the position. */
export function jsonProblem(error: Error, text: string): ConfigProblem {
  const reason = error.message
    .replace(/ in JSON at position \d+.*$/s, "")
    .replace(/, ".*" is not valid JSON$/s, "");
  const position = /at position (\d+)/.exec(error.message);
  const atEnd = /end of JSON input/.test(error.message);
  if (!position && !atEnd) return { kind: "not_json", reason };
  const before = text.slice(0, position ? Number(position[1]) : text.length).split("\n");
  return { kind: "not_json", line: before.length, column: (before.at(-1)?.length ?? 0) + 1, reason };
}
