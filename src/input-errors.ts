import type { z } from 'zod';
import { cleanText, quoted } from './untrusted.js';

/**
 * A tool's arguments checked against its input schema, every problem phrased for a model: the field, what
 * is wrong with the value, and the fix (the closest valid name or value, and the field's own description).
 * zod's text never reaches the model.
 */

type Json = Record<string, unknown>;

/** One problem, said as the tools' own input errors are: "Invalid input, <field>: <what is wrong and the fix>". */
export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export function checkInput<T>(schema: z.ZodType<T>, published: Json, args: unknown): Checked<T> {
  const result = schema.safeParse(args ?? {}, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: result.error.issues.flatMap((issue) => describeIssue(issue, published)).map(({ field, message }) => `Invalid input, ${field}: ${message}`) };
}

const squash = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, '');

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j]!;
      row[j] = next;
    }
  }
  return row[b.length]!;
}

/** The candidate a typo most likely meant: close in spelling, or one name containing the other. */
export function closest(raw: string, candidates: readonly string[]): string | undefined {
  const w = squash(raw);
  if (w === '') return undefined;
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    const s = squash(c);
    const d = s.includes(w) || w.includes(s) ? Math.abs(s.length - w.length) / 10 : distance(w, s);
    if (d <= Math.max(2, Math.floor(s.length / 3)) && (!best || d < best.d)) best = { name: c, d };
  }
  return best?.name;
}

/** The published schema at a path (through properties, items and anyOf branches). */
function schemaAt(root: Json, path: readonly PropertyKey[]): Json | undefined {
  let node: Json | undefined = root;
  for (const segment of path) {
    if (!node) return undefined;
    const objectBranch = (node.anyOf as Json[] | undefined)?.find((b) => b.type === 'object' || b.type === 'array');
    const here: Json = objectBranch ?? node;
    node = typeof segment === 'number' ? (here.items as Json | undefined) : ((here.properties as Json | undefined)?.[segment as string] as Json | undefined);
  }
  return node;
}

/** The field as a model wrote it: "report.period"; an item of a list is named by its list. */
const fieldName = (path: readonly PropertyKey[]) => path.filter((p) => typeof p !== 'number').map(String).join('.') || 'arguments';
/** The field's description as the fix: it says what the field takes, with an example. */
function hint(root: Json, path: readonly PropertyKey[]): string {
  const described = [path, path.filter((p) => typeof p !== 'number')].map((p) => schemaAt(root, p)?.description).find(Boolean);
  return described ? ` ${String(described)}` : '';
}

/** A value as quoted back: cleaned of control and bidi characters (lists and objects too) and bounded (src/untrusted.ts), never echoed whole. */
const shown = (v: unknown) => (typeof v === 'string' ? quoted(v, 60) : cleanText(JSON.stringify(v) ?? String(v), 80));
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${shown(v)}`);
const EXPECTED: Record<string, string> = { string: 'text (a string)', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list', object: 'an object' };

function describeIssue(issue: z.core.$ZodIssue, root: Json): Array<{ field: string; message: string }> {
  const path = issue.path;
  const field = fieldName(path);
  const input = (issue as { input?: unknown }).input;
  const one = (message: string) => [{ field, message }];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = Object.keys((schemaAt(root, path)?.properties as Json | undefined) ?? {});
      return issue.keys.map((key) => {
        const near = closest(key, known);
        return {
          field: path.length > 0 ? `${field}.${key}` : key,
          message: near ? `unknown argument \`${key}\` — did you mean \`${near}\`?` : `unknown argument \`${key}\`; this tool takes: ${known.join(', ')}.`,
        };
      });
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      if (input === undefined) return one(`missing, and required. Use one of: ${values.join(', ')}.`);
      const near = typeof input === 'string' ? closest(input, values) : undefined;
      return one(`${shown(input)} is not accepted${near ? ` — did you mean "${near}"?` : '.'} Use one of: ${values.join(', ')}.`);
    }
    case 'invalid_type':
      if (input === undefined) return one(`missing, and required.${hint(root, path)}`);
      return one(`must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${typeOf(input)}.${hint(root, path)}`);
    case 'invalid_union':
      return one(`${typeOf(input)} is not accepted.${hint(root, path)}`);
    case 'too_big':
    case 'too_small': {
      const bound = issue.code === 'too_big' ? `at most ${String(issue.maximum)}` : `at least ${String(issue.minimum)}`;
      const what = issue.origin === 'array' ? `a list of ${bound} items` : issue.origin === 'string' ? `${bound} characters long` : bound;
      return one(`must be ${what}, not ${shown(input)}.${hint(root, path)}`);
    }
    default:
      // Our own refinements (e.g. a pattern of accepted values) carry their message.
      return one(`${shown(input)} ${issue.message}.${hint(root, path)}`);
  }
}
