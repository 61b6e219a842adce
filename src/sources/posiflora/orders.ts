import type { QueryValue } from '../../http/upstream.js';
import { Decimal, ZERO } from '../../money.js';
import { addDays, isoWeekday, toLocal } from '../../period.js';
import type { Tally } from './auth.js';
import type { PosifloraClient } from './client.js';
import type { DateAttribute, OrderStatus, ParsedMeta, ParsedOrder, ParsedPage } from './schemas.js';
import { ORDER_STATUSES } from './schemas.js';

/**
 * Order listings and their figures. Three ways to answer, cheapest first:
 *  - meta: one request with the smallest page; Posiflora's meta gives the count, orders_amounts and
 *    counts by status (addMetaStatuses=true) for the whole filtered set;
 *  - meta-per-group: plus one such request per status and/or per store, for sums per group;
 *  - walk: every page, summed as it streams by (per-day figures, largest orders, forced cross-check).
 */

export const DATE_FIELDS = {
  created: { filter: 'createdAt', attribute: 'createdAt' },
  updated: { filter: 'updatedAt', attribute: 'updatedAt' },
  due: { filter: 'dueTime', attribute: 'dueTime' },
  posted: { filter: 'postedAt', attribute: 'postedAt' },
  // Orders carry no payment date: payment_posted filters by it, but days are grouped by creation.
  payment_posted: { filter: 'paymentPostedAt', attribute: 'createdAt' },
} as const satisfies Record<string, { filter: string; attribute: DateAttribute }>;
export type DateField = keyof typeof DATE_FIELDS;

export interface OrderQuery {
  dateField: DateField;
  /** Instants, ISO 8601 with +00:00. */
  from: string;
  to: string;
  tz: string;
  statuses?: OrderStatus[];
  storeIds?: string[];
  search?: string;
  delivery?: boolean;
  amountMin?: number;
  amountMax?: number;
  customer?: string;
}

/** Query parameters of GET /v1/orders for a query (with per-group overrides). Arrays go comma-separated. */
export function filterParams(q: OrderQuery, override: { statuses?: OrderStatus[]; storeIds?: string[]; delivery?: boolean } = {}): Record<string, QueryValue> {
  const f = DATE_FIELDS[q.dateField].filter;
  const statuses = override.statuses ?? q.statuses;
  const stores = override.storeIds ?? q.storeIds;
  const delivery = override.delivery ?? q.delivery;
  return {
    [`filter[${f}][from]`]: q.from,
    [`filter[${f}][to]`]: q.to,
    'filter[statuses]': statuses?.length ? statuses.join(',') : undefined,
    'filter[stores]': stores?.length ? stores.join(',') : undefined,
    'filter[customer]': q.customer,
    'filter[delivery]': delivery,
    'filter[amount][min]': q.amountMin,
    'filter[amount][max]': q.amountMax,
    search: q.search,
    // Returned orders are left out by default ("filter[withReturned]", default false); we count them.
    'filter[withReturned]': true,
  };
}

export class Sums {
  orders = 0;
  total: Decimal = ZERO;
  paid: Decimal = ZERO;
  /** Orders whose amount was absent: counted, but not summed (absent is not zero). */
  missing = 0;

  add(o: ParsedOrder): void {
    this.orders += 1;
    if (o.total === undefined || o.paid === undefined) this.missing += 1;
    if (o.total !== undefined) this.total = this.total.plus(o.total);
    if (o.paid !== undefined) this.paid = this.paid.plus(o.paid);
  }

  static fromMeta(meta: ParsedMeta): Sums {
    const s = new Sums();
    s.orders = meta.total ?? 0;
    s.total = meta.ordersAmount ?? ZERO;
    s.paid = meta.paymentsAmount ?? ZERO;
    if (meta.ordersAmount === undefined || meta.paymentsAmount === undefined) s.missing = s.orders;
    return s;
  }
}

export type GroupBy = 'status' | 'store' | 'day' | 'week';
export type Plan = 'meta' | 'meta-per-group' | 'walk' | 'rows';

export interface Report {
  plan: Plan;
  overall: Sums;
  statusCounts: Map<string, number>;
  byStatus?: Map<string, Sums>;
  byStore?: Map<string, Sums>;
  byDay?: { unit: 'day' | 'week'; sums: Map<string, Sums> };
  delivery?: Sums;
  /** Only a walk sees every order: unpaid and partially paid among open or done orders. */
  unpaid?: { unpaid: Sums; partial: Sums };
  rows: ParsedOrder[];
  matching: number;
  storeNames: Map<string, string>;
  crossCheck?: { matches: boolean; notes: string[] };
}

const CLOSED = new Set(['canceled', 'returned', 'notAccepted']);

export function paymentState(o: ParsedOrder): 'paid' | 'partial' | 'unpaid' | 'n/a' {
  if (o.total === undefined || o.paid === undefined || CLOSED.has(o.status) || o.total.lte(0)) return 'n/a';
  if (o.paid.lte(0)) return 'unpaid';
  return o.paid.lt(o.total) ? 'partial' : 'paid';
}

