import { UpstreamError } from '../../http/errors.js';
import { quoted, shownId } from '../../untrusted.js';
import type { SalesAggregationBody } from './schemas.js';

/**
 * Yandex OFD error bodies are `{code, message}` (OFD-sdk also falls back to `description`); the codes
 * are in api-facts §2.6. Each documented case becomes a message that names the thing to fix.
 */

export function parseOfdError(_status: number, body: unknown): { code?: string; message?: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const code = typeof b.code === 'number' || typeof b.code === 'string' ? String(b.code) : undefined;
  const raw = b.message ?? b.description ?? b.error;
  const message = typeof raw === 'string' ? raw.slice(0, 300) : undefined;
  return code === undefined && message === undefined ? undefined : { code, message };
}

const NO_NEW_KEYS =
  'Note: the legacy Yandex OFD API no longer issues new keys. Tokens created in the OFD cabinet today ' +
  '(Integrations → API) are for the new API (header X-Yandex-Ofd-Token) and are not accepted by ' +
  '/v1/docs/aggregations/sales, so only keys issued earlier by Yandex OFD support work here.';

function upstreamDetail(err: UpstreamError): string {
  const parsed = parseOfdError(err.status ?? 0, err.body);
  const code = parsed?.code !== undefined ? `, code ${shownId(parsed.code)}` : '';
  const message = parsed?.message ? `: ${quoted(parsed.message, 300)}` : '';
  return `HTTP ${err.status}${code}${message}`;
}

/** Which of the ids we sent the upstream's message names; all of them when it names none. */
function namedIds(err: UpstreamError, ids: readonly string[] | undefined): string {
  const message = parseOfdError(err.status ?? 0, err.body)?.message ?? '';
  const named = (ids ?? []).filter((id) => new RegExp(`(^|\\D)${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\D|$)`).test(message));
  const shown = named.length > 0 ? named : [...(ids ?? [])];
  if (shown.length === 0) return '(none was given; the keys may not cover any)';
  // The ids are the caller's input: shown cleaned (control and bidi characters out), quoted when not id-like.
  return shown.length === 1 ? shownId(shown[0]) : `one of ${shown.map(shownId).join(', ')}`;
}

function replace(err: UpstreamError, message: string): UpstreamError {
  return new UpstreamError({ source: err.source, status: err.status, code: err.code, retryable: err.retryable, resetAt: err.resetAt, body: err.body, message });
}

/** Turn a failed aggregation call into advice; errors without a documented meaning pass through. */
export function explainOfdError(err: UpstreamError, body: SalesAggregationBody): UpstreamError {
  const code = err.code;
  const detail = upstreamDetail(err);
  switch (err.status) {
    case 401:
      if (code === '1') {
        return replace(err, `Yandex OFD rejected the authentication key (${detail}). Fix OFD_YANDEX_KEY (sent as X-Yandex-Key) in the server's environment. ${NO_NEW_KEYS}`);
      }
      if (code === '2') {
        return replace(
          err,
          `Yandex OFD rejected the authorization key, or its user is not linked to a client (${detail}). Fix OFD_KEY (sent as X-OFD-Key) in the server's environment, or ask Yandex OFD support to link the user to the client. ${NO_NEW_KEYS}`,
        );
      }
      return replace(err, `Yandex OFD did not recognise the keys (${detail}). Check OFD_YANDEX_KEY and OFD_KEY. ${NO_NEW_KEYS}`);
    case 403:
      if (code === '3') {
        return replace(err, `Yandex OFD: company ${namedIds(err, body.company_ids)} is not found or not accessible with these keys (${detail}). Remove it from company_ids, or omit company_ids to cover every company the keys can read.`);
      }
      if (code === '4') {
        return replace(err, `Yandex OFD: cashbox ${namedIds(err, body.cashbox_ids)} is not found or not accessible with these keys (${detail}). Remove it from cashbox_ids, or omit cashbox_ids.`);
      }
      if (code === '22') {
        return replace(err, `Yandex OFD: retail point ${namedIds(err, body.retail_point_ids)} is not found or not accessible with these keys (${detail}). Remove it from retail_point_ids, or omit retail_point_ids.`);
      }
      return replace(err, `Yandex OFD refused access (${detail}). Check the id filters (company_ids, retail_point_ids, cashbox_ids) against what these keys may read.`);
    case 400:
      return replace(err, `Yandex OFD rejected the request as invalid (${detail}). Check the period and filters named in that message and try again.`);
    case 422:
      return replace(err, `Yandex OFD could not process the request structure (${detail}). Check the filters named in that message; ids go as lists of strings, e.g. ["301"].`);
    case 429:
      if (err.code === 'rate_limited') return replace(err, `${err.message} If this repeats, lower OFD_RPS (requests per second, now the limiter's cap).`);
      return replace(err, `Yandex OFD kept refusing with HTTP 429 (too many requests) after retries. Wait a few seconds and try again; if this repeats, lower OFD_RPS (requests per second, now the limiter's cap).`);
    default:
      if (err.status !== undefined && err.status >= 500) {
        return replace(err, `Yandex OFD failed on its side (${detail}), also after retries. Try again later; the figures were not produced rather than shown incomplete.`);
      }
      return err;
  }
}
