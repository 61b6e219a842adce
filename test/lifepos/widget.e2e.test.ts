import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim } from '../../src/sim/lifepos/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { expectedGrowth, expectedSummary, moscowDays, rubText } from './expected.js';

/**
 * get_revenue_widget through a real MCP client over stdio against the LIFE POS simulator. Expected figures
 * come from the simulator's seeded ledger (expected.ts, plain decimal.js), never from the code under test.
 */

const NOW = new Date('2026-11-25T09:00:00Z');
const seed = { now: NOW, days: 100, seed: 4242 };

type Group = { count: number | null; sum: string | null; average: string | null; median: string | null; share_by_sum: string | null; share_by_count: string | null };
type Summary = { reported_from: string | null; reported_to: string | null; payments: Group; refunds: Group; total: Group };
type WidgetOut = {
  org_guid: string;
  currency: string;
  money_unit: string;
  period_confirmed: boolean;
  current: Summary;
  previous: Summary;
  growth: { api_percentage: string | null; api_is_calculated: boolean | null; recomputed_percent: string | null; net_change: string | null };
  verdict: string;
  notes: string[];
};

function groupOf(g: Group) {
  return { count: g.count, sum: g.sum, average: g.average, median: g.median, share_by_sum: g.share_by_sum, share_by_count: g.share_by_count };
}

describe.each(['minor', 'major'] as const)('get_revenue_widget e2e, money unit %s', (unit) => {
  let sim: LifeposSim;
  let session: StdioSession;

  beforeAll(async () => {
    sim = await startLifeposSim({ ...seed, moneyUnit: unit });
    session = await connectStdio({ env: { ...sim.env('phone'), LIFEPOS_MONEY_UNIT: unit, REVENUE_TZ: 'Europe/Moscow' } });
  });
  afterAll(async () => {
    await session?.close();
    await sim?.close();
  });

  it('matches an independent computation for the current and the previous week', async () => {
    const org = sim.orgs[0]!.guid;
    const cur = expectedSummary(sim.data, org, moscowDays('2026-11-16', '2026-11-22'));
    const prev = expectedSummary(sim.data, org, moscowDays('2026-11-09', '2026-11-15'));
    expect(cur.payments.count).toBeGreaterThan(20);
    expect(cur.refunds.count + prev.refunds.count).toBeGreaterThan(0);

    const res = await session.client.callTool({ name: 'get_revenue_widget', arguments: { date_from: '2026-11-16', date_to: '2026-11-22' } });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as WidgetOut;
    expect(out.org_guid).toBe(org);
    expect(out.money_unit).toBe(unit);
    expect(out.currency).toBe('RUB');
    for (const [got, want] of [
      [out.current, cur],
      [out.previous, prev],
    ] as const) {
      expect(groupOf(got.payments)).toEqual(want.payments);
      expect(groupOf(got.refunds)).toEqual(want.refunds);
      expect(groupOf(got.total)).toEqual(want.total);
    }
    const growth = expectedGrowth(cur.net, prev.net);
    expect(out.growth.recomputed_percent).toBe(growth);
    expect(out.growth.api_percentage).toBe(String(Number(growth)));
    expect(out.growth.api_is_calculated).toBe(true);
    expect(out.growth.net_change).toBe(cur.net.minus(prev.net).toFixed(2));
    expect(out.period_confirmed).toBe(true);
    expect(out.current.reported_from).toBe('2026-11-16T00:00:00');
    expect(out.current.reported_to).toBe('2026-11-22T23:59:59');
    expect(out.previous.reported_from).toBe('2026-11-09T00:00:00');

    const text = textOf(res);
    const direction = cur.net.gt(prev.net) ? 'up' : 'down';
    expect(text).toContain(`Revenue ${direction} `);
    expect(text).toContain(`${rubText(cur.net)} vs ${rubText(prev.net)}`);
    expect(text).toContain(rubText(cur.payments.sum));
    expect(text).toContain('Periods reported by LIFE POS: current 2026-11-16 00:00 – 2026-11-22 23:59');
  });

  it('filters by outlet and sends the period under the documented candidate names', async () => {
    const org = sim.orgs[0]!;
    const outlet = org.outlets[1]!.guid;
    sim.server.clearRequests();
    const res = await session.client.callTool({
      name: 'get_revenue_widget',
      arguments: { date_from: '2026-10-01', date_to: '2026-10-31', outlet_guid: outlet.toUpperCase(), response_format: 'DETAILED' },
    });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as WidgetOut;
    // October has 31 days: the previous period is the 31 days before it.
    const cur = expectedSummary(sim.data, org.guid, moscowDays('2026-10-01', '2026-10-31'), outlet);
    const prev = expectedSummary(sim.data, org.guid, moscowDays('2026-08-31', '2026-09-30'), outlet);
    expect(groupOf(out.current.total)).toEqual(cur.total);
    expect(groupOf(out.previous.payments)).toEqual(prev.payments);
    const call = sim.server.requests.find((r) => r.path.endsWith('/widgets/revenue'))!;
    expect(call.query.get('processed_at_from')).toBe('2026-09-30T21:00:00.000Z');
    expect(call.query.get('processed_at_to')).toBe('2026-10-31T20:59:59.999Z');
    expect(call.query.get('comparison_processed_at_from')).toBe('2026-08-30T21:00:00.000Z');
    expect(call.query.get('outlet_guid')).toBe(outlet);
    expect(call.query.get('presentation')).toBe('full');
    expect(textOf(res)).toContain('Median refund');
  });

  it('says when the previous net is zero instead of inventing a growth rate', async () => {
    // Before the seeded history starts there is no revenue at all.
    const res = await session.client.callTool({ name: 'get_revenue_widget', arguments: { date_from: '2026-08-17', date_to: '2026-08-17' } });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as WidgetOut;
    expect(out.previous.total.count).toBe(0);
    expect(out.growth.api_is_calculated).toBe(false);
    expect(out.growth.recomputed_percent).toBeNull();
    expect(textOf(res)).toContain('is_calculated: false');
  });
});

describe('get_revenue_widget e2e: the reported period and share scale', () => {
  it('warns when LIFE POS ignores the period parameters and reports another period', async () => {
    const sim = await startLifeposSim({ ...seed, ignorePeriodParams: true, shareScale: 'percent' });
    const session = await connectStdio({ env: sim.env('token') });
    try {
      const res = await session.client.callTool({ name: 'get_revenue_widget', arguments: { period: 'last_month' } });
      expect(res.isError, textOf(res)).toBeFalsy();
      const out = res.structuredContent as WidgetOut;
      expect(out.period_confirmed).toBe(false);
      expect(out.notes.join(' ')).toMatch(/processed_at_from\/processed_at_to\) were not honoured/);
      expect(textOf(res)).toContain('⚠ LIFE POS reported the current period as');
      // Shares sent in percent are not multiplied again.
      const share = Number(out.current.payments.share_by_sum ?? '0') + Number(out.current.refunds.share_by_sum ?? '0');
      if (out.current.total.count) expect(share).toBeCloseTo(100, 1);
    } finally {
      await session.close();
      await sim.close();
    }
  });
});
