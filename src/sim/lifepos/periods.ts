import { isoTicks, type SimData } from './data.js';
import { money, type MoneyUnit } from './wire.js';
import { instantOf, type Window } from './widget.js';

/**
 * `GET /orgs/{org}/reports/revenue/periods` (api-facts §1.4; research note A1). What is documented [C]: a
 * period-type enum (Year, Quarter, Month, Week, Day, Hour), `presentation`, and a response of
 * `for_all_objects` plus `items[]`. Everything else here is this simulator's reading [I]/[U], the same
 * one the client makes: the v5 sibling's parameter names (`processed_at_from`/`_to`,
 * `revenueByPeriodsType`, `outlet_guid`), the widget's summary blocks (`count`, `sum` of payments, refunds,
 * total; `period`) on `for_all_objects` and on each item, one item per calendar period of the window in
 * the organization's zone (Moscow here) clipped to the window, empty periods included, and the list
 * envelope's cursor paging.
 *
 * Figures follow the widget's definitions (widget.ts): payments are paid sales by `opened_at`, refunds
 * refund operations by `processed_at`, total = payments − refunds.
 */

export const PERIOD_TYPES = ['Year', 'Quarter', 'Month', 'Week', 'Day', 'Hour'] as const;
export type PeriodType = (typeof PERIOD_TYPES)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MSK = 3 * HOUR;
const PAID = new Set(['Paid', 'Refunded', 'PartiallyRefunded']);

/** The start of the period of `type` holding instant `t`, in Moscow time (no DST). */
function periodStart(t: number, type: PeriodType): number {
  if (type === 'Hour') return Math.floor(t / HOUR) * HOUR;
  const local = new Date(t + MSK);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const dayStart = Math.floor((t + MSK) / DAY) * DAY - MSK;
  switch (type) {
    case 'Day':
      return dayStart;
    case 'Week':
      return dayStart - ((local.getUTCDay() + 6) % 7) * DAY;
    case 'Month':
      return Date.UTC(y, m, 1) - MSK;
    case 'Quarter':
      return Date.UTC(y, m - (m % 3), 1) - MSK;
    case 'Year':
      return Date.UTC(y, 0, 1) - MSK;
  }
}

function nextStart(start: number, type: PeriodType): number {
  if (type === 'Hour') return start + HOUR;
  if (type === 'Day') return start + DAY;
  if (type === 'Week') return start + 7 * DAY;
  const local = new Date(start + MSK);
  const months = type === 'Month' ? 1 : type === 'Quarter' ? 3 : 12;
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + months, 1) - MSK;
}

interface Totals {
  payments: number;
  refunds: number;
  paymentsCount: number;
  refundsCount: number;
}

function block(t: Totals, w: Window, unit: MoneyUnit, type: string) {
  return {
    count: { payments: t.paymentsCount, refunds: t.refundsCount, total: t.paymentsCount + t.refundsCount, type_of: 'RevenueCount' },
    sum: { payments: money(t.payments, unit), refunds: money(t.refunds, unit), total: money(t.payments - t.refunds, unit), type_of: 'RevenueSum' },
    period: { date_from: isoTicks(w.from), date_to: isoTicks(w.to, 9999), type_of: 'Period' },
    type_of: type,
  };
}

export interface PeriodsQuery {
  org: string;
  outlet?: string;
  window: Window;
  type: PeriodType;
  /** Index of the first item (the page token this simulator hands out). */
  offset: number;
  pageSize: number;
}

export function revenuePeriods(data: SimData, q: PeriodsQuery, unit: MoneyUnit): Record<string, unknown> {
  const { from, to } = q.window;
  const buckets: Array<Window & Totals> = [];
  for (let start = periodStart(from, q.type); start <= to; start = nextStart(start, q.type)) {
    const end = nextStart(start, q.type) - 1;
    buckets.push({ from: Math.max(start, from), to: Math.min(end, to), payments: 0, refunds: 0, paymentsCount: 0, refundsCount: 0 });
  }
  const all: Totals = { payments: 0, refunds: 0, paymentsCount: 0, refundsCount: 0 };
  const bucketOf = (t: number) => (t < from || t > to ? undefined : buckets.find((b) => t >= b.from && t <= b.to));
  const mine = (o: { org_guid: string; outlet_guid: string }) => o.org_guid === q.org && (!q.outlet || o.outlet_guid === q.outlet);
  for (const s of data.sales) {
    if (!mine(s) || !PAID.has(s.payment_status)) continue;
    const b = bucketOf(instantOf(s.opened_at));
    if (!b) continue;
    b.payments += s.total;
    b.paymentsCount += 1;
    all.payments += s.total;
    all.paymentsCount += 1;
  }
  for (const r of data.refunds) {
    if (!mine(r)) continue;
    const b = bucketOf(instantOf(r.processed_at));
    if (!b) continue;
    b.refunds += r.amount;
    b.refundsCount += 1;
    all.refunds += r.amount;
    all.refundsCount += 1;
  }
  const page = buckets.slice(q.offset, q.offset + q.pageSize);
  const next = q.offset + q.pageSize < buckets.length ? String(q.offset + q.pageSize) : undefined;
  return {
    for_all_objects: block(all, q.window, unit, 'RevenueByPeriodsSummary'),
    items: page.map((b) => block(b, b, unit, 'RevenueByPeriodsReportItem')),
    ...(next ? { next_page_token: next } : {}),
    page_number: Math.floor(q.offset / q.pageSize) + 1,
    pages_total: Math.max(1, Math.ceil(buckets.length / q.pageSize)),
    items_per_page: q.pageSize,
    items_total: buckets.length,
    type_of: 'RevenueByPeriodsReport',
  };
}

