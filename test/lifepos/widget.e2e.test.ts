import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim } from '../../src/sim/lifepos/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { expectedGrowth, expectedSummary, moscowDays, rubText } from './expected.js';
import { rawOrgGet } from './raw.js';

/**
 * get_revenue_widget through a real MCP client over stdio against the LIFE POS simulator. Expected figures
 * come from the simulator's seeded ledger (expected.ts, plain decimal.js), never from the code under test.
 */

const NOW = new Date('2026-11-25T09:00:00Z');
const seed = { now: NOW, days: 100, seed: 4242 };

type Group = { count: number | null; sum: string | null; average: string | null; median: string | null; share_by_sum: string | null; share_by_count: string | null };
type Summary = { reported_from: string | null; reported_to: string | null; period_status: string; payments: Group; refunds: Group; total: Group };
type WidgetOut = {
  org_guid: string;
  currency: string;
  money_unit: string;
  period_confirmed: boolean;
  current: Summary;
  previous: Summary;
  growth: {
    api_percentage: string | null;
    api_scale: string;
    api_percent: string | null;
    api_is_calculated: boolean | null;
    recomputed_percent: string | null;
    net_change: string | null;
  };
  verdict: string;
  notes: string[];
};

/** The widget exactly as the simulator sends it (plain HTTP, no client code), to derive crafted answers from. */
const rawWidget = (sim: LifeposSim, query: Record<string, string>) => rawOrgGet(sim, `/widgets/revenue?${new URLSearchParams(query)}`);

