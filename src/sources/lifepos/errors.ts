import { UpstreamError } from '../../http/errors.js';
import { quoted, shownId } from '../../untrusted.js';
import { ErrorBodySchema } from './schemas.js';

/**
 * LIFE POS error bodies are `{code, message, info}`. These helpers pull them out for the HTTP layer and
 * turn the documented statuses into texts that say what to do.
 */

export function parseLifeposError(_status: number, body: unknown): { code?: string; message?: string } | undefined {
  const parsed = ErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { code, message, info } = parsed.data;
  const text = [message, info].filter((s): s is string => typeof s === 'string' && s.trim() !== '').join(' — ');
  return { code: code === null || code === undefined ? undefined : String(code), message: text || undefined };
}

/** The API's own words for an error, e.g. "NotFound: Продажа не найдена — Sale … was not found". */
export function apiWords(err: UpstreamError): string {
  const parsed = parseLifeposError(err.status ?? 0, err.body);
  if (!parsed) return err.status ? `HTTP ${err.status}` : err.code;
  // The message is upstream text: quoted data in the error, never instructions.
  return [parsed.code === undefined ? undefined : shownId(parsed.code), parsed.message === undefined ? undefined : quoted(parsed.message, 300)].filter(Boolean).join(': ') || `HTTP ${err.status}`;
}

function rewrap(err: UpstreamError, message: string): UpstreamError {
  return new UpstreamError({ source: err.source, status: err.status, code: err.code, retryable: err.retryable, resetAt: err.resetAt, body: err.body, message });
}

export interface ErrorContext {
  /** What was asked, e.g. "the revenue widget". */
  what: string;
  /** How to name the organization, e.g. "«Лавка» (1f0c…)". */
  org?: string;
  /** Text for a 404 on this call. */
  notFound?: string;
}

/** A clear, actionable message for a failed LIFE POS call; other errors pass unchanged. */
export function explain(err: unknown, ctx: ErrorContext): unknown {
  if (!(err instanceof UpstreamError) || err.status === undefined) return err;
  const words = apiWords(err);
  const org = ctx.org ? ` in organization ${ctx.org}` : '';
  switch (err.status) {
    case 401:
      return rewrap(err, `LIFE POS refused the credentials for ${ctx.what} (401, ${words}). Check LIFEPOS_TOKEN, or LIFEPOS_PHONE and LIFEPOS_PASSWORD.`);
    case 403:
      return rewrap(err, `LIFE POS: this account has no permission for ${ctx.what}${org} (403, ${words}). Ask the organization owner for access, or pass another org_guid.`);
    case 404:
      return rewrap(err, `${ctx.notFound ?? `LIFE POS found nothing for ${ctx.what}${org}`} (404, ${words}).`);
    case 422:
      return rewrap(err, `LIFE POS rejected the request for ${ctx.what} as not valid (422, ${words}). Check the input values; if the text names a header, this is a revenue-mcp bug worth reporting.`);
    case 429:
      return rewrap(err, `LIFE POS kept answering 429 TooManyRequests (per-second request limit) for ${ctx.what}, even after waiting and retrying. Try again in a few seconds, or lower LIFEPOS_RPS if other programs use the same account.`);
    default:
      if (err.status >= 500) return rewrap(err, `LIFE POS failed on ${ctx.what} (HTTP ${err.status}, ${words}) even after retries. The service may be having trouble; try again later.`);
      return err;
  }
}
