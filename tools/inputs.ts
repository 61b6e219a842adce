import { z } from 'zod';
import { NAMED_PERIODS } from '../src/period.js';

/**
 * Input pieces shared by the tools, so a model meets the same words and the same forgiveness everywhere.
 * Closed sets are published as JSON Schema enums; a value is first matched ignoring case, spaces, dashes and
 * underscores ("Last Month" → last_month), so only a value that matches nothing is refused, by
 * src/input-errors.ts, with the field, the closest accepted value and the list.
 */

/** The form two spellings of one value share: "Last-Month", "last_month" and "lastmonth" meet. */
export const squash = (s: string) => s.trim().toLowerCase().replace(/[\s_-]+/g, '');

/** The accepted value a model meant, or undefined. */
export function canonical<T extends string>(allowed: readonly T[], raw: string): T | undefined {
  return allowed.find((a) => squash(a) === squash(raw));
}

/** One value of a closed set; published as an enum (the preprocess publishes its output side). */
export function choice<T extends string>(allowed: readonly [T, ...T[]]) {
  return z.preprocess((v) => (typeof v === 'string' ? (canonical(allowed, v) ?? v) : v), z.enum(allowed));
}

/** A list of values of a closed set; a lone value counts as a list of one; repeats are dropped. */
export function choices<T extends string>(allowed: readonly [T, ...T[]]) {
  return listOfItems(choice(allowed)).transform((values) => [...new Set(values)]);
}

/** A list of `item`; a lone value counts as a list of one (models often send "done" for ["done"]). */
export function listOfItems<S extends z.ZodType>(item: S) {
  return z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(item));
}

/** A number from `min` to `max`; a numeric string ("50") is read as the number. */
export function numberIn(min: number, max: number) {
  return z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v), z.number().min(min).max(max));
}

/** A whole number from `min` to `max`; a numeric string ("20") is read as the number. */
export function wholeNumber(min: number, max: number) {
  return z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), z.number().int().min(min).max(max));
}

/** A boolean; "true"/"false" (any case) are read as booleans. */
export function flag() {
  return z.preprocess((v) => (typeof v === 'string' && /^\s*(true|false)\s*$/i.test(v) ? v.trim().toLowerCase() === 'true' : v), z.boolean());
}

export const RESPONSE_FORMATS = ['concise', 'detailed'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];

/** The `response_format` field, saying what "detailed" adds for this tool. */
export function responseFormatField(detailed: string) {
  return choice(RESPONSE_FORMATS).optional().describe(`detailed: +${detailed}`);
}

/** `period` or `date_from`/`date_to`, described the same way in every tool, with that tool's default. */
export function periodFields(fallback?: (typeof NAMED_PERIODS)[number]) {
  return {
    period: choice(NAMED_PERIODS).optional().describe(`${fallback ? `Default ${fallback}; or` : 'Or'} date_from/date_to.`),
    date_from: z.string().optional().describe('ISO date(-time), e.g. "2026-11-01".'),
    date_to: z.string().optional().describe('Inclusive; default today.'),
  };
}
