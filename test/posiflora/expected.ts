import { Decimal } from 'decimal.js';
import type { PosifloraData, SimOrder } from '../../src/sim/posiflora/index.js';

/**
 * Expected figures computed straight from the simulator's seeded orders with plain decimal.js — never
 * through the code under test. Filters mirror what a tool call asks for (created-date period in a time zone).
 */

export interface Expect {
  orders: number;
  total: string;
  paid: string;
}

export interface ExpectedFigures {
  overall: Expect;
  byStatus: Map<string, Expect>;
  byStore: Map<string, Expect>;
  /** Counts by status within each store (statuses with orders only). */
  byStoreStatus: Map<string, Record<string, number>>;
  byDay: Map<string, Expect>;
  /** Newest first, as the API lists them. */
  newest: SimOrder[];
}

class Acc {
  orders = 0;
  total = new Decimal(0);
  paid = new Decimal(0);
  add(o: SimOrder) {
    this.orders += 1;
    this.total = this.total.plus(new Decimal(o.totalKop).div(100));
    this.paid = this.paid.plus(new Decimal(o.paymentsKop).div(100));
  }
  done(): Expect {
    return { orders: this.orders, total: this.total.toFixed(2), paid: this.paid.toFixed(2) };
  }
}

/** Local midnight of `ymd` in `tz` as epoch ms, found by asking Intl for the zone's offset. */
export function localMidnight(ymd: string, tz: string): number {
  const guess = Date.parse(`${ymd}T00:00:00Z`);
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(guess));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  const shown = Date.parse(`${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}Z`);
  return guess - (shown - guess);
}

export interface ExpectedFilter {
  from: string;
  to: string;
  tz: string;
  statuses?: string[];
  storeIds?: string[];
  /** Which order date the period applies to (and days are grouped by); default createdAt. */
  dateField?: 'createdAt' | 'updatedAt' | 'dueTime' | 'postedAt' | 'paymentPostedAt';
  delivery?: boolean;
  /** Roubles, inclusive. */
  amountMin?: string;
  amountMax?: string;
  unit?: 'day' | 'week';
}

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function expected(data: PosifloraData, f: ExpectedFilter): ExpectedFigures & { delivery: Expect } {
  const fromMs = localMidnight(f.from, f.tz);
  const toMs = localMidnight(new Date(Date.parse(`${f.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10), f.tz) - 1000;
  const dayOf = new Intl.DateTimeFormat('en-CA', { timeZone: f.tz, year: 'numeric', month: '2-digit', day: '2-digit' });
  const weekdayOf = new Intl.DateTimeFormat('en-US', { timeZone: f.tz, weekday: 'short' });
  const bucket = (t: number) => {
    const day = dayOf.format(new Date(t));
    if (f.unit !== 'week') return day;
    const back = WEEKDAY[weekdayOf.format(new Date(t))]! - 1;
    return new Date(Date.parse(`${day}T00:00:00Z`) - back * 86_400_000).toISOString().slice(0, 10);
  };
  const field = f.dateField ?? 'createdAt';
  const min = f.amountMin === undefined ? undefined : new Decimal(f.amountMin).times(100);
  const max = f.amountMax === undefined ? undefined : new Decimal(f.amountMax).times(100);
  const overall = new Acc();
  const delivery = new Acc();
  const byStatus = new Map<string, Acc>();
  const byStore = new Map<string, Acc>();
  const byDay = new Map<string, Acc>();
  const byStoreStatus = new Map<string, Record<string, number>>();
  const matched: SimOrder[] = [];
  const bump = (m: Map<string, Acc>, k: string, o: SimOrder) => {
    if (!m.has(k)) m.set(k, new Acc());
    m.get(k)!.add(o);
  };
  for (const o of data.all()) {
    const at = o[field];
    if (at === null) continue;
    const t = Date.parse(at);
    if (t < fromMs || t > toMs) continue;
    if (f.statuses && !f.statuses.includes(o.status)) continue;
    if (f.storeIds && !f.storeIds.includes(o.storeId)) continue;
    if (f.delivery !== undefined && o.delivery !== f.delivery) continue;
    if (min && min.gt(o.totalKop)) continue;
    if (max && max.lt(o.totalKop)) continue;
    overall.add(o);
    if (o.delivery) delivery.add(o);
    bump(byStatus, o.status, o);
    bump(byStore, o.storeId, o);
    const counts = byStoreStatus.get(o.storeId) ?? {};
    counts[o.status] = (counts[o.status] ?? 0) + 1;
    byStoreStatus.set(o.storeId, counts);
    bump(byDay, bucket(t), o);
    matched.push(o);
  }
  const done = (m: Map<string, Acc>) => new Map([...m].map(([k, v]) => [k, v.done()]));
  return { overall: overall.done(), delivery: delivery.done(), byStatus: done(byStatus), byStore: done(byStore), byStoreStatus, byDay: done(byDay), newest: matched.reverse() };
}
