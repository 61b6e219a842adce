import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import type { Cell, Row, Sheet } from '../../src/sources/market/report-file.js';
import { decimalOf, isNotSoldStatus, summariseReport } from '../../src/sources/market/report-summary.js';

/**
 * The summariser reads each sheet once, parses a cell once, counts repeated values and adds the orders
 * headline up per group of rows. Here its figures are checked against the plainest way to get them — every
 * cell parsed and added row by row with decimal.js — on random sheets: repeated and distinct values (more
 * than it counts), empty and blank cells, text among numbers, JSON numbers and CSV strings.
 */

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STATUSES = ['Доставлен покупателю', 'Отменён до обработки', 'Возврат', 'В пути', ' Доставлен покупателю '];

function randomSheet(rnd: () => number, rows: number, asText: boolean): Sheet {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const num = (v: string): Cell => (asText ? v : Number(v));
  // A few common prices and many one-off ones (more than the summariser counts per column).
  const price = () => (rnd() < 0.5 ? pick(['100.5', '2172.8', '99.99', '45']) : (Math.floor(rnd() * 10_000_000) / 100).toFixed(2));
  const out: Row[] = [];
  let order = 1000;
  for (let i = 0; i < rows; i++) {
    if (rnd() < 0.6) order += 1;
    const units = pick(['1', '1', '2', '3']);
    const p = price();
    const blank = rnd() < 0.03;
    out.push({
      orderId: num(String(order)),
      creationDate: pick(['01.10.2026', '02.10.2026', '2026-10-03', '2026-10-04T10:00:00+03:00', '']),
      shopSku: pick(['ROSE-1', 'TULIP-15', ' ROSE-1', 'LILY', '']),
      offerName: pick(['Розы', 'Тюльпаны, 15 шт.', null]),
      billingPrice: blank ? null : num(p),
      partnerPriceForDelivery: num(p),
      transferredForDelivery: rnd() < 0.02 ? '' : num(units),
      buyerPaymentAmount: rnd() < 0.02 ? '  ' : num(new Decimal(p).times(units).toFixed(2)),
      saleCommission: rnd() < 0.4 ? num('45') : num((rnd() * 500).toFixed(2)),
      // A column that turns out not to be numbers half-way down: never summed.
      storageFee: i > rows / 2 && rnd() < 0.01 ? 'n/a' : num((rnd() * 100).toFixed(1)),
      offerStatus: pick(STATUSES),
    });
  }
  return { name: 'orders_and_offers_transactions', columns: Object.keys(out[0]!), rows: out };
}

/** Sum, min, max and count of a column's non-empty cells, row by row; undefined when one is not a number. */
function naiveColumn(sheet: Sheet, column: string) {
  let total = new Decimal(0);
  let min: Decimal | undefined;
  let max: Decimal | undefined;
  let values = 0;
  for (const row of sheet.rows) {
    const v = row[column] ?? null;
    if (v === null || (typeof v === 'string' && v.trim() === '')) continue;
    const d = decimalOf(v);
    if (!d) return undefined;
    total = total.plus(d);
    if (!min || d.lt(min)) min = d;
    if (!max || d.gt(max)) max = d;
    values += 1;
  }
  return min && max ? { total: total.toFixed(), min: min.toFixed(), max: max.toFixed(), values } : undefined;
}

/** The orders headline row by row: price × units, cancelled and returned statuses left out of revenue. */
function naiveHeadline(sheet: Sheet) {
  const sum = () => ({ orders: new Set<string>(), items: new Decimal(0), amount: new Decimal(0) });
  const all = sum();
  const revenue = sum();
  const byStatus = new Map<string, ReturnType<typeof sum>>();
  const byDay = new Map<string, ReturnType<typeof sum>>();
  const bySku = new Map<string, ReturnType<typeof sum>>();
  let without = 0;
  const blank = (v: Cell | undefined) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
  for (const row of sheet.rows) {
    const id = blank(row.orderId) ? undefined : String(row.orderId).trim();
    const units = decimalOf(row.transferredForDelivery ?? null);
    const price = decimalOf(row.billingPrice ?? null);
    const amount = price && units ? price.times(units) : undefined;
    if (!amount) without += 1;
    const status = blank(row.offerStatus) ? '(no status)' : String(row.offerStatus).trim();
    const groups = [all, byStatus.get(status) ?? byStatus.set(status, sum()).get(status)!];
    if (!isNotSoldStatus(status)) {
      groups.push(revenue);
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(row.creationDate)) ?? /^(\d{2})\.(\d{2})\.(\d{4})/.exec(String(row.creationDate));
      if (m) {
        const day = m[1]!.length === 4 ? `${m[1]}-${m[2]}-${m[3]}` : `${m[3]}-${m[2]}-${m[1]}`;
        groups.push(byDay.get(day) ?? byDay.set(day, sum()).get(day)!);
      }
      if (!blank(row.shopSku)) {
        const sku = String(row.shopSku).trim();
        const s = bySku.get(sku) ?? bySku.set(sku, sum()).get(sku)!;
        s.amount = s.amount.plus(amount ?? 0);
        if (units) s.items = s.items.plus(units);
      }
    }
    for (const g of groups) {
      if (id !== undefined) g.orders.add(id);
      g.amount = g.amount.plus(amount ?? 0);
      if (units) g.items = g.items.plus(units);
    }
  }
  const shown = (g: ReturnType<typeof sum>) => ({ orders: g.orders.size, items: g.items.toFixed(), amount: g.amount.toFixed() });
  return {
    revenue: shown(revenue),
    all: shown(all),
    without,
    byStatus: Object.fromEntries([...byStatus].map(([k, g]) => [k, shown(g)])),
    byDay: Object.fromEntries([...byDay].map(([k, g]) => [k, { orders: g.orders.size, amount: g.amount.toFixed() }])),
    bySku: Object.fromEntries([...bySku].map(([k, g]) => [k, { items: g.items.toFixed(), amount: g.amount.toFixed() }])),
  };
}

