import { randomBytes } from 'node:crypto';
import { RateWindow, SimServer, header, type SimReply, type SimRequest } from '../framework.js';
import type { ShopStory } from '../story/index.js';
import { ORDER_STATUSES, PosifloraData, type SimOrder, type SimOrderStatus } from './data.js';

/**
 * Loopback Posiflora (API 2022_16-v2): JSON:API sessions with expiring access tokens and single-use
 * (rotating) refresh tokens, GET /v1/orders with the spec's filters, page[number]/page[size] paging,
 * meta.page/total/statuses/orders_amounts, `included` stores, GET /v1/stores, JSON:API error bodies.
 */

export const JSON_API = 'application/vnd.api+json';

export interface PosifloraSimOptions {
  /** Serve the demo shop's florist orders (then count, endDate and days are ignored). */
  story?: ShopStory;
  seed?: number;
  count?: number;
  endDate?: string;
  days?: number;
  username?: string;
  password?: string;
  /** Access token lifetime (default 1 h, as the real API). */
  accessTtlMs?: number;
  /** Refresh token lifetime (default 30 days). */
  refreshTtlMs?: number;
  /** An access token stops working after this many data requests (simulates expiry mid-listing). */
  accessRequestBudget?: number;
  /** Largest page[size] honoured; larger requests are clamped and meta.page.size says so (default 100). */
  maxPageSize?: number;
  /** How money and meta.total are printed: JSON numbers, decimal strings, or alternating per order. */
  money?: 'number' | 'string' | 'mixed';
  /** Data requests per second before 429 (default 50). */
  rps?: number;
  /** Leave meta.orders_amounts out of order lists (some accounts' answers lack it). */
  omitOrdersAmounts?: boolean;
  /** Keep every reply the simulator produced (for the contract test). */
  record?: boolean;
}

export interface RecordedReply {
  method: string;
  path: string;
  query: URLSearchParams;
  status: number;
  body: unknown;
}

interface AccessToken {
  expiresAt: number;
  used: number;
}

interface FilterResult {
  indices: Int32Array;
  totalKop: number;
  paymentsKop: number;
  bonusesKop: number;
  discountsKop: number;
  markupsKop: number;
  budgets: number;
  statusCounts: Record<SimOrderStatus, number>;
}

class Reject extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly parameter?: string,
    readonly code = status === 404 ? 'not_found' : 'validation_failed',
  ) {
    super(detail);
  }
}

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests' };

export function jsonApiError(status: number, code: string, detail: string, parameter?: string): SimReply {
  return {
    status,
    headers: { 'content-type': JSON_API },
    body: {
      errors: [
        {
          id: randomBytes(8).toString('hex'),
          status: String(status),
          code,
          title: TITLES[status] ?? 'Error',
          detail,
          ...(parameter ? { source: { parameter } } : {}),
        },
      ],
    },
  };
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const DATE_FIELDS = {
  createdAt: (o: SimOrder) => o.createdAt,
  updatedAt: (o: SimOrder) => o.updatedAt,
  modifiedAt: (o: SimOrder) => o.updatedAt,
  dueTime: (o: SimOrder) => o.dueTime,
  postedAt: (o: SimOrder) => o.postedAt,
  paymentPostedAt: (o: SimOrder) => o.paymentPostedAt,
} as const;

/** Array query values as clients send them: repeated keys, `key[]`, or comma-separated. */
function arrayParam(q: URLSearchParams, name: string): string[] | undefined {
  const raw = [...q.getAll(name), ...q.getAll(`${name}[]`)];
  if (raw.length === 0) return undefined;
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new Reject(422, `${name} must be true or false, got "${v}".`, name);
}

function numberParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(v.trim())) throw new Reject(422, `${name} must be a number, got "${v}".`, name);
  return Number(v);
}

function positiveIntParam(q: URLSearchParams, name: string, fallback: number): number {
  const v = q.get(name);
  if (v === null) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new Reject(422, `${name} must be a positive integer, got "${v}".`, name);
  return Number(v);
}

