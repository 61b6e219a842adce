import { UpstreamError } from '../../http/errors.js';
import { quoted, shownId } from '../../untrusted.js';
import { parseOfdError } from '../ofd/errors.js';

/**
 * Failures of the new Yandex OFD API as advice. No error page is published [U]: bodies are read leniently
 * (`code`/`message`/`error`, as the legacy API and public clients do) and the status decides the advice.
 */

export { parseOfdError as parsePublicError };

function replace(err: UpstreamError, message: string): UpstreamError {
  return new UpstreamError({ source: err.source, status: err.status, code: err.code, retryable: err.retryable, resetAt: err.resetAt, body: err.body, message });
}

function detail(err: UpstreamError): string {
  const parsed = parseOfdError(err.status ?? 0, err.body);
  return `HTTP ${err.status}${parsed?.code !== undefined ? `, code ${shownId(parsed.code)}` : ''}${parsed?.message ? `: ${quoted(parsed.message, 200)}` : ''}`;
}

export function explainPublicError(err: UpstreamError, what: string): UpstreamError {
  const status = err.status;
  if (status === 401 || status === 403) {
    return replace(
      err,
      `Yandex OFD rejected the API token on ${what} (${detail(err)}). Check OFD_TOKEN in the server's environment: create or copy the token in the Yandex OFD cabinet (Integrations → API); it is sent as X-Yandex-Ofd-Token. If you gave company, retail point or cashbox filters, check that the token's cabinet can read them.`,
    );
  }
  if (status === 400 || status === 422) return replace(err, `Yandex OFD rejected ${what} as invalid (${detail(err)}). Check the period and filters; run 'revenue-mcp probe ofd' and attach its report if this persists.`);
  if (status === 404) return replace(err, `Yandex OFD does not know ${what} (${detail(err)}). Check OFD_PUBLIC_BASE_URL (default https://public-api.ofd.yandex.net/api).`);
  if (status === 429) return replace(err, `Yandex OFD kept refusing with HTTP 429 (too many requests) after retries on ${what}. Wait a minute and try again; if it repeats, lower OFD_RPS or OFD_CONCURRENCY. No figures were produced rather than partial ones.`);
  if (status !== undefined && status >= 500) return replace(err, `Yandex OFD failed on its side on ${what} (${detail(err)}), also after retries. Try again later; no figures were produced rather than partial ones.`);
  return err;
}
