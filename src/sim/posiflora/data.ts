import { seededRandom } from '../framework.js';
import { SHOP, type ShopStory, type StoryFloristOrder } from '../story/index.js';

/**
 * The simulated Posiflora account: stores, customers and a large set of orders generated lazily and
 * deterministically from (seed, index). Order i is created at or after order i-1, so a createdAt range is a
 * contiguous index range; nothing is materialised until asked for.
 */

export const ORDER_STATUSES = ['new', 'done', 'canceled', 'returned', 'courier', 'assembled', 'notAccepted'] as const;
export type SimOrderStatus = (typeof ORDER_STATUSES)[number];

export interface SimStore {
  id: string;
  title: string;
  address: string;
}

export interface SimCustomer {
  id: string;
  name: string;
  phone: string;
}

/** One order as the simulator knows it: money in whole kopecks (rendered as roubles on the wire). */
export interface SimOrder {
  index: number;
  id: string;
  docNo: string;
  status: SimOrderStatus;
  storeId: string;
  customerId: string | null;
  /** ISO instants with +00:00, as the API prints them. */
  createdAt: string;
  updatedAt: string;
  dueTime: string | null;
  postedAt: string | null;
  /** Payments are posted with the order in this simulation; null when nothing was paid. */
  paymentPostedAt: string | null;
  delivery: boolean;
  totalKop: number;
  paymentsKop: number;
  budget: number;
  bonusesKop: number;
  discountsKop: number;
  markupsKop: number;
}

export interface SimDataOptions {
  seed?: number;
  /** How many orders exist (default 100,000). */
  count?: number;
  /** Last day with orders, YYYY-MM-DD (UTC); default 2026-06-30. */
  endDate?: string;
  /** Days covered, ending at endDate (default 365). */
  days?: number;
  /** Serve the demo shop's florist orders (then count, endDate and days are ignored). */
  story?: ShopStory;
}

const STORE_TITLES: Array<[string, string]> = [
  ['Цветы на Ленина', 'ул. Ленина, 12'],
  ['Флора Центр', 'пр. Мира, 3'],
  ['Букет у вокзала', 'Привокзальная пл., 1'],
  ['Оранжерея', 'ул. Садовая, 45'],
];
const STORE_WEIGHTS = [0.4, 0.3, 0.2, 0.1];
const STATUS_WEIGHTS: Array<[SimOrderStatus, number]> = [
  ['done', 0.7],
  ['new', 0.08],
  ['canceled', 0.06],
  ['returned', 0.02],
  ['courier', 0.04],
  ['assembled', 0.05],
  ['notAccepted', 0.05],
];
const FIRST_NAMES = ['Анна', 'Мария', 'Ольга', 'Елена', 'Иван', 'Пётр', 'Сергей', 'Дарья', 'Алексей', 'Наталья'];
const LAST_NAMES = ['Иванова', 'Петрова', 'Смирнова', 'Кузнецова', 'Попов', 'Соколов', 'Лебедев', 'Козлова'];

function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).padStart(width, '0').slice(-width);
}

/** A UUID-shaped id that embeds `n`, so ids are unique by construction. */
function uuidFor(kind: number, n: number, rnd: () => number): string {
  const a = Math.floor(rnd() * 0xffffffff);
  const b = Math.floor(rnd() * 0xffff);
  return `${hex(a, 8)}-${hex(b, 4)}-4${hex(kind, 3)}-8${hex(n / 0x1000000000, 3)}-${hex(Math.floor(n / 0x10000), 8)}${hex(n, 4)}`;
}

function pick<T>(items: ReadonlyArray<[T, number]>, r: number): T {
  let acc = 0;
  for (const [item, w] of items) {
    acc += w;
    if (r < acc) return item;
  }
  return items[items.length - 1]![0];
}

