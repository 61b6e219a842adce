import { Decimal } from 'decimal.js';
import type { SimData } from '../../src/sim/lifepos/index.js';

/**
 * Expected widget figures computed straight from the simulator's seeded ledger with plain decimal.js —
 * never through the code under test. Definitions as documented in src/sim/lifepos/widget.ts.
 */

const PAID = new Set(['Paid', 'Refunded', 'PartiallyRefunded']);
const HOUR = 3_600_000;

/** Moscow (UTC+3, no DST) whole days, inclusive, as the tool sends them: [00:00:00.000, 23:59:59.999]. */
export function moscowDays(fromYmd: string, toYmd: string): { from: number; to: number } {
  return { from: Date.parse(`${fromYmd}T00:00:00Z`) - 3 * HOUR, to: Date.parse(`${toYmd}T23:59:59.999Z`) - 3 * HOUR };
}

const ms = (iso: string) => Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
const roubles = (kopecks: number) => new Decimal(kopecks).div(100);
const money = (d: Decimal) => d.toFixed(2, Decimal.ROUND_HALF_UP);

function avg(xs: Decimal[]): string {
  if (xs.length === 0) return '0.00';
  return money(xs.reduce((s, x) => s.plus(x), new Decimal(0)).div(xs.length));
}
function med(xs: Decimal[]): string {
  if (xs.length === 0) return '0.00';
  const s = [...xs].sort((a, b) => a.comparedTo(b));
  const m = Math.floor(s.length / 2);
  return money(s.length % 2 ? s[m]! : s[m - 1]!.plus(s[m]!).div(2));
}
function share(part: Decimal, whole: Decimal): string {
  if (whole.isZero()) return '0.00';
  // The simulator sends fractions with 4 places; the tool shows them in percent.
  return part.div(whole).toDecimalPlaces(4, Decimal.ROUND_HALF_UP).times(100).toFixed(2);
}

export interface ExpectedGroup {
  count: number;
  sum: string;
  average: string;
  median: string;
  share_by_sum: string;
  share_by_count: string;
}

export interface ExpectedSummary {
  payments: ExpectedGroup;
  refunds: ExpectedGroup;
  total: ExpectedGroup;
  net: Decimal;
}

export function expectedSummary(data: SimData, org: string, w: { from: number; to: number }, outlet?: string): ExpectedSummary {
  const inside = (iso: string) => ms(iso) >= w.from && ms(iso) <= w.to;
  const pay = data.sales
    .filter((s) => s.org_guid === org && (!outlet || s.outlet_guid === outlet) && PAID.has(s.payment_status) && inside(s.opened_at))
    .map((s) => roubles(s.total));
  const ref = data.refunds.filter((r) => r.org_guid === org && (!outlet || r.outlet_guid === outlet) && inside(r.processed_at)).map((r) => roubles(r.amount));
  const signed = [...pay, ...ref.map((r) => r.neg())];
  const sPay = pay.reduce((s, x) => s.plus(x), new Decimal(0));
  const sRef = ref.reduce((s, x) => s.plus(x), new Decimal(0));
  const gross = sPay.plus(sRef);
  const n = new Decimal(signed.length);
  return {
    payments: { count: pay.length, sum: money(sPay), average: avg(pay), median: med(pay), share_by_sum: share(sPay, gross), share_by_count: share(new Decimal(pay.length), n) },
    refunds: { count: ref.length, sum: money(sRef), average: avg(ref), median: med(ref), share_by_sum: share(sRef, gross), share_by_count: share(new Decimal(ref.length), n) },
    total: {
      count: signed.length,
      sum: money(sPay.minus(sRef)),
      average: avg(signed),
      median: med(signed),
      share_by_sum: gross.isZero() ? '0.00' : '100.00',
      share_by_count: n.isZero() ? '0.00' : '100.00',
    },
    net: sPay.minus(sRef),
  };
}

/** Growth in percent from the net sums, 2 places; undefined when the previous net is zero. */
export function expectedGrowth(cur: Decimal, prev: Decimal): string | undefined {
  if (prev.isZero()) return undefined;
  return cur.minus(prev).div(prev.abs()).times(100).toFixed(2, Decimal.ROUND_HALF_UP);
}

/** "12 345,67 ₽" written independently of src/money.ts. */
export function rubText(d: Decimal | string): string {
  const fixed = new Decimal(d).abs().toFixed(2);
  const [i, f] = fixed.split('.');
  const sign = new Decimal(d).isNegative() ? '−' : '';
  return `${sign}${i!.replace(/\B(?=(\d{3})+(?!\d))/g, ' ')},${f} ₽`;
}
