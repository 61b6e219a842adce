import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMarketSim, type MarketSim } from '../../src/sim/market/index.js';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';

/**
 * Rate-limit pauses as an operator meets them: a Retry-After of 28 hours is capped and the source probed
 * again; a pause past today names its date; await_market_report answers at once (with the upstream's own
 * reset time) when a generate 420 lifts after max_wait_seconds, and its download keeps to the wait.
 */

const sessions: StdioSession[] = [];
afterAll(() => Promise.all(sessions.map((s) => s.close().catch(() => undefined))));
async function connect(env: Record<string, string>): Promise<StdioSession> {
  const s = await connectStdio({ env });
  sessions.push(s);
  return s;
}

describe('Retry-After pauses', () => {
  let sim: OfdSim;
  const NOW = new Date('2026-03-20T12:00:00Z');
  const CALL = { name: 'get_sales_aggregation', arguments: { date_from: '2026-02-02', date_to: '2026-02-08', compare_previous: false } };
  const tooMany = { kind: 'status' as const, status: 429, headers: { 'retry-after': '99999' }, body: { error: 'slow down' } };
  beforeAll(async () => {
    sim = await startOfdSim({ now: NOW, rps: 1000 });
  });
  afterAll(() => sim?.close());

  it('Retry-After: 99999 pauses the source only up to HTTP_MAX_PAUSE_SECONDS, then probes again', async () => {
    const s = await connect({ ...sim.env, HTTP_MAX_PAUSE_SECONDS: '2', HTTP_BACKOFF_MS: '20' });
    sim.server.inject(tooMany, { match: (r) => r.path.includes('aggregation') });
    const started = Date.now();
    const res = await s.client.callTool(CALL);
    expect(res.isError, textOf(res)).toBeFalsy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(s.stderr()).toMatch(/capped by HTTP_MAX_PAUSE_SECONDS/);
  });

  it('a pause that ends on another day names the date, not only a time of day', async () => {
    const s = await connect({ ...sim.env, HTTP_MAX_PAUSE_SECONDS: '200000', HTTP_BACKOFF_MS: '20' });
    sim.server.inject(tooMany, { match: (r) => r.path.includes('aggregation') });
    const res = await s.client.callTool(CALL);
    expect(res.isError).toBe(true);
    const day = new Date(Date.now() + 99_999_000).toISOString().slice(0, 10);
    expect(textOf(res)).toContain(day);
    sim.server.clearFaults();
  });
});

describe('await_market_report and max_wait_seconds', () => {
  let sim: MarketSim;
  const report = { type: 'united-orders', date_from: '2026-10-01', date_to: '2026-10-31' };
  const env = () => ({
    ...sim.env,
    MARKET_PROGRESS_INTERVAL_MS: '300',
    HTTP_BACKOFF_MS: '50',
    REVENUE_TZ: 'Europe/Moscow',
  });
  beforeAll(async () => {
    sim = await startMarketSim({ generationMs: 200, clock: Date.now });
    sim.settings.quotas['generate.united-orders'] = { limit: 100, windowMs: 60_000 };
  });
  afterAll(() => sim?.close());

  it('a generate 420 that lifts after max_wait_seconds is answered at once, naming the upstream reset time', async () => {
    const s = await connect(env()); // the default generate interval (2 min) stays in force
    const until = Date.now() + 10 * 60_000;
    sim.server.inject(
      {
        kind: 'status',
        status: 420,
        headers: { 'X-RateLimit-Resource-Remaining': '0', 'X-RateLimit-Resource-Until': new Date(until).toUTCString(), 'content-type': 'application/json' },
        body: { status: 'ERROR', errors: [{ code: 'LIMIT_EXCEEDED', message: 'Limit of access to resource generate.united-orders exceeded' }] },
      },
      { match: (r) => r.path.endsWith('/generate') },
    );
    const started = Date.now();
    const res = await s.client.callTool({ name: 'await_market_report', arguments: { report, max_wait_seconds: 8 } }, CallToolResultSchema, { timeout: 30_000 });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(res.isError).toBe(true);
    const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Moscow', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(until));
    expect(textOf(res), textOf(res)).toContain(`until ${hhmm}`);
  });

  it('the file download keeps to max_wait_seconds and sends progress meanwhile', async () => {
    sim.server.clearFaults();
    const s = await connect({ ...env(), MARKET_GENERATE_ORDERS_INTERVAL_MS: '10' });
    sim.server.inject({ kind: 'latency', ms: 20_000 }, { match: (r) => r.path.startsWith('/files/') });
    const progress: string[] = [];
    const started = Date.now();
    const res = await s.client.callTool({ name: 'await_market_report', arguments: { report, max_wait_seconds: 4 } }, CallToolResultSchema, {
      timeout: 30_000,
      onprogress: (p) => progress.push(p.message ?? ''),
    });
    expect(Date.now() - started).toBeLessThan(8000);
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/did not finish downloading within max_wait_seconds.*report_id="/);
    expect(progress.some((m) => /downloading the file/.test(m))).toBe(true);
  }, 40_000);
});
