import { RateWindow, SimServer, header, type SimReply, type SimRequest } from '../framework.js';
import { aggregate, averageKopecks, ORDER_KEYS, sortBins, type Bin, type Interval } from './aggregate.js';
import { DIRECTORY, DOCUMENT_TYPES, OPERATION_TYPES, TAXATION_TYPES, type SimReceipt } from './data.js';

/**
 * Loopback simulator of the legacy Yandex OFD API, `POST /v1/docs/aggregations/sales` (api-facts §2,
 * seed 001): both keys checked with the documented codes (401/1 X-Yandex-Key, 401/2 X-OFD-Key or user
 * not linked), 403/3/4/22 for companies / cashboxes / retail points the keys cannot see, 400/5 for bad
 * values, 422/7 for a bad payload structure, 405/0 for a wrong method, and a per-second request limit
 * answered with 429 + Retry-After (the real limit is undocumented; it is configurable here).
 */

export interface OfdSimKeys {
  yandexKey: string;
  ofdKey: string;
}

export interface OfdSimConfig {
  receipts: readonly SimReceipt[];
  keys: OfdSimKeys;
  /** An X-OFD-Key that is valid but whose user is not linked to any client (→ 401 code 2). */
  unlinkedOfdKey: string;
  /** Companies the demo keys may read. */
  companies: readonly string[];
  /** Requests per second per X-Yandex-Key before 429. */
  rps: number;
  /** Sum rouble floats naively (as a float backend would), so sums carry binary artefacts. */
  floatArtefacts: boolean;
}

export interface OfdSimCounters {
  /** Requests answered with 429 by the per-second limit. */
  rateLimited: number;
  /** Aggregation requests answered with 200. */
  served: number;
}

const PATH = '/v1/docs/aggregations/sales';
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const SIM_DATE = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/;

const error = (status: number, code: number, message: string): SimReply => ({ status, body: { code, message } });

class BadRequest extends Error {
  constructor(readonly reply: SimReply) {
    super('bad request');
  }
}

function realDate(day: string): boolean {
  return new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day;
}

/** `YYYY-MM-DD` (time filled as documented) or `YYYY-MM-DD hh:mm:ss`. */
function parseDate(field: string, value: unknown, edge: 'from' | 'to'): string {
  if (value === undefined || value === null || value === '') throw new BadRequest(error(400, 5, `Field ${field} is required`));
  if (typeof value !== 'string') throw new BadRequest(error(422, 7, `Field ${field} must be a string`));
  const m = SIM_DATE.exec(value.trim());
  if (!m || !realDate(m[1]!) || Number(m[2] ?? 0) > 23 || Number(m[3] ?? 0) > 59 || Number(m[4] ?? 0) > 59) {
    throw new BadRequest(error(400, 5, `Field ${field} has invalid format, expected YYYY-MM-DD hh:mm:ss`));
  }
  return m[2] ? value.trim() : `${m[1]} ${edge === 'from' ? '00:00:00' : '23:59:59'}`;
}

function stringList(field: string, value: unknown, allowed?: readonly string[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' && typeof v !== 'number')) {
    throw new BadRequest(error(422, 7, `Field ${field} must be a list of strings`));
  }
  const list = value.map(String);
  if (allowed) {
    const bad = list.find((v) => !allowed.includes(v));
    if (bad !== undefined) throw new BadRequest(error(400, 5, `Field ${field} has unknown value "${bad}"; allowed: ${allowed.join(', ')}`));
  }
  return list;
}

function integer(field: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new BadRequest(error(422, 7, `Field ${field} must be an integer`));
  if (n < 0) throw new BadRequest(error(400, 5, `Field ${field} must not be negative`));
  return n;
}

interface Query {
  from: string;
  to: string;
  limit: number;
  offset: number;
  companies?: string[];
  retailPoints?: string[];
  cashboxes?: string[];
  documentTypes?: string[];
  operationTypes?: string[];
  taxationTypes?: string[];
  interval: Interval;
  orders: string[];
}

