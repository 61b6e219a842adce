import type { QueryValue } from '../../http/upstream.js';
import { Decimal, ZERO } from '../../money.js';
import { addDays, isoWeekday, toInstant, toLocal } from '../../period.js';
import type { Tally } from './auth.js';
import type { PosifloraClient } from './client.js';
import type { DateAttribute, OrderStatus, ParsedMeta, ParsedOrder, ParsedPage } from './schemas.js';
import { ORDER_STATUSES } from './schemas.js';

/**
 * Order listings and their figures. Three ways to answer, cheapest first:
 *  - meta: one request with the smallest page; Posiflora's meta gives the count, orders_amounts and
 *    counts by status (addMetaStatuses=true) for the whole filtered set;
 *  - meta-per-group: plus one such request per store, day or week bucket (the bucket by the same date
 *    filter), per status only when sums by status are asked for (status_sums), and one for the delivery
 *    share when asked (group_by "delivery"). A store's request also asks addMetaStatuses, so counts by
 *    status come per store for free; "totals by status and store" is 1 + stores requests;
 *  - walk: every page, summed as it streams by (largest orders, forced cross-check, or whenever it takes
 *    fewer requests than the meta-per-group plan).
 * The choice is made after the first request, from meta.total, by counting requests.
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
  /** Roubles as decimal strings, already validated. */
  amountMin?: string;
  amountMax?: string;
  customer?: string;
}

/** Query parameters of GET /v1/orders for a query (with per-group overrides). Arrays go comma-separated. */
export interface Override {
  statuses?: OrderStatus[];
  storeIds?: string[];
  delivery?: boolean;
  /** A narrower date range (a day or week bucket), instants like `from`/`to`. */
  from?: string;
  to?: string;
}

