/**
 * Secrets are wrapped so that printing, logging or serialising them can only ever show `***`.
 * Every wrapped value is also remembered, so text built from upstream answers (which may echo a key)
 * can be scrubbed with `redact()` before it leaves the process.
 */
const known = new Set<string>();

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    // Very short values would turn ordinary words into `***`; they are still hidden by the wrapper.
    if (value.length >= 4) known.add(value);
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

/** Replace every known secret value (and its URL-encoded form) in `text` with `***`. */
export function redact(text: string): string {
  let out = text;
  for (const value of known) {
    if (out.includes(value)) out = out.split(value).join('***');
    const encoded = encodeURIComponent(value);
    if (encoded !== value && out.includes(encoded)) out = out.split(encoded).join('***');
  }
  return out;
}
