import { fingerprint, DiskCache } from '../../cache/disk.js';
import { UpstreamError } from '../../http/errors.js';
import type { QueryValue, Upstream } from '../../http/upstream.js';
import { log } from '../../log.js';
import { addDays, daysInclusive, todayIn } from '../../period.js';
import type { Runtime } from '../../runtime.js';
import { ToolInputError } from '../../tool.js';
import { cleanText, quoted, shownId } from '../../untrusted.js';
import type { AggregationFilters, AggregationQuery, AggregationResult, CallOptions } from '../ofd/client.js';
import { ResponseShapeError, type Figures, type IntervalFigures, type Interval } from '../ofd/schemas.js';
import { figuresFromIntervals } from '../ofd/summary.js';
import { dateWindow, DOC_CODES, FALLBACK_MAX_LIMIT, listOf, multiValue, nextOffset, rowsOf } from './assumptions.js';
import { explainPublicError, parsePublicError } from './errors.js';
import { addReceipt, AMOUNTS, complete, emptyFigures, loadDay, parseRow, storeDay, type Receipt } from './receipts.js';
import { binShifts } from './shifts.js';

/**
 * Client of the new Yandex OFD API (`X-Yandex-Ofd-Token`, public-api.ofd.yandex.net). It has no
 * aggregation endpoint, so the legacy figures are computed here from `/reports/receipts`: the period is
 * cut into chunks of at most a week, each paged with the largest `limit` until a short page, two chunks at
 * a time inside the source's limiter; the rows become exact per-day figures, days old enough to be final
 * are kept on disk, and the days are binned into the same intervals the legacy API returns.
 */

const DAY_CHUNK = 7;
/** Chunks fetched at once by one call (the limiter bounds all calls together). */
const CHUNKS_IN_FLIGHT = 2;
/**
 * Uncached days (both periods together) beyond which the cost is estimated (one shifts request per period)
 * before fetching receipts: a busy shop (~8,000 receipts a day) passes the budget in about a week.
 */
const ESTIMATE_ABOVE_DAYS = 7;
/** Exact mode asks before going beyond about this many requests. */
export const EXACT_REQUEST_BUDGET = 60;
const DIRECTORY_TTL_MS = 60 * 60_000;


export interface PublicAggregation extends AggregationResult {
  /** Days read from the disk cache and days fetched. */
  cachedDays: number;
  fetchedDays: number;
}

/** Exact mode would cost more than the budget: the tool offers the shift mode instead. */
export class CostlyRequestError extends Error {
  override name = 'CostlyRequestError';
  constructor(
    readonly estimate: number,
    readonly receipts: number,
    readonly days: number,
  ) {
    super(`about ${estimate} requests`);
  }
}

export interface DirectoryEntry {
  id: string;
  name: string;
}
export interface Directory {
  retailPoints: DirectoryEntry[];
  cashboxes: DirectoryEntry[];
}

/** Upstream text as data: invisible characters out, bounded (src/untrusted.ts). */
function clean(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = cleanText(String(value), 80);
  return s === '' ? undefined : s;
}

function entries(body: unknown, names: string[], what: string): DirectoryEntry[] {
  const list = listOf(body);
  if (!list) throw new ResponseShapeError(`${what} is not a list`);
  return list.flatMap((raw) => {
    if (typeof raw !== 'object' || raw === null) return [];
    const r = raw as Record<string, unknown>;
    const id = clean(r.id);
    if (!id) return [];
    const name = names.map((n) => clean(r[n])).find((v) => v !== undefined) ?? id;
    return [{ id, name }];
  });
}

const squash = (s: string) => s.trim().toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ');

/** Calendar bounds of the interval holding `day` (Monday–Sunday weeks, calendar months). */
function intervalOf(day: string, interval: Interval): { start: string; end: string } {
  if (interval === 'day') return { start: day, end: day };
  if (interval === 'week') {
    const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
    return { start: addDays(day, -weekday), end: addDays(day, 6 - weekday) };
  }
  const [y, m] = day.split('-').map(Number) as [number, number];
  return { start: `${day.slice(0, 7)}-01`, end: new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10) };
}

/** Per-day figures → the legacy intervals (empty ones left out, as the legacy API does). */
export function intervalsOf(days: ReadonlyMap<string, Figures>, interval: Interval): IntervalFigures[] {
  const bins = new Map<string, { end: string; days: Figures[] }>();
  for (const day of [...days.keys()].sort()) {
    const f = days.get(day)!;
    if (!f.checks) continue;
    const { start, end } = intervalOf(day, interval);
    const bin = bins.get(start) ?? { end, days: [] };
    bin.days.push(f);
    bins.set(start, bin);
  }
  return [...bins.entries()].map(([start, b]) => ({ ...figuresFromIntervals(b.days), start, end: b.end }));
}

