import { seededRandom } from '../framework.js';
import {
  COUNTER_GOODS,
  HOLIDAYS,
  MARKET_CATALOG,
  REFUND_BURST,
  REFUND_PROBABILITY,
  SHOP,
  STORY_DAYS,
  STORY_SEED,
  STORY_TZ,
  STORY_UTC_OFFSET_MS,
  WEEKDAY_FACTOR,
  type CounterGood,
} from './shop.js';

/**
 * The demo shop's story: every counter sale, refund, florist order and Market order of the last
 * `days` days, generated from a seed. Each day is drawn from its own seeded stream (seed and date), so a
 * story generated today and one generated a minute later agree on every closed day. Money is integer
 * kopecks; times are epoch milliseconds plus the Moscow wall clock the fiscal side writes.
 */

export interface StoryOptions {
  seed?: number;
  /** The story ends at this instant: nothing happens after it (default: now). */
  now?: Date;
  /** Days of history, today included (default 400). */
  days?: number;
}

export interface StoryPosition {
  sku: string;
  name: string;
  priceKop: number;
  quantity: number;
  /** priceKop × quantity: positions add up to their sale's total. */
  totalKop: number;
}

/**
 * paid: paid and kept; refunded / partially_refunded: paid, then (part) returned; not_paid: opened and
 * never paid; cancelled. Only the first three are revenue and have a fiscal receipt.
 */
export type StorySaleStatus = 'paid' | 'refunded' | 'partially_refunded' | 'not_paid' | 'cancelled';

export interface StorySale {
  guid: string;
  /** YYMMDD-NNN: the day and the sale's place in it. */
  number: string;
  /** Local (Moscow) calendar day and wall clock `YYYY-MM-DD hh:mm:ss`. */
  day: string;
  localTime: string;
  /** Epoch ms. */
  at: number;
  /** Index into SHOP.outlets. */
  outlet: number;
  cashboxId: string;
  /** Indexes into SHOP.cashiers and SHOP.workplaces. */
  cashier: number;
  workplace: number;
  positions: StoryPosition[];
  totalKop: number;
  /** How it was paid: cash + card = total. */
  cashKop: number;
  cardKop: number;
  status: StorySaleStatus;
  /** A paid sale with a fiscal receipt. False for unpaid and cancelled sales, and for the sales of an unfiscalized day's offline hours. */
  fiscalized: boolean;
}

export interface StoryRefund {
  saleGuid: string;
  day: string;
  localTime: string;
  at: number;
  amountKop: number;
  cashKop: number;
  cardKop: number;
  /** What was returned (the whole sale, or one of its positions). */
  positions: StoryPosition[];
  outlet: number;
  cashboxId: string;
}

export type StoryFloristStatus = 'new' | 'done' | 'canceled' | 'returned' | 'courier' | 'assembled' | 'notAccepted';

export interface StoryFloristOrder {
  /** Sequence number over the story, in time order. */
  index: number;
  day: string;
  at: number;
  /** Index into SHOP.floristStores. */
  store: number;
  status: StoryFloristStatus;
  totalKop: number;
  /** What was paid so far (0 for unpaid orders). */
  paidKop: number;
  delivery: boolean;
  dueAt: number | null;
  /** Index of a regular customer (0–499), or null for a one-off buyer. */
  customer: number | null;
}

export type StoryMarketStatus = 'DELIVERED' | 'SHIPPED' | 'CANCELLED' | 'RETURNED';

export interface StoryMarketOrder {
  orderId: number;
  campaignId: number;
  /** YYYY-MM-DD, Moscow. */
  creationDate: string;
  /** YYYY-MM-DD hh:mm:ss of the last status change. */
  statusChanged: string;
  status: StoryMarketStatus;
  paymentType: 'PREPAID' | 'POSTPAID';
  items: Array<{ shopSku: string; offerName: string; count: number; unitPriceKop: number }>;
}

export interface StoryDay {
  date: string;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  holiday: string | null;
  /** The main register was offline 13:00–17:00: its sales of those hours have no receipt. */
  unfiscalized: boolean;
  /** Sales of this day are returned far more often than usual. */
  refundBurst: boolean;
}

