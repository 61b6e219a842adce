import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim } from '../../src/sim/lifepos/index.js';
import { startOfdPublicSim, type OfdPublicSim } from '../../src/sim/ofd-public/index.js';
import { startPosifloraSim, type StartedPosifloraSim } from '../../src/sim/posiflora/index.js';
import { startMarketSim, type MarketSim } from '../../src/sim/market/index.js';
import { expectedOrders } from '../market/expected.js';
import { shopStory, type ShopStory } from '../../src/sim/story/index.js';
import { expectedSummary, moscowDays } from '../lifepos/expected.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { bins, select, shiftDays } from '../ofd/expected.js';

/**
 * revenue_overview end to end: the built server over stdio, a real MCP client, the LIFE POS, Yandex OFD
 * (token API) and Posiflora simulators on 127.0.0.1, all telling the demo shop's story (src/sim/story), which
 * seeds days whose sales partly have no receipt. Expected per-day figures are computed here from what the
 * simulators serve (their ledgers), with plain decimal.js; the story only says which days to look at.
 */

interface Day {
  date: string;
  pos_net: string | null;
  fiscal_net: string | null;
  difference: string | null;
  flagged: boolean;
}
interface Overview {
  kind: string;
  period: { date_from: string; date_to: string };
  previous_period: { date_from: string; date_to: string };
  sources: Array<{ source: string; ok: boolean; net?: string | null; error?: string; count?: number | null }>;
  reconciliation?: { method: string; threshold: string; flagged_days: number; days_total: number; days: Day[] };
  orders_vs_payments?: { days: Day[] };
  notes: string[];
}

/** Monday and Sunday of last week in Moscow (UTC+3, no DST), worked out here on its own. */
function lastWeek(now = Date.now()): { from: string; to: string } {
  const today = new Date(now + 3 * 3_600_000).toISOString().slice(0, 10);
  const weekday = (new Date(`${today}T12:00:00Z`).getUTCDay() + 6) % 7;
  const from = shiftDays(today, -weekday - 7);
  return { from, to: shiftDays(from, 6) };
}

/** Seven closed days around the story's most recent unfiscalized day. */
function seededWeek(story: ShopStory): { from: string; to: string } {
  const yesterday = shiftDays(new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 10), -1);
  const day = story.unfiscalizedDays.filter((d) => d <= yesterday).at(-1)!;
  const to = shiftDays(day, 3) < yesterday ? shiftDays(day, 3) : yesterday;
  return { from: shiftDays(to, -6), to };
}

/** The reconciliation the simulators' data imply: POS net vs fiscal net per Moscow day, flagged at 1 % and 500 ₽. */
function expectedDays(lifepos: LifeposSim, ofd: OfdPublicSim, from: string, to: string): Day[] {
  const org = lifepos.orgs[0]!.guid;
  const fiscal = bins(select(ofd.receipts, { from, to }, ofd.companies), 'day');
  const out: Day[] = [];
  for (let date = from; date <= to; date = shiftDays(date, 1)) {
    const pos = expectedSummary(lifepos.data, org, moscowDays(date, date)).net;
    const fisc = fiscal.get(date)?.net ?? new Decimal(0);
    const gap = pos.minus(fisc);
    const flagged = gap.gt(500) && gap.gt(pos.times('0.01'));
    out.push({ date, pos_net: pos.toFixed(2), fiscal_net: fisc.toFixed(2), difference: fisc.minus(pos).toFixed(2), flagged });
  }
  return out;
}

const sc = (res: CallToolResult) => res.structuredContent as unknown as Overview;
const tokens = (res: CallToolResult) => Math.ceil((textOf(res).length + JSON.stringify(res.structuredContent).length) / 4);

