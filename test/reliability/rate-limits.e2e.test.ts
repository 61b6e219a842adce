import { afterAll, describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { startLifeposSim } from '../../src/sim/lifepos/index.js';
import { startMarketSim } from '../../src/sim/market/index.js';
import { startOfdSim } from '../../src/sim/ofd/index.js';
import { startPosifloraSim } from '../../src/sim/posiflora/index.js';
import { busiestWindow } from '../helpers/arrivals.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';

/**
 * The limits hold where they count: at the upstream's arrival timestamps, in every sliding window, for
 * tool calls through a real MCP client. These are properties of the request log, not timing targets.
 */

const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close().catch(() => undefined)));
});

/**
 * The simulators stamp arrivals in this (busy) test process, so its event-loop lag is this rig's network
 * jitter; the margin is sized for that, as HTTP_RATE_MARGIN_MS would be for a real network.
 */
const MARGIN_MS = '150';

async function connect(env: Record<string, string>): Promise<StdioSession> {
  const session = await connectStdio({ env: { REVENUE_TZ: 'Europe/Moscow', LOG_LEVEL: 'warning', HTTP_RATE_MARGIN_MS: MARGIN_MS, ...env } });
  closers.push(() => session.close());
  return session;
}

async function expectAllOk(calls: Array<Promise<unknown>>): Promise<void> {
  for (const result of await Promise.all(calls)) expect((result as { isError?: boolean }).isError, textOf(result)).toBeFalsy();
}

describe('per-second limits at 5/s', () => {
  it('LIFE POS, Yandex OFD and Posiflora never see more than 5 requests in any sliding second', async () => {
    // Each simulator enforces 5/s too (in fixed windows, which a sliding-window client can never break).
    const lifepos = await startLifeposSim({ rps: 5 });
    const ofd = await startOfdSim({ rps: 5, days: 120 });
    const posiflora = await startPosifloraSim({ rps: 5, count: 3000, endDate: '2026-06-30', days: 180 });
    closers.push(lifepos.server.close.bind(lifepos.server), ofd.close, posiflora.close);

    const [lp, of, pf] = await Promise.all([
      connect({ ...lifepos.env('token'), LIFEPOS_ORG_GUID: lifepos.orgs[0]!.guid, LIFEPOS_RPS: '5' }),
      connect({ ...ofd.env, OFD_RPS: '5' }),
      connect({ ...posiflora.env, POSIFLORA_RPS: '5' }),
    ]);

    const sales = lifepos.sales.filter((s) => s.org_guid === lifepos.orgs[0]!.guid).slice(0, 12);
    const today = new Date();
    const isoDay = (daysAgo: number) => new Date(today.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const months = ['2026-03', '2026-04', '2026-05', '2026-06'];
    // One source after the other: the simulators share this process, and one busy simulator would delay
    // the arrival stamps of another.
    await expectAllOk(sales.map((s) => lp.client.callTool({ name: 'get_sale', arguments: { deal_guid: s.guid } })));
    await expectAllOk(
      Array.from({ length: 6 }, (_, i) =>
        of.client.callTool({ name: 'get_sales_aggregation', arguments: { date_from: isoDay(10 * i + 9), date_to: isoDay(10 * i), interval: 'day' } }),
      ),
    );
    await expectAllOk(
      months.map((m) =>
        pf.client.callTool({ name: 'list_posiflora_orders', arguments: { date_from: `${m}-01`, date_to: `${m}-28`, group_by: ['status', 'store'], aggregate: true, limit: 0 } }),
      ),
    );

    for (const [name, log] of [
      ['LIFE POS', lifepos.server.requests],
      ['Yandex OFD', ofd.server.requests],
      ['Posiflora', posiflora.server.requests],
    ] as const) {
      expect(log.length, `${name}: enough requests to fill several windows`).toBeGreaterThanOrEqual(10);
      expect(busiestWindow(log.map((r) => r.at), 1000), `${name}: most arrivals in one sliding second`).toBeLessThanOrEqual(5);
    }
  }, 90_000);
});

describe('long quotas slide', () => {
  it("Market's generate quota first used late after start never allows two generates within the interval", async () => {
    const intervalMs = 3000;
    const market = await startMarketSim({ generationMs: 200, clock: Date.now });
    closers.push(market.close);
    // Market's own quota, as the simulator enforces it: 1 generate per interval.
    market.settings.quotas['generate.united-orders'] = { limit: 1, windowMs: intervalMs };
    const session = await connect({
      ...market.env,
      MARKET_PROGRESS_INTERVAL_MS: '200',
      MARKET_GENERATE_ORDERS_INTERVAL_MS: String(intervalMs),
    });
    const call = (args: Record<string, unknown>) =>
      session.client.callTool({ name: 'await_market_report', arguments: args }, CallToolResultSchema, { timeout: 60_000 });

    // Bring Market's limiters to life (a status check of an unknown report), then use the generate quota
    // only most of an interval later: a window anchored at construction would reopen 0.5 s after that use.
    await call({ report_id: 'united_orders_unknown_1' });
    await new Promise((resolve) => setTimeout(resolve, intervalMs - 500));
    const report = (from: string, to: string) => call({ report: { type: 'united-orders', date_from: from, date_to: to }, max_wait_seconds: 60 });
    await expectAllOk([report('2026-10-01', '2026-10-31'), report('2026-09-01', '2026-09-30')]);

    const generates = market.server.requests.filter((r) => r.path.endsWith('/generate')).map((r) => r.at);
    expect(generates).toHaveLength(2);
    expect(busiestWindow(market.server.requests.filter((r) => r.path.endsWith('/generate')).map((r) => r.at), intervalMs)).toBe(1);
    expect(market.rejected420).toBe(0);
  }, 60_000);
});
