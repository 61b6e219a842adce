import { Decimal } from 'decimal.js';
import type { SimOrder } from '../../src/sim/market/index.js';

/**
 * Expected figures of the orders report, computed straight from the simulator's seeded orders with plain
 * decimal.js — never through the code under test, and never from the report file: a line's revenue is the
 * seeded unit price × the seeded unit count.
 */

export interface ExpectedTotal {
  orders: number;
  items: number;
  /** Roubles "12345.67". */
  amount: string;
}

export interface ExpectedOrders {
  /** Delivered and shipped orders: cancelled and returned ones sold nothing. */
  revenue: ExpectedTotal;
  /** Every status. */
  all: ExpectedTotal;
  byStatus: Record<string, ExpectedTotal>;
  /** Σ paid by buyers (cancelled orders pay nothing). */
  buyerPayment: string;
  /** SKUs by revenue (delivered and shipped), best first. */
  topSkus: Array<{ sku: string; items: number; amount: string }>;
}

const SOLD = new Set(['DELIVERED', 'SHIPPED']);

export function expectedOrders(orders: SimOrder[], from: string, to: string): ExpectedOrders {
  const inPeriod = orders.filter((o) => o.creationDate >= from && o.creationDate <= to);
  const acc = () => ({ orders: 0, items: 0, amount: new Decimal(0) });
  const all = acc();
  const revenue = acc();
  const byStatus: Record<string, ReturnType<typeof acc>> = {};
  const bySku = new Map<string, { items: number; amount: Decimal }>();
  let paid = new Decimal(0);
  for (const o of inPeriod) {
    const targets = [all, (byStatus[o.status] ??= acc()), ...(SOLD.has(o.status) ? [revenue] : [])];
    for (const t of targets) t.orders += 1;
    for (const item of o.items) {
      const line = new Decimal(item.unitPriceKop).times(item.count).div(100);
      for (const t of targets) {
        t.items += item.count;
        t.amount = t.amount.plus(line);
      }
      if (o.status !== 'CANCELLED') paid = paid.plus(line);
      if (SOLD.has(o.status)) {
        const s = bySku.get(item.shopSku) ?? { items: 0, amount: new Decimal(0) };
        s.items += item.count;
        s.amount = s.amount.plus(line);
        bySku.set(item.shopSku, s);
      }
    }
  }
  const out = (t: ReturnType<typeof acc>): ExpectedTotal => ({ orders: t.orders, items: t.items, amount: t.amount.toFixed(2) });
  return {
    revenue: out(revenue),
    all: out(all),
    byStatus: Object.fromEntries(Object.entries(byStatus).map(([k, v]) => [k, out(v)])),
    buyerPayment: paid.toFixed(2),
    topSkus: [...bySku]
      .sort((a, b) => b[1].amount.cmp(a[1].amount) || a[0].localeCompare(b[0]))
      .map(([sku, s]) => ({ sku, items: s.items, amount: s.amount.toFixed(2) })),
  };
}

/** "992135.29" → "992 135,29 ₽", how the summary prints roubles. */
export function rub(decimal: string): string {
  const [int, frac] = decimal.replace('-', '').split('.');
  return `${decimal.startsWith('-') ? '−' : ''}${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ' ')},${frac} ₽`;
}
