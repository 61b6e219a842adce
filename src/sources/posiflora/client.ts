import type { PosifloraConfig } from '../../config.js';
import { cleanText, ID_MAX, quoted, shownId } from '../../untrusted.js';
import { UpstreamError } from '../../http/errors.js';
import type { QueryValue, Upstream } from '../../http/upstream.js';
import { log } from '../../log.js';
import type { Runtime } from '../../runtime.js';
import { PosifloraAuth, type Tally } from './auth.js';
import { JSON_API, firstError, parseOrderPage, storeListSchema, ResponseShapeError, type DateAttribute, type ParsedPage } from './schemas.js';

/**
 * Posiflora client: authenticated GETs with the 401 ladder (refresh once, then log in again, then a
 * clear credentials error), page fetching that learns the largest page size the API really honours,
 * and a streaming walk over every page (each page is handed on and dropped).
 */

export interface StoreInfo {
  id: string;
  title: string;
}

/** Names of query parameters as the tool's inputs call them, for error messages. */
const PARAMETER_FIELDS: Record<string, string> = {
  'filter[statuses]': 'statuses',
  'filter[stores]': 'stores',
  'filter[customer]': 'customer',
  'filter[amount][min]': 'amount_min',
  'filter[amount][max]': 'amount_max',
  'filter[delivery]': 'delivery',
  search: 'search',
};

export function parsePosifloraError(_status: number, body: unknown): { code?: string; message?: string } | undefined {
  const e = firstError(body);
  if (!e) return undefined;
  const text = [e.title, e.detail].filter(Boolean).join(': ');
  return { code: e.code, message: `${text}${e.parameter ? ` (parameter ${e.parameter})` : ''}` || undefined };
}

export class PosifloraClient {
  readonly auth: PosifloraAuth;
  /** Largest page size seen honoured; starts at the configured size and shrinks if the API clamps. */
  #pageSize: number;
  #stores: { at: number; list: StoreInfo[] } | undefined;

  constructor(
    readonly upstream: Upstream,
    readonly config: PosifloraConfig,
  ) {
    this.auth = new PosifloraAuth(upstream, config);
    this.#pageSize = config.pageSize;
  }

  /** The one client per process (shared session and token renewal). */
  static for(runtime: Runtime): PosifloraClient {
    return runtime.shared('posiflora:client', () => new PosifloraClient(runtime.upstream('posiflora', { parseError: parsePosifloraError }), runtime.config.posiflora));
  }

  get pageSize(): number {
    return this.#pageSize;
  }

  /** An authenticated GET. */
  async get(path: string, query: Record<string, QueryValue>, tally: Tally, signal?: AbortSignal): Promise<unknown> {
    const what = `GET ${path}`;
    let token = await this.auth.accessToken(tally, signal);
    for (const next of ['refresh', 'login', 'give up'] as const) {
      let res;
      try {
        res = await this.upstream.request({
          method: 'GET',
          path,
          query,
          headers: { accept: JSON_API, authorization: `Bearer ${token.reveal()}` },
          passStatuses: [401],
          signal,
          what,
        });
        // Real HTTP attempts, retries included, so the summary's request count is what Posiflora saw.
        tally.requests += res.attempts;
      } catch (err) {
        // Failures carry how many requests went out, retries included.
        tally.requests += err instanceof UpstreamError ? err.attempts : 1;
        throw explain(err);
      }
      if (res.status !== 401) return res.body;
      if (next === 'give up') break;
      log('info', `Posiflora: access token refused (401) on ${what}; ${next === 'refresh' ? 'refreshing the session' : 'logging in again'}`);
      token = await this.auth.recover(token, next, tally, signal);
    }
    throw new UpstreamError({
      source: 'posiflora',
      status: 401,
      code: 'credentials',
      retryable: false,
      message: 'Posiflora refused access (401) even after refreshing the session and logging in again. Check POSIFLORA_USERNAME and POSIFLORA_PASSWORD, and that this user may read orders.',
    });
  }