const WEEK = { date_from: '2026-11-16', date_to: '2026-11-22' };
const WEEK_QUERY = {
  processed_at_from: '2026-11-15T21:00:00.000Z',
  processed_at_to: '2026-11-22T20:59:59.999Z',
  comparison_processed_at_from: '2026-11-08T21:00:00.000Z',
  comparison_processed_at_to: '2026-11-15T20:59:59.999Z',
};
const isWidgetCall = (r: { path: string }) => r.path.endsWith('/widgets/revenue');

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
    expect(out.growth.api_scale).toBe('percent');
    expect(out.growth.api_percent).toBe(growth);
    expect(out.growth.api_is_calculated).toBe(true);
    expect(out.growth.net_change).toBe(cur.net.minus(prev.net).toFixed(2));
    expect(out.period_confirmed).toBe(true);
    expect([out.current.period_status, out.previous.period_status]).toEqual(['confirmed', 'confirmed']);
    expect(out.current.reported_from).toBe('2026-11-16T00:00:00');
    expect(out.current.reported_to).toBe('2026-11-22T23:59:59');
    expect(out.previous.reported_from).toBe('2026-11-09T00:00:00');

    const text = textOf(res);
    const direction = cur.net.gt(prev.net) ? 'up' : 'down';
    expect(text).toContain(`Revenue ${direction} `);
    expect(text).toContain(`${rubText(cur.net)} vs ${rubText(prev.net)}`);
    expect(text).toContain(rubText(cur.payments.sum));
    // Confirmed periods are in the title already; the text says LIFE POS echoed them, the detailed text names them.
    expect(text).toContain('LIFE POS echoed both periods as requested.');
    expect(text.split('\n')[0]).toContain(': 2026-11-16 – 2026-11-22 (ISO week 47 of 2026) vs 2026-11-09 – 2026-11-15 (ISO week 46 of 2026) (the week before)**');
    expect(text).not.toContain('⚠');
  });

  it('says when growth_rate.percentage fits neither percent nor a fraction of the recomputed growth', async () => {
    const body = await rawWidget(sim, WEEK_QUERY);
    const cur = new Decimal(body.current_summary.sum.total.value);
    const prev = new Decimal(body.previous_summary.sum.total.value);
    const recomputed = cur.minus(prev).div(prev.abs()).times(100);
    // A value off by a factor of 10 from the true growth: neither reading is right.
    body.growth_rate.percentage = recomputed.div(10).toDecimalPlaces(2).toNumber();
    sim.server.inject({ kind: 'status', status: 200, body }, { times: 1, match: isWidgetCall });
    const res = await session.client.callTool({ name: 'get_revenue_widget', arguments: WEEK });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as WidgetOut;
    expect(out.growth.api_scale).toBe('unknown');
    expect(out.growth.api_percent).toBeNull();
    expect(out.growth.api_percentage).toBe(String(body.growth_rate.percentage));
    expect(out.growth.recomputed_percent).toBe(recomputed.toFixed(2, Decimal.ROUND_HALF_UP));
    expect(out.notes.join(' ')).toContain('neither as percent nor as a fraction of 1');
    expect(textOf(res)).toContain(`LIFE POS sent ${body.growth_rate.percentage} (scale unknown, not shown as a percentage)`);
  });

  it('keeps amounts finer than a kopeck exact in structuredContent and says the text rounds them', async () => {
    const body = await rawWidget(sim, WEEK_QUERY);
    // One more digit than a kopeck, in whichever unit this server reads: 0.001 of a rouble, or of a kopeck.
    const bump = unit === 'major' ? '0.001' : '0.1';
    const sum = body.current_summary.sum.payments;
    sum.value = new Decimal(sum.value).plus(bump).toNumber();
    sim.server.inject({ kind: 'status', status: 200, body }, { times: 1, match: isWidgetCall });
    const res = await session.client.callTool({ name: 'get_revenue_widget', arguments: WEEK });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as WidgetOut;
    const exact = new Decimal(sum.value).div(unit === 'major' ? 1 : 100);
    expect(exact.decimalPlaces()).toBe(3);
    expect(out.current.payments.sum).toBe(exact.toFixed());
    expect(textOf(res)).toContain(`⚠ Some amounts have fractions of a kopeck (read with LIFEPOS_MONEY_UNIT=${unit})`);
    if (unit === 'major') expect(textOf(res)).toContain('set LIFEPOS_MONEY_UNIT=minor');
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
    // October as dates is a calendar month: it is compared with September, as last_month would be.
    const cur = expectedSummary(sim.data, org.guid, moscowDays('2026-10-01', '2026-10-31'), outlet);
    const prev = expectedSummary(sim.data, org.guid, moscowDays('2026-09-01', '2026-09-30'), outlet);
    expect(groupOf(out.current.total)).toEqual(cur.total);
    expect(groupOf(out.previous.payments)).toEqual(prev.payments);
    const call = sim.server.requests.find((r) => r.path.endsWith('/widgets/revenue'))!;
    expect(call.query.get('processed_at_from')).toBe('2026-09-30T21:00:00.000Z');
    expect(call.query.get('processed_at_to')).toBe('2026-10-31T20:59:59.999Z');
    expect(call.query.get('comparison_processed_at_from')).toBe('2026-08-31T21:00:00.000Z');
    expect(call.query.get('outlet_guid')).toBe(outlet);
    expect(call.query.get('presentation')).toBe('full');
    expect(textOf(res)).toContain('Median refund');
    expect(textOf(res)).toContain('Periods reported by LIFE POS: current 2026-10-01 00:00 – 2026-10-31 23:59, previous 2026-09-01 00:00 – 2026-09-30 23:59 (as requested).');
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
  it('warns first and labels the figures with the period LIFE POS reported when it ignores the parameters', async () => {
    // The simulator's clock is pinned: its "today so far" is 2026-11-25 00:00–12:00 Moscow, whatever the wall clock says.
    const sim = await startLifeposSim({ ...seed, ignorePeriodParams: true, shareScale: 'percent', clock: () => NOW });
    const session = await connectStdio({ env: { ...sim.env('token'), REVENUE_TZ: 'Europe/Moscow' } });
    try {
      const res = await session.client.callTool({ name: 'get_revenue_widget', arguments: { date_from: '2026-10-01', date_to: '2026-10-31' } });
      expect(res.isError, textOf(res)).toBeFalsy();
      const out = res.structuredContent as WidgetOut;
      expect(out.period_confirmed).toBe(false);
      expect([out.current.period_status, out.previous.period_status]).toEqual(['other', 'other']);
      expect(out.notes.join(' ')).toMatch(/processed_at_from\/processed_at_to\) were not honoured/);
      // Figures for what LIFE POS reported: today so far, and the as-long stretch before it.
      const org = sim.orgs[0]!.guid;
      const from = moscowDays('2026-11-25', '2026-11-25').from;
      const cur = expectedSummary(sim.data, org, { from, to: NOW.getTime() });
      const prev = expectedSummary(sim.data, org, { from: from - (NOW.getTime() - from) - 1, to: from - 1 });
      expect(cur.payments.count).toBeGreaterThan(0);
      expect(groupOf(out.current.total)).toEqual(cur.total);
      expect(out.previous.total.sum).toBe(prev.total.sum);
      // Shares sent in percent are not multiplied again.
      expect(new Decimal(out.current.payments.share_by_sum!).plus(out.current.refunds.share_by_sum!).toNumber()).toBeCloseTo(100, 1);

      const lines = textOf(res).split('\n');
      expect(lines[0]).toContain('2026-11-25 00:00 – 2026-11-25 12:00 as reported by LIFE POS vs 2026-11-24 11:59 – 2026-11-24 23:59 as reported by LIFE POS**');
      expect(lines[0]).not.toContain('2026-10-01');
      expect(lines[1]).toMatch(/^⚠ LIFE POS reported the current period as 2026-11-25 00:00 – 2026-11-25 12:00, not the requested 2026-10-01 – 2026-10-31/);
      expect(lines[2]).toMatch(/^⚠ LIFE POS compared with 2026-11-24 11:59 – 2026-11-24 23:59, not the requested 2026-09-01 – 2026-09-30/);
      expect(out.verdict).toContain(`${rubText(cur.net)} vs ${rubText(prev.net)}`);
      expect(out.verdict).toContain('— 2026-11-25 00:00 – 2026-11-25 12:00 as reported by LIFE POS vs 2026-11-24 11:59 – 2026-11-24 23:59 as reported by LIFE POS.');
      expect(lines).toContain(out.verdict);
    } finally {
      await session.close();
      await sim.close();
    }
  });

  it('says "period not echoed by LIFE POS" when the answer names no period, and reads growth sent as a fraction', async () => {
    const sim = await startLifeposSim({ ...seed, echoPeriod: false, growthScale: 'fraction' });
    const session = await connectStdio({ env: { ...sim.env('token'), REVENUE_TZ: 'Europe/Moscow' } });
    try {
      const res = await session.client.callTool({ name: 'get_revenue_widget', arguments: WEEK });
      expect(res.isError, textOf(res)).toBeFalsy();
      const out = res.structuredContent as WidgetOut;
      expect(out.period_confirmed).toBe(false);
      expect([out.current.period_status, out.previous.period_status]).toEqual(['not_echoed', 'not_echoed']);
      expect(out.current.reported_from).toBeNull();
      const text = textOf(res);
      expect(text).not.toContain('not honoured');
      const lines = text.split('\n');
      expect(lines[0]).toContain('2026-11-16 – 2026-11-22 requested, period not echoed by LIFE POS vs 2026-11-09 – 2026-11-15 requested, period not echoed by LIFE POS**');
      expect(lines[1]).toMatch(/^⚠ Period not echoed by LIFE POS: .* requested 2026-11-16 – 2026-11-22/);
      expect(out.verdict).toContain('period not echoed by LIFE POS');

      // The figures themselves are still the requested week's (the simulator honoured the parameters).
      const org = sim.orgs[0]!.guid;
      const cur = expectedSummary(sim.data, org, moscowDays('2026-11-16', '2026-11-22'));
      const prev = expectedSummary(sim.data, org, moscowDays('2026-11-09', '2026-11-15'));
      expect(groupOf(out.current.total)).toEqual(cur.total);
      // growth_rate.percentage arrived as a fraction of 1 (4 places): detected, shown in percent.
      const growth = expectedGrowth(cur.net, prev.net)!;
      const fraction = cur.net.minus(prev.net).div(prev.net.abs()).toDecimalPlaces(4, Decimal.ROUND_HALF_UP);
      expect(out.growth.api_percentage).toBe(String(fraction.toNumber()));
      expect(out.growth.api_scale).toBe('fraction');
      expect(out.growth.api_percent).toBe(fraction.times(100).toFixed(2));
      expect(Math.abs(Number(out.growth.api_percent) - Number(growth))).toBeLessThanOrEqual(0.005);
      expect(text).toContain(`(sent as the fraction ${fraction.toString()})`);
      expect(out.notes.join(' ')).not.toContain('neither as percent');
    } finally {
      await session.close();
      await sim.close();
    }
  });
});