function kopToWire(kop: number, asString: boolean): number | string {
  if (asString) return `${Math.floor(kop / 100)}.${String(kop % 100).padStart(2, '0')}`;
  return kop / 100;
}

export class PosifloraSim {
  readonly data: PosifloraData;
  readonly server: SimServer;
  readonly replies: RecordedReply[] = [];
  readonly username: string;
  readonly password: string;
  /** Every session answer, in order (tests check that the newest refresh token is the one used). */
  readonly issued: Array<{ kind: 'login' | 'refresh'; accessToken: string; refreshToken: string }> = [];
  readonly options: PosifloraSimOptions;
  #access = new Map<string, AccessToken>();
  #refresh = new Map<string, { expiresAt: number; used: boolean }>();
  #cache = new Map<string, FilterResult>();
  #rate: RateWindow;

  constructor(options: PosifloraSimOptions = {}) {
    this.options = options;
    this.data = new PosifloraData(options);
    this.username = options.username ?? 'demo@posiflora.local';
    this.password = options.password ?? 'demo-password-2026';
    this.#rate = new RateWindow(options.rps ?? 50, 1000);
    this.server = new SimServer({
      name: 'posiflora',
      before: (req) => {
        const early = this.#before(req);
        return early && this.#record(req, early);
      },
      notFound: (req) => this.#record(req, jsonApiError(404, 'not_found', `No route ${req.method} ${req.path}`)),
      routes: [
        { method: 'POST', pattern: '/v1/sessions', handler: (req) => this.#record(req, this.#guard(() => this.#login(req))) },
        { method: 'PATCH', pattern: '/v1/sessions', handler: (req) => this.#record(req, this.#guard(() => this.#refreshSession(req))) },
        { method: 'GET', pattern: '/v1/orders', handler: (req) => this.#record(req, this.#guard(() => this.#orders(req))) },
        { method: 'GET', pattern: '/v1/stores', handler: (req) => this.#record(req, this.#guard(() => this.#stores(req))) },
      ],
    });
  }

  /** Make every access token issued so far invalid, as if an hour had passed. */
  expireAccessTokens(): void {
    for (const t of this.#access.values()) t.expiresAt = 0;
  }

  #record(req: SimRequest, reply: SimReply): SimReply {
    if (this.options.record) {
      this.replies.push({ method: req.method, path: req.path, query: req.query, status: reply.status, body: reply.body });
    }
    return reply;
  }

  #guard(fn: () => SimReply): SimReply {
    try {
      return fn();
    } catch (err) {
      if (err instanceof Reject) return jsonApiError(err.status, err.code, err.detail, err.parameter);
      throw err;
    }
  }

  #before(req: SimRequest): SimReply | undefined {
    if (req.method !== 'GET') {
      const type = header(req, 'content-type') ?? '';
      if (!type.startsWith(JSON_API) && !type.startsWith('application/json')) {
        return jsonApiError(415, 'unsupported_media_type', `Content-Type must be ${JSON_API}.`);
      }
      return undefined;
    }
    if (!this.#rate.take().ok) {
      return { ...jsonApiError(429, 'too_many_requests', 'Too many requests, slow down.'), headers: { 'content-type': JSON_API, 'retry-after': '1' } };
    }
    const auth = header(req, 'authorization') ?? '';
    const token = /^Bearer (.+)$/.exec(auth)?.[1];
    const known = token ? this.#access.get(token) : undefined;
    if (!known) return jsonApiError(401, 'unauthorized', 'Authentication required: send Authorization: Bearer <accessToken>.');
    if (Date.now() >= known.expiresAt) return jsonApiError(401, 'token_expired', 'Access token expired.');
    const budget = this.options.accessRequestBudget;
    if (budget !== undefined && known.used >= budget) {
      known.expiresAt = 0;
      return jsonApiError(401, 'token_expired', 'Access token expired.');
    }
    known.used += 1;
    return undefined;
  }

  #session(kind: 'login' | 'refresh'): SimReply {
    const now = Date.now();
    const accessTtl = this.options.accessTtlMs ?? 3_600_000;
    const refreshTtl = this.options.refreshTtlMs ?? 30 * 86_400_000;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const accessToken = `${b64({ typ: 'JWT', alg: 'RS256' })}.${b64({ iat: Math.floor(now / 1000), exp: Math.floor((now + accessTtl) / 1000), jti: randomBytes(6).toString('hex') })}.${randomBytes(24).toString('base64url')}`;
    const h = randomBytes(16).toString('hex');
    const refreshToken = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    this.#access.set(accessToken, { expiresAt: now + accessTtl, used: 0 });
    this.#refresh.set(refreshToken, { expiresAt: now + refreshTtl, used: false });
    this.issued.push({ kind, accessToken, refreshToken });
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
    return {
      status: 200,
      headers: { 'content-type': JSON_API },
      body: {
        data: {
          type: 'sessions',
          id: 'current',
          attributes: { expireAt: iso(now + accessTtl), refreshExpireAt: iso(now + refreshTtl), accessToken, refreshToken, saasCustomerId: 1 },
          relationships: { worker: { data: { type: 'workers', id: '99eaff96-2f12-4c62-88cf-b945562b4bff' } } },
        },
      },
    };
  }

  #attributes(req: SimRequest): Record<string, unknown> {
    const data = (req.json as { data?: { type?: unknown; attributes?: unknown } } | undefined)?.data;
    if (!data || data.type !== 'sessions' || typeof data.attributes !== 'object' || data.attributes === null) {
      throw new Reject(400, 'Body must be {"data":{"type":"sessions","attributes":{…}}}.');
    }
    return data.attributes as Record<string, unknown>;
  }

