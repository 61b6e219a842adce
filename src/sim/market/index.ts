import { randomBytes } from 'node:crypto';
import { RateWindow, SimServer, header, type SimReply, type SimRequest } from '../framework.js';
import { seedOrders, type SimOrder } from './data.js';
import { SHOP, type ShopStory } from '../story/index.js';
import { buildSheets, encodeReport, rowCount, type ReportRequest, type ReportType, type Sheets } from './reports.js';

/**
 * Loopback simulator of the Yandex Market Partner API report methods:
 *   POST /v2/reports/<type>/generate?format=&language=   → {reportId, estimatedGenerationTime}
 *   GET  /v2/reports/info/{reportId}                      → PENDING → PROCESSING → DONE | FAILED (+subStatus)
 *   GET  /files/<token>                                   → the ZIP, from a link that expires (no auth)
 * with Api-Key / OAuth auth, the 4-parallel-requests rule and per-method resource quotas (HTTP 420 with
 * X-RateLimit-Resource-Limit/-Remaining/-Until on every answer), and the spec's error bodies.
 */

export { seedOrders, type SimOrder, type SimOrderItem, type SimOrderStatus, STATUS_TEXT } from './data.js';

export const REPORT_TYPES: readonly ReportType[] = ['united-orders', 'united-marketplace-services', 'shows-sales', 'goods-movement'];

export interface Quota {
  limit: number;
  windowMs: number;
}

export interface MarketSimSettings {
  /** How long a report takes from request to DONE. */
  generationMs: number;
  /** The estimate the API reports (defaults to generationMs). */
  estimateMs?: number;
  /** Part of the generation time spent PENDING before PROCESSING. */
  pendingShare: number;
  /** Lifetime of a download link from the info call that minted it (60 min on Market). */
  linkTtlMs: number;
  /** Delay inside every API request while it counts as in flight. */
  latencyMs: number;
  maxParallel: number;
  /** A report with more rows than this fails with TOO_LARGE. */
  maxRows: number;
  quotas: Record<string, Quota>;
}

export interface MarketSimOptions extends Partial<Omit<MarketSimSettings, 'quotas'>> {
  quotas?: Record<string, Quota>;
  /** Serve the demo shop's Market orders (then seed and orders are ignored). */
  story?: ShopStory;
  seed?: number;
  orders?: SimOrder[];
  apiKey?: string;
  oauthToken?: string;
  businessId?: number;
  campaignIds?: number[];
  /** Clock for generation progress, link expiry and quota windows. */
  clock?: () => number;
}

