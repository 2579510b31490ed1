/** What a Headers can be built from, as fetch's `HeadersInit`: pairs, a record, or another Headers. */
export type LightHeadersInit = Iterable<readonly [string, unknown]> | Record<string, unknown>;

const byName = ([a]: [string, string], [b]: [string, string]): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The part of fetch's `Headers` the model SDKs use (get, set, append, has, delete, iteration), without node's
 * fetch stack: reading the global `Headers` loads all of undici. Names are case-insensitive, iteration is
 * sorted by lower-cased name and repeated values are joined with ", ", as the standard says.
 */
export class LightHeaders {
  readonly #values = new Map<string, string>();
  readonly #setCookies: string[] = [];

  constructor(init?: LightHeadersInit | null) {
    if (init === undefined || init === null) return;
    const pairs = Symbol.iterator in init ? init : Object.entries(init);
    for (const pair of pairs as Iterable<readonly [string, unknown]>) {
      if (pair.length !== 2) throw new TypeError("Headers: each header must be a [name, value] pair");
      this.append(pair[0], pair[1]);
    }
  }

  append(name: string, value: unknown): void {
    const key = checkedName(name);
    const text = checkedValue(key, value);
    if (key === "set-cookie") this.#setCookies.push(text);
    const old = this.#values.get(key);
    this.#values.set(key, old === undefined ? text : `${old}, ${text}`);
  }

  set(name: string, value: unknown): void {
    const key = checkedName(name);
    const text = checkedValue(key, value);
    if (key === "set-cookie") this.#setCookies.splice(0, Infinity, text);
    this.#values.set(key, text);
  }

  get(name: string): string | null {
    return this.#values.get(String(name).toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#values.has(String(name).toLowerCase());
  }

  delete(name: string): void {
    const key = String(name).toLowerCase();
    if (key === "set-cookie") this.#setCookies.length = 0;
    this.#values.delete(key);
  }

  getSetCookie(): string[] {
    return [...this.#setCookies];
  }

  /** Each Set-Cookie on its own, as the standard has it: joined they could not be split again. */
  *entries(): IterableIterator<[string, string]> {
    for (const [name, value] of [...this.#values].sort(byName)) {
      if (name === "set-cookie") for (const cookie of this.#setCookies) yield [name, cookie];
      else yield [name, value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, name: string, headers: LightHeaders) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }
}

// RFC 9110 token characters: what fetch's Headers accepts as a name.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function checkedName(name: string): string {
  const text = String(name);
  if (!TOKEN.test(text)) throw new TypeError(`Headers: invalid header name ${JSON.stringify(text)}`);
  return text.toLowerCase();
}

/** Leading and trailing whitespace is dropped; a line break or NUL inside would split the request. */
function checkedValue(name: string, value: unknown): string {
  const text = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  if (/[\r\n\0]/.test(text)) throw new TypeError(`Headers: invalid value for header "${name}"`);
  return text;
}
