import { UpstreamError } from './http/errors.js';

/**
 * What check_sources and `revenue-mcp probe` share: the verdict of one cheap authenticated call, and
 * helpers that describe a reply by its shape only (key names and value types), so that a probe report
 * holds no amount, name, id or secret and can be pasted into a bug report as is.
 */

export type CredentialVerdict = 'valid' | 'rejected' | 'unknown';

/** The outcome of a source's cheap authenticated call. */
export interface AccessCheck {
  credentials: CredentialVerdict;
  /** One line in words: what was checked and what it showed, or what failed and what to do. */
  message: string;
  /** Which API or credential kind answers, e.g. "token API (OFD_TOKEN)". */
  api: string;
}

/** A failed check in words: refused credentials are named as such; anything else is "unknown" with the reason. */
export function failedCheck(err: unknown, api: string): AccessCheck {
  const refused = err instanceof UpstreamError && (err.status === 401 || err.status === 403 || err.code === 'credentials');
  const message = err instanceof Error ? err.message : String(err);
  return { credentials: refused ? 'rejected' : 'unknown', message: refused ? message : `could not check the credentials: ${message}`, api };
}

export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'number';
  return typeof v;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object's fields to look at, or none for anything else (a reply of unknown shape). */
export const asRecord = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});

/** The sorted key names of an object, or its type in parentheses. */
export const keysOf = (v: unknown): string => (isRecord(v) ? Object.keys(v).sort().join(', ') || '(none)' : `(${typeOf(v)})`);

/** `key:type` for every key of an object, sorted. */
export const typedKeys = (v: unknown): string =>
  typeof v === 'object' && v !== null
    ? Object.entries(v as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => `${k}:${typeOf(x)}`)
        .join(', ')
    : `(${typeOf(v)})`;

/** The shape of a string with every digit masked (`9999-99-99 99:99:99`), cut to 40 characters. */
export const maskedShape = (v: unknown): string => (typeof v === 'string' ? v.replace(/\d/g, '9').slice(0, 40) : typeOf(v));

/** "HTTP 200", or "failed (reason)" for a request that got no answer. */
export const statusText = (r: { status: number; failed?: string }): string => (r.status ? `HTTP ${r.status}` : `failed (${r.failed})`);