export interface Exchange {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

interface StoredReport {
  id: string;
  request: ReportRequest;
  format: 'JSON' | 'CSV' | 'FILE';
  requestedAt: number;
  generationMs: number;
  estimateMs: number;
  sheets: Sheets;
  subStatus?: 'NO_DATA' | 'TOO_LARGE' | 'RESOURCE_NOT_FOUND';
  failed: boolean;
}

export interface MarketSim {
  server: SimServer;
  url: string;
  apiKey: string;
  oauthToken: string;
  businessId: number;
  campaignId: number;
  campaignIds: number[];
  /** The environment that points revenue-mcp at this simulator with its API key. */
  env: Record<string, string>;
  orders: SimOrder[];
  settings: MarketSimSettings;
  /** Highest number of API requests in flight at once (per business) seen so far. */
  readonly maxInFlight: number;
  /** Report ids in the order they were generated. */
  readonly reportIds: string[];
  /** Requests answered 420 so far. */
  readonly rejected420: number;
  /** Every API method answer (not the file host), in order, for contract checks of the simulator's side. */
  readonly exchanges: Exchange[];
  close(): Promise<void>;
}

const MINUTE = 60_000;
const DEFAULT_QUOTAS: Record<string, Quota> = {
  'reports.info': { limit: 100, windowMs: MINUTE },
  'generate.united-orders': { limit: 1, windowMs: 2 * MINUTE },
  'generate.united-marketplace-services': { limit: 1, windowMs: 2 * MINUTE },
  'generate.shows-sales': { limit: 1, windowMs: 10 * MINUTE },
  'generate.goods-movement': { limit: 1, windowMs: 2 * MINUTE },
};

/** Scopes a token needs, from the spec's x-auth-scopes of each operation (read-only access suffices). */
const GENERATE_SCOPES: Record<ReportType, string[]> = {
  'united-orders': ['all-methods', 'all-methods:read-only', 'finance-and-accounting', 'promotion', 'promotion:read-only', 'inventory-and-order-processing', 'inventory-and-order-processing:read-only'],
  'united-marketplace-services': ['all-methods', 'all-methods:read-only', 'finance-and-accounting'],
  'shows-sales': ['all-methods', 'all-methods:read-only', 'finance-and-accounting', 'promotion', 'promotion:read-only', 'offers-and-cards-management', 'offers-and-cards-management:read-only'],
  'goods-movement': ['all-methods', 'all-methods:read-only', 'finance-and-accounting', 'inventory-and-order-processing', 'inventory-and-order-processing:read-only', 'supplies-management:read-only'],
};

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DAY = 86_400_000;

function errorBody(code: string, message: string) {
  return { status: 'ERROR', errors: [{ code, message }] };
}

function fail(status: number, code: string, message: string, headers: Record<string, string> = {}): SimReply {
  return { status, headers, body: errorBody(code, message) };
}

function validDate(v: unknown): v is string {
  return typeof v === 'string' && DATE_RE.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
}

const days = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY + 1;
const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function startMarketSim(options: MarketSimOptions = {}): Promise<MarketSim> {
  const clock = options.clock ?? Date.now;
  const businessId = options.businessId ?? SHOP.market.businessId;
  const campaignIds = options.campaignIds ?? [...SHOP.market.campaignIds];
  const apiKey = options.apiKey ?? 'ACMA:demo-market-api-key-5f3c9e1a:0b7d2c4e';
  const oauthToken = options.oauthToken ?? 'y0_demo-market-oauth-token-91c2';
  const settings: MarketSimSettings = {
    generationMs: options.generationMs ?? 2_000,
    estimateMs: options.estimateMs,
    pendingShare: options.pendingShare ?? 0.3,
    linkTtlMs: options.linkTtlMs ?? 60 * MINUTE,
    latencyMs: options.latencyMs ?? 0,
    maxParallel: options.maxParallel ?? 4,
    maxRows: options.maxRows ?? 50_000,
    quotas: { ...DEFAULT_QUOTAS, ...(options.quotas ?? {}) },
  };
  const orders =
    options.story?.marketOrders.map((o) => ({ ...o, items: o.items.map((i) => ({ ...i })) })) ??
    options.orders ??
    // The last 120 days up to yesterday, so named periods (last_month, last_week …) find data.
    seedOrders({ seed: options.seed ?? 6, from: new Date(clock() - 120 * DAY).toISOString().slice(0, 10), days: 120, ordersPerDay: 3, campaignIds });
  const shop = options.story ? { businessId, shopName: SHOP.market.shopName, inn: SHOP.market.inn } : { businessId, shopName: 'Цветочная лавка', inn: '7701234567' };
  // Tokens and their scopes; the demo key has full read access.
  const keys = new Map<string, string[]>([[apiKey, ['all-methods:read-only']]]);
  const windows = new Map<string, RateWindow>();
  const reports = new Map<string, StoredReport>();
  const links = new Map<string, { reportId: string; expiresAt: number }>();
  const reportIds: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let rejected420 = 0;
  let counter = 0;
  const exchanges: Exchange[] = [];

  function quota(resource: string): { ok: boolean; headers: Record<string, string> } {
    const spec = settings.quotas[resource]!;
    let w = windows.get(resource);
    if (!w || w.limit !== spec.limit || w.windowMs !== spec.windowMs) {
      w = new RateWindow(spec.limit, spec.windowMs, clock);
      windows.set(resource, w);
    }
    const t = w.take(`${businessId}`);
    // RFC 822 dates have whole seconds: round up so "until" is never before the real reset.
    const until = new Date(Math.ceil(t.resetAt / 1000) * 1000).toUTCString();
    return {
      ok: t.ok,
      headers: {
        'X-RateLimit-Resource-Limit': String(spec.limit),
        'X-RateLimit-Resource-Remaining': String(t.remaining),
        'X-RateLimit-Resource-Until': until,
      },
    };
  }

  /** Token check: Api-Key, or the OAuth token in Authorization (either scheme word). */
  function authenticate(req: SimRequest): { scopes: string[] } | SimReply {
    const key = header(req, 'api-key');
    const auth = header(req, 'authorization');
    if (key !== undefined) {
      const scopes = keys.get(key);
      if (!scopes) return fail(403, 'FORBIDDEN', 'Api-Key is invalid or was deleted');
      return { scopes };
    }
    if (auth !== undefined) {
      const token = auth.replace(/^(Bearer|OAuth)\s+/i, '');
      if (token !== oauthToken) return fail(403, 'FORBIDDEN', 'OAuth token is invalid or expired');
      return { scopes: ['all-methods'] };
    }
    return fail(401, 'UNAUTHORIZED', 'Authorization is required: send the Api-Key header');
  }

  /** Every API method: auth, the parallel rule (while the request is in flight), then its resource quota. */
  function apiMethod(resourceOf: (req: SimRequest) => string | undefined, handler: (req: SimRequest, scopes: string[]) => SimReply) {
    const answer = guarded(resourceOf, handler);
    return async (req: SimRequest): Promise<SimReply> => {
      const reply = await answer(req);
      exchanges.push({ method: req.method, path: req.path, status: reply.status ?? 200, headers: reply.headers ?? {}, body: reply.body });
      return reply;
    };
  }

  function guarded(resourceOf: (req: SimRequest) => string | undefined, handler: (req: SimRequest, scopes: string[]) => SimReply) {
    return async (req: SimRequest): Promise<SimReply> => {
      const who = authenticate(req);
      if ('status' in who) return who;
      if (inFlight >= settings.maxParallel) {
        rejected420 += 1;
        return fail(420, 'LIMIT_EXCEEDED', `Hit rate limit of ${settings.maxParallel} parallel requests for businessId ${businessId}`);
      }
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (settings.latencyMs > 0) await new Promise((r) => setTimeout(r, settings.latencyMs));
        const resource = resourceOf(req);
        const q = resource ? quota(resource) : undefined;
        if (q && !q.ok) {
          rejected420 += 1;
          return fail(420, 'LIMIT_EXCEEDED', `Limit of access to resource ${resource} exceeded`, q.headers);
        }
        const reply = handler(req, who.scopes);
        return { ...reply, headers: { ...(reply.headers ?? {}), ...(q?.headers ?? {}) } };
      } finally {
        inFlight -= 1;
      }
    };
  }

