import { seededRandom } from '../framework.js';
import { MARKET_CATALOG } from '../story/index.js';

/**
 * Seeded shop data for the Yandex Market simulator: orders with items, prices in integer kopecks (so the
 * simulator never does float money arithmetic), statuses and dates. Tests recompute every expected figure
 * from these orders on their own.
 */

export type SimOrderStatus = 'DELIVERED' | 'SHIPPED' | 'CANCELLED' | 'RETURNED';

export interface SimOrderItem {
  shopSku: string;
  offerName: string;
  count: number;
  /** Price of one unit in kopecks. */
  unitPriceKop: number;
}

export interface SimOrder {
  orderId: number;
  campaignId: number;
  /** YYYY-MM-DD (Moscow date). */
  creationDate: string;
  /** YYYY-MM-DD HH:MM:SS of the last status change. */
  statusChanged: string;
  status: SimOrderStatus;
  paymentType: 'PREPAID' | 'POSTPAID';
  items: SimOrderItem[];
}

export const STATUS_TEXT: Record<SimOrderStatus, { RU: string; EN: string }> = {
  DELIVERED: { RU: 'Доставлен покупателю', EN: 'Delivered to the buyer' },
  SHIPPED: { RU: 'Отгружен', EN: 'Shipped' },
  CANCELLED: { RU: 'Отменён', EN: 'Cancelled' },
  RETURNED: { RU: 'Возврат принят', EN: 'Return accepted' },
};

const CATALOG = MARKET_CATALOG;

const pad = (n: number) => String(n).padStart(2, '0');
const DAY = 86_400_000;

export interface SeedOptions {
  seed?: number;
  /** First day with orders, YYYY-MM-DD. */
  from: string;
  days: number;
  ordersPerDay?: number;
  campaignIds: number[];
}

export function seedOrders(options: SeedOptions): SimOrder[] {
  const rnd = seededRandom(options.seed ?? 6);
  const perDay = options.ordersPerDay ?? 3;
  const start = Date.parse(`${options.from}T00:00:00Z`);
  const orders: SimOrder[] = [];
  let orderId = 51_000_000;
  for (let d = 0; d < options.days; d++) {
    const day = new Date(start + d * DAY).toISOString().slice(0, 10);
    const n = Math.floor(rnd() * (perDay * 2 + 1));
    for (let i = 0; i < n; i++) {
      orderId += 1 + Math.floor(rnd() * 7);
      const lines = 1 + Math.floor(rnd() * 3);
      const items: SimOrderItem[] = [];
      const used = new Set<string>();
      for (let l = 0; l < lines; l++) {
        const product = CATALOG[Math.floor(rnd() * CATALOG.length)]!;
        if (used.has(product.shopSku)) continue;
        used.add(product.shopSku);
        // Prices drift a little by day (discounts), always whole kopecks.
        const unitPriceKop = product.basePriceKop - Math.floor(rnd() * 5_000);
        items.push({ shopSku: product.shopSku, offerName: product.offerName, count: 1 + Math.floor(rnd() * 3), unitPriceKop });
      }
      const r = rnd();
      const status: SimOrderStatus = r < 0.62 ? 'DELIVERED' : r < 0.8 ? 'SHIPPED' : r < 0.93 ? 'CANCELLED' : 'RETURNED';
      const hour = 8 + Math.floor(rnd() * 14);
      orders.push({
        orderId,
        campaignId: options.campaignIds[Math.floor(rnd() * options.campaignIds.length)]!,
        creationDate: day,
        statusChanged: `${new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10)} ${pad(hour)}:${pad(Math.floor(rnd() * 60))}:${pad(Math.floor(rnd() * 60))}`,
        status,
        paymentType: rnd() < 0.85 ? 'PREPAID' : 'POSTPAID',
        items,
      });
    }
  }
  return orders;
}

/** Kopecks as a JSON number of roubles, the way report files carry money ("1234.5" → 1234.5). */
export function kopToNumber(kop: number): number {
  return Number(kopToString(kop));
}

/** Kopecks as an exact decimal string of roubles: 123450 → "1234.50". */
export function kopToString(kop: number): string {
  const sign = kop < 0 ? '-' : '';
  const abs = Math.abs(kop);
  return `${sign}${Math.floor(abs / 100)}.${pad(abs % 100)}`;
}

/** YYYY-MM-DD → DD.MM.YYYY, as the orders report prints dates. */
export function ruDate(ymd: string): string {
  return `${ymd.slice(8, 10)}.${ymd.slice(5, 7)}.${ymd.slice(0, 4)}`;
}
