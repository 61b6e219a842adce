import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfdPublicSim, type OfdPublicSim } from '../../src/sim/ofd-public/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { bins, daysBetween, figures, s2, select } from './expected.js';

/**
 * What the new API costs: a 30-day month at about 300 receipts a day stays within 15 requests; a range the
 * exact mode would need more than ~60 requests for is answered with an offer of the shift mode, which takes
 * one request per period; filters accept retail point and cashbox names.
 */

const NOW = new Date('2026-05-20T12:00:00Z');
let sim: OfdPublicSim;
let session: StdioSession;

beforeAll(async () => {
  sim = await startOfdPublicSim({ now: NOW, days: 200, traffic: 3.3, rps: 1000 });
  session = await connectStdio({ env: { ...sim.env, REVENUE_TZ: 'Europe/Moscow', OFD_RPS: '100' } });
}, 60_000);
afterAll(async () => {
  await session?.close();
  await sim?.close();
});

async function call(args: Record<string, unknown>) {
  const result = await session.client.callTool({ name: 'get_sales_aggregation', arguments: args });
  return { result, text: textOf(result), sc: result.structuredContent as Record<string, any> };
}

describe('OFD_TOKEN: request planning', () => {
  it('a 30-day month at ~300 receipts a day costs at most 15 requests (the cache is off here)', async () => {
    const from = '2026-04-01';
    const to = '2026-04-30';
    const sel = select(sim.receipts, { from, to }, sim.companies);
    const perDay = sel.length / daysBetween(from, to);
    expect(perDay).toBeGreaterThan(270);
    expect(perDay).toBeLessThan(360);

    const before = sim.server.requests.length;
    const r = await call({ date_from: from, date_to: to, compare_previous: false });
    expect(r.result.isError, r.text).toBeFalsy();
    const sent = sim.server.requests.slice(before);
    expect(r.sc.requests).toBe(sent.length);
    expect(r.sc.requests).toBeLessThanOrEqual(15);
    expect(r.text).toMatch(new RegExp(`in ${r.sc.requests} requests`));
    // Every receipt page asks for the largest page /meta allows.
    for (const q of sent.filter((s) => s.path.endsWith('/reports/receipts'))) expect(q.query.get('limit')).toBe('1000');
    expect(r.sc.totals.gross_sales).toBe(s2(figures(sel).gross));
    expect(r.sc.totals.receipts).toBe(figures(sel).receipts);

    // With the previous month as well (the default): the same plan over twice the days.
    const both = await call({ date_from: from, date_to: to });
    expect(both.result.isError, both.text).toBeFalsy();
    expect(both.sc.requests).toBeLessThanOrEqual(30);
    console.log(`30 days at ${perDay.toFixed(0)} receipts/day: ${r.sc.requests} requests; with the previous period ${both.sc.requests}`);
  }, 120_000);

  it('a half year is not fetched receipt by receipt silently: the answer offers the shift mode', async () => {
    const before = sim.receiptRequests().length;
    const r = await call({ date_from: '2025-11-10', date_to: '2026-05-10', compare_previous: false });
    expect(r.result.isError).toBe(true);
    expect(r.text).toMatch(/^Invalid input, precision: exact figures for this period would take about \d+ requests/);
    expect(r.text).toContain('precision "shifts"');
    // Only the estimate was asked (one shifts request), no receipts.
    expect(sim.receiptRequests().length).toBe(before);
  }, 120_000);

  it('a busy shop (~8,000 receipts a day): 20 days, or 5 days with the previous 5, get the offer before any receipt is read', async () => {
    const busy = await startOfdPublicSim({ now: NOW, days: 30, traffic: 107, rps: 1000 });
    const s = await connectStdio({ env: { ...busy.env, REVENUE_TZ: 'Europe/Moscow', OFD_RPS: '100' } });
    try {
      const ask = async (args: Record<string, unknown>) => {
        const result = await s.client.callTool({ name: 'get_sales_aggregation', arguments: args });
        return { result, text: textOf(result) };
      };
      const perDay = select(busy.receipts, { from: '2026-04-21', to: '2026-05-10' }, busy.companies).length / 20;
      expect(perDay).toBeGreaterThan(7000);
      const twenty = await ask({ date_from: '2026-04-21', date_to: '2026-05-10', compare_previous: false });
      expect(twenty.result.isError).toBe(true);
      expect(twenty.text).toMatch(/^Invalid input, precision: exact figures for this period would take about \d+ requests .* over 20 days/);
      expect(twenty.text).toContain('precision "shifts"');
      // 5 days alone stay under the budget; with the previous 5 days they would not, and both count.
      const ten = await ask({ date_from: '2026-05-06', date_to: '2026-05-10' });
      expect(ten.result.isError).toBe(true);
      expect(ten.text).toMatch(/over 10 days not yet cached/);
      expect(busy.receiptRequests().length).toBe(0);
      expect(busy.server.requests.filter((q) => q.path.endsWith('/reports/shifts')).length).toBe(3);
    } finally {
      await s.close();
      await busy.close();
    }
  }, 120_000);

  it('precision "shifts": one request per period, labelled approximate, income and refunds only', async () => {
    const from = '2026-03-02';
    const to = '2026-04-26';
    const before = sim.server.requests.filter((q) => q.path.endsWith('/reports/shifts')).length;
    const r = await call({ date_from: from, date_to: to, interval: 'week', precision: 'shifts' });
    expect(r.result.isError, r.text).toBeFalsy();
    expect(sim.server.requests.filter((q) => q.path.endsWith('/reports/shifts')).length - before).toBe(2);
    expect(r.sc.precision).toBe('shifts');
    expect(r.text.split('\n')[0]).toContain('APPROXIMATE, from shift totals');
    expect(r.text).toMatch(/APPROXIMATE: figures come from shift totals/);
    expect(r.text).toContain('Answered by the Yandex OFD public API (OFD_TOKEN; approximate, from shift totals) in 2 requests');
    expect(r.text).not.toContain('added up from receipts');
    expect(r.sc.totals.outcome).toBeNull();
    expect(r.sc.absent).toContain('outcome (the whole block)');
    // The simulator's shifts close on the day they open, so shift days are calendar days here.
    const sel = select(sim.receipts, { from, to }, sim.companies);
    const e = figures(sel);
    expect([r.sc.totals.gross_sales, r.sc.totals.refunds, r.sc.totals.receipts]).toEqual([s2(e.gross), s2(e.refunds), e.receipts]);
    const weeks = bins(sel, 'week');
    expect(r.sc.intervals.map((i: any) => [i.start, i.gross_sales])).toEqual([...weeks.entries()].map(([k, w]) => [k, s2(w.gross)]));
  }, 120_000);

  it('precision "shifts" refuses a narrower document_types instead of answering the all-documents total', async () => {
    const before = sim.server.requests.length;
    const r = await call({ date_from: '2026-04-06', date_to: '2026-04-12', precision: 'shifts', document_types: ['receipt'] });
    expect(r.result.isError).toBe(true);
    expect(r.text).toMatch(/^Invalid input, document_types: shift totals count all receipt documents together .*leave document_types out, or use precision "exact"/);
    // Refused before any report was asked for.
    expect(sim.server.requests.slice(before).filter((q) => q.path.includes('/reports/'))).toEqual([]);
    // The default set, spelled out, is still answered.
    const ok = await call({ date_from: '2026-04-06', date_to: '2026-04-12', precision: 'shifts', document_types: ['bso', 'receipt', 'bsoCorrection', 'receiptCorrection'], compare_previous: false });
    expect(ok.result.isError, ok.text).toBeFalsy();
  }, 120_000);

  it('retail points and cashboxes by name: resolved through the directory, shown by name', async () => {
    const r = await call({ date_from: '2026-04-06', date_to: '2026-04-12', retail_point_ids: ['кофейня'], compare_previous: false });
    expect(r.result.isError, r.text).toBeFalsy();
    expect(r.sc.filters.retail_point_ids).toEqual(['1003']);
    expect(r.text).toContain('Filters: retail point "Кофейня" (1003)');
    expect(r.sc.totals.gross_sales).toBe(s2(figures(select(sim.receipts, { from: '2026-04-06', to: '2026-04-12', retailPoints: ['1003'] }, sim.companies)).gross));

    const box = await call({ date_from: '2026-04-06', date_to: '2026-04-12', cashbox_ids: ['Касса у метро', '5001'], compare_previous: false });
    expect(box.result.isError, box.text).toBeFalsy();
    expect(box.sc.filters.cashbox_ids).toEqual(['5003', '5001']);
    expect(box.sc.totals.gross_sales).toBe(s2(figures(select(sim.receipts, { from: '2026-04-06', to: '2026-04-12', cashboxes: ['5003', '5001'] }, sim.companies)).gross));

    const unknown = await call({ date_from: '2026-04-06', date_to: '2026-04-12', cashbox_ids: ['Касса на Луне'] });
    expect(unknown.result.isError).toBe(true);
    expect(unknown.text).toMatch(/^Invalid input, cashbox_ids: no cashbox is named "Касса на Луне"\. Known: .*"Касса кофейни" \(5004\)/);
  }, 120_000);
});