function parseQuery(body: unknown): Query {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest(error(422, 7, 'Request body must be a JSON object'));
  const b = body as Record<string, unknown>;
  const from = parseDate('date_from', b.date_from, 'from');
  const to = parseDate('date_to', b.date_to, 'to');
  if (from > to) throw new BadRequest(error(400, 5, 'date_from must not be later than date_to'));
  const interval = b.interval ?? 'day';
  if (typeof interval !== 'string') throw new BadRequest(error(422, 7, 'Field interval must be a string'));
  if (!['day', 'week', 'month'].includes(interval)) throw new BadRequest(error(400, 5, `Field interval has unknown value "${interval}"; allowed: day, week, month`));
  const orderValues = ORDER_KEYS.flatMap((k) => [k, `-${k}`]);
  return {
    from,
    to,
    limit: Math.min(integer('limit', b.limit, DEFAULT_LIMIT), MAX_LIMIT),
    offset: integer('offset', b.offset, 0),
    companies: stringList('company_ids', b.company_ids),
    retailPoints: stringList('retail_point_ids', b.retail_point_ids),
    cashboxes: stringList('cashbox_ids', b.cashbox_ids),
    documentTypes: stringList('document_types', b.document_types, DOCUMENT_TYPES),
    operationTypes: stringList('operation_types', b.operation_types, OPERATION_TYPES),
    taxationTypes: stringList('taxation_types', b.taxation_types, TAXATION_TYPES),
    interval: interval as Interval,
    orders: stringList('orders', b.orders, orderValues) ?? [],
  };
}

/** 403 for any id the keys cannot see, with the documented code for its kind. */
function checkAccess(q: Query, companies: readonly string[]): SimReply | undefined {
  for (const id of q.companies ?? []) {
    if (!companies.includes(id)) return error(403, 3, `Company ${id} not found or access denied`);
  }
  for (const id of q.cashboxes ?? []) {
    const box = DIRECTORY.cashboxes.find((c) => c.id === id);
    if (!box || !companies.includes(box.company_id)) return error(403, 4, `Cashbox ${id} not found or access denied`);
  }
  for (const id of q.retailPoints ?? []) {
    const rp = DIRECTORY.retailPoints.find((r) => r.id === id);
    if (!rp || !companies.includes(rp.company_id)) return error(403, 22, `Retail point ${id} not found`);
  }
  return undefined;
}

function matches(r: SimReceipt, q: Query, companies: readonly string[]): boolean {
  return (
    companies.includes(r.company_id) &&
    r.date_time >= q.from &&
    r.date_time <= q.to &&
    (!q.companies || q.companies.includes(r.company_id)) &&
    (!q.retailPoints || q.retailPoints.includes(r.retail_point_id)) &&
    (!q.cashboxes || q.cashboxes.includes(r.cashbox_id)) &&
    (!q.documentTypes || q.documentTypes.includes(r.document_type)) &&
    (!q.operationTypes || q.operationTypes.includes(r.operation_type)) &&
    (!q.taxationTypes || q.taxationTypes.includes(r.taxation_type))
  );
}

function wireBlock(bin: Bin, op: (typeof OPERATION_TYPES)[number], floats: boolean): Record<string, number> {
  // Key order differs from the documented one on purpose: the doc warns clients not to rely on it.
  const out: Record<string, number> = {};
  for (const part of ['cashTotal', 'provision', 'ecashTotal', 'prepaid', 'total', 'credit'] as const) {
    out[part] = floats ? bin.floats[op][part] : bin.blocks[op][part] / 100;
  }
  return out;
}

function wireFigures(bin: Bin, floats: boolean): Record<string, unknown> {
  return {
    income_avg: Math.round(averageKopecks(bin)) / 100,
    income_return: wireBlock(bin, 'income_return', floats),
    checks_income: bin.checksIncome,
    outcome: wireBlock(bin, 'outcome', floats),
    checks: bin.checks,
    income: wireBlock(bin, 'income', floats),
    date_from: bin.firstTime ? bin.firstTime.slice(0, 10) : null,
    outcome_return: wireBlock(bin, 'outcome_return', floats),
    date_to: bin.lastTime ? bin.lastTime.slice(0, 10) : null,
  };
}

let requestSeq = 0;

/**
 * The receipts of a period, found by binary search when they are in time order (seeded and story data
 * are); and the bins of the last few queries, since a client walking the pages of one query asks for the
 * same bins page after page. Only a cost of the simulator: the answers are those of a full scan.
 */