function customersOf(rnd: () => number): SimCustomer[] {
  return Array.from({ length: 500 }, (_, i) => ({
    id: uuidFor(0xc1, i, rnd),
    name: `${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length]}`,
    phone: `7916${String(1_000_000 + i * 7919).slice(-7)}`,
  }));
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

export class PosifloraData {
  readonly seed: number;
  readonly count: number;
  readonly stores: SimStore[];
  readonly customers: SimCustomer[];
  /** First and last creation instants (epoch ms). */
  readonly startMs: number;
  readonly endMs: number;
  readonly #stepMs: number;
  /** The story's orders, materialised (a few thousand): creation instants and orders by index. */
  readonly #planned: { createdMs: number[]; orders: SimOrder[] } | undefined;

  constructor(options: SimDataOptions = {}) {
    this.seed = options.seed ?? 4004;
    if (options.story) {
      const rnd = seededRandom(this.seed);
      const { story } = options;
      this.stores = SHOP.floristStores.map((s, i) => ({ id: uuidFor(0x51, i, rnd), title: s.title, address: s.address }));
      this.customers = customersOf(rnd);
      this.count = story.floristOrders.length;
      this.startMs = story.floristOrders[0]?.at ?? story.now;
      this.endMs = story.now;
      this.#stepMs = 0;
      this.#planned = { createdMs: story.floristOrders.map((o) => o.at), orders: story.floristOrders.map((o) => this.#fromStory(o, story.now)) };
      return;
    }
    this.count = options.count ?? 100_000;
    const days = options.days ?? 365;
    const end = Date.parse(`${options.endDate ?? '2026-06-30'}T23:59:59Z`);
    this.endMs = end;
    this.startMs = end - days * 86_400_000 + 1000;
    this.#stepMs = (this.endMs - this.startMs) / this.count;
    const rnd = seededRandom(this.seed);
    this.stores = STORE_TITLES.map(([title, address], i) => ({ id: uuidFor(0x51, i, rnd), title, address }));
    this.customers = customersOf(rnd);
  }

  /** A story order with the ids and the side amounts (bonuses, discounts …) the wire carries. */
  #fromStory(o: StoryFloristOrder, now: number): SimOrder {
    const r = seededRandom(this.seed * 7919 + o.index * 2654435761);
    const posted = o.status === 'done' || o.status === 'returned';
    return {
      index: o.index,
      id: uuidFor(0x0d, o.index, r),
      docNo: `aaad${String(22_000_000 + o.index)}`,
      status: o.status,
      storeId: this.stores[o.store]!.id,
      customerId: o.customer === null ? null : this.customers[o.customer]!.id,
      createdAt: iso(o.at),
      updatedAt: iso(Math.min(now, o.at + Math.floor(r() * 48) * 3_600_000)),
      dueTime: o.dueAt === null ? null : iso(o.dueAt),
      postedAt: posted ? iso(Math.min(now, o.at + 600_000)) : null,
      paymentPostedAt: o.paidKop > 0 ? iso(Math.min(now, o.at + 300_000)) : null,
      delivery: o.delivery,
      totalKop: o.totalKop,
      paymentsKop: o.paidKop,
      budget: r() < 0.1 ? 1000 : 0,
      bonusesKop: r() < 0.2 ? Math.min(o.totalKop, 10_000) : 0,
      discountsKop: r() < 0.15 ? Math.floor(o.totalKop / 1000) * 50 : 0,
      markupsKop: r() < 0.05 ? 5000 : 0,
    };
  }

  /** Creation instant of order i (non-decreasing in i). */
  createdMs(i: number): number {
    if (this.#planned) return this.#planned.createdMs[i]!;
    const jitter = seededRandom((this.seed * 31 + i) ^ 0x5bd1e995)();
    return Math.floor((this.startMs + (i + jitter * 0.999) * this.#stepMs) / 1000) * 1000;
  }

  /** The first index whose creation instant is >= ms (binary search over the monotone sequence). */
  firstAtOrAfter(ms: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.createdMs(mid) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  order(i: number): SimOrder {
    if (this.#planned) return this.#planned.orders[i]!;
    const r = seededRandom(this.seed * 7919 + i * 2654435761);
    const created = this.createdMs(i);
    const status = pick(STATUS_WEIGHTS, r());
    const storeRoll = r();
    let s = 0;
    let acc = STORE_WEIGHTS[0]!;
    while (storeRoll >= acc && s < this.stores.length - 1) acc += STORE_WEIGHTS[++s]!;
    const withKopecks = r() < 0.4;
    const roubles = 300 + Math.floor(r() * 247) * 100 + Math.floor(r() * 10) * 10;
    const kop = withKopecks ? Math.floor(r() * 100) : 0;
    const totalKop = roubles * 100 + kop;
    const payRoll = r();
    let paymentsKop: number;
    if (status === 'canceled' || status === 'notAccepted') paymentsKop = 0;
    else if (status === 'new') paymentsKop = payRoll < 0.5 ? 0 : payRoll < 0.8 ? Math.floor(totalKop / 200) * 100 : totalKop;
    else if (status === 'done' || status === 'returned') paymentsKop = payRoll < 0.94 ? totalKop : payRoll < 0.98 ? Math.floor(totalKop / 200) * 100 : 0;
    else paymentsKop = payRoll < 0.7 ? totalKop : payRoll < 0.9 ? Math.floor(totalKop / 300) * 100 : 0;
    const delivery = r() < 0.3;
    const customerRoll = r();
    const updated = created + Math.floor(r() * 48) * 3_600_000;
    const posted = status === 'done' || status === 'returned';
    return {
      index: i,
      id: uuidFor(0x0d, i, r),
      docNo: `aaad${String(22_000_000 + i)}`,
      status,
      storeId: this.stores[s]!.id,
      customerId: customerRoll < 0.7 ? this.customers[Math.floor(customerRoll * 1000) % this.customers.length]!.id : null,
      createdAt: iso(created),
      updatedAt: iso(updated),
      dueTime: delivery ? iso(created + (1 + Math.floor(r() * 72)) * 3_600_000) : null,
      postedAt: posted ? iso(created + 600_000) : null,
      paymentPostedAt: paymentsKop > 0 ? iso(created + 300_000) : null,
      delivery,
      totalKop,
      paymentsKop,
      budget: r() < 0.1 ? 1000 : 0,
      bonusesKop: r() < 0.2 ? Math.min(totalKop, 10_000) : 0,
      discountsKop: r() < 0.15 ? Math.floor(totalKop / 1000) * 50 : 0,
      markupsKop: r() < 0.05 ? 5000 : 0,
    };
  }

  /** Every order, oldest first, generated one at a time. */
  *all(from = 0, to = this.count): Generator<SimOrder> {
    for (let i = from; i < to; i++) yield this.order(i);
  }

  store(id: string): SimStore | undefined {
    return this.stores.find((s) => s.id === id);
  }

  customer(id: string): SimCustomer | undefined {
    return this.customers.find((c) => c.id === id);
  }
}
