import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim, type SimSale } from '../../src/sim/lifepos/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';

/** list_sales through a real MCP client over stdio; expectations from the simulator's seeded sales. */

const NOW = new Date('2026-11-25T09:00:00Z');
const DAY = '2026-11-20';
const MSK = 3 * 3_600_000;

interface Row { deal_guid: string; number: string | null; total: string | null; outlet: string | null; outlet_guid: string | null; opened_at: string | null }
interface Out {
  periods: { from: string; to: string; previous_from: string; previous_to: string; basis: string; compared: boolean };
  matching: number | null;
  previous_matching: number | null;
  read: { sales: number; total: string | null; complete: boolean };
  requests: number;
  rows: Row[];
  next_cursor: string | null;
}

const rub = (kopecks: number) => new Decimal(kopecks).div(100).toFixed(2);
const instant = (iso: string) => Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
/** Sales of the first organization opened on a Moscow calendar day, as ListSale's default selection shows them. */
function salesOn(sim: LifeposSim, day: string): SimSale[] {
  const from = Date.parse(`${day}T00:00:00Z`) - MSK;
  return sim.sales.filter((s) => s.org_guid === sim.orgs[0]!.guid && !s.deleted_at && instant(s.opened_at) >= from && instant(s.opened_at) < from + 86_400_000);
}

describe('list_sales (e2e, LIFE POS simulator)', () => {
  let sim: LifeposSim;
  let session: StdioSession;
  beforeAll(async () => {
    sim = await startLifeposSim({ now: NOW, days: 30, seed: 777, salesPerDay: 80 });
    session = await connectStdio({ env: { ...sim.env('token'), REVENUE_TZ: 'Europe/Moscow' } });
  });
  afterAll(async () => {
    await session?.close();
    await sim?.close();
  });
  const call = async (args: Record<string, unknown>) => session.client.callTool({ name: 'list_sales', arguments: args });

  it('finds the largest sale of a day, and get_sale opens it', async () => {
    const day = salesOn(sim, DAY);
    expect(day.length).toBeGreaterThan(SALES_PAGE_FLOOR);
    const max = Math.max(...day.map((s) => s.total));
    const largest = day.filter((s) => s.total === max).map((s) => s.guid);

    const res = await call({ date_from: DAY, date_to: DAY, sort: 'largest', limit: 3 });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as Out;
    expect(largest).toContain(out.rows[0]!.deal_guid);
    expect(out.rows[0]!.total).toBe(rub(max));
    expect(out.rows.map((r) => Number(r.total))).toEqual([...out.rows.map((r) => Number(r.total))].sort((a, b) => b - a));
    expect(out.read).toMatchObject({ sales: day.length, complete: true, total: rub(day.reduce((s, x) => s + x.total, 0)) });
    expect(out.matching).toBe(day.length);
    expect(out.previous_matching).toBe(salesOn(sim, '2026-11-19').length);
    // Pages of 100, one request for the previous period's count, one for outlet names.
    expect(out.requests).toBe(Math.ceil(day.length / 100) + 2);
    const outlet = sim.orgs[0]!.outlets.find((o) => o.guid === out.rows[0]!.outlet_guid)!;
    expect(out.rows[0]!.outlet).toBe(outlet.name);
    const text = textOf(res);
    expect(text.split('\n')[0]).toContain(`${DAY} vs 2026-11-19 (the day before)`);
    expect(text).toContain(outlet.name);
    expect(text).toContain(out.rows[0]!.deal_guid);

    const sale = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: out.rows[0]!.deal_guid } });
    expect(sale.isError, textOf(sale)).toBeFalsy();
    expect((sale.structuredContent as { total: string }).total).toBe(rub(max));
  });

  it('pages newest first with a cursor through every sale of the day, exactly once', async () => {
    const expected = salesOn(sim, DAY)
      .sort((a, b) => instant(b.opened_at) - instant(a.opened_at) || a.guid.localeCompare(b.guid))
      .map((s) => s.guid);
    const seen: string[] = [];
    let cursor: string | undefined;
    let calls = 0;
    do {
      const res = await call({ date_from: DAY, date_to: DAY, limit: 70, ...(cursor ? { cursor } : {}) });
      expect(res.isError, textOf(res)).toBeFalsy();
      const out = res.structuredContent as Out;
      seen.push(...out.rows.map((r) => r.deal_guid));
      if (out.next_cursor) expect(textOf(res)).toContain(`${expected.length - seen.length} more — pass cursor`);
      cursor = out.next_cursor ?? undefined;
      calls++;
    } while (cursor && calls < 10);
    expect(seen).toEqual(expected);
  });

  it('filters by status and search the way the simulator stores them', async () => {
    const refunded = salesOn(sim, DAY).filter((s) => s.payment_status === 'Refunded');
    const res = await call({ date_from: DAY, date_to: DAY, payment_statuses: 'refunded', limit: 100 });
    expect(res.isError, textOf(res)).toBeFalsy();
    expect(new Set((res.structuredContent as Out).rows.map((r) => r.deal_guid))).toEqual(new Set(refunded.map((s) => s.guid)));
    const one = salesOn(sim, DAY)[0]!;
    const found = await call({ date_from: DAY, date_to: DAY, search: one.number });
    expect((found.structuredContent as Out).rows.map((r) => r.number)).toContain(one.number);
  });

  it.each([
    ['a reversed period', { date_from: '2026-11-21', date_to: '2026-11-20' }, /date_from.*swap/],
    ['an unknown status', { period: 'yesterday', states: ['Shipped'] }, /states/],
    ['a bad cursor', { period: 'yesterday', cursor: 'not-a-cursor' }, /cursor.*not a cursor/],
    ['a huge search', { period: 'yesterday', search: 'x'.repeat(5000) }, /search.*1–64/],
  ])('refuses %s naming the field', async (_what, args, field) => {
    const res = await call(args);
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(field);
    expect(textOf(res).length).toBeLessThan(600);
  });

  it('refuses a cursor of another query', async () => {
    const first = (await call({ date_from: DAY, date_to: DAY, limit: 1 })).structuredContent as Out;
    const res = await call({ date_from: '2026-11-19', date_to: '2026-11-19', cursor: first.next_cursor });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/cursor.*another query/);
  });
});

/** The day must span more than one page of 100 so paging is exercised. */
const SALES_PAGE_FLOOR = 100;