describe('get_revenue_widget e2e: the default period, today so far, on the real clock', () => {
  it('compares today until this minute with yesterday until the same minute, on data that covers the server\'s today', async () => {
    // The server resolves "today" with the real clock, so the simulator is seeded around the real now.
    const sim = await startLifeposSim({ now: new Date(), days: 3, seed: 11 });
    const session = await connectStdio({ env: { ...sim.env('token'), REVENUE_TZ: 'Europe/Moscow' } });
    try {
      // Sales open 09:00–21:00 Moscow; one paid sale a second ago (and one a day before that) make sure
      // both windows hold data whatever the hour.
      const t = Date.now();
      const midnight = Math.floor((t + 3 * 3_600_000) / 86_400_000) * 86_400_000 - 3 * 3_600_000;
      const model = sim.sales.find((s) => s.payment_status === 'Paid' && s.org_guid === sim.orgs[0]!.guid)!;
      for (const [i, at] of [Math.max(midnight, t - 1000), Math.max(midnight, t - 1000) - 86_400_000].entries()) {
        sim.sales.push({ ...model, guid: `0b5f0c0e-1111-4222-8333-94444555566${i}`, opened_at: new Date(at).toISOString() });
      }
      sim.server.clearRequests();
      const res = await session.client.callTool({ name: 'get_revenue_widget', arguments: {} });
      const after = Date.now();
      expect(res.isError, textOf(res)).toBeFalsy();
      const out = res.structuredContent as WidgetOut;
      const call = sim.server.requests.find(isWidgetCall)!;
      const q = (name: string) => Date.parse(call.query.get(name)!);
      const window = { from: q('processed_at_from'), to: q('processed_at_to') };
      const previous = { from: q('comparison_processed_at_from'), to: q('comparison_processed_at_to') };
      // Today from Moscow midnight to the end of the current minute; yesterday over the same hours.
      expect((window.from + 3 * 3_600_000) % 86_400_000).toBe(0);
      expect((window.to + 1) % 60_000).toBe(0);
      expect(window.to).toBeGreaterThanOrEqual(t);
      expect(window.to).toBeLessThan(after + 60_000);
      expect(previous).toEqual({ from: window.from - 86_400_000, to: window.to - 86_400_000 });
      expect(out.period_confirmed).toBe(true);

      const org = sim.orgs[0]!.guid;
      const cur = expectedSummary(sim.data, org, window);
      const prev = expectedSummary(sim.data, org, previous);
      expect(cur.payments.count).toBeGreaterThan(0);
      expect(prev.payments.count).toBeGreaterThan(0);
      expect(groupOf(out.current.payments)).toEqual(cur.payments);
      expect(groupOf(out.previous.payments)).toEqual(prev.payments);
      expect(groupOf(out.current.total)).toEqual(cur.total);
      expect(out.verdict).toContain(`${rubText(cur.net)} vs ${rubText(prev.net)}`);
    } finally {
      await session.close();
      await sim.close();
    }
  });
});
