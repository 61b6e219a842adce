import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMarketSim, type MarketSim } from '../../src/sim/market/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';

/**
 * Issue 12, bullet 5, through a real MCP client: every tool states its period and its comparison period in
 * the text and in structuredContent.periods, and last month reads the same given as dates or as
 * `last_month`. The month is computed here from the clock, in the shop's zone, independently of the server.
 */

const TZ = 'Europe/Moscow';
interface Periods { from: string; to: string; previous_from: string; previous_to: string; basis: string; compared: boolean }

function lastMonth(): { from: string; to: string; prevFrom: string; prevTo: string } {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const [y, m] = today.split('-').map(Number) as [number, number];
  const ymd = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
  return { from: ymd(y, m - 1, 1), to: ymd(y, m, 0), prevFrom: ymd(y, m - 2, 1), prevTo: ymd(y, m - 1, 0) };
}

const month = lastMonth();
const DATES = { date_from: month.from, date_to: month.to };

/** Per tool: its arguments besides the period, and the figures that must match between the two spellings. */
const TOOLS: Array<{ name: string; args: Record<string, unknown>; comparison: (sc: Record<string, any>) => unknown }> = [
  { name: 'get_revenue_widget', args: {}, comparison: (sc) => [sc.previous, sc.growth] },
  { name: 'get_sales_aggregation', args: { interval: 'week' }, comparison: (sc) => sc.previous },
  { name: 'list_posiflora_orders', args: { compare_previous: true, limit: 0 }, comparison: (sc) => sc.previous },
  { name: 'list_sales', args: { limit: 1 }, comparison: (sc) => [sc.matching, sc.previous_matching] },
];

function expectPeriodsStated(text: string, periods: Periods): void {
  expect(periods.from).toBe(`${month.from}T00:00:00`);
  expect(periods.to).toBe(`${month.to}T23:59:59`);
  expect(periods.previous_from).toBe(`${month.prevFrom}T00:00:00`);
  expect(periods.previous_to).toBe(`${month.prevTo}T23:59:59`);
  expect(periods.basis).toBe('the previous calendar month');
  const first = text.split('\n').slice(0, 3).join('\n');
  expect(first).toContain(`${month.from} – ${month.to}`);
  expect(first).toContain(`vs ${month.prevFrom} – ${month.prevTo}`);
  expect(first).toContain(periods.basis);
}

describe('periods read the same however they are named (demo simulators)', () => {
  let session: StdioSession;
  beforeAll(async () => {
    session = await connectStdio({ args: ['--demo'], env: { REVENUE_TZ: TZ } });
  });
  afterAll(async () => session?.close());

  it.each(TOOLS)('$name: last month as dates and as last_month give the same, stated comparison', async ({ name, args, comparison }) => {
    const byDates = await session.client.callTool({ name, arguments: { ...args, ...DATES } }, CallToolResultSchema, { timeout: 120_000 });
    const byName = await session.client.callTool({ name, arguments: { ...args, period: 'last_month' } }, CallToolResultSchema, { timeout: 120_000 });
    for (const res of [byDates, byName]) {
      expect(res.isError, textOf(res)).toBeFalsy();
      expectPeriodsStated(textOf(res), (res.structuredContent as { periods: Periods }).periods);
    }
    const a = byDates.structuredContent as Record<string, any>;
    const b = byName.structuredContent as Record<string, any>;
    expect(a.periods).toEqual(b.periods);
    expect(a.periods.compared).toBe(true);
    expect(comparison(a)).toEqual(comparison(b));
    expect(comparison(a)).not.toEqual(comparison({}));
  }, 240_000);
});

describe('revenue_overview states both periods and compares last month the same however it is named', () => {
  let session: StdioSession;
  beforeAll(async () => {
    session = await connectStdio({ args: ['--demo'], env: { REVENUE_TZ: TZ } });
  });
  afterAll(async () => session?.close());

  it('dates and last_month: the same periods in the first line and structuredContent, the same change per source', async () => {
    type Overview = { period: { date_from: string; date_to: string }; previous_period: { date_from: string; date_to: string }; sources: Array<{ source: string; change: unknown }> };
    const [byDates, byName] = await Promise.all(
      [DATES, { period: 'last_month' }].map((args) => session.client.callTool({ name: 'revenue_overview', arguments: args }, CallToolResultSchema, { timeout: 120_000 })),
    );
    for (const res of [byDates!, byName!]) {
      expect(res.isError, textOf(res)).toBeFalsy();
      expect(textOf(res).split('\n')[0]).toContain(`${month.from} – ${month.to} vs ${month.prevFrom} – ${month.prevTo}`);
      const sc = res.structuredContent as unknown as Overview;
      expect([sc.period.date_from, sc.period.date_to]).toEqual([`${month.from}T00:00:00`, `${month.to}T23:59:59`]);
      expect([sc.previous_period.date_from, sc.previous_period.date_to]).toEqual([`${month.prevFrom}T00:00:00`, `${month.prevTo}T23:59:59`]);
    }
    const changes = (res: typeof byDates) => (res!.structuredContent as unknown as Overview).sources.map((r) => [r.source, r.change]);
    expect(changes(byDates)).toEqual(changes(byName));
    expect(changes(byDates).filter(([, c]) => c !== null).length).toBeGreaterThanOrEqual(3);
  }, 240_000);
});

describe('await_market_report states its period and the comparison period it does not fetch', () => {
  let sim: MarketSim;
  let session: StdioSession;
  beforeAll(async () => {
    sim = await startMarketSim({ generationMs: 200, quotas: { 'generate.united-orders': { limit: 10, windowMs: 1000 } } });
    session = await connectStdio({
      env: { MARKET_BASE_URL: sim.url, MARKET_API_KEY: sim.apiKey, MARKET_BUSINESS_ID: String(sim.businessId), MARKET_GENERATE_ORDERS_INTERVAL_MS: '10', REVENUE_TZ: TZ },
    });
  });
  afterAll(async () => {
    await session?.close();
    await sim?.close();
  });

  it('last month as dates and as last_month: same periods, stated, with orders by day', async () => {
    const results = [];
    for (const spelled of [DATES, { period: 'last_month' }]) {
      const res = await session.client.callTool({ name: 'await_market_report', arguments: { report: { type: 'united-orders', ...spelled } } }, CallToolResultSchema, { timeout: 60_000 });
      expect(res.isError, textOf(res)).toBeFalsy();
      const sc = res.structuredContent as Record<string, any>;
      expect(sc.ready).toBe(true);
      expectPeriodsStated(textOf(res), sc.periods);
      expect(sc.periods.compared).toBe(false);
      expect(textOf(res)).toContain('not compared');
      results.push(sc);
    }
    expect(results[0]!.periods).toEqual(results[1]!.periods);
    // Orders by day: every day inside the period, amounts adding up to the revenue headline.
    const byDay = results[0]!.orders.by_day as Array<{ date: string; orders: number; amount: string }>;
    expect(byDay.length).toBeGreaterThan(0);
    for (const d of byDay) expect(d.date >= month.from && d.date <= month.to).toBe(true);
    const { Decimal } = await import('decimal.js');
    const sum = byDay.reduce((s, d) => s.plus(d.amount), new Decimal(0));
    expect(sum.toFixed(2)).toBe(new Decimal(results[0]!.orders.revenue.amount).toFixed(2));
  }, 120_000);
});