/** Sort intervals by legacy `orders` keys ("-" = descending), date order otherwise. */
export function sortIntervals(list: IntervalFigures[], orders: readonly string[] | undefined): IntervalFigures[] {
  const value = (i: IntervalFigures, key: string): number | string => {
    switch (key) {
      case 'date':
        return i.start ?? '';
      case 'income':
      case 'income_return':
      case 'outcome':
      case 'outcome_return':
        return i[key].total?.toNumber() ?? 0;
      case 'cash':
        return i.income.payments.cash?.toNumber() ?? 0;
      case 'ecash':
        return i.income.payments.electronic?.toNumber() ?? 0;
      case 'checks':
        return i.checks ?? 0;
      case 'checks_income':
        return i.checksIncome ?? 0;
      default:
        return i.checksIncome ? (i.income.total?.toNumber() ?? 0) / i.checksIncome : 0;
    }
  };
  const keys = (orders ?? []).map((o) => ({ key: o.replace(/^-/, ''), desc: o.startsWith('-') }));
  return [...list].sort((a, b) => {
    for (const { key, desc } of keys) {
      const va = value(a, key);
      const vb = value(b, key);
      if (va !== vb) return (va < vb ? -1 : 1) * (desc ? -1 : 1);
    }
    return (a.start ?? '').localeCompare(b.start ?? '');
  });
}

/** Contiguous runs of days, each cut into chunks of at most DAY_CHUNK days. */
function chunksOf(days: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let run: string[] = [];
  for (const day of [...days].sort()) {
    if (run.length > 0 && (addDays(run[run.length - 1]!, 1) !== day || run.length >= DAY_CHUNK)) {
      chunks.push(run);
      run = [];
    }
    run.push(day);
  }
  if (run.length > 0) chunks.push(run);
  return chunks;
}