  function status(r: StoredReport, now: number): 'PENDING' | 'PROCESSING' | 'DONE' | 'FAILED' {
    const elapsed = now - r.requestedAt;
    if (elapsed < r.generationMs * settings.pendingShare) return 'PENDING';
    if (elapsed < r.generationMs) return 'PROCESSING';
    return r.failed ? 'FAILED' : 'DONE';
  }

  function parseRequest(type: ReportType, body: unknown, language: 'RU' | 'EN'): ReportRequest | SimReply {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail(400, 'BAD_REQUEST', 'Request body must be a JSON object');
    const b = body as Record<string, unknown>;
    const r: ReportRequest = { type, language, dateFrom: '', dateTo: '' };
    const needsBusiness = type === 'united-orders' || type === 'united-marketplace-services';
    if (needsBusiness && !positiveInt(b.businessId)) return fail(400, 'BAD_REQUEST', 'businessId is required');
    if (type === 'goods-movement' && !positiveInt(b.campaignId)) return fail(400, 'BAD_REQUEST', 'campaignId is required');
    if (type === 'shows-sales' && positiveInt(b.businessId) === positiveInt(b.campaignId)) {
      return fail(400, 'BAD_REQUEST', 'Exactly one of businessId or campaignId must be set');
    }
    if (b.businessId !== undefined) {
      if (!positiveInt(b.businessId)) return fail(400, 'BAD_REQUEST', 'businessId must be a positive integer');
      if (b.businessId !== businessId) return fail(403, 'FORBIDDEN', `Access denied to business ${b.businessId}`);
      r.businessId = b.businessId;
    }
    if (b.campaignId !== undefined) {
      if (!positiveInt(b.campaignId)) return fail(400, 'BAD_REQUEST', 'campaignId must be a positive integer');
      if (!campaignIds.includes(b.campaignId)) return fail(404, 'NOT_FOUND', `Campaign ${b.campaignId} not found`);
      r.campaignId = b.campaignId;
    }
    const monthMode = type === 'united-marketplace-services' && b.yearFrom !== undefined;
    if (monthMode) {
      const nums = [b.yearFrom, b.monthFrom, b.yearTo, b.monthTo];
      if (!nums.every(positiveInt) || (b.monthFrom as number) > 12 || (b.monthTo as number) > 12) return fail(400, 'BAD_REQUEST', 'yearFrom, monthFrom, yearTo, monthTo are required together');
      if (b.dateFrom !== undefined || b.dateTo !== undefined) return fail(400, 'BAD_REQUEST', 'Use either dateFrom/dateTo or yearFrom/monthFrom/yearTo/monthTo, not both');
      const pad = (n: unknown) => String(n).padStart(2, '0');
      r.dateFrom = `${b.yearFrom}-${pad(b.monthFrom)}-01`;
      const end = new Date(Date.UTC(b.yearTo as number, b.monthTo as number, 0));
      r.dateTo = end.toISOString().slice(0, 10);
    } else {
      if (!validDate(b.dateFrom) || !validDate(b.dateTo)) return fail(400, 'BAD_REQUEST', 'dateFrom and dateTo are required, format YYYY-MM-DD');
      if (b.dateFrom > b.dateTo) return fail(400, 'BAD_REQUEST', 'dateFrom must not be after dateTo');
      const maxDays = type === 'united-marketplace-services' ? 92 : type === 'shows-sales' ? 400 : 366;
      if (days(b.dateFrom, b.dateTo) > maxDays) return fail(400, 'BAD_REQUEST', `Period is too long: at most ${maxDays} days`);
      r.dateFrom = b.dateFrom;
      r.dateTo = b.dateTo;
    }
    if (type === 'shows-sales') {
      if (b.grouping !== 'CATEGORIES' && b.grouping !== 'OFFERS') return fail(400, 'BAD_REQUEST', 'grouping must be CATEGORIES or OFFERS');
      r.grouping = b.grouping;
    }
    for (const field of ['campaignIds', 'placementPrograms'] as const) {
      const v = b[field];
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v) || v.length === 0) return fail(400, 'BAD_REQUEST', `${field} must be a non-empty array`);
      if (field === 'campaignIds') {
        if (!v.every(positiveInt)) return fail(400, 'BAD_REQUEST', 'campaignIds must hold positive integers');
        r.campaignIds = v as number[];
      } else {
        if (!v.every((p) => ['FBS', 'FBY', 'DBS', 'LAAS'].includes(p as string))) return fail(400, 'BAD_REQUEST', 'placementPrograms: FBS, FBY, DBS or LAAS');
        r.placementPrograms = v as string[];
      }
    }
    if (typeof b.shopSku === 'string') r.shopSku = b.shopSku;
    return r;
  }

  const server = new SimServer({
    name: 'market',
    routes: [
      {
        method: 'POST',
        pattern: '/v2/reports/:type/generate',
        handler: apiMethod(
          (req) => ((REPORT_TYPES as readonly string[]).includes(req.params.type!) ? `generate.${req.params.type}` : undefined),
          (req, scopes) => {
            const type = req.params.type as ReportType;
            if (!REPORT_TYPES.includes(type)) return fail(404, 'NOT_FOUND', `Unknown report ${req.params.type}`);
            if (!GENERATE_SCOPES[type].some((s) => scopes.includes(s))) return fail(403, 'FORBIDDEN', `Token has no access to generate ${type}`);
            const format = req.query.get('format') ?? 'FILE';
            if (!['FILE', 'CSV', 'JSON'].includes(format)) return fail(400, 'BAD_REQUEST', 'format must be FILE, CSV or JSON');
            const language = req.query.get('language') ?? 'RU';
            if (!['RU', 'EN'].includes(language)) return fail(400, 'BAD_REQUEST', 'language must be RU or EN');
            const parsed = parseRequest(type, req.json, language as 'RU' | 'EN');
            if ('status' in parsed) return parsed;
            const unknownCampaigns = (parsed.campaignIds ?? []).filter((id) => !campaignIds.includes(id));
            const sheets = buildSheets(orders, parsed, shop);
            const rows = rowCount(sheets);
            const subStatus = unknownCampaigns.length > 0 && unknownCampaigns.length === parsed.campaignIds?.length ? 'RESOURCE_NOT_FOUND' : rows === 0 ? 'NO_DATA' : rows > settings.maxRows ? 'TOO_LARGE' : unknownCampaigns.length > 0 ? 'RESOURCE_NOT_FOUND' : undefined;
            counter += 1;
            const id = `${type.replace(/-/g, '_')}_${Date.now().toString(36)}${counter}_${randomBytes(3).toString('hex')}`;
            const estimateMs = settings.estimateMs ?? settings.generationMs;
            reports.set(id, {
              id,
              request: parsed,
              format: format as 'JSON' | 'CSV' | 'FILE',
              requestedAt: clock(),
              generationMs: settings.generationMs,
              estimateMs,
              sheets,
              subStatus,
              // Partly found entities still give a report; no data or too much data give none.
              failed: subStatus === 'NO_DATA' || subStatus === 'TOO_LARGE' || (subStatus === 'RESOURCE_NOT_FOUND' && rows === 0),
            });
            reportIds.push(id);
            return { status: 200, body: { status: 'OK', result: { reportId: id, estimatedGenerationTime: estimateMs } } };
          },
        ),
      },
      {
        method: 'GET',
        pattern: '/v2/reports/info/:reportId',
        handler: apiMethod(
          () => 'reports.info',
          (req) => {
            const sourceType = req.query.get('sourceType');
            if (sourceType !== null && sourceType !== 'SELLER' && sourceType !== 'ADVERTISER') return fail(400, 'BAD_REQUEST', 'sourceType must be SELLER or ADVERTISER');
            const r = reports.get(req.params.reportId!);
            if (!r) return fail(404, 'NOT_FOUND', `Report ${req.params.reportId} not found`);
            const now = clock();
            const s = status(r, now);
            const result: Record<string, unknown> = { status: s, generationRequestedAt: isoSeconds(r.requestedAt) };
            if (s === 'PENDING' || s === 'PROCESSING') result.estimatedGenerationTime = Math.max(0, r.requestedAt + r.estimateMs - now);
            else result.generationFinishedAt = isoSeconds(r.requestedAt + r.generationMs);
            if (r.subStatus && (s === 'DONE' || s === 'FAILED')) result.subStatus = r.subStatus;
            if (s === 'DONE') {
              // Every info call mints a fresh link with its own lifetime.
              const token = randomBytes(12).toString('hex');
              links.set(token, { reportId: r.id, expiresAt: now + settings.linkTtlMs });
              result.file = `${server.url}/files/${token}/${r.id}.zip`;
            }
            return { status: 200, body: { status: 'OK', result } };
          },
        ),
      },
      {
        // The file host: a pre-signed link, no Api-Key, no quota.
        method: 'GET',
        pattern: '/files/:token/:name',
        handler: (req) => {
          const link = links.get(req.params.token!);
          if (!link || clock() > link.expiresAt) {
            return { status: 403, headers: { 'content-type': 'application/xml' }, body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>' };
          }
          const r = reports.get(link.reportId)!;
          return { status: 200, headers: { 'content-type': 'application/zip' }, body: encodeReport(r.sheets, r.format) };
        },
      },
    ],
    notFound: (req) => fail(404, 'NOT_FOUND', `Unknown method ${req.method} ${req.path}`),
  });
  const url = await server.start();
  return {
    server,
    url,
    apiKey,
    oauthToken,
    businessId,
    campaignId: campaignIds[0]!,
    campaignIds,
    env: { MARKET_BASE_URL: url, MARKET_API_KEY: apiKey, MARKET_BUSINESS_ID: String(businessId), MARKET_CAMPAIGN_ID: String(campaignIds[0]!) },
    orders,
    settings,
    get maxInFlight() {
      return maxInFlight;
    },
    get reportIds() {
      return reportIds;
    },
    get rejected420() {
      return rejected420;
    },
    get exchanges() {
      return exchanges;
    },
    close: () => server.close(),
  };
}

/** Demo starter: environment that points revenue-mcp at a fresh simulator. */
export async function startMarketDemo(story?: ShopStory): Promise<{ source: string; server: SimServer; env: Record<string, string> }> {
  const sim = await startMarketSim({ generationMs: 3_000, story });
  return {
    source: 'Yandex Market',
    server: sim.server,
    env: sim.env,
  };
}