export interface ShopStory {
  seed: number;
  /** Epoch ms: the story's present. */
  now: number;
  tz: string;
  firstDay: string;
  lastDay: string;
  days: StoryDay[];
  /** Counter sales (LIFE POS), in time order. */
  sales: StorySale[];
  /** Refund operations, in time order; each after its sale, never after `now`. */
  refunds: StoryRefund[];
  /** Days on which some paid sales have no fiscal receipt, ascending. */
  unfiscalizedDays: string[];
  floristOrders: StoryFloristOrder[];
  /** Market orders, created up to yesterday. */
  marketOrders: StoryMarketOrder[];
  /** A paid, kept sale of yesterday with several positions, under a fixed guid (the README's get_sale example). */
  exampleSaleGuid: string;
}

export const STORY_EXAMPLE_SALE_GUID = '5a1e0c3d-9b27-4f68-8d14-7e2f0b6a9c31';

const DAY_MS = 86_400_000;
const HOUR_S = 3600;
const OPEN_S = 9 * HOUR_S;
const CLOSE_S = 21 * HOUR_S;
/** The unfiscalized days' offline hours on the main register. */
const OFFLINE = { from: 13 * HOUR_S, to: 17 * HOUR_S, cashboxId: SHOP.outlets[0]!.cashboxIds[0]! };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const dayNumber = (day: string) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / DAY_MS;
/** `YYYY-MM-DD` of a day number (days since 1970-01-01), cached: Date formatting is slow in bulk. */
const dayNames = new Map<number, string>();
function dayName(n: number): string {
  let name = dayNames.get(n);
  if (name === undefined) dayNames.set(n, (name = new Date(n * DAY_MS).toISOString().slice(0, 10)));
  return name;
}

