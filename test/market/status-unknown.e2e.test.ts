import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMarketSim, type MarketSim } from '../../src/sim/market/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';

/**
 * A status check (GET /v2/reports/info) that gets no answer — out of time, or the connection failing — must
 * not be reported as a status: await_market_report says the status is unknown and why, and keeps the
 * report_id to resume with. (It used to say "still PENDING", a status it never read, and a failed
 * connection ended in an error that did not name the report.) Through the built server over stdio.
 */

let sim: MarketSim;
let session: StdioSession;

const isInfo = (path: string) => path.startsWith('/v2/reports/info/');
const call = (args: Record<string, unknown>) =>
  session.client.callTool({ name: 'await_market_report', arguments: args }, CallToolResultSchema, { timeout: 60_000 });

beforeAll(async () => {
  // Reports stay in the making for a minute: a status Market sends is PENDING or PROCESSING.
  sim = await startMarketSim({ generationMs: 60_000, clock: Date.now });
  sim.settings.estimateMs = 200;
  sim.settings.quotas['generate.united-orders'] = { limit: 100, windowMs: 60_000 };
  session = await connectStdio({
    env: {
      ...sim.env,
      MARKET_GENERATE_ORDERS_INTERVAL_MS: '10',
      // A hung status check ends at the call's own deadline, not at a socket timeout.
      HTTP_HEADERS_TIMEOUT_MS: '10000',
      HTTP_RETRIES: '1',
      HTTP_BACKOFF_MS: '20',
      REVENUE_TZ: 'Europe/Moscow',
    },
  });
}, 30_000);

afterAll(async () => {
  await session?.close();
  await sim?.close();
});

/** What every such answer must hold: not an error, status unknown, the id to resume with and how. */
function expectUnknown(result: Awaited<ReturnType<typeof call>>, reportId: string): Record<string, any> {
  const text = textOf(result);
  expect(result.isError, text).toBeFalsy();
  const sc = result.structuredContent as Record<string, any>;
  expect(sc).toMatchObject({ report_id: reportId, status: 'UNKNOWN', ready: false, resume: { report_id: reportId } });
  expect(sc.estimated_seconds_left).toBeUndefined();
  expect(text).toMatch(/status unknown — the status check \(reports\/info\) got no answer/);
  expect(text).not.toMatch(/still (PENDING|PROCESSING)/);
  expect(text).toContain(`call await_market_report again with report_id="${reportId}"`);
  return sc;
}

describe('await_market_report when a status check gets no answer', () => {
  it('resuming, the only check hangs past max_wait_seconds: status unknown (not "still PENDING"), report_id kept', async () => {
    sim.server.clearFaults();
    sim.server.inject({ kind: 'hang' }, { times: 100, match: (req) => isInfo(req.path) });
    const started = Date.now();
    const result = await call({ report_id: 'report_that_hangs', max_wait_seconds: 1 });
    // Within max_wait_seconds and the one second a check started at the end may take.
    expect(Date.now() - started).toBeLessThan(5_000);
    const sc = expectUnknown(result, 'report_that_hangs');
    expect(sc.last_status).toBeUndefined();
    expect(textOf(result)).toMatch(/none came before max_wait_seconds \(1 s\) ran out/);
  });

  it('after an answered check, the next one hangs: status unknown, the last answered status named as such', async () => {
    sim.server.clearFaults();
    let checks = 0;
    sim.server.inject({ kind: 'hang' }, { times: 100, match: (req) => isInfo(req.path) && ++checks > 1 });
    const result = await call({ report: { type: 'united-orders', date_from: '2026-10-01', date_to: '2026-10-31' }, max_wait_seconds: 2 });
    const reportId = (result.structuredContent as Record<string, any> | undefined)?.report_id as string;
    const sc = expectUnknown(result, reportId);
    expect(checks).toBeGreaterThanOrEqual(2);
    expect(['PENDING', 'PROCESSING']).toContain(sc.last_status);
    expect(textOf(result)).toContain(`The last answered check said ${sc.last_status}.`);
  });

  it('the connection is reset on every check: status unknown with the failure, not an error that loses the report', async () => {
    sim.server.clearFaults();
    sim.server.inject({ kind: 'reset' }, { times: 100, match: (req) => isInfo(req.path) });
    const result = await call({ report_id: 'report_behind_a_reset', max_wait_seconds: 5 });
    expectUnknown(result, 'report_behind_a_reset');
    expect(textOf(result)).toMatch(/Yandex Market: connection problem on GET \/v2\/reports\/info/);
  });

  it('a status Market did send is still reported as such', async () => {
    sim.server.clearFaults();
    const result = await call({ report: { type: 'united-orders', date_from: '2026-09-01', date_to: '2026-09-30' }, max_wait_seconds: 1 });
    const sc = result.structuredContent as Record<string, any>;
    expect(['PENDING', 'PROCESSING']).toContain(sc.status);
    expect(sc.last_status).toBeUndefined();
    expect(textOf(result)).toMatch(new RegExp(`is still ${sc.status}`));
  });
});
