import { Decimal } from 'decimal.js';
import type { SimOrder } from '../../src/sim/market/index.js';

/**
 * Expected figures of the orders report, computed straight from the simulator's seeded orders with plain
 * decimal.js — never through the code under test.
 */

export interface ExpectedOrders {
  orders: number;
  items: number;
  /** Σ price × count over all rows, roubles "12345.67". */
  billing: string;
  /** Same, per status code. */
  byStatus: Record<string, { orders: number; amount: string }>;
  /** Σ paid by buyers (cancelled orders pay nothing). */
  buyerPayment: string;
}

export function expectedOrders(orders: SimOrder[], from: string, to: string): ExpectedOrders {
  const inPeriod = orders.filter((o) => o.creationDate >= from && o.creationDate <= to);
  let billing = new Decimal(0);
  let paid = new Decimal(0);
  let items = 0;
  const byStatus: Record<string, { orders: number; amount: Decimal }> = {};
  for (const o of inPeriod) {
    const s = (byStatus[o.status] ??= { orders: 0, amount: new Decimal(0) });
    s.orders += 1;
    for (const item of o.items) {
      const row = new Decimal(item.unitPriceKop).times(item.count).div(100);
      billing = billing.plus(row);
      if (o.status !== 'CANCELLED') paid = paid.plus(row);
      s.amount = s.amount.plus(row);
      items += item.count;
    }
  }
  return {
    orders: inPeriod.length,
    items,
    billing: billing.toFixed(2),
    buyerPayment: paid.toFixed(2),
    byStatus: Object.fromEntries(Object.entries(byStatus).map(([k, v]) => [k, { orders: v.orders, amount: v.amount.toFixed(2) }])),
  };
}

/** "992135.29" → "992 135,29 ₽", how the summary prints roubles. */
export function rub(decimal: string): string {
  const [int, frac] = decimal.replace('-', '').split('.');
  return `${decimal.startsWith('-') ? '−' : ''}${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ' ')},${frac} ₽`;
}