  /** One page of GET /v1/orders. The answer's meta.page.size teaches us the API's real maximum. */
  async ordersPage(filters: Record<string, QueryValue>, number: number, size: number, dateAttribute: DateAttribute, tally: Tally, signal?: AbortSignal, metaStatuses = false): Promise<ParsedPage> {
    const body = await this.get('/v1/orders', { ...filters, 'page[number]': number, 'page[size]': size, ...(metaStatuses ? { addMetaStatuses: true } : {}) }, tally, signal);
    try {
      const page = parseOrderPage(body, dateAttribute);
      if (page.meta.pageSize !== undefined && page.meta.pageSize < size && page.meta.pageSize < this.#pageSize && page.meta.pageSize > 0) {
        log('info', `Posiflora honours page[size] up to ${page.meta.pageSize} (asked ${size}); using that from now on`);
        this.#pageSize = page.meta.pageSize;
      }
      return page;
    } catch (err) {
      if (err instanceof ResponseShapeError) throw new UpstreamError({ source: 'posiflora', code: 'bad_response', retryable: false, message: err.message });
      throw err;
    }
  }

  /** Every store (GET /v1/stores, all pages), cached for five minutes. */
  async stores(tally: Tally, signal?: AbortSignal): Promise<StoreInfo[]> {
    if (this.#stores && Date.now() - this.#stores.at < 300_000) return this.#stores.list;
    const list: StoreInfo[] = [];
    for (let number = 1; number <= 100; number++) {
      const body = storeListSchema.safeParse(await this.get('/v1/stores', { 'page[number]': number, 'page[size]': this.#pageSize }, tally, signal));
      if (!body.success) throw new UpstreamError({ source: 'posiflora', code: 'bad_response', retryable: false, message: 'Posiflora sent the store list in an unexpected shape; try again later.' });
      for (const s of body.data.data) list.push({ id: cleanText(s.id, ID_MAX), title: cleanText(s.attributes?.title ?? s.id) });
      const total = Number(body.data.meta?.total ?? list.length);
      if (body.data.data.length === 0 || list.length >= total) break;
    }
    this.#stores = { at: Date.now(), list };
    return list;
  }

  /**
   * Fetch pages `first..last` of `size` concurrently (as many in flight as the limiter allows) and hand
   * each to `onPage` as it arrives; pages are not kept. Each page number is fetched exactly once.
   */
  async eachPage(pages: { first: number; last: number; size: number }, fetch: (n: number) => Promise<ParsedPage>, onPage: (n: number, page: ParsedPage) => void | Promise<void>, concurrency: number): Promise<void> {
    let next = pages.first;
    const worker = async () => {
      while (next <= pages.last) {
        const n = next++;
        await onPage(n, await fetch(n));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pages.last - pages.first + 1)) }, worker));
  }
}

/** 404 and 422 as the reader should see them: what was not found or rejected, and which input to fix. */
function explain(err: unknown): unknown {
  if (!(err instanceof UpstreamError) || err.status === undefined) return err;
  const e = firstError(err.body);
  const field = e?.parameter ? PARAMETER_FIELDS[e.parameter] : undefined;
  // The API's words are upstream text: quoted data (src/untrusted.ts).
  const where = e?.parameter ? ` (parameter ${shownId(e.parameter)}${field ? `, the tool's \`${field}\` input` : ''})` : '';
  const said = (text: string | undefined, fallback: string) => (text ? quoted(text, 300) : fallback);
  if (err.status === 404) {
    return new UpstreamError({
      source: 'posiflora',
      status: 404,
      code: e?.code === undefined ? 'not_found' : cleanText(e.code, ID_MAX),
      retryable: false,
      body: err.body,
      message: `Posiflora could not find it (404): ${said(e?.detail, 'not found')}${where}. Check the store or customer id — store names work too, e.g. stores: ["Флора Центр"].`,
    });
  }
  if (err.status === 422 || err.status === 400) {
    return new UpstreamError({
      source: 'posiflora',
      status: err.status,
      code: e?.code === undefined ? `http_${err.status}` : cleanText(e.code, ID_MAX),
      retryable: false,
      body: err.body,
      message: `Posiflora rejected the request (${err.status}): ${said(e?.detail ?? e?.title, 'invalid parameters')}${where}. Fix that input and call again.`,
    });
  }
  return err;
}