  #login(req: SimRequest): SimReply {
    const a = this.#attributes(req);
    if (a.username !== this.username || a.password !== this.password) {
      return jsonApiError(401, 'invalid_credentials', 'Invalid username or password.');
    }
    return this.#session('login');
  }

  #refreshSession(req: SimRequest): SimReply {
    const token = this.#attributes(req).refreshToken;
    const known = typeof token === 'string' ? this.#refresh.get(token) : undefined;
    if (!known || known.used || Date.now() >= known.expiresAt) {
      return jsonApiError(401, 'invalid_refresh_token', 'Refresh token is invalid, expired or already used.');
    }
    known.used = true; // single use: the answer carries its successor
    return this.#session('refresh');
  }

  #stores(req: SimRequest): SimReply {
    const q = req.query;
    const size = Math.min(positiveIntParam(q, 'page[size]', 10), this.options.maxPageSize ?? 100);
    const number = positiveIntParam(q, 'page[number]', 1);
    const ids = arrayParam(q, 'filter[id]');
    const search = q.get('search')?.toLowerCase();
    const all = this.data.stores.filter((s) => (!ids || ids.includes(s.id)) && (!search || s.title.toLowerCase().includes(search)));
    const page = all.slice((number - 1) * size, number * size);
    return {
      status: 200,
      headers: { 'content-type': JSON_API },
      body: {
        meta: { page: { number, size }, total: all.length, revision: 1000 },
        data: page.map((s) => this.#storeResource(s.id)),
      },
    };
  }

  #storeResource(id: string): Record<string, unknown> {
    const s = this.data.store(id)!;
    return { type: 'stores', id: s.id, attributes: { title: s.title, address: s.address, addressCity: 'Москва', revision: 1000 } };
  }

  #orders(req: SimRequest): SimReply {
    const q = req.query;
    const size = Math.min(positiveIntParam(q, 'page[size]', 10), this.options.maxPageSize ?? 100);
    const number = positiveIntParam(q, 'page[number]', 1);
    const metaStatuses = boolParam(q, 'addMetaStatuses') ?? false;
    const result = this.#filter(q);
    const total = result.indices.length;
    // Newest first: position p of the answer is the (total-1-p)-th match in creation order.
    const rows: SimOrder[] = [];
    for (let p = (number - 1) * size; p < Math.min(total, number * size); p++) rows.push(this.data.order(result.indices[total - 1 - p]!));
    const money = this.options.money ?? 'number';
    const stringy = (i: number) => money === 'string' || (money === 'mixed' && i % 2 === 1);
    const storeIds = [...new Set(rows.map((o) => o.storeId))];
    const meta: Record<string, unknown> = {
      page: { number, size },
      total: money === 'string' ? String(total) : total,
      revision: 137_208,
    };
    if (!this.options.omitOrdersAmounts) {
      meta.orders_amounts = {
        ordersAmount: kopToWire(result.totalKop, true),
        paymentsAmount: kopToWire(result.paymentsKop, true),
        bonusesAmount: kopToWire(result.bonusesKop, true),
        discountsAmount: kopToWire(result.discountsKop, true),
        markupsAmount: kopToWire(result.markupsKop, true),
        budgetsAmount: kopToWire(result.budgets * 100, true),
        creditsAmount: '0.00',
      };
    }
    if (metaStatuses) {
      const counts = result.statusCounts;
      meta.statuses = {
        all: String(ORDER_STATUSES.reduce((a, s) => a + counts[s], 0)),
        ...Object.fromEntries(ORDER_STATUSES.map((s) => [s, String(counts[s])])),
        credit: '0',
      };
    }
    return {
      status: 200,
      headers: { 'content-type': JSON_API },
      body: {
        meta,
        data: rows.map((o) => this.#orderResource(o, stringy(o.index))),
        included: storeIds.map((id) => this.#storeResource(id)),
      },
    };
  }

  #orderResource(o: SimOrder, asString: boolean): Record<string, unknown> {
    const ref = (type: string, id: string | null) => ({ data: id ? { type, id } : null });
    return {
      type: 'orders',
      id: o.id,
      attributes: {
        status: o.status,
        date: o.createdAt.slice(0, 10),
        docNo: o.docNo,
        description: null,
        budget: o.budget,
        dueTime: o.dueTime,
        delivery: o.delivery,
        deliveryStatus: o.delivery ? (o.status === 'done' ? 'delivered' : o.status === 'courier' ? 'courier' : null) : null,
        createdAt: o.createdAt,
        updatedAt: o.updatedAt,
        modifiedAt: o.updatedAt,
        fiscal: true,
        fiscalized: o.postedAt !== null,
        byBonuses: o.bonusesKop > 0,
        posted: o.postedAt !== null,
        postedAt: o.postedAt,
        cancelComment: o.status === 'canceled' ? 'Клиент отказался' : null,
        totalAmount: kopToWire(o.totalKop, asString),
        paymentsAmount: kopToWire(o.paymentsKop, asString),
        isExternal: false,
        externalId: null,
        revision: 135_000 + o.index,
      },
      relationships: {
        store: ref('stores', o.storeId),
        customer: ref('customers', o.customerId),
        source: ref('order-sources', '9bed7b59-0d3c-4b8e-9a55-3c1f0a7e2b11'),
        courier: { data: null },
      },
      links: { self: `/orders/${o.id}` },
    };
  }

  /** Apply the filters of a GET /v1/orders query; results are cached per distinct filter set. */
  #filter(q: URLSearchParams): FilterResult {
    const key = [...q.entries()].filter(([k]) => !k.startsWith('page[') && k !== 'addMetaStatuses').sort().map(([k, v]) => `${k}=${v}`).join('&');
    const hit = this.#cache.get(key);
    if (hit) return hit;

    const ranges: Array<{ get: (o: SimOrder) => string | null; from?: number; to?: number }> = [];
    for (const [field, get] of Object.entries(DATE_FIELDS)) {
      const bounds: { from?: number; to?: number } = {};
      for (const edge of ['from', 'to'] as const) {
        const name = `filter[${field}][${edge}]`;
        const v = q.get(name);
        if (v === null) continue;
        if (!DATE_TIME.test(v) || Number.isNaN(Date.parse(v))) throw new Reject(422, `${name} must be an ISO 8601 date-time such as 2026-01-31T21:00:00+00:00, got "${v}".`, name);
        bounds[edge] = Date.parse(v);
      }
      if (bounds.from !== undefined || bounds.to !== undefined) ranges.push({ get, ...bounds });
    }
    const statuses = arrayParam(q, 'filter[statuses]');
    for (const s of statuses ?? []) {
      if (!(ORDER_STATUSES as readonly string[]).includes(s)) throw new Reject(422, `Unknown status "${s}"; allowed: ${ORDER_STATUSES.join(', ')}.`, 'filter[statuses]');
    }
    const stores = arrayParam(q, 'filter[stores]');
    for (const id of stores ?? []) if (!this.data.store(id)) throw new Reject(404, `Store ${id} not found.`, 'filter[stores]');
    const customer = q.get('filter[customer]') ?? undefined;
    if (customer !== undefined && !this.data.customer(customer)) throw new Reject(404, `Customer ${customer} not found.`, 'filter[customer]');
    const delivery = boolParam(q, 'filter[delivery]');
    const withReturned = boolParam(q, 'filter[withReturned]') ?? false;
    const min = numberParam(q, 'filter[amount][min]');
    const max = numberParam(q, 'filter[amount][max]');
    const docNos = arrayParam(q, 'filter[docNo]');
    const search = q.get('search')?.trim().toLowerCase() || undefined;
    const searchCustomers = search ? new Set(this.data.customers.filter((c) => c.name.toLowerCase().includes(search) || c.phone.includes(search)).map((c) => c.id)) : undefined;

    // createdAt bounds narrow the scan to an index range (orders are generated in creation order).
    const created = ranges.find((r) => r.get === DATE_FIELDS.createdAt);
    const lo = created?.from !== undefined ? this.data.firstAtOrAfter(created.from) : 0;
    const hi = created?.to !== undefined ? this.data.firstAtOrAfter(created.to + 1) : this.data.count;

    const matched: number[] = [];
    const r: FilterResult = {
      indices: new Int32Array(0),
      totalKop: 0,
      paymentsKop: 0,
      bonusesKop: 0,
      discountsKop: 0,
      markupsKop: 0,
      budgets: 0,
      statusCounts: Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<SimOrderStatus, number>,
    };
    for (let i = lo; i < hi; i++) {
      const o = this.data.order(i);
      let ok = true;
      for (const range of ranges) {
        const v = range.get(o);
        const t = v === null ? NaN : Date.parse(v);
        if (Number.isNaN(t) || (range.from !== undefined && t < range.from) || (range.to !== undefined && t > range.to)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (stores && !stores.includes(o.storeId)) continue;
      if (customer !== undefined && o.customerId !== customer) continue;
      if (delivery !== undefined && o.delivery !== delivery) continue;
      if (min !== undefined && o.totalKop < Math.round(min * 100)) continue;
      if (max !== undefined && o.totalKop > Math.round(max * 100)) continue;
      if (docNos && !docNos.includes(o.docNo)) continue;
      if (search && !o.docNo.toLowerCase().includes(search) && !(o.customerId && searchCustomers!.has(o.customerId))) continue;
      // Returned orders are left out unless asked for (filter[withReturned], or by status).
      if (o.status === 'returned' && !withReturned && !statuses?.includes('returned')) continue;
      r.statusCounts[o.status] += 1;
      if (statuses && !statuses.includes(o.status)) continue;
      matched.push(i);
      r.totalKop += o.totalKop;
      r.paymentsKop += o.paymentsKop;
      r.bonusesKop += o.bonusesKop;
      r.discountsKop += o.discountsKop;
      r.markupsKop += o.markupsKop;
      r.budgets += o.budget;
    }
    r.indices = Int32Array.from(matched);
    if (this.#cache.size >= 64) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, r);
    return r;
  }
}