describe('revenue_overview over a real MCP client', () => {
  let lifepos: LifeposSim;
  let ofd: OfdPublicSim;
  let posiflora: StartedPosifloraSim;
  let server: StdioSession;
  let hasty: StdioSession;
  const story = shopStory({ now: new Date() });
  const week = seededWeek(story);

  beforeAll(async () => {
    [lifepos, ofd, posiflora] = await Promise.all([startLifeposSim({ story }), startOfdPublicSim({ story }), startPosifloraSim({ story })]);
    const env = { ...lifepos.env('token'), ...ofd.env, ...posiflora.env, HTTP_BACKOFF_MS: '50' };
    [server, hasty] = await Promise.all([connectStdio({ env }), connectStdio({ env: { ...env, REVENUE_OVERVIEW_DEADLINE_SECONDS: '2' } })]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), hasty?.close()]);
    await Promise.all([lifepos?.close(), ofd?.close(), posiflora?.close()]);
  });

  const overview = async (session: StdioSession, args: Record<string, unknown>) => (await session.client.callTool({ name: 'revenue_overview', arguments: args })) as CallToolResult;

  it('a seeded week: every day POS net vs fiscal net with the exact difference, exactly the unfiscalized days flagged; periods first; within 2,000 tokens', async () => {
    const res = await overview(server, { date_from: week.from, date_to: week.to });
    expect(res.isError, textOf(res)).toBeFalsy();
    const o = sc(res);
    expect(o.kind).toBe('revenue_overview');
    const expected = expectedDays(lifepos, ofd, week.from, week.to);
    expect(o.reconciliation?.days).toEqual(expected);
    expect(o.reconciliation?.flagged_days).toBe(expected.filter((d) => d.flagged).length);
    // Exactly the story's unfiscalized days of the week, each short by what the simulators' data say.
    const seeded = story.unfiscalizedDays.filter((d) => d >= week.from && d <= week.to);
    expect(seeded.length).toBeGreaterThan(0);
    expect(o.reconciliation!.days.filter((d) => d.flagged).map((d) => d.date)).toEqual(seeded);
    expect(o.reconciliation?.method).toContain('reports/revenue/periods (Day)');
    // The text leads with the period and the one it is compared with, and names every flagged day.
    const previous = { from: shiftDays(week.from, -7), to: shiftDays(week.to, -7) };
    expect(textOf(res).split('\n')[0]).toContain(`${week.from} – ${week.to} vs ${previous.from} – ${previous.to}`);
    for (const d of expected.filter((x) => x.flagged)) expect(textOf(res)).toContain(d.date);
    // Each source on its own row, never a sum of them.
    expect(o.sources.map((s) => s.source)).toEqual(['LIFE POS', 'Yandex OFD', 'Posiflora']);
    const posNet = expectedSummary(lifepos.data, lifepos.orgs[0]!.guid, moscowDays(week.from, week.to)).net;
    expect(o.sources[0]).toMatchObject({ ok: true, net: posNet.toFixed(2) });
    expect(tokens(res)).toBeLessThanOrEqual(2_000);
    // A month stays concise too: every flagged day counted, the most recent days listed.
    const month = await overview(server, { period: 'last_month' });
    expect(sc(month).reconciliation!.days_total).toBeGreaterThanOrEqual(28);
    expect(tokens(month)).toBeLessThanOrEqual(2_000);
  });

  it('without reports/revenue/periods, one widget call per day gives the same days and says so', async () => {
    lifepos.server.inject({ kind: 'status', status: 404, body: { code: 'NotFound', message: 'Not found', info: '' } }, { times: 10, match: (r) => r.path.endsWith('/reports/revenue/periods') });
    try {
      const res = await overview(server, { date_from: week.from, date_to: week.to, sources: ['lifepos', 'ofd'] });
      const o = sc(res);
      expect(o.reconciliation?.method).toMatch(/one LIFE POS widget call per day \(7 requests; reports\/revenue\/periods: it failed/);
      expect(o.reconciliation?.days).toEqual(expectedDays(lifepos, ofd, week.from, week.to));
    } finally {
      lifepos.server.clearFaults();
    }
  });

  it('a source answering 500 becomes its one error line; the others still answer', async () => {
    posiflora.server.inject({ kind: 'status', status: 500, body: { errors: [{ status: '500', title: 'Internal Server Error' }] } }, { times: 1_000 });
    try {
      const res = await overview(server, { period: 'last_week' });
      expect(res.isError, textOf(res)).toBeFalsy();
      const o = sc(res);
      const failed = o.sources.find((s) => s.source === 'Posiflora')!;
      expect(failed.ok).toBe(false);
      expect(failed.error).toMatch(/500/);
      expect(failed.error).not.toContain('\n');
      expect(o.sources.filter((s) => s.ok).map((s) => s.source)).toEqual(['LIFE POS', 'Yandex OFD']);
      expect(textOf(res)).toContain(`| Posiflora | ✗ ${failed.error}`);
      expect(o.reconciliation?.days).toHaveLength(7);
      expect(tokens(res)).toBeLessThanOrEqual(2_000);
    } finally {
      posiflora.server.clearFaults();
    }
  });

  it('a source that hangs is cut off at the deadline and reported as such', async () => {
    ofd.server.inject({ kind: 'latency', ms: 60_000 }, { times: 1_000 });
    try {
      const started = Date.now();
      const res = await overview(hasty, { period: 'last_week', sources: ['lifepos', 'ofd'] });
      const took = Date.now() - started;
      const o = sc(res);
      expect(o.sources[1]).toMatchObject({ source: 'Yandex OFD', ok: false });
      expect(o.sources[1]!.error).toContain("within the overview's 2 s deadline");
      expect(o.sources[0]!.ok).toBe(true);
      // 2 s deadline against a 60 s hang; the margin is for a loaded machine.
      expect(took).toBeLessThan(15_000);
    } finally {
      ofd.server.clearFaults();
    }
  });
});

describe('revenue_overview and Yandex Market', () => {
  let market: MarketSim;
  let server: StdioSession;
  const week = lastWeek();

  beforeAll(async () => {
    market = await startMarketSim({ generationMs: 300 });
    server = await connectStdio({
      env: { ...market.env, MARKET_GENERATE_ORDERS_INTERVAL_MS: '10' },
    });
  });
  afterAll(async () => {
    await server?.close();
    await market?.close();
  });

  it('never generates a report: says which await_market_report call gets one, then reads the one fetched', async () => {
    const generations = () => market.server.requests.filter((r) => r.path.includes('/generate')).length;
    const args = { date_from: week.from, date_to: week.to };
    const before = (await server.client.callTool({ name: 'revenue_overview', arguments: args })) as CallToolResult;
    const row = sc(before).sources[0]!;
    expect(row).toMatchObject({ source: 'Yandex Market', ok: false });
    expect(row.error).toContain(`await_market_report {"report":{"type":"united-orders","date_from":"${week.from}","date_to":"${week.to}"}}`);
    expect(generations()).toBe(0);

    const report = (await server.client.callTool({ name: 'await_market_report', arguments: { report: { type: 'united-orders', ...args } } })) as CallToolResult;
    expect(report.isError, textOf(report)).toBeFalsy();
    const after = (await server.client.callTool({ name: 'revenue_overview', arguments: args })) as CallToolResult;
    expect(sc(after).sources[0]).toMatchObject({ source: 'Yandex Market', ok: true, net: expectedOrders(market.orders, week.from, week.to).revenue.amount });
    expect(generations()).toBe(1);
  });
});
