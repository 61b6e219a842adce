/**
 * Secrets are wrapped so that printing, logging or serialising them can only ever show `***`.
 * Every wrapped value is also remembered, so text built from upstream answers (which may echo a key)
 * can be scrubbed with `redact()` before it leaves the process.
 */
const known = new Set<string>();
/** Session tokens, newest last: a long-running server mints them for ever, so only the recent ones are kept. */
const rotating: string[] = [];
const ROTATING_KEPT = 64;

export class Secret {
  readonly #value: string;

  /**
   * `rotating: true` for tokens a session replaces over time (access and refresh tokens): they are
   * scrubbed while recent, and the oldest drop out of the list so redaction does not slow down forever.
   */
  constructor(value: string, options: { rotating?: boolean } = {}) {
    this.#value = value;
    // Very short values would turn ordinary words into `***`; they are still hidden by the wrapper.
    if (value.length < 4 || known.has(value)) return;
    known.add(value);
    if (options.rotating) {
      rotating.push(value);
      if (rotating.length > ROTATING_KEPT) known.delete(rotating.shift()!);
    }
  }

  /** The only way to get the value out: name the place that needs it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '***';
  }

  toJSON(): string {
    return '***';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret(***)';
  }
}

/**
 * Replace every known secret value in `text` with `***`: as is, URL-encoded, and JSON-escaped (an
 * upstream error body echoing a key with `"` or `\` in it, printed as JSON).
 */
export function redact(text: string): string {
  let out = text;
  for (const value of known) {
    const escaped = JSON.stringify(value).slice(1, -1);
    for (const form of new Set([value, encodeURIComponent(value), escaped, JSON.stringify(escaped).slice(1, -1)])) {
      if (out.includes(form)) out = out.split(form).join('***');
    }
  }
  return out;
}