function add(map: Map<string, Sums>, key: string, o: ParsedOrder): void {
  let s = map.get(key);
  if (!s) map.set(key, (s = new Sums()));
  s.add(o);
}

function dayKey(o: ParsedOrder, tz: string, unit: 'day' | 'week'): string {
  if (!o.dated) return 'no date';
  const t = Date.parse(o.dated);
  if (Number.isNaN(t)) return 'no date';
  const day = toLocal(new Date(t), tz).slice(0, 10);
  return unit === 'day' ? day : addDays(day, 1 - isoWeekday(day));
}

export interface RunOptions {
  client: PosifloraClient;
  query: OrderQuery;
  groupBy: GroupBy[];
  limit: number;
  offset: number;
  sort: 'recent' | 'largest';
  tally: Tally;
  signal?: AbortSignal;
  concurrency: number;
  /** Store ids to break down by (the filter's, or every store) — only needed for meta-per-group. */
  storesForGroups?: () => Promise<string[]>;
  progress?: (done: number, total: number) => void;
}

function attribute(q: OrderQuery): DateAttribute {
  return DATE_FIELDS[q.dateField].attribute;
}

function statusesInScope(q: OrderQuery): string[] {
  return q.statuses?.length ? q.statuses : [...ORDER_STATUSES];
}

function countsFrom(meta: ParsedMeta, q: OrderQuery): Map<string, number> {
  const counts = new Map<string, number>();
  if (!meta.statuses) return counts;
  for (const s of statusesInScope(q)) {
    const n = meta.statuses[s];
    if (n !== undefined) counts.set(s, n);
  }
  return counts;
}

/**
 * Rows [offset, offset+limit) newest first, plus the API's meta (one or two requests, the first with
 * addMetaStatuses). With limit 0 this is the cheapest possible question: one order, all the meta.
 */
async function firstRequests(o: RunOptions): Promise<{ meta: ParsedMeta; rows: ParsedOrder[]; storeNames: Map<string, string> }> {
  const want = Math.max(1, o.limit);
  for (let attempt = 0; attempt < 2; attempt++) {
    const size = Math.min(want, o.client.pageSize);
    const first = Math.floor(o.offset / size) + 1;
    const last = o.limit === 0 ? first : Math.floor((o.offset + o.limit - 1) / size) + 1;
    const pages: ParsedPage[] = [];
    const head = await o.client.ordersPage(filterParams(o.query), first, size, attribute(o.query), o.tally, o.signal, true);
    // The API honoured a smaller page than asked: positions differ, so ask again at its size.
    if (head.meta.pageSize !== undefined && head.meta.pageSize < size && attempt === 0) continue;
    pages.push(head);
    for (let n = first + 1; n <= last && (n - 1) * size < (head.meta.total ?? Infinity); n++) {
      pages.push(await o.client.ordersPage(filterParams(o.query), n, size, attribute(o.query), o.tally, o.signal));
    }
    const start = o.offset - (first - 1) * size;
    const all = pages.flatMap((p) => p.orders);
    const storeNames = new Map(pages.flatMap((p) => [...p.storeNames]));
    return { meta: head.meta, rows: o.limit === 0 ? [] : all.slice(start, start + o.limit), storeNames };
  }
  throw new Error('unreachable');
}

/** meta, meta-per-group, or rows only: never more than one request per group. */
export async function runMetaPlan(o: RunOptions, rowsOnly: boolean): Promise<Report> {
  const { meta, rows, storeNames } = await firstRequests(o);
  const report: Report = {
    plan: rowsOnly ? 'rows' : 'meta',
    overall: Sums.fromMeta(meta),
    statusCounts: countsFrom(meta, o.query),
    rows,
    matching: meta.total ?? rows.length,
    storeNames,
  };
  if (rowsOnly) return report;

  const smallest = async (override: Parameters<typeof filterParams>[1]) =>
    (await o.client.ordersPage(filterParams(o.query, override), 1, 1, attribute(o.query), o.tally, o.signal)).meta;
  const jobs: Array<Promise<void>> = [];
  if (o.groupBy.includes('status')) {
    report.byStatus = new Map();
    // Statuses the meta says are empty cost nothing; unknown counts (no meta.statuses) are asked.
    const asked = statusesInScope(o.query).filter((s) => report.statusCounts.get(s) !== 0);
    for (const s of asked) jobs.push(smallest({ statuses: [s as OrderStatus] }).then((m) => void report.byStatus!.set(s, Sums.fromMeta(m))));
  }
  if (o.groupBy.includes('store')) {
    report.byStore = new Map();
    const ids = o.storesForGroups ? await o.storesForGroups() : (o.query.storeIds ?? []);
    for (const id of ids) jobs.push(smallest({ storeIds: [id] }).then((m) => void report.byStore!.set(id, Sums.fromMeta(m))));
  }
  // The delivery share rides along with breakdowns; overall-only questions stay at one request.
  if (o.groupBy.length > 0 && o.query.delivery === undefined && report.overall.orders > 0) {
    jobs.push(smallest({ delivery: true }).then((m) => void (report.delivery = Sums.fromMeta(m))));
  }
  await Promise.all(jobs);
  if (report.byStatus || report.byStore) report.plan = 'meta-per-group';
  return report;
}