/** The `limit` largest amounts of a column with their 1-based rows, ties in row order. */
function naiveTop(sheet: Sheet, column: string, limit = 10) {
  return sheet.rows
    .map((row, i) => ({ row: i + 1, d: decimalOf(row[column] ?? null) }))
    .filter((x): x is { row: number; d: Decimal } => x.d !== undefined)
    .sort((a, b) => b.d.cmp(a.d) || a.row - b.row)
    .slice(0, limit)
    .map((a) => [a.row, a.d.toFixed()]);
}

describe('report summary against a row-by-row reference', () => {
  it('takes the top rows of the money column with the largest total when the preferred main amount holds text', () => {
    for (let seed = 20; seed <= 23; seed++) {
      const sheet = randomSheet(random(seed), 500, seed % 2 === 0);
      sheet.rows[250]!.buyerPaymentAmount = 'n/a';
      const summary = summariseReport([sheet], 'united-orders').sheets[0]!;
      expect(summary.sums.map((s) => s.column)).not.toContain('buyerPaymentAmount');
      const money = ['saleCommission', 'storageFee'].map((c) => ({ c, naive: naiveColumn(sheet, c) })).filter((x) => x.naive);
      const largest = money.sort((a, b) => new Decimal(b.naive!.total).abs().cmp(new Decimal(a.naive!.total).abs()))[0]!.c;
      expect(summary.mainAmount, `seed ${seed}`).toBe(largest);
      expect(summary.top.map((t) => [t.row, t.amount.toFixed()]), `seed ${seed}`).toEqual(naiveTop(sheet, largest));
    }
  });

  it('gives the same sums, extremes, top rows and orders headline on random sheets', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = random(seed);
      const sheet = randomSheet(rnd, seed % 3 === 0 ? 3_000 : 1 + Math.floor(rnd() * 400), seed % 2 === 0);
      const report = summariseReport([sheet], 'united-orders');
      const summary = report.sheets[0]!;

      for (const column of ['buyerPaymentAmount', 'saleCommission', 'storageFee', 'transferredForDelivery']) {
        const naive = naiveColumn(sheet, column);
        const got = summary.sums.find((s) => s.column === column);
        expect(got && { total: got.total.toFixed(), values: got.values }, `${column}, seed ${seed}`).toEqual(naive && { total: naive.total, values: naive.values });
      }
      for (const column of ['billingPrice', 'partnerPriceForDelivery']) {
        const naive = naiveColumn(sheet, column)!;
        const got = summary.unitPrices.find((u) => u.column === column)!;
        expect({ min: got.min.toFixed(), max: got.max.toFixed(), values: got.values }, `${column}, seed ${seed}`).toEqual({ min: naive.min, max: naive.max, values: naive.values });
        expect(got.mean.toFixed()).toBe(new Decimal(naive.total).div(naive.values).toDecimalPlaces(2).toFixed());
      }

      // Top rows of the main amount: the largest first, ties in row order.
      expect(summary.mainAmount).toBe('buyerPaymentAmount');
      expect(summary.top.map((t) => [t.row, t.amount.toFixed()]), `seed ${seed}`).toEqual(naiveTop(sheet, 'buyerPaymentAmount'));

      const naive = naiveHeadline(sheet);
      const orders = report.orders!;
      const shown = (t: { orders: number; items?: Decimal; amount: Decimal }) => ({ orders: t.orders, items: t.items!.toFixed(), amount: t.amount.toFixed() });
      expect(shown(orders.revenue), `seed ${seed}`).toEqual(naive.revenue);
      expect(shown(orders.allStatuses)).toEqual(naive.all);
      expect(orders.rowsWithoutAmount).toBe(naive.without);
      expect(Object.fromEntries(orders.byStatus.map((s) => [s.status, shown(s)]))).toEqual(naive.byStatus);
      expect(Object.fromEntries(orders.byDay.map((d) => [d.date, { orders: d.orders, amount: d.amount.toFixed() }]))).toEqual(naive.byDay);
      const topSkus = Object.entries(naive.bySku)
        .sort(([a, x], [b, y]) => new Decimal(y.amount).cmp(x.amount) || a.localeCompare(b))
        .slice(0, 10);
      expect(orders.topSkus.map((s) => [s.sku, { items: s.items!.toFixed(), amount: s.amount.toFixed() }])).toEqual(topSkus);
    }
  });
});
