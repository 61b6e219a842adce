import { Decimal } from 'decimal.js';
import { isoTicks, type SimData } from './data.js';
import { money, type MoneyUnit } from './wire.js';

/**
 * The revenue widget computed from the seeded ledger, the way this simulator defines it (the vendor does
 * not document the formulas; tests compute the same definitions on their own):
 * - payments: paid sales (Paid, Refunded, PartiallyRefunded) whose `opened_at` falls in the window;
 * - refunds: refund operations whose `processed_at` falls in the window (amounts positive);
 * - total: all operations, signed (payments +, refunds −): count = payments + refunds, sum = net revenue;
 * - average/median per group over the operation amounts, rounded half-up to a kopeck (0 when empty);
 * - share: each group's part of payments + refunds by absolute sum and by count (fractions 0–1, 4 places,
 *   or percent with 2 places when the simulator runs with `shareScale: 'percent'`); total = the whole;
 * - growth_rate: net change of `sum.total` against the previous window in percent, 2 places (or as a
 *   fraction of 1 with 4 places when the simulator runs with `growthScale: 'fraction'` — the scale is
 *   undocumented); `is_calculated: false` (and 0) when the previous net total is zero;
 * - period: the window reported, unless the simulator runs with `echoPeriod: false` (then no `period`).
 * Windows are inclusive on both ends, compared at millisecond precision.
 */

export interface Window {
  from: number;
  to: number;
}

export type ShareScale = 'fraction' | 'percent';

/** How this simulator instance writes the widget (the vendor leaves these undocumented). */
export interface WidgetStyle {
  shareScale: ShareScale;
  growthScale: ShareScale;
  echoPeriod: boolean;
}

const PAID = new Set(['Paid', 'Refunded', 'PartiallyRefunded']);

/** Millisecond instant of an API timestamp (7 fractional digits are cut to 3). */
export function instantOf(iso: string): number {
  return Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
}

function operations(data: SimData, org: string, outlet: string | undefined, w: Window): { payments: number[]; refunds: number[] } {
  const inside = (iso: string) => {
    const t = instantOf(iso);
    return t >= w.from && t <= w.to;
  };
  const payments = data.sales
    .filter((s) => s.org_guid === org && (!outlet || s.outlet_guid === outlet) && PAID.has(s.payment_status) && inside(s.opened_at))
    .map((s) => s.total);
  const refunds = data.refunds
    .filter((r) => r.org_guid === org && (!outlet || r.outlet_guid === outlet) && inside(r.processed_at))
    .map((r) => r.amount);
  return { payments, refunds };
}

const kopeck = (d: Decimal) => d.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();

function average(values: number[]): number {
  if (values.length === 0) return 0;
  return kopeck(values.reduce((s, v) => s.plus(v), new Decimal(0)).div(values.length));
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid]!;
  return kopeck(new Decimal(sorted[mid - 1]!).plus(sorted[mid]!).div(2));
}

function ratio(part: number, whole: number, scale: ShareScale): number {
  if (whole === 0) return 0;
  const r = new Decimal(part).div(whole);
  return scale === 'fraction' ? r.toDecimalPlaces(4, Decimal.ROUND_HALF_UP).toNumber() : r.times(100).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber();
}

function summary(data: SimData, org: string, outlet: string | undefined, w: Window, unit: MoneyUnit, style: WidgetStyle) {
  const scale = style.shareScale;
  const { payments, refunds } = operations(data, org, outlet, w);
  const signed = [...payments, ...refunds.map((r) => -r)];
  const sumPay = payments.reduce((s, v) => s + v, 0);
  const sumRef = refunds.reduce((s, v) => s + v, 0);
  const gross = sumPay + sumRef;
  const count = signed.length;
  const group = (type: string, p: unknown, r: unknown, t: unknown) => ({ payments: p, refunds: r, total: t, type_of: type });
  return {
    net: sumPay - sumRef,
    json: {
      count: group('RevenueCount', payments.length, refunds.length, count),
      sum: group('RevenueSum', money(sumPay, unit), money(sumRef, unit), money(sumPay - sumRef, unit)),
      average: group('RevenueAverage', money(average(payments), unit), money(average(refunds), unit), money(average(signed), unit)),
      median: group('RevenueMedian', money(median(payments), unit), money(median(refunds), unit), money(median(signed), unit)),
      share: group(
        'RevenueShares',
        { by_sum: ratio(sumPay, gross, scale), by_count: ratio(payments.length, count, scale), type_of: 'RevenueShare' },
        { by_sum: ratio(sumRef, gross, scale), by_count: ratio(refunds.length, count, scale), type_of: 'RevenueShare' },
        { by_sum: ratio(gross, gross, scale), by_count: ratio(count, count, scale), type_of: 'RevenueShare' },
      ),
      ...(style.echoPeriod ? { period: { date_from: isoTicks(w.from), date_to: isoTicks(w.to), type_of: 'Period' } } : {}),
      type_of: 'RevenueSummary',
    },
  };
}

export function revenueWidget(
  data: SimData,
  org: string,
  outlet: string | undefined,
  current: Window,
  previous: Window,
  unit: MoneyUnit,
  style: WidgetStyle,
): Record<string, unknown> {
  const cur = summary(data, org, outlet, current, unit, style);
  const prev = summary(data, org, outlet, previous, unit, style);
  const calculated = prev.net !== 0;
  const change = calculated ? new Decimal(cur.net - prev.net).div(Math.abs(prev.net)) : new Decimal(0);
  const percentage = style.growthScale === 'fraction' ? change.toDecimalPlaces(4, Decimal.ROUND_HALF_UP).toNumber() : change.times(100).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber();
  return {
    current_summary: cur.json,
    previous_summary: prev.json,
    growth_rate: { percentage, is_calculated: calculated, type_of: 'GrowthRate' },
    type_of: 'RevenueReportForWidget',
  };
}