/** Run `tasks` at most `n` at a time; the first failure wins (the rest stop taking work). */
async function inPool<T>(tasks: Array<() => Promise<T>>, n: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < tasks.length) {
      const i = next++;
      try {
        out[i] = await tasks[i]!();
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return out;
}

/** A reply in a shape the client cannot read: an error that says so, and what to run. */
function badShape(path: string, err: ResponseShapeError): UpstreamError {
  return new UpstreamError({
    source: 'ofd',
    code: 'bad_response',
    retryable: false,
    message: `Yandex OFD sent ${path} in an unexpected shape (${err.message}), also when asked again; no figures were produced rather than partial ones. Try again later; if it repeats, run 'revenue-mcp probe ofd' and attach its report to a bug report.`,
  });
}

class Counter {
  requests = 0;
}

export class OfdPublicClient {
  readonly #runtime: Runtime;
  readonly #upstream: Upstream;
  #maxLimit?: Promise<number>;
  #directory?: { at: number; value: Promise<Directory> };

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
    this.#upstream = runtime.upstream('ofd', { parseError: parsePublicError });
  }

  static for(runtime: Runtime): OfdPublicClient {
    return runtime.shared('ofd-public:client', () => new OfdPublicClient(runtime));
  }

  /** GET with the token; failures become advice naming what to fix. */
  async get(path: string, query: Record<string, QueryValue>, signal: AbortSignal | undefined, counter: Counter, options: { token?: boolean } = {}): Promise<unknown> {
    const token = this.#runtime.config.ofd.token;
    const what = `GET ${path}`;
    try {
      const res = await this.#upstream.request({
        method: 'GET',
        path,
        query,
        headers: options.token === false || !token ? {} : { 'X-Yandex-Ofd-Token': token.reveal() },
        signal,
        what,
      });
      counter.requests += res.attempts;
      return res.body;
    } catch (err) {
      if (err instanceof UpstreamError) {
        counter.requests += err.attempts;
        throw explainPublicError(err, what);
      }
      throw err;
    }
  }

  /** `/meta` maxLimit, read once per process; the documented 1000 when it cannot be read. */
  maxLimit(signal: AbortSignal | undefined, counter: Counter): Promise<number> {
    this.#maxLimit ??= this.get('/meta', {}, signal, counter, { token: false }).then(
      (body) => {
        const max = (body as { data?: { maxLimit?: unknown } } | undefined)?.data?.maxLimit;
        return typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : FALLBACK_MAX_LIMIT;
      },
      () => FALLBACK_MAX_LIMIT,
    );
    return this.#maxLimit;
  }

  /** Retail points and cashboxes by name, kept for an hour. */
  directory(signal: AbortSignal | undefined, counter: Counter): Promise<Directory> {
    if (!this.#directory || Date.now() - this.#directory.at > DIRECTORY_TTL_MS) {
      const value = Promise.all([this.get('/retail_points', {}, signal, counter), this.get('/cashboxes', {}, signal, counter)]).then(([rp, cb]) => ({
        retailPoints: entries(rp, ['name', 'alias', 'address'], '/retail_points'),
        cashboxes: entries(cb, ['alias', 'sn', 'rn'], '/cashboxes'),
      }));
      this.#directory = { at: Date.now(), value };
      value.catch(() => (this.#directory = undefined));
    }
    return this.#directory.value;
  }

  /**
   * Ids for retail point and cashbox filters given as ids or names (the directory is read only when a name
   * is given), and a label per id ("Кофейня (1003)") for the summary.
   */
  async resolveFilters(f: AggregationFilters, signal?: AbortSignal): Promise<{ filters: AggregationFilters; labels: Record<string, string>; requests: number }> {
    const counter = new Counter();
    const labels: Record<string, string> = {};
    const { company_ids, retail_point_ids, cashbox_ids, document_types, operation_types, taxation_types } = f;
    const given: AggregationFilters = { company_ids, retail_point_ids, cashbox_ids, document_types, operation_types, taxation_types };
    const needs = [...(f.retail_point_ids ?? []), ...(f.cashbox_ids ?? [])].length > 0;
    if (!needs) return { filters: given, labels, requests: 0 };
    const hasName = [...(f.retail_point_ids ?? []), ...(f.cashbox_ids ?? [])].some((v) => !/^\d+$/.test(v));
    let dir: Directory | undefined;
    try {
      dir = await this.directory(signal, counter);
    } catch (err) {
      if (hasName) throw err;
    }
    const resolve = (field: string, what: string, values: string[] | undefined, list: DirectoryEntry[] | undefined): string[] | undefined => {
      if (!values) return undefined;
      return values.map((v) => {
        const byId = list?.find((e) => e.id === v);
        if (byId || /^\d+$/.test(v)) {
          if (byId) labels[byId.id] = `${quoted(byId.name)} (${shownId(byId.id)})`;
          return v;
        }
        const hits = (list ?? []).filter((e) => squash(e.name) === squash(v));
        const partial = hits.length > 0 ? hits : (list ?? []).filter((e) => squash(e.name).includes(squash(v)));
        if (partial.length === 1) {
          labels[partial[0]!.id] = `${quoted(partial[0]!.name)} (${shownId(partial[0]!.id)})`;
          return partial[0]!.id;
        }
        const known = (partial.length > 1 ? partial : (list ?? [])).slice(0, 12).map((e) => `${quoted(e.name)} (${shownId(e.id)})`).join(', ');
        throw new ToolInputError(field, partial.length > 1 ? `${quoted(v)} matches several ${what}s: ${known}. Give the id.` : `no ${what} is named ${quoted(v)}. Known: ${known || 'none'}. Give an id or an exact name.`);
      });
    };
    const filters = {
      ...given,
      retail_point_ids: resolve('retail_point_ids', 'retail point', f.retail_point_ids, dir?.retailPoints),
      cashbox_ids: resolve('cashbox_ids', 'cashbox', f.cashbox_ids, dir?.cashboxes),
    };
    return { filters, labels, requests: counter.requests };
  }

  #cache(f: AggregationFilters): DiskCache | undefined {
    const { cache, ofd } = this.#runtime.config;
    if (!cache.enabled || !ofd.token) return undefined;
    const norm = (v: readonly string[] | undefined) => [...(v ?? [])].sort();
    const filterKey = JSON.stringify([f.company_ids, f.retail_point_ids, f.cashbox_ids, f.document_types, f.operation_types, f.taxation_types].map(norm));
    // The token is hashed together with the base URL and the filters: the cache holds no secret.
    return new DiskCache(cache.dir, 'ofd-public', fingerprint('ofd-public', ofd.baseUrl, ofd.token.reveal(), filterKey));
  }

  #query(f: AggregationFilters): Record<string, QueryValue> {
    const q: Record<string, QueryValue> = {};
    if (f.document_types?.length) q.docName = multiValue(f.document_types.map((d) => DOC_CODES[d]!));
    if (f.company_ids?.length) q.companyIds = multiValue(f.company_ids);
    if (f.retail_point_ids?.length) q.retailPointIds = multiValue(f.retail_point_ids);
    if (f.cashbox_ids?.length) q.cashboxIds = multiValue(f.cashbox_ids);
    return q;
  }

  /**
   * One page of receipts. A page that does not parse, or whose rows carry an amount only some of the time,
   * is read once more (a glitch passes, a real shape stays); then it is an error, never a partial sum.
   */
  async #page(query: Record<string, QueryValue>, signal: AbortSignal | undefined, counter: Counter): Promise<{ rows: number; receipts: Receipt[] }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const rows = rowsOf(await this.get('/reports/receipts', query, signal, counter));
        if (!rows) throw new ResponseShapeError('the reply has no data.rows list');
        const receipts = rows.map((raw, n) => parseRow(raw, `rows[${Number(query.offset) + n}]`)).filter((r): r is Receipt => r !== null);
        const patchy = AMOUNTS.some((a) => receipts.some((r) => r.amounts[a] === undefined) && receipts.some((r) => r.amounts[a] !== undefined));
        if (patchy && attempt === 1) {
          log('warning', 'Yandex OFD: a receipt page left out amounts on some rows only; reading it again');
          continue;
        }
        return { rows: rows.length, receipts };
      } catch (err) {
        if (!(err instanceof ResponseShapeError)) throw err;
        if (attempt === 1) {
          log('warning', `Yandex OFD: a receipt page was malformed (${err.message}); reading it again`);
          continue;
        }
        throw badShape('/reports/receipts', err);
      }
    }
  }

  /** One chunk of days: every page of receipts, as exact per-day figures within [start, end]. */
  async #chunk(days: string[], q: AggregationQuery, limit: number, signal: AbortSignal | undefined, counter: Counter): Promise<Map<string, Figures>> {
    const out = new Map(days.map((d) => [d, emptyFigures()]));
    const seen = new Set<string>();
    const start = q.start.replace('T', ' ');
    const end = q.end.replace('T', ' ');
    const docCodes = q.document_types?.map((d) => DOC_CODES[d]);
    const base = { ...dateWindow(days[0]!, days[days.length - 1]!), ...this.#query(q), limit };
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page = await this.#page({ ...base, offset }, signal, counter);
      for (const r of page.receipts) {
        if (r.id !== undefined) {
          if (seen.has(r.id)) continue;
          seen.add(r.id);
        }
        const day = out.get(r.at.slice(0, 10));
        if (!day || r.at < start || r.at > end) continue;
        // The server filters by document kind too; rows that say otherwise are left out here as well.
        if (docCodes && r.doc !== undefined && !docCodes.includes(r.doc)) continue;
        if (q.operation_types && !q.operation_types.includes(r.operation)) continue;
        if (q.taxation_types) {
          if (r.taxation === undefined) throw badShape('/reports/receipts', new ResponseShapeError('a receipt row carries no tax system (appliedTaxationType), so taxation_types cannot be applied'));
          if (!q.taxation_types.includes(r.taxation)) continue;
        }
        addReceipt(day, r);
      }
      offset = nextOffset(offset, page.rows, page.receipts.length, limit);
    }
    return out;
  }

  /**
   * The legacy aggregation for `q`, computed from receipts. Days before the settle horizon come from
   * the disk cache when present and are stored when fetched; the first and last day are cut by time.
   */
  async aggregate(q: AggregationQuery, options: CallOptions = {}): Promise<PublicAggregation> {
    const counter = new Counter();
    const cache = this.#cache(q);
    const { days, missing, cacheable } = await this.#fromCache(q);
    const storable = (day: string, f: Figures) => cacheable(day) && complete(f);
    const cachedDays = days.size;
    if (missing.length > 0) {
      const limit = await this.maxLimit(options.signal, counter);
      const chunks = chunksOf(missing);
      let done = 0;
      await inPool(
        chunks.map((chunk) => async () => {
          const got = await this.#chunk(chunk, q, limit, options.signal, counter);
          for (const [day, f] of got) {
            days.set(day, f);
            // A day with an amount left out is shown as absent, and asked again next time.
            if (cache && storable(day, f)) await cache.put(day, storeDay(f));
          }
          done += chunk.length;
          await options.onPage?.(done, missing.length);
        }),
        CHUNKS_IN_FLIGHT,
      );
    }
    const intervals = sortIntervals(intervalsOf(days, q.interval), q.orders);
    const full = figuresFromIntervals([...days.values()].filter((f) => f.checks));
    return { intervals, full, total: intervals.length, capped: false, requests: counter.requests, cachedDays, fetchedDays: missing.length };
  }

  /** The days of `q` found in the disk cache, and those still to fetch. */
  async #fromCache(q: AggregationQuery): Promise<{ days: Map<string, Figures>; missing: string[]; cacheable: (day: string) => boolean }> {
    const { ofd, tz } = this.#runtime.config;
    const first = q.start.slice(0, 10);
    const last = q.end.slice(0, 10);
    const all = Array.from({ length: daysInclusive(first, last) }, (_, i) => addDays(first, i));
    const settledBefore = addDays(todayIn(tz, this.#runtime.now()), -ofd.cacheSettleDays);
    const whole = (day: string) => (day !== first || q.start.endsWith('T00:00:00')) && (day !== last || q.end.endsWith('T23:59:59'));
    const cacheable = (day: string) => day < settledBefore && whole(day);
    const cache = this.#cache(q);
    const days = new Map<string, Figures>();
    if (cache) {
      for (const day of all.filter(cacheable)) {
        const f = loadDay(day, await cache.get(day));
        if (f) days.set(day, f);
      }
    }
    return { days, missing: all.filter((d) => !days.has(d)), cacheable };
  }

  /**
   * Before an exact answer over `periods` (the period and, when compared, the previous one): when their
   * uncached days together could pass the budget, one shifts request per period tells how many receipts
   * to expect, and a costly plan is refused with an estimate. Returns the requests it made.
   */
  async checkCost(periods: AggregationQuery[], signal?: AbortSignal): Promise<number> {
    const counter = new Counter();
    const plans = await Promise.all(periods.map(async (q) => ({ q, missing: (await this.#fromCache(q)).missing })));
    const days = plans.reduce((n, p) => n + p.missing.length, 0);
    if (days <= ESTIMATE_ABOVE_DAYS) return 0;
    const limit = await this.maxLimit(signal, counter);
    let receipts = 0;
    let chunks = 0;
    for (const { q, missing } of plans.filter((p) => p.missing.length > 0)) {
      chunks += chunksOf(missing).length;
      for (const row of await this.#shiftRows(missing[0]!, missing[missing.length - 1]!, q, limit, signal, counter)) {
        const r = row as Record<string, unknown>;
        for (const k of ['incomeCnt', 'incomeReturnCnt']) if (typeof r[k] === 'number') receipts += r[k] as number;
      }
    }
    const estimate = Math.ceil(receipts / limit) + chunks;
    if (estimate > EXACT_REQUEST_BUDGET) throw new CostlyRequestError(estimate, receipts, days);
    return counter.requests;
  }

  async #shiftRows(first: string, last: string, f: AggregationFilters, limit: number, signal: AbortSignal | undefined, counter: Counter): Promise<unknown[]> {
    const { docName: _docs, ...ids } = this.#query(f);
    const out: unknown[] = [];
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const body = await this.get('/reports/shifts', { ...dateWindow(first, last), ...ids, limit, offset }, signal, counter);
      const rows = rowsOf(body);
      if (!rows) throw badShape('/reports/shifts', new ResponseShapeError('the reply has no data.rows list'));
      out.push(...rows);
      offset = nextOffset(offset, rows.length, rows.length, limit);
    }
    return out;
  }

  /** Whole-period figures only (the previous period), from the same days and cache. */
  async totals(q: AggregationQuery, options: CallOptions = {}): Promise<{ full?: Figures; total?: number; requests: number }> {
    const r = await this.aggregate({ ...q, interval: 'day', orders: undefined }, options);
    return { full: r.full, total: r.total, requests: r.requests };
  }

  /** The approximate mode: shift totals, binned by the day each shift closed. Usually one request. */
  async shifts(q: AggregationQuery, options: CallOptions = {}): Promise<AggregationResult> {
    const counter = new Counter();
    const limit = await this.maxLimit(options.signal, counter);
    const rows = await this.#shiftRows(q.start.slice(0, 10), q.end.slice(0, 10), q, limit, options.signal, counter);
    let days: Map<string, Figures>;
    try {
      days = binShifts(rows, q.start.slice(0, 10), q.end.slice(0, 10));
    } catch (err) {
      throw err instanceof ResponseShapeError ? badShape('/reports/shifts', err) : err;
    }
    const intervals = sortIntervals(intervalsOf(days, q.interval), q.orders);
    const full = figuresFromIntervals([...days.values()].filter((f) => f.checks));
    return { intervals, full, total: intervals.length, capped: false, requests: counter.requests };
  }
}
