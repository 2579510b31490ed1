import type * as z from "zod";

/** How a value the model sent reads in an error: its kind, and a short JSON form when that says more. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    // Nesting deep enough to overflow the stack: say what it is rather than fail with a RangeError.
    json = "(nested too deeply to show)";
  }
  const shown = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  return `${Array.isArray(value) ? "an array" : article(typeof value)} ${shown}`;
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** Known fields an unknown one was probably meant as: `timeout` → `timeout_ms`, `taskid` → `task_id`. */
export function likelyMeant(unknown: string, known: readonly string[]): string[] {
  const plain = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, "");
  const wanted = plain(unknown);
  if (wanted.length === 0) return [];
  return known.filter((field) => {
    const candidate = plain(field);
    return (
      candidate === wanted ||
      (wanted.length >= 3 && (candidate.startsWith(wanted) || wanted.startsWith(candidate))) ||
      editDistance(candidate, wanted) <= Math.min(2, Math.floor(wanted.length / 3))
    );
  });
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The value at an issue's path in what the model sent. */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  return value;
}

/**
 * One sentence per schema problem, naming the field: "`timeout_ms`: expected a number, got null",
 * "`timeout` is not a field of background_run (did you mean `timeout_ms`?)". zod's own wording ("Invalid
 * input: expected number, received null") reads like a stack trace to the model; this reads like a reply.
 */
export function describeIssue(
  toolName: string,
  fields: readonly string[],
  issue: z.core.$ZodIssue,
  raw: unknown,
): string {
  const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(input)";
  const got = valueAt(raw, issue.path);
  if (issue.code === "unrecognized_keys") {
    const where = issue.path.length > 0 ? `\`${field}\`` : toolName;
    return issue.keys
      .map((key) => {
        const meant = likelyMeant(key, issue.path.length > 0 ? [] : fields);
        const hint =
          meant.length > 0
            ? ` (did you mean ${meant.map((name) => `\`${name}\``).join(" or ")}?)`
            : issue.path.length === 0
              ? ` (its fields: ${fields.join(", ")})`
              : "";
        return `\`${key}\` is not a field of ${where}${hint}`;
      })
      .join("; ");
  }
  if (issue.code === "invalid_type") {
    const expected = issue.expected === "array" ? "an array" : article(issue.expected);
    if (got === undefined && issue.path.length === 1) return `\`${field}\`: missing (expected ${expected})`;
    return `\`${field}\`: expected ${expected}, got ${describeValue(got)}`;
  }
  return `\`${field}\`: ${issue.message} (got ${describeValue(got)})`;
}
