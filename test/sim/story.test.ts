import { Decimal } from 'decimal.js';
import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim } from '../../src/sim/lifepos/index.js';
import { startMarketSim, type MarketSim } from '../../src/sim/market/index.js';
import { startOfdPublicSim, type OfdPublicSim } from '../../src/sim/ofd-public/index.js';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { startPosifloraSim, type StartedPosifloraSim } from '../../src/sim/posiflora/index.js';
import { shopStory, type ShopStory } from '../../src/sim/story/index.js';

/**
 * The demo story told by all four simulators at once, checked from what they serve over HTTP: LIFE POS
 * sales against OFD receipts (both OFD APIs), holidays, refunds, the florist side's proportion and Market's
 * goods-movement sheets. Expected figures are computed here from the served data (plain decimal.js); the
 * story's list of unfiscalized days only says where to look.
 */

/** 10:00 in Moscow: the shop opened an hour ago. */
const NOW = new Date('2026-11-30T07:00:00Z');
const DAY_MS = 86_400_000;
const MSK_MS = 3 * 3_600_000;

let story: ShopStory;
let lifepos: LifeposSim;
let ofd: OfdSim;
let ofdPublic: OfdPublicSim;
let posiflora: StartedPosifloraSim;
let market: MarketSim;

const kop = (v: unknown) => new Decimal(String(v)).times(100).toNumber();
const shift = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
/** Moscow midnight of a day, as an instant. */
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) - MSK_MS;

async function lifeposGet(path: string): Promise<any> {
  const res = await fetch(`${lifepos.url}/orgs/${lifepos.orgs[0]!.guid}${path}`, {
    headers: { 'X-LP-Client-Identifier': '1f0c2d3e-4a5b-4c6d-8e7f-001122334455', 'X-LP-Client-Type': 'Service', 'Accept-Language': 'ru-RU', Authorization: `Bearer ${lifepos.credentials.token}` },
  });
  expect(res.status).toBe(200);
  return res.json();
}

/** LIFE POS's widget for one Moscow day (or the part of it up to `to`): payments, refunds, net in kopecks. */
async function widgetDay(day: string, to = dayStart(day) + DAY_MS - 1) {
  const from = new Date(dayStart(day)).toISOString();
  const w = await lifeposGet(`/widgets/revenue?processed_at_from=${from}&processed_at_to=${new Date(to).toISOString()}`);
  const sum = w.current_summary.sum;
  return { payments: sum.payments.value as number, refunds: sum.refunds.value as number, net: sum.total.value as number, count: w.current_summary.count.payments as number };
}

