import { z } from 'zod';

/**
 * The JSON Schemas published in tools/list, made from the tools' zod schemas and sized for a model:
 * - inputs inline (no $ref: some clients map input schemas onto dialects without references), enums and
 *   `required` as zod has them (preprocess → its output side, so normalised enums publish as enums);
 * - outputs without what a reader of results does not need (zod's safe-integer bounds, `required`: every
 *   field is always sent, `additionalProperties: false`, `type` where `properties`/`items` say it), and every
 *   shape that repeats defined once under `$defs` with an `$anchor`, referenced as `{"$ref":"#name"}`
 *   (JSON Schema 2020-12, MCP's default dialect; the SDK client's Ajv resolves it);
 * - nullable types as `anyOf` branches, never `type: [x, "null"]`, which single-type dialects reject.
 */

type Json = Record<string, unknown>;

const SAFE_INT = Number.MAX_SAFE_INTEGER;

/** Drop what carries no information for a reader or a validator, and split type arrays into anyOf. */
function tidy(node: unknown, side: 'input' | 'output', root = true): unknown {
  if (Array.isArray(node)) return node.map((n) => tidy(n, side, false));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if ((key === 'minimum' && value === -SAFE_INT) || (key === 'maximum' && value === SAFE_INT)) continue;
    if (key === 'additionalProperties' && value === false && side === 'output') continue;
    if (key === '$schema' || (key === 'required' && side === 'output')) continue;
    out[key] = key === 'properties' ? mapValues(value as Json, (s) => tidy(s, side, false)) : tidy(value, side, false);
  }
  // In results, `properties`, `items`, `enum` and `const` already say which type (below the root).
  if (side === 'output' && !root && (out.properties || out.items || out.enum || 'const' in out) && typeof out.type === 'string') delete out.type;
  if (Array.isArray(out.type)) {
    // Keywords beside `type` apply to every branch (a string keyword ignores numbers), so they stay outside.
    const { type, ...rest } = out;
    return { ...rest, anyOf: (type as string[]).map((t) => ({ type: t })) };
  }
  return out;
}

const mapValues = (o: Json, f: (v: unknown) => unknown): Json => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/** Every subschema below the root with the property name it first appears under. */
function subschemas(node: unknown, name: string, visit: (schema: Json, name: string) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => subschemas(n, name, visit));
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === 'properties') {
      for (const [prop, sub] of Object.entries(value as Json)) {
        visit(sub as Json, prop);
        subschemas(sub, prop, visit);
      }
    } else if (key === 'items' || key === 'anyOf' || key === 'allOf') {
      for (const sub of [value].flat()) {
        visit(sub as Json, name);
        subschemas(sub, name, visit);
      }
    }
  }
}

function replaceAll(node: unknown, target: string, ref: Json): unknown {
  if (Array.isArray(node)) return node.map((n) => replaceAll(n, target, ref));
  if (node === null || typeof node !== 'object') return node;
  if (JSON.stringify(node) === target) return ref;
  return mapValues(node as Json, (v) => replaceAll(v, target, ref));
}

/**
 * A definition's name: the shape's title (`.meta({ title })` in the tool), a capital letter for a plain
 * nullable type (S = string or null, I = integer or null …: the most repeated, so the shortest), `Ss` for
 * a list of strings (`Ns` of numbers …), or the property it first describes.
 */
function defName(schema: Json, prop: string, taken: Set<string>): string {
  const branches = schema.anyOf as Json[] | undefined;
  const simple = branches?.length === 2 && branches[1]!.type === 'null' && Object.keys(branches[0]!).length === 1 && typeof branches[0]!.type === 'string';
  const items = schema.items as Json | undefined;
  const list = Object.keys(schema).length === 1 && items && Object.keys(items).length === 1 && typeof items.type === 'string';
  const base =
    typeof schema.title === 'string'
      ? schema.title
      : simple
        ? String(branches[0]!.type)[0]!.toUpperCase()
        : list
          ? `${String(items.type)[0]!.toUpperCase()}s`
          : prop;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  return name;
}

/** Move every repeated subschema into `$defs` while that makes the document shorter, biggest saving first. */
function shareRepeats(root: Json): Json {
  let doc = root;
  const definitions: Json = {};
  const taken = new Set<string>();
  for (;;) {
    const seen = new Map<string, { count: number; schema: Json; prop: string }>();
    const count = (schema: Json, prop: string) => {
      if ('$ref' in schema) return;
      const key = JSON.stringify(schema);
      const entry = seen.get(key);
      if (entry) entry.count++;
      else seen.set(key, { count: 1, schema, prop });
    };
    for (const part of [doc, ...Object.values(definitions)]) subschemas(part, '', count);
    let best: { key: string; schema: Json; prop: string; saving: number } | undefined;
    for (const [key, { count, schema, prop }] of seen) {
      if (count < 2) continue;
      const name = defName(schema, prop, taken);
      const refLength = JSON.stringify({ $ref: `#${name}` }).length;
      const saving = count * (key.length - refLength) - (key.length + 2 * name.length + 16);
      if (saving > 0 && (!best || saving > best.saving)) best = { key, schema, prop, saving };
    }
    if (!best) break;
    const name = defName(best.schema, best.prop, taken);
    taken.add(name);
    const { title: _named, ...shape } = best.schema;
    definitions[name] = { $anchor: name, ...shape };
    doc = replaceAll(doc, best.key, { $ref: `#${name}` }) as Json;
    for (const [k, v] of Object.entries(definitions)) if (k !== name) definitions[k] = replaceAll(v, best.key, { $ref: `#${name}` });
  }
  return Object.keys(definitions).length > 0 ? { ...doc, $defs: definitions } : doc;
}

/** The inputSchema clients see: what the tool accepts, every field inline. */
export function publishedInput(schema: z.ZodObject): Json {
  return tidy(z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }), 'input') as Json;
}

/** The outputSchema clients see: structuredContent validates against it (the SDK checks; the tests prove it). */
export function publishedOutput(schema: z.ZodObject): Json {
  return shareRepeats(tidy(z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12' }), 'output') as Json);
}
