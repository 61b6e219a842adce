import { z } from 'zod';
import { NAMED_PERIODS, type NamedPeriod } from '../src/period.js';
import { shownInput, ToolInputError } from '../src/tool.js';

/**
 * Input pieces shared by the tools, so a model meets the same words and the same forgiveness everywhere.
 * Root schemas keep enums as plain strings (the SDK publishes them as is); values are checked here,
 * ignoring case, spaces, dashes and underscores, and a wrong one is answered with the accepted list.
 */

const squash = (s: string) => s.trim().toLowerCase().replace(/[\s_-]+/g, '');

/** One accepted value; `fallback` when the input is absent or blank. */
export function oneOf<T extends string>(field: string, raw: string | undefined, allowed: readonly T[], fallback?: T): T {
  if ((raw === undefined || raw.trim() === '') && fallback !== undefined) return fallback;
  const hit = raw === undefined ? undefined : allowed.find((a) => squash(a) === squash(raw));
  if (hit === undefined) throw new ToolInputError(field, `${shownInput(raw ?? '')} is not accepted. Use one of: ${allowed.join(', ')}.`);
  return hit;
}

/** Several accepted values, de-duplicated; every unknown one is named. Absent or empty means no filter. */
export function listOf<T extends string>(field: string, raw: readonly string[] | undefined, allowed: readonly T[]): T[] | undefined {
  if (raw === undefined || raw.length === 0) return undefined;
  const out = new Set<T>();
  const unknown: string[] = [];
  for (const value of raw) {
    const hit = allowed.find((a) => squash(a) === squash(value));
    if (hit === undefined) unknown.push(shownInput(value));
    else out.add(hit);
  }
  if (unknown.length > 0) throw new ToolInputError(field, `${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} ${unknown.length === 1 ? 'is' : 'are'} not accepted. Use any of: ${allowed.join(', ')}.`);
  return [...out];
}

export const RESPONSE_FORMATS = ['concise', 'detailed'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];

export function responseFormat(raw: string | undefined): ResponseFormat {
  return oneOf('response_format', raw, RESPONSE_FORMATS, 'concise');
}

/** The `response_format` field, saying what each level shows for this tool. */
export function responseFormatField(concise: string, detailed: string) {
  return z.string().optional().describe(`"concise" (default: ${concise}) or "detailed" (${detailed}).`);
}

/** `period` or `date_from`/`date_to`, described the same way in every tool, with that tool's default. */
export function periodFields(fallback: NamedPeriod) {
  return {
    period: z
      .string()
      .optional()
      .describe(`Named period in the shop's time zone: ${NAMED_PERIODS.join(', ')}. Default ${fallback}. Use this or date_from/date_to. Example: "last_week".`),
    date_from: z.string().optional().describe('Start, inclusive: ISO date or date-time in the shop time zone, e.g. "2026-11-01" or "2026-11-01T10:00".'),
    date_to: z.string().optional().describe('End, inclusive: ISO date or date-time, e.g. "2026-11-30". Default: today.'),
  };
}