export function filterParams(q: OrderQuery, override: Override = {}): Record<string, QueryValue> {
  const f = DATE_FIELDS[q.dateField].filter;
  const statuses = override.statuses ?? q.statuses;
  const stores = override.storeIds ?? q.storeIds;
  const delivery = override.delivery ?? q.delivery;
  return {
    [`filter[${f}][from]`]: override.from ?? q.from,
    [`filter[${f}][to]`]: override.to ?? q.to,
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
  /** False when Posiflora's meta carried no orders_amounts: the sums are unknown, never zero. */
  amountsKnown = true;

  add(o: ParsedOrder): void {
    this.orders += 1;
    if (o.total === undefined || o.paid === undefined) this.missing += 1;
    if (o.total !== undefined) this.total = this.total.plus(o.total);
    if (o.paid !== undefined) this.paid = this.paid.plus(o.paid);
  }

  static fromMeta(meta: ParsedMeta): Sums {
    const s = new Sums();
    s.orders = meta.total ?? 0;
    if (meta.ordersAmount === undefined || meta.paymentsAmount === undefined) {
      s.amountsKnown = false;
      s.missing = s.orders;
    } else {
      s.total = meta.ordersAmount;
      s.paid = meta.paymentsAmount;
    }
    return s;
  }
}

export type GroupBy = 'status' | 'store' | 'day' | 'week' | 'delivery';
export type Plan = 'meta' | 'meta-per-group' | 'walk' | 'rows';

/** One day or week of the period, clipped to it; `partial` when the clipping cut it short. */
export interface Bucket {
  key: string;
  /** Instants, ISO 8601 with +00:00 (as the date filters take them). */
  from: string;
  to: string;
  partial: boolean;
}

export interface Report {
  plan: Plan;
  overall: Sums;
  statusCounts: Map<string, number>;
  byStatus?: Map<string, Sums>;
  byStore?: Map<string, Sums>;
  /** Counts by status within each store (grouped by status and store), from each store's meta. */
  storeStatusCounts?: Map<string, Map<string, number>>;
  /** Requests sums by status would have taken, when grouped by status without status_sums. */
  statusSumsRequests?: number;
  /** `grouped` is the date the rows are grouped by (a walk of payment_posted groups by creation). */
  byDay?: { unit: 'day' | 'week'; grouped: DateAttribute | 'paymentPostedAt'; sums: Map<string, Sums>; partial: Set<string> };
  delivery?: Sums;
  /** Only a walk sees every order: unpaid and partially paid among open or done orders. */
  unpaid?: { unpaid: Sums; partial: Sums };
  rows: ParsedOrder[];
  matching: number;
  storeNames: Map<string, string>;
  crossCheck?: { matches: boolean; notes: string[] };
  /** What the reader should know about how the answer was made (plan choice, fallbacks, limits). */
  notes: string[];
  /** Requests per kind in the plan that ran, for the summary ("7 statuses, 27 weeks"). */
  planned: string[];
}

/** Statuses whose orders are not expected to be paid (closed without a sale). */
export const CLOSED = new Set(['canceled', 'returned', 'notAccepted']);

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

const weekOf = (day: string) => addDays(day, 1 - isoWeekday(day));

function dayKey(o: ParsedOrder, tz: string, unit: 'day' | 'week'): string {
  if (!o.dated) return 'no date';
  const t = Date.parse(o.dated);
  if (Number.isNaN(t)) return 'no date';
  const day = toLocal(new Date(t), tz).slice(0, 10);
  return unit === 'day' ? day : weekOf(day);
}

const instant = (local: string, tz: string) => toInstant(local, tz).toISOString().replace(/\.\d{3}Z$/, '+00:00');

/** The period's days or ISO weeks (Monday first), in the shop's time zone, clipped to the period. */
export function periodBuckets(start: string, end: string, tz: string, unit: 'day' | 'week'): Bucket[] {
  const out: Bucket[] = [];
  let day = start.slice(0, 10);
  const lastDay = end.slice(0, 10);
  while (day <= lastDay) {
    const first = unit === 'day' ? day : weekOf(day);
    const last = unit === 'day' ? day : addDays(first, 6);
    const from = `${first}T00:00:00` < start ? start : `${first}T00:00:00`;
    const to = `${last}T23:59:59` > end ? end : `${last}T23:59:59`;
    out.push({ key: first, from: instant(from, tz), to: instant(to, tz), partial: from !== `${first}T00:00:00` || to !== `${last}T23:59:59` });
    day = addDays(last, 1);
  }
  return out;
}

export interface RunOptions {
  client: PosifloraClient;
  query: OrderQuery;
  groupBy: GroupBy[];
  /** Day or week buckets of the period, when groupBy asks for them. */
  buckets?: Bucket[];
  limit: number;
  offset: number;
  sort: 'recent' | 'largest';
  /** true: cheapest plan; 'walk': every page, cross-checked against meta. */
  aggregate: true | 'walk';
  /** Sums by status too (one request per status with orders); otherwise "status" gives counts only. */
  statusSums?: boolean;
  tally: Tally;
  signal?: AbortSignal;
  concurrency: number;
  /** Configured request rate (per second), to estimate how long a walk takes. */
  rps: number;
  /** Store ids to break down by (the filter's, or every store): may fetch the store list. */
  storesForGroups?: () => Promise<string[]>;
  /** How many stores a breakdown would cover, if known without a request. */
  storeCountHint?: number;
  progress?: (done: number, total: number) => void;
}

/** A walk longer than this (at the configured rate) is not started: the client would time out. */
export const WALK_BUDGET_SECONDS = 45;
/** Missing meta sums are recovered by a walk only when it is this quick. */
const CHEAP_WALK_SECONDS = 10;

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

interface First {
  meta: ParsedMeta;
  rows: ParsedOrder[];
  storeNames: Map<string, string>;
  /** Page 1 at the walk's page size, when the first request was one (a walk then starts from it). */
  head?: ParsedPage;
}

/**
 * Rows [offset, offset+limit) newest first, plus the API's meta (one or more requests, the first with
 * addMetaStatuses). With limit 0 this is the cheapest possible question: one order, all the meta.
 * `asWalkPage` asks page 1 at the walk's page size, so a walk that follows reuses it.
 */
async function firstRequests(o: RunOptions, asWalkPage: boolean): Promise<First> {
  const want = Math.max(1, o.limit);
  for (let attempt = 0; attempt < 2; attempt++) {
    const size = asWalkPage && o.offset === 0 ? o.client.pageSize : Math.min(want, o.client.pageSize);
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
    const reusable = first === 1 && size === o.client.pageSize;
    return { meta: head.meta, rows: o.limit === 0 ? [] : all.slice(start, start + o.limit), storeNames, ...(reusable ? { head } : {}) };
  }
  throw new Error('unreachable');
}

/** Rows only (aggregate false, or a cursor continuing a "recent" listing): the figures are not recomputed. */
/** Count and sums of the same query over another window (the comparison period): one request, Posiflora's meta. */
export async function totalsFor(o: RunOptions, window: { from: string; to: string }): Promise<Sums> {
  const page = await o.client.ordersPage(filterParams(o.query, window), 1, 1, attribute(o.query), o.tally, o.signal);
  return Sums.fromMeta(page.meta);
}

export async function runRows(o: RunOptions, note?: string): Promise<Report> {
  const { meta, rows, storeNames } = await firstRequests(o, false);
  return {
    plan: 'rows',
    overall: Sums.fromMeta(meta),
    statusCounts: countsFrom(meta, o.query),
    rows,
    matching: meta.total ?? rows.length,
    storeNames,
    notes: note ? [note] : [],
    planned: [],
  };
}

const seconds = (requests: number, rps: number) => Math.ceil(requests / rps);

/**
 * The cheapest plan for what was asked. The first request (rows + overall meta) tells how many orders
 * match; from that the walk's request count is known exactly and the per-group plan's nearly so, and
 * the smaller one runs. A walk that was asked for (sort "largest", aggregate "walk") but would outlast
 * WALK_BUDGET_SECONDS at the configured rate is replaced by the per-group plan, with a note.
 */
export async function runPlan(o: RunOptions): Promise<Report> {
  const wantsWalk = o.sort === 'largest' || o.aggregate === 'walk';
  // Counts by status come with the first request; only other groups (or status sums) may make a walk cheaper.
  const mayWalk = wantsWalk || o.statusSums === true || o.groupBy.some((g) => g !== 'status');
  const first = await firstRequests(o, mayWalk);
  const total = first.meta.total ?? first.rows.length;
  const pageSize = o.client.pageSize;
  const walkRequests = Math.max(1, Math.ceil(total / pageSize)) - (first.head ? 1 : 0);
  const walkSeconds = seconds(walkRequests, o.rps);
  const notes: string[] = [];
  const walkCost = `a walk needs ${walkRequests} more request${walkRequests === 1 ? '' : 's'} (${total} orders, ${pageSize} per page; about ${walkSeconds} s at POSIFLORA_RPS=${o.rps})`;

  if (wantsWalk) {
    if (walkSeconds <= WALK_BUDGET_SECONDS) return runWalk(o, first);
    notes.push(
      o.sort === 'largest'
        ? `The largest orders are not listed: ${walkCost}, over the ${WALK_BUDGET_SECONDS} s budget. Narrow the period, add amount_min, or raise POSIFLORA_RPS if your plan allows.`
        : `aggregate "walk" was not run: ${walkCost}, over the ${WALK_BUDGET_SECONDS} s budget; figures come from Posiflora's meta instead. Narrow the period to cross-check.`,
    );
  }

  const amountsMissing = first.meta.ordersAmount === undefined || first.meta.paymentsAmount === undefined;
  if (amountsMissing && total > 0) {
    if (!wantsWalk && walkSeconds <= CHEAP_WALK_SECONDS) {
      const report = await runWalk(o, first);
      report.notes.unshift(`Posiflora's answer carried no meta.orders_amounts, so every page was summed instead (${walkRequests + (first.head ? 1 : 0)} pages).`);
      return report;
    }
    notes.push(`Sums are unknown: Posiflora's answer carried no meta.orders_amounts and ${walkCost}. Narrow the period (or use aggregate "walk" on a shorter one) to have every page summed.`);
  }

  // Requests the per-group plan would take; stores are counted once the list is known.
  const counts = countsFrom(first.meta, o.query);
  const statusAskable = o.groupBy.includes('status') ? statusesToAsk(o.query, counts) : [];
  const statusJobs = o.statusSums ? statusAskable : [];
  const buckets = o.groupBy.includes('day') || o.groupBy.includes('week') ? (o.buckets ?? []) : [];
  const deliveryJob = o.groupBy.includes('delivery') && o.query.delivery === undefined && total > 0 ? 1 : 0;
  const metaCost = (stores: number) => statusJobs.length + stores + buckets.length + deliveryJob;
  let storeIds: string[] | undefined;
  const storeCount = () => (storeIds ? storeIds.length : (o.query.storeIds?.length ?? o.storeCountHint ?? 1));
  const walkWins = () => !wantsWalk && !amountsMissing && o.groupBy.length > 0 && walkRequests < metaCost(storeCount()) && walkSeconds <= WALK_BUDGET_SECONDS;
  if (walkWins()) return withNote(await runWalk(o, first), `A walk over every page (${walkRequests + (first.head ? 1 : 0)} pages) took fewer requests than one per group (${metaCost(storeCount())}).`);
  if (o.groupBy.includes('store')) {
    storeIds = o.storesForGroups ? await o.storesForGroups() : (o.query.storeIds ?? []);
    if (walkWins()) return withNote(await runWalk(o, first), `A walk over every page (${walkRequests + (first.head ? 1 : 0)} pages) took fewer requests than one per group (${metaCost(storeCount())}).`);
  }
  return runMetaPlan(o, first, { statusAskable, statusJobs, storeIds, buckets, deliveryJob: deliveryJob === 1, notes, dropRows: o.sort === 'largest' });
}

function withNote(r: Report, note: string): Report {
  r.notes.push(note);
  return r;
}

/** Statuses worth a request: not known to be empty. A single one in scope is answered by the overall meta. */
function statusesToAsk(q: OrderQuery, counts: Map<string, number>): string[] {
  const scope = statusesInScope(q);
  const known = scope.filter((s) => counts.get(s) !== 0);
  return known.length <= 1 && (counts.size > 0 || scope.length === 1) ? [] : known;
}

/** meta, meta-per-group: never more than one request per group. */
async function runMetaPlan(
  o: RunOptions,
  first: First,
  plan: { statusAskable: string[]; statusJobs: string[]; storeIds?: string[]; buckets: Bucket[]; deliveryJob: boolean; notes: string[]; dropRows: boolean },
): Promise<Report> {
  const { meta, rows, storeNames } = first;
  const report: Report = {
    plan: 'meta',
    overall: Sums.fromMeta(meta),
    statusCounts: countsFrom(meta, o.query),
    rows: plan.dropRows ? [] : rows,
    matching: meta.total ?? rows.length,
    storeNames,
    notes: plan.notes,
    planned: [],
  };
  const smallest = async (override: Override, metaStatuses = false) => (await o.client.ordersPage(filterParams(o.query, override), 1, 1, attribute(o.query), o.tally, o.signal, metaStatuses)).meta;
  const jobs: Array<Promise<void>> = [];
  if (o.groupBy.includes('status')) {
    if (plan.statusAskable.length === 0) {
      // One status in scope: its figures are the overall ones.
      const byStatus = (report.byStatus = new Map());
      const only = statusesInScope(o.query).find((s) => report.statusCounts.get(s) !== 0);
      if (only && report.overall.orders > 0) byStatus.set(only, report.overall);
    } else if (plan.statusJobs.length > 0) {
      const byStatus = (report.byStatus = new Map());
      for (const s of plan.statusJobs) jobs.push(smallest({ statuses: [s as OrderStatus] }).then((m) => void byStatus.set(s, Sums.fromMeta(m))));
      report.planned.push(`${plan.statusJobs.length} status${plan.statusJobs.length === 1 ? '' : 'es'}`);
    } else report.statusSumsRequests = plan.statusAskable.length;
  }
  if (o.groupBy.includes('store')) {
    const byStore = (report.byStore = new Map());
    // Grouped by status too: each store's request asks for its counts by status (no extra request).
    const perStore = o.groupBy.includes('status') ? (report.storeStatusCounts = new Map()) : undefined;
    const ids = plan.storeIds ?? [];
    if (ids.length === 1) {
      byStore.set(ids[0]!, report.overall);
      if (report.statusCounts.size > 0) perStore?.set(ids[0]!, report.statusCounts);
    } else {
      for (const id of ids) {
        jobs.push(
          smallest({ storeIds: [id] }, perStore !== undefined).then((m) => {
            byStore.set(id, Sums.fromMeta(m));
            if (perStore && m.statuses) perStore.set(id, countsFrom(m, o.query));
          }),
        );
      }
      report.planned.push(`${ids.length} stores`);
    }
  }
  if (plan.buckets.length > 0) {
    const unit = o.groupBy.includes('week') ? 'week' : 'day';
    const sums = new Map<string, Sums>();
    report.byDay = { unit, grouped: DATE_FIELDS[o.query.dateField].filter, sums, partial: new Set(plan.buckets.filter((b) => b.partial).map((b) => b.key)) };
    for (const b of plan.buckets) jobs.push(smallest({ from: b.from, to: b.to }).then((m) => void sums.set(b.key, Sums.fromMeta(m))));
    report.planned.push(`${plan.buckets.length} ${unit}s`);
  }
  // The delivery share rides along with breakdowns; overall-only questions stay at one request.
  if (plan.deliveryJob) {
    jobs.push(smallest({ delivery: true }).then((m) => void (report.delivery = Sums.fromMeta(m))));
    report.planned.push('delivery');
  }
  if (o.groupBy.includes('delivery') && o.query.delivery !== undefined) {
    // Filtered by delivery already: the share is all or none of the orders, no request needed.
    report.delivery = o.query.delivery ? report.overall : new Sums();
  }
  await runLimited(jobs);
  if (report.byStore && report.byStore.size > 1) report.notes.push(...storesMismatch(report));
  if (report.byStatus || report.byStore || report.byDay) report.plan = 'meta-per-group';
  return report;
}

/**
 * Each store's figures are Posiflora's own for that store; together they should give the overall ones.
 * When they do not (orders of a store missing from the store list, or orders changed between the
 * requests), the answer says so rather than leaving the reader to add up rows that disagree.
 */
function storesMismatch(report: Report): string[] {
  const stores = [...report.byStore!.values()];
  const off: string[] = [];
  const orders = stores.reduce((n, s) => n + s.orders, 0);
  if (orders !== report.overall.orders) off.push(`orders ${orders} vs ${report.overall.orders}`);
  if (report.overall.amountsKnown && stores.every((s) => s.amountsKnown)) {
    const total = stores.reduce((d, s) => d.plus(s.total), ZERO);
    const paid = stores.reduce((d, s) => d.plus(s.paid), ZERO);
    if (!total.eq(report.overall.total)) off.push(`total ${total.toFixed(2)} vs ${report.overall.total.toFixed(2)}`);
    if (!paid.eq(report.overall.paid)) off.push(`paid ${paid.toFixed(2)} vs ${report.overall.paid.toFixed(2)}`);
  }
  const perStore = report.storeStatusCounts;
  if (perStore && perStore.size === report.byStore!.size) {
    for (const [status, n] of report.statusCounts) {
      const sum = [...perStore.values()].reduce((a, m) => a + (m.get(status) ?? 0), 0);
      if (sum !== n) off.push(`${status} ${sum} vs ${n}`);
    }
  }
  if (off.length === 0) return [];
  return [`The stores' figures do not add up to the overall ones (stores vs overall: ${off.join('; ')}): some orders belong to no store in Posiflora's store list, or orders changed between the requests. Each row is Posiflora's own figure for its filter; call again to confirm.`];
}

/** The jobs are already started; the upstream limiter paces them. Waiting for all keeps errors surfaced. */
async function runLimited(jobs: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Larger total first; equal totals newest first, then by id, so pages arriving in any order agree. */
function largerFirst(a: ParsedOrder, b: ParsedOrder): number {
  const byTotal = b.total!.comparedTo(a.total!);
  if (byTotal !== 0) return byTotal;
  const at = (o: ParsedOrder) => (o.createdAt ? Date.parse(o.createdAt) : Number.NEGATIVE_INFINITY);
  const byTime = at(b) - at(a);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A bounded list of the largest orders: memory is `keep` rows, whatever the number of orders. */
class Largest {
  readonly rows: ParsedOrder[] = [];
  constructor(private readonly keep: number) {}
  offer(o: ParsedOrder): void {
    if (this.keep <= 0 || o.total === undefined) return;
    const rows = this.rows;
    if (rows.length >= this.keep && largerFirst(o, rows[rows.length - 1]!) >= 0) return;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (largerFirst(rows[mid]!, o) <= 0) lo = mid + 1;
      else hi = mid;
    }
    rows.splice(lo, 0, o);
    if (rows.length > this.keep) rows.pop();
  }
}

/** Every page, summed as it arrives; afterwards our sums are checked against the API's own meta. */
export async function runWalk(o: RunOptions, first?: First): Promise<Report> {
  const q = o.query;
  const unit = o.groupBy.includes('week') ? 'week' : 'day';
  const byDays = o.groupBy.includes('day') || o.groupBy.includes('week');
  const overall = new Sums();
  const byStatus = new Map<string, Sums>();
  const byStore = new Map<string, Sums>();
  const storeStatus = o.groupBy.includes('store') && o.groupBy.includes('status') ? new Map<string, Map<string, number>>() : undefined;
  const byDay = new Map<string, Sums>();
  const delivery = new Sums();
  const unpaid = { unpaid: new Sums(), partial: new Sums() };
  const storeNames = new Map<string, string>();
  const largest = new Largest(o.sort === 'largest' ? o.offset + o.limit : 0);
  const window: Array<{ pos: number; order: ParsedOrder }> = [];
  let pageSize = o.client.pageSize;

  const take = (n: number, page: ParsedPage) => {
    page.orders.forEach((order, j) => {
      overall.add(order);
      add(byStatus, order.status, order);
      add(byStore, order.storeId ?? 'unknown', order);
      if (storeStatus) {
        const store = order.storeId ?? 'unknown';
        const counts = storeStatus.get(store) ?? storeStatus.set(store, new Map()).get(store)!;
        counts.set(order.status, (counts.get(order.status) ?? 0) + 1);
      }
      if (byDays) add(byDay, dayKey(order, q.tz, unit), order);
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
  let head = first?.head && first.head.orders.length <= pageSize && (first.head.meta.pageSize ?? pageSize) === pageSize ? first.head : await fetch(1);
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
  const partial = new Set((o.buckets ?? []).filter((b) => b.partial).map((b) => b.key));
  return {
    plan: 'walk',
    overall,
    statusCounts: counts.size > 0 ? counts : new Map([...byStatus].map(([s, v]) => [s, v.orders])),
    byStatus,
    byStore,
    ...(storeStatus ? { storeStatusCounts: storeStatus } : {}),
    byDay: byDays ? { unit, grouped: attribute(q), sums: byDay, partial } : undefined,
    delivery,
    unpaid,
    rows: o.sort === 'largest' ? largest.rows.slice(o.offset, o.offset + o.limit) : window.map((w) => w.order),
    matching: overall.orders,
    storeNames,
    crossCheck: { matches: notes.length === 0, notes },
    notes: [],
    planned: [`${pages} page${pages === 1 ? '' : 's'}`],
  };
}
