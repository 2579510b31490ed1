/**
 * Something the user asked for cannot be done as given: a bad flag value, a bad LANES_* variable, a
 * folder that does not exist. The CLI prints its message as one line pointing at --help and exits 2.
 */
export class UsageError extends Error {
  override name = "UsageError";
}