/** `ms` in UTC as `YYYY-MM-DDThh:mm:ss.mmm` — toISOString without the Z, built without Date. */
export function utcIsoOf(ms: number): string {
  const n = Math.floor(ms / DAY_MS);
  const rest = ms - n * DAY_MS;
  const sec = Math.floor(rest / 1000);
  return `${dayName(n)}T${pad(Math.floor(sec / 3600))}:${pad(Math.floor(sec / 60) % 60)}:${pad(sec % 60)}.${pad(rest % 1000, 3)}`;
}
/** Local calendar day of an instant. */
export const storyDayOf = (ms: number) => new Date(ms + STORY_UTC_OFFSET_MS).toISOString().slice(0, 10);
/** Local wall clock `YYYY-MM-DD hh:mm:ss` of an instant. */
export const storyLocalTime = (ms: number) => new Date(ms + STORY_UTC_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
/** The instant of a second of a local day. */
const instant = (day: string, second: number) => dayNumber(day) * DAY_MS - STORY_UTC_OFFSET_MS + second * 1000;

/** A stream for one (seed, day, purpose): the same date always draws the same numbers. */
function stream(seed: number, day: number, purpose: number): () => number {
  return seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(day, 0x85ebca6b) ^ Math.imul(purpose + 1, 0xc2b2ae35)) >>> 0);
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Hex digits by table: Number#toString(16) is slow enough to matter over 16,000 sales. */
function uuid(rand: () => number): string {
  let hex = '';
  for (let i = 0; i < 16; i++) hex += HEX[Math.floor(rand() * 256)]!;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(rand() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function weighted<T>(rand: () => number, items: readonly T[], weight: (t: T) => number): T {
  const total = items.reduce((s, t) => s + weight(t), 0);
  let r = rand() * total;
  for (const t of items) {
    r -= weight(t);
    if (r < 0) return t;
  }
  return items[items.length - 1]!;
}

const intIn = (rand: () => number, [min, max]: readonly [number, number]) => min + Math.floor(rand() * (max - min + 1));

/** Demand over the year: highest in February–March, lowest in late summer. */
const season = (day: string) => 1 + 0.12 * Math.cos((2 * Math.PI * (dayNumber(day) % 365.25 - 45)) / 365.25);

function holidayName(day: string) {
  return HOLIDAYS.find((h) => h.monthDay === day.slice(5)) ?? null;
}

/** Unfiscalized days: every 89th day by date, and always the Wednesday of the week before `lastDay`'s. */
function isUnfiscalized(seed: number, day: string, lastDay: string): boolean {
  const n = dayNumber(day);
  const last = dayNumber(lastDay);
  const lastMonday = last - ((new Date(last * DAY_MS).getUTCDay() + 6) % 7);
  if (n === lastMonday - 5) return true;
  return (n + seed) % 89 === 0 && n < last - 1;
}

/** Cumulative weights of the counter goods on ordinary days and on holidays (flowers count double). */
const cumulative = (holiday: boolean) => {
  let acc = 0;
  return COUNTER_GOODS.map((g) => (acc += g.weight * (holiday && g.flower ? 2 : 1)));
};
const GOODS_CUMULATIVE = { ordinary: cumulative(false), holiday: cumulative(true) };

function pickGood(rand: () => number, holiday: boolean): CounterGood {
  const table = holiday ? GOODS_CUMULATIVE.holiday : GOODS_CUMULATIVE.ordinary;
  const r = rand() * table[table.length - 1]!;
  let i = 0;
  while (i < table.length - 1 && r >= table[i]!) i++;
  return COUNTER_GOODS[i]!;
}

function counterPositions(rand: () => number, holiday: boolean): StoryPosition[] {
  const lines = 1 + Math.floor(rand() * 3);
  const positions: StoryPosition[] = [];
  for (let l = 0; l < lines; l++) {
    const good = pickGood(rand, holiday);
    if (positions.some((p) => p.sku === good.sku)) continue;
    let quantity = intIn(rand, good.quantity);
    // Bouquets of roses have an odd number of stems.
    if (good.sku === 'ROSE-60' && quantity > 1 && quantity % 2 === 0) quantity -= 1;
    positions.push({ sku: good.sku, name: good.name, priceKop: good.priceKop, quantity, totalKop: good.priceKop * quantity });
  }
  return positions;
}

function counterDay(seed: number, info: StoryDay, now: number): StorySale[] {
  const day = info.date;
  const n = dayNumber(day);
  const rand = stream(seed, n, 1);
  const factor = WEEKDAY_FACTOR[info.weekday]! * (holidayName(day)?.counter ?? 1) * season(day);
  const count = Math.max(8, Math.round(38 * factor * (0.85 + rand() * 0.3)));
  const drafts = Array.from({ length: count }, () => ({ second: OPEN_S + Math.floor(rand() * (CLOSE_S - OPEN_S)), rand: rand() }));
  const dayBase = instant(day, 0);
  const numberPrefix = `${day.slice(2, 4)}${day.slice(5, 7)}${day.slice(8, 10)}-`;
  drafts.sort((a, b) => a.second - b.second);
  const sales: StorySale[] = [];
  drafts.forEach((draft, i) => {
    const r = seededRandom(Math.floor(draft.rand * 2 ** 32));
    const at = dayBase + draft.second * 1000;
    const outlet = r() < SHOP.outlets[0]!.share ? 0 : 1;
    const boxes = SHOP.outlets[outlet]!.cashboxIds;
    const cashboxId = boxes.length > 1 && r() >= 0.7 ? boxes[1]! : boxes[0]!;
    const positions = counterPositions(r, info.holiday !== null);
    const totalKop = positions.reduce((s, p) => s + p.totalKop, 0);
    const pay = r();
    const cashKop = pay < 0.6 || totalKop < 200 ? 0 : pay < 0.9 ? totalKop : Math.max(100, Math.floor((totalKop * (0.2 + r() * 0.6)) / 100) * 100);
    const roll = r();
    const status: StorySaleStatus = roll < 0.03 ? 'not_paid' : roll < 0.045 ? 'cancelled' : 'paid';
    const offline = info.unfiscalized && cashboxId === OFFLINE.cashboxId && draft.second >= OFFLINE.from && draft.second < OFFLINE.to;
    if (at > now) return;
    const guid = uuid(r);
    sales.push({
      guid,
      number: numberPrefix + pad(i + 1, 3),
      day,
      localTime: `${day} ${pad(Math.floor(draft.second / HOUR_S))}:${pad(Math.floor(draft.second / 60) % 60)}:${pad(draft.second % 60)}`,
      at,
      outlet,
      cashboxId,
      cashier: Math.floor(r() * SHOP.cashiers.length),
      workplace: Math.floor(r() * SHOP.workplaces.length),
      positions,
      totalKop,
      cashKop,
      cardKop: totalKop - cashKop,
      status,
      fiscalized: status === 'paid' && !offline,
    });
  });
  return sales;
}

/**
 * Refunds, chronologically: a refund falls on its sale's day (after the sale) or up to three days later,
 * between that day's first sale and closing, never after `now`. A day's refunds stay under half of its
 * paid sales, so no day's net is negative. Only fiscalized sales are refunded.
 */
function refundsOf(seed: number, sales: StorySale[], days: StoryDay[], now: number): StoryRefund[] {
  const byDay = new Map<string, { firstAt: number; paid: number; refunded: number }>();
  for (const s of sales) {
    let d = byDay.get(s.day);
    if (!d) byDay.set(s.day, (d = { firstAt: s.at, paid: 0, refunded: 0 }));
    if (s.status === 'paid') d.paid += s.totalKop;
  }
  const burst = new Set(days.filter((d) => d.refundBurst).map((d) => d.date));
  const refunds: StoryRefund[] = [];
  sales.forEach((sale, i) => {
    if (!sale.fiscalized) return;
    const r = stream(seed, Math.floor((sale.at + STORY_UTC_OFFSET_MS) / DAY_MS), 1000 + (i % 997) * 31 + (sale.at % DAY_MS) / 1000);
    if (r() >= (burst.has(sale.day) ? REFUND_BURST.probability : REFUND_PROBABILITY)) return;
    const lag = r() < 0.4 ? 0 : 1 + Math.floor(r() * 3);
    const day = dayName(dayNumber(sale.day) + lag);
    const target = byDay.get(day);
    if (!target) return;
    const from = lag === 0 ? sale.at + 600_000 : target.firstAt;
    const to = instant(day, CLOSE_S);
    if (from >= to) return;
    const at = Math.floor((from + r() * (to - from)) / 1000) * 1000;
    if (at > now) return;
    const whole = sale.positions.length === 1 || r() < 0.65;
    const positions = whole ? sale.positions : [sale.positions.reduce((a, b) => (b.totalKop > a.totalKop ? b : a))];
    const amountKop = positions.reduce((s, p) => s + p.totalKop, 0);
    if (target.refunded + amountKop > target.paid / 2) return;
    target.refunded += amountKop;
    const cardKop = Math.min(sale.cardKop, amountKop);
    sale.status = whole ? 'refunded' : 'partially_refunded';
    refunds.push({ saleGuid: sale.guid, day, localTime: storyLocalTime(at), at, amountKop, cardKop, cashKop: amountKop - cardKop, positions, outlet: sale.outlet, cashboxId: sale.cashboxId });
  });
  return refunds.sort((a, b) => a.at - b.at);
}

function floristDay(seed: number, info: StoryDay, now: number, first: number): StoryFloristOrder[] {
  const day = info.date;
  const rand = stream(seed, dayNumber(day), 2);
  const weekday = [0.9, 0.9, 0.95, 1, 1.25, 1.3, 0.9][info.weekday]!;
  const count = Math.max(2, Math.round(9 * weekday * (holidayName(day)?.florist ?? 1) * season(day) * (0.8 + rand() * 0.4)));
  const seconds = Array.from({ length: count }, () => 8 * HOUR_S + Math.floor(rand() * 14 * HOUR_S)).sort((a, b) => a - b);
  const orders: StoryFloristOrder[] = [];
  for (const second of seconds) {
    const at = instant(day, second);
    const store = weighted(rand, [0, 1, 2], (s) => SHOP.floristStores[s]!.share);
    const totalKop = (1500 + Math.floor(rand() * rand() * 105) * 100) * 100 + (rand() < 0.2 ? 50 : 0);
    const age = now - at;
    const s = rand();
    const status: StoryFloristStatus =
      age < DAY_MS
        ? s < 0.4 ? 'new' : s < 0.7 ? 'assembled' : s < 0.9 ? 'courier' : 'done'
        : age < 3 * DAY_MS
          ? s < 0.8 ? 'done' : s < 0.9 ? 'courier' : 'new'
          : s < 0.86 ? 'done' : s < 0.92 ? 'canceled' : s < 0.94 ? 'returned' : s < 0.97 ? 'notAccepted' : 'new';
    const p = rand();
    const half = Math.floor(totalKop / 200) * 100;
    const paidKop =
      status === 'canceled' || status === 'notAccepted'
        ? 0
        : status === 'new'
          ? p < 0.5 ? 0 : p < 0.7 ? half : totalKop
          : status === 'done' || status === 'returned'
            ? p < 0.96 ? totalKop : p < 0.98 ? half : 0
            : p < 0.7 ? totalKop : 0;
    const delivery = rand() < (store === 2 ? 0.9 : 0.2);
    const dueAt = delivery ? at + (2 + Math.floor(rand() * 46)) * 3_600_000 : null;
    const c = rand();
    if (at > now) continue;
    orders.push({ index: first + orders.length, day, at, store, status, totalKop, paidKop, delivery, dueAt, customer: c < 0.75 ? Math.floor(c * 10_000) % 500 : null });
  }
  return orders;
}

function marketDay(seed: number, info: StoryDay, lastDay: string): StoryMarketOrder[] {
  const day = info.date;
  const n = dayNumber(day);
  const rand = stream(seed, n, 3);
  const count = Math.round(2.5 * WEEKDAY_FACTOR[info.weekday]! * (holidayName(day)?.counter ?? 1) * (0.4 + rand() * 1.2));
  const age = dayNumber(lastDay) - n;
  const orders: StoryMarketOrder[] = [];
  for (let k = 0; k < count; k++) {
    const items: StoryMarketOrder['items'] = [];
    const lines = rand() < 0.7 ? 1 : 2;
    for (let l = 0; l < lines; l++) {
      const product = MARKET_CATALOG[Math.floor(rand() * MARKET_CATALOG.length)]!;
      if (items.some((i) => i.shopSku === product.shopSku)) continue;
      items.push({ shopSku: product.shopSku, offerName: product.offerName, count: rand() < 0.85 ? 1 : 2, unitPriceKop: product.basePriceKop - Math.floor(rand() * 5_000) });
    }
    const s = rand();
    const status: StoryMarketStatus = age <= 2 ? (s < 0.85 ? 'SHIPPED' : 'CANCELLED') : s < 0.82 ? 'DELIVERED' : s < 0.92 ? 'CANCELLED' : 'RETURNED';
    // The status changed 1–3 days later, or that evening when that would be today or later.
    const lag = 1 + Math.floor(rand() * 3);
    const changedDay = n + lag < dayNumber(lastDay) ? dayName(n + lag) : day;
    const hour = changedDay === day ? 20 + Math.floor(rand() * 3) : 9 + Math.floor(rand() * 12);
    orders.push({
      orderId: 51_000_000 + (n % 100_000) * 100 + k,
      campaignId: SHOP.market.campaignIds[rand() < 0.7 ? 0 : 1]!,
      creationDate: day,
      statusChanged: `${changedDay} ${pad(hour)}:${pad(Math.floor(rand() * 60))}:${pad(Math.floor(rand() * 60))}`,
      status,
      paymentType: rand() < 0.9 ? 'PREPAID' : 'POSTPAID',
      items,
    });
  }
  return orders;
}

function generate(seed: number, now: number, dayCount: number): ShopStory {
  const lastDay = storyDayOf(now);
  const last = dayNumber(lastDay);
  const days: StoryDay[] = Array.from({ length: dayCount }, (_, i) => {
    const date = dayName(last - dayCount + 1 + i);
    const md = date.slice(5);
    return {
      date,
      weekday: (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7,
      holiday: holidayName(date)?.name ?? null,
      unfiscalized: isUnfiscalized(seed, date, lastDay),
      refundBurst: md >= REFUND_BURST.salesFrom && md <= REFUND_BURST.salesTo,
    };
  });
  const sales = days.flatMap((d) => counterDay(seed, d, now));
  const refunds = refundsOf(seed, sales, days, now);
  const floristOrders: StoryFloristOrder[] = [];
  for (const d of days) floristOrders.push(...floristDay(seed, d, now, floristOrders.length));
  const marketOrders = days.filter((d) => d.date < lastDay).flatMap((d) => marketDay(seed, d, lastDay));

  const yesterday = dayName(last - 1);
  const kept = sales.filter((s) => s.day === yesterday && s.status === 'paid' && s.fiscalized);
  const example = kept.find((s) => s.positions.length > 1) ?? kept[0];
  if (example) example.guid = STORY_EXAMPLE_SALE_GUID;

  // A planned outage with no sale in its hours left every receipt in place: not an unfiscalized day.
  const missing = new Set(sales.filter((s) => s.status === 'paid' && !s.fiscalized).map((s) => s.day));
  for (const d of days) d.unfiscalized = missing.has(d.date);

  return {
    seed,
    now,
    tz: STORY_TZ,
    firstDay: days[0]!.date,
    lastDay,
    days,
    sales,
    refunds,
    unfiscalizedDays: days.filter((d) => d.unfiscalized).map((d) => d.date),
    floristOrders,
    marketOrders,
    exampleSaleGuid: STORY_EXAMPLE_SALE_GUID,
  };
}

let last: { key: string; story: ShopStory } | undefined;

/**
 * The shop's story up to `now`. The latest one is kept, so the simulators a demo starts together (and a
 * test in the same process) share one generation. Treat the result as read-only.
 */
export function shopStory(options: StoryOptions = {}): ShopStory {
  const seed = options.seed ?? STORY_SEED;
  const now = (options.now ?? new Date()).getTime();
  const days = options.days ?? STORY_DAYS;
  const key = `${seed}|${now}|${days}`;
  if (last?.key !== key) last = { key, story: generate(seed, now, days) };
  return last.story;
}