class Aggregator {
  readonly #receipts: readonly SimReceipt[];
  readonly #inOrder: boolean;
  readonly #recent = new Map<string, { bins: Bin[]; full: Bin }>();

  constructor(readonly cfg: OfdSimConfig) {
    this.#receipts = cfg.receipts;
    this.#inOrder = cfg.receipts.every((r, i) => i === 0 || cfg.receipts[i - 1]!.date_time <= r.date_time);
  }

  /** The first index whose receipt is at or after `time` (`after`: strictly after). */
  #bound(time: string, after: boolean): number {
    let lo = 0;
    let hi = this.#receipts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.#receipts[mid]!.date_time;
      if (t < time || (after && t === time)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Every interval of the query, sorted as asked, and the whole-period bin. */
  bins(q: Query): { bins: Bin[]; full: Bin } {
    const key = JSON.stringify({ ...q, limit: undefined, offset: undefined });
    const hit = this.#recent.get(key);
    if (hit) return hit;
    const period = this.#inOrder ? this.#receipts.slice(this.#bound(q.from, false), this.#bound(q.to, true)) : this.#receipts;
    const { bins, full } = aggregate(period.filter((r) => matches(r, q, this.cfg.companies)), q.interval);
    const made = { bins: sortBins(bins, q.orders), full };
    if (this.#recent.size >= 16) this.#recent.delete(this.#recent.keys().next().value!);
    this.#recent.set(key, made);
    return made;
  }
}

/** The aggregation, exactly as documented, for one parsed query. */
function salesAggregation(aggregator: Aggregator, q: Query): Record<string, unknown> {
  const { bins, full } = aggregator.bins(q);
  const floats = aggregator.cfg.floatArtefacts;
  return {
    data: bins.slice(q.offset, q.offset + q.limit).map((bin) => ({ end: bin.end, ...wireFigures(bin, floats), start: bin.start })),
    full: wireFigures(full, floats),
    total: bins.length,
    // An undocumented service field: the doc warns that such fields may appear.
    request_id: `sim-${++requestSeq}`,
  };
}

export function createOfdSim(cfg: OfdSimConfig): { server: SimServer; counters: OfdSimCounters; rate: RateWindow } {
  const counters: OfdSimCounters = { rateLimited: 0, served: 0 };
  const rate = new RateWindow(cfg.rps, 1000);
  const aggregator = new Aggregator(cfg);

  const before = (req: SimRequest): SimReply | undefined => {
    if (req.path.replace(/\/+$/, '') === PATH && req.method !== 'POST') return error(405, 0, 'Method not allowed');
    const yandexKey = header(req, 'x-yandex-key') ?? '';
    const slot = rate.take(yandexKey || 'anonymous');
    if (!slot.ok) {
      counters.rateLimited += 1;
      const wait = Math.max(1, Math.ceil((slot.resetAt - Date.now()) / 1000));
      return { status: 429, headers: { 'retry-after': String(wait) }, body: { code: 429, message: 'Too many requests' } };
    }
    if (yandexKey !== cfg.keys.yandexKey) return error(401, 1, 'Invalid X-Yandex-Key');
    const ofdKey = header(req, 'x-ofd-key') ?? '';
    if (ofdKey === cfg.unlinkedOfdKey) return error(401, 2, 'User is not linked to a client');
    if (ofdKey !== cfg.keys.ofdKey) return error(401, 2, 'Invalid X-OFD-Key');
    return undefined;
  };

  const server = new SimServer({
    name: 'yandex-ofd',
    before,
    routes: [
      {
        method: 'POST',
        pattern: PATH,
        handler: (req) => {
          if (req.json === undefined) return error(422, 7, 'Request body is not valid JSON');
          let q: Query;
          try {
            q = parseQuery(req.json);
          } catch (err) {
            if (err instanceof BadRequest) return err.reply;
            throw err;
          }
          const denied = checkAccess(q, cfg.companies);
          if (denied) return denied;
          counters.served += 1;
          return { status: 200, body: salesAggregation(aggregator, q) };
        },
      },
    ],
    notFound: (req) => ({ status: 404, body: { message: `Unknown path ${req.path}` } }),
  });
  return { server, counters, rate };
}