/** The legacy OFD aggregation by day over [from, to]: net (income − income_return) in kopecks per day. */
async function legacyNetByDay(from: string, to: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let offset = 0; ; offset += 100) {
    const res = await fetch(`${ofd.url}/v1/docs/aggregations/sales`, {
      method: 'POST',
      headers: { 'x-yandex-key': ofd.keys.yandexKey, 'x-ofd-key': ofd.keys.ofdKey, 'content-type': 'application/json' },
      body: JSON.stringify({ date_from: `${from} 00:00:00`, date_to: `${to} 23:59:59`, interval: 'day', limit: 100, offset }),
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { data: any[] };
    for (const bin of json.data) out.set(bin.start, Math.round(kop(bin.income.total) - kop(bin.income_return.total)));
    if (json.data.length < 100) return out;
  }
}

interface PublicReceipt {
  day: string;
  operation: string;
  totalKop: number;
}

/** Every receipt row of the public API's report over [from, to], paged until a short page. */
async function publicReceipts(from: string, to: string): Promise<PublicReceipt[]> {
  const receipts: PublicReceipt[] = [];
  for (let offset = 0; ; offset += 1000) {
    const res = await fetch(`${ofdPublic.baseUrl}/reports/receipts?from=${from}&to=${to}&limit=1000&offset=${offset}`, { headers: { 'x-yandex-ofd-token': ofdPublic.token } });
    expect(res.status).toBe(200);
    const rows = ((await res.json()) as { data: { rows: Record<string, unknown>[] } }).data.rows.filter((r) => !('Parent' in r));
    for (const r of rows) receipts.push({ day: String(r.dateTime).slice(0, 10), operation: String(r.operationType), totalKop: Math.round(kop(r.totalSum)) });
    if (rows.length < 1000) return receipts;
  }
}

/** Paid LIFE POS sales (what the widget counts as payments) per Moscow day, as sorted lists of totals. */
function posSalesByDay(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const s of lifepos.sales) {
    if (!['Paid', 'Refunded', 'PartiallyRefunded'].includes(s.payment_status)) continue;
    const day = new Date(Date.parse(s.opened_at.slice(0, 23) + 'Z') + MSK_MS).toISOString().slice(0, 10);
    out.set(day, [...(out.get(day) ?? []), s.total]);
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/** What is in `all` and not in `part` (both sorted multisets). */
function missing(all: number[], part: number[]): number[] {
  const left = [...part];
  return all.filter((v) => {
    const i = left.indexOf(v);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

beforeAll(async () => {
  story = shopStory({ now: NOW });
  [lifepos, ofd, ofdPublic, posiflora, market] = await Promise.all([
    startLifeposSim({ story, rps: 100_000 }),
    startOfdSim({ story, rps: 100_000 }),
    startOfdPublicSim({ story, rps: 100_000 }),
    startPosifloraSim({ story }),
    startMarketSim({ story, generationMs: 20, clock: () => Date.now() }),
  ]);
});
afterAll(async () => {
  await Promise.all([lifepos?.close(), ofd?.close(), ofdPublic?.close(), posiflora?.close(), market?.close()]);
});

describe('demo story: counter sales and fiscal receipts', () => {
  it('covers 400 days with a few unfiscalized days, one of them in the week before this one', () => {
    expect(story.days).toHaveLength(400);
    expect(story.lastDay).toBe('2026-11-30');
    expect(story.unfiscalizedDays.length).toBeGreaterThanOrEqual(3);
    expect(story.unfiscalizedDays.length).toBeLessThanOrEqual(8);
    expect(story.unfiscalizedDays).toContain('2026-11-25'); // Wednesday of the week before Monday 30 November
  });

  it('every paid sale has a receipt of the same amount on the same day in both OFD APIs, except on unfiscalized days, which fall short by exactly the missing sales', { timeout: 120_000 }, async () => {
    const [legacy, receipts] = await Promise.all([legacyNetByDay(story.firstDay, story.lastDay), publicReceipts(story.firstDay, story.lastDay)]);
    const pos = posSalesByDay();
    const income = new Map<string, number[]>();
    const publicNet = new Map<string, number>();
    for (const r of receipts) {
      const sign = r.operation === 'Приход' ? 1 : r.operation === 'Возврат прихода' ? -1 : 0;
      expect(sign, r.operation).not.toBe(0);
      if (sign === 1) income.set(r.day, [...(income.get(r.day) ?? []), r.totalKop]);
      publicNet.set(r.day, (publicNet.get(r.day) ?? 0) + sign * r.totalKop);
    }
    const short: Record<string, number> = {};
    for (const d of story.days) {
      const sales = pos.get(d.date) ?? [];
      const fiscal = (income.get(d.date) ?? []).sort((a, b) => a - b);
      // Both OFD APIs tell the same day.
      expect(legacy.get(d.date) ?? 0, d.date).toBe(publicNet.get(d.date) ?? 0);
      // Every receipt is a sale; sales without a receipt are the unfiscalized ones.
      expect(missing(fiscal, sales), d.date).toEqual([]);
      const unfiscalized = missing(sales, fiscal);
      if (unfiscalized.length > 0) short[d.date] = unfiscalized.reduce((a, b) => a + b, 0);
    }
    expect(Object.keys(short)).toEqual(story.unfiscalizedDays);
    // The widget's net for an unfiscalized day exceeds the fiscal net by exactly the missing sales.
    for (const [day, kopecks] of Object.entries(short)) {
      const w = await widgetDay(day);
      expect(w.net - (legacy.get(day) ?? 0), day).toBe(kopecks);
      expect(kopecks).toBeGreaterThan(50_000); // above the reconcile threshold's 500 ₽
    }
    // And equals it on a fiscalized day.
    const plain = story.days.find((d) => !d.unfiscalized && d.date < story.lastDay && d.date > shift(story.lastDay, -10))!.date;
    expect((await widgetDay(plain)).net).toBe(legacy.get(plain));
  });

  it('no day has a negative net, no refund is dated after now or before its sale, and today before opening is zero', { timeout: 60_000 }, async () => {
    const legacy = await legacyNetByDay(story.firstDay, story.lastDay);
    for (const [day, net] of legacy) expect(net, day).toBeGreaterThanOrEqual(0);
    const opened = new Map(lifepos.sales.map((s) => [s.guid, Date.parse(s.opened_at.slice(0, 23) + 'Z')]));
    for (const r of lifepos.refunds) {
      const at = Date.parse(r.processed_at.slice(0, 23) + 'Z');
      expect(at).toBeLessThanOrEqual(NOW.getTime());
      expect(at).toBeGreaterThan(opened.get(r.sale_guid)!);
    }
    // 01:20 today and 08:59: no sales, and no refunds either.
    for (const minutes of [80, 539]) {
      const early = await widgetDay(story.lastDay, dayStart(story.lastDay) + minutes * 60_000);
      expect(early).toEqual({ payments: 0, refunds: 0, net: 0, count: 0 });
    }
  });

  it('shows weekly seasonality, holiday spikes on 14 February and 8 March, and a refunds burst after 8 March', { timeout: 60_000 }, async () => {
    const legacy = await legacyNetByDay(story.firstDay, story.lastDay);
    const days = [...legacy.keys()].sort();
    const net = (day: string) => legacy.get(day) ?? 0;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const typical = median(days.map(net));
    for (const holiday of ['2026-02-14', '2026-03-08']) expect(net(holiday), holiday).toBeGreaterThan(2 * typical);
    const weekday = (d: string) => (new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7;
    const saturdays = median(days.filter((d) => weekday(d) === 5).map(net));
    const mondays = median(days.filter((d) => weekday(d) === 0).map(net));
    expect(saturdays).toBeGreaterThan(mondays * 1.2);

    const receipts = await publicReceipts('2026-01-01', '2026-06-30');
    const refundsIn = (from: string, to: string) => receipts.filter((r) => r.operation === 'Возврат прихода' && r.day >= from && r.day <= to).reduce((a, r) => a + r.totalKop, 0);
    const grossIn = (from: string, to: string) => receipts.filter((r) => r.operation === 'Приход' && r.day >= from && r.day <= to).reduce((a, r) => a + r.totalKop, 0);
    const burst = refundsIn('2026-03-08', '2026-03-17') / grossIn('2026-03-08', '2026-03-17');
    const usual = refundsIn('2026-04-01', '2026-06-30') / grossIn('2026-04-01', '2026-06-30');
    expect(burst).toBeGreaterThan(3 * usual);
  });
});

describe('demo story: the florist side and Market', () => {
  it('Posiflora orders are the same order of magnitude as the counter, with unpaid orders', async () => {
    const session = await fetch(`${posiflora.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.api+json' },
      body: JSON.stringify({ data: { type: 'sessions', attributes: { username: posiflora.sim.username, password: posiflora.sim.password } } }),
    });
    const token = ((await session.json()) as any).data.attributes.accessToken as string;
    const from = '2026-10-01T00:00:00+03:00';
    const to = '2026-10-31T23:59:59+03:00';
    const res = await fetch(`${posiflora.url}/v1/orders?page[size]=1&filter[createdAt][from]=${encodeURIComponent(from)}&filter[createdAt][to]=${encodeURIComponent(to)}&addMetaStatuses=true`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.api+json' },
    });
    expect(res.status).toBe(200);
    const meta = ((await res.json()) as any).meta;
    const florist = new Decimal(meta.orders_amounts.paymentsAmount);
    const w = await lifeposGet(`/widgets/revenue?processed_at_from=${new Date(dayStart('2026-10-01')).toISOString()}&processed_at_to=${new Date(dayStart('2026-11-01') - 1).toISOString()}`);
    const counter = new Decimal(w.current_summary.sum.total.value).div(100);
    const ratio = florist.div(counter).toNumber();
    expect(ratio).toBeGreaterThan(0.15);
    expect(ratio).toBeLessThan(1.5);
    expect(new Decimal(meta.orders_amounts.ordersAmount).greaterThan(florist)).toBe(true);
    expect(Number(meta.statuses.new) + Number(meta.statuses.done)).toBeGreaterThan(0);
  });

  it('Market orders ship FBS, and goods-movement by SKU adds up its movements by type', async () => {
    const movement = await marketReport('goods-movement', { campaignId: market.campaignId, dateFrom: '2026-08-01', dateTo: '2026-10-31' });
    const bySku = movement.movement_by_sku!;
    const byType = movement.movement_by_type!;
    expect(bySku.length).toBeGreaterThan(3);
    expect(byType.some((r) => r.movementType === 'Возврат')).toBe(true);
    for (const row of bySku) {
      const moves = byType.filter((m) => m.shopSku === row.shopSku);
      const sum = (type: string, field: 'income' | 'outcome') => moves.filter((m) => m.movementType === type).reduce((a, m) => a + (m[field] as number), 0);
      expect(row.ordersOutcome, row.shopSku).toBe(sum('Заказ', 'outcome'));
      expect(row.returnsIncome, row.shopSku).toBe(sum('Возврат', 'income'));
      expect(row.shipmentsIncome, row.shopSku).toBe(0); // FBS: nothing is supplied to a Market warehouse
    }
    const orders = (await marketReport('united-orders', { businessId: market.businessId, campaignIds: [market.campaignId], dateFrom: '2026-10-01', dateTo: '2026-10-31' })).orders_and_offers_transactions!;
    expect(orders.length).toBeGreaterThan(20);
    const warehouses = new Set([...bySku, ...byType].map((r) => r.warehouseName));
    expect(warehouses).toEqual(new Set(orders.map((r) => r.shipmentWarehouse)));
    expect(new Set(orders.map((r) => r.model))).toEqual(new Set(['FBS']));
    // Units the orders report hands over to delivery are what goods-movement takes out, SKU by SKU.
    const october = movement.movement_by_type!.filter((m) => m.movementType === 'Заказ' && m.date >= '2026-10-01');
    const live = orders.filter((r) => r.buyerPaymentAmount !== 0);
    expect(october.reduce((a, m) => a + m.outcome, 0)).toBe(live.reduce((a, r) => a + r.transferredForDelivery, 0));
  });
});

/** Generate a Market report, wait for it, download and unzip it: its sheets' rows. */
async function marketReport(type: string, body: Record<string, unknown>): Promise<Record<string, Record<string, any>[]>> {
  const headers = { 'Api-Key': market.apiKey, 'content-type': 'application/json' };
  const gen = await fetch(`${market.url}/v2/reports/${type}/generate?format=JSON`, { method: 'POST', headers, body: JSON.stringify(body) });
  expect(gen.status).toBe(200);
  const id = ((await gen.json()) as any).result.reportId as string;
  let file: string | undefined;
  while (!file) {
    await new Promise((r) => setTimeout(r, 30));
    file = ((await (await fetch(`${market.url}/v2/reports/info/${id}`, { headers })).json()) as any).result.file;
  }
  const zip = unzipSync(new Uint8Array(await (await fetch(file)).arrayBuffer()));
  return Object.fromEntries(Object.entries(zip).map(([name, bytes]) => [name.replace(/\.json$/, ''), (JSON.parse(strFromU8(bytes)) as { rows: Record<string, any>[] }).rows]));
}