/** A bounded list of the largest orders: memory is `keep` rows, whatever the number of orders. */
class Largest {
  readonly rows: ParsedOrder[] = [];
  constructor(private readonly keep: number) {}
  offer(o: ParsedOrder): void {
    if (this.keep <= 0 || o.total === undefined) return;
    const rows = this.rows;
    if (rows.length >= this.keep && o.total.lte(rows[rows.length - 1]!.total!)) return;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid]!.total!.gte(o.total)) lo = mid + 1;
      else hi = mid;
    }
    rows.splice(lo, 0, o);
    if (rows.length > this.keep) rows.pop();
  }
}

/** Every page, summed as it arrives; afterwards our sums are checked against the API's own meta. */
export async function runWalk(o: RunOptions): Promise<Report> {
  const q = o.query;
  const size = o.client.pageSize;
  const unit = o.groupBy.includes('week') ? 'week' : 'day';
  const overall = new Sums();
  const byStatus = new Map<string, Sums>();
  const byStore = new Map<string, Sums>();
  const byDay = new Map<string, Sums>();
  const delivery = new Sums();
  const unpaid = { unpaid: new Sums(), partial: new Sums() };
  const storeNames = new Map<string, string>();
  const largest = new Largest(o.sort === 'largest' ? o.offset + o.limit : 0);
  const window: Array<{ pos: number; order: ParsedOrder }> = [];
  let pageSize = size;

  const take = (n: number, page: ParsedPage) => {
    page.orders.forEach((order, j) => {
      overall.add(order);
      add(byStatus, order.status, order);
      add(byStore, order.storeId ?? 'unknown', order);
      if (o.groupBy.includes('day') || o.groupBy.includes('week')) add(byDay, dayKey(order, q.tz, unit), order);
      if (order.delivery) delivery.add(order);
      const state = paymentState(order);
      if (state === 'unpaid') unpaid.unpaid.add(order);
      if (state === 'partial') unpaid.partial.add(order);
      largest.offer(order);
      const pos = (n - 1) * pageSize + j;
      if (o.sort === 'recent' && pos >= o.offset && pos < o.offset + o.limit) window.push({ pos, order });
    });
    for (const [id, name] of page.storeNames) storeNames.set(id, name);
  };

  const fetch = (n: number) => o.client.ordersPage(filterParams(q), n, pageSize, attribute(q), o.tally, o.signal, n === 1);
  let head = await fetch(1);
  if (head.meta.pageSize !== undefined && head.meta.pageSize < pageSize) {
    pageSize = head.meta.pageSize;
    head = await fetch(1);
  }
  take(1, head);
  const total = head.meta.total ?? head.orders.length;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  let done = 1;
  o.progress?.(done, pages);
  if (pages > 1) {
    await o.client.eachPage({ first: 2, last: pages, size: pageSize }, fetch, (n, page) => {
      take(n, page);
      o.progress?.(++done, pages);
    }, o.concurrency);
  }

  const notes: string[] = [];
  const meta = head.meta;
  if (meta.total !== undefined && meta.total !== overall.orders) notes.push(`orders: we counted ${overall.orders}, Posiflora's meta.total says ${meta.total}`);
  if (meta.ordersAmount !== undefined && !meta.ordersAmount.eq(overall.total)) notes.push(`total: our sum ${overall.total.toFixed(2)}, meta.orders_amounts ${meta.ordersAmount.toFixed(2)}`);
  if (meta.paymentsAmount !== undefined && !meta.paymentsAmount.eq(overall.paid)) notes.push(`paid: our sum ${overall.paid.toFixed(2)}, meta.orders_amounts ${meta.paymentsAmount.toFixed(2)}`);
  const counts = countsFrom(meta, q);
  for (const [s, n] of counts) {
    const ours = byStatus.get(s)?.orders ?? 0;
    if (ours !== n) notes.push(`status ${s}: we counted ${ours}, meta.statuses says ${n}`);
  }
  window.sort((a, b) => a.pos - b.pos);
  return {
    plan: 'walk',
    overall,
    statusCounts: counts.size > 0 ? counts : new Map([...byStatus].map(([s, v]) => [s, v.orders])),
    byStatus,
    byStore,
    byDay: o.groupBy.includes('day') || o.groupBy.includes('week') ? { unit, sums: byDay } : undefined,
    delivery,
    unpaid,
    rows: o.sort === 'largest' ? largest.rows.slice(o.offset, o.offset + o.limit) : window.map((w) => w.order),
    matching: overall.orders,
    storeNames,
    crossCheck: { matches: notes.length === 0, notes },
  };
}
