import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim } from '../../src/sim/lifepos/index.js';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { startPosifloraSim, type StartedPosifloraSim } from '../../src/sim/posiflora/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';

/**
 * An upstream amount in exponent form ("1e999999999") used to be expanded digit by digit when printed:
 * the event loop blocked for minutes and the process ran out of memory. Now it is refused at parse with
 * an error naming the field, and the same server answers the next call.
 */

const HUGE = '1e999999999';

/** Replace the value of the first `key` found (depth first) anywhere in a JSON body. */
function replaceFirst(body: unknown, key: string, value: unknown): unknown {
  let done = false;
  const walk = (node: unknown): void => {
    if (done || node === null || typeof node !== 'object') return;
    if (!Array.isArray(node) && key in (node as Record<string, unknown>)) {
      (node as Record<string, unknown>)[key] = value;
      done = true;
      return;
    }
    for (const child of Object.values(node as Record<string, unknown>)) walk(child);
  };
  walk(body);
  return body;
}

describe('amounts in exponent form are refused at parse, naming the field', () => {
  let ofd: OfdSim;
  let pf: StartedPosifloraSim;
  let lp: LifeposSim;
  let session: StdioSession;
  const NOW = new Date('2026-03-20T12:00:00Z');

  beforeAll(async () => {
    ofd = await startOfdSim({ now: NOW, rps: 1000 });
    pf = await startPosifloraSim({ count: 200, endDate: '2026-03-19' });
    lp = await startLifeposSim({ now: NOW, days: 10, seed: 5 });
    session = await connectStdio({ env: { ...ofd.env, ...pf.env, ...lp.env('token'), OFD_RPS: '50', HTTP_RETRIES: '0' } });
  });
  afterAll(async () => {
    await session?.close();
    await Promise.all([ofd?.close(), pf?.close(), lp?.server.close()]);
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    const r = await session.client.callTool({ name, arguments: args }, undefined, { timeout: 20_000 });
    return { isError: !!r.isError, text: textOf(r) };
  };

  it('Yandex OFD', async () => {
    const args = { date_from: '2026-02-02', date_to: '2026-02-08', compare_previous: false };
    ofd.server.rewriteJson((b) => replaceFirst(b, 'cashTotal', HUGE));
    const bad = await call('get_sales_aggregation', args);
    ofd.server.clearRewrites();
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('cashTotal');
    expect(bad.text).toMatch(/plausible/);
    expect(bad.text.length).toBeLessThan(1000);
    const ok = await call('get_sales_aggregation', args);
    expect(ok.isError, ok.text).toBe(false);
  });

  it('Posiflora', async () => {
    const args = { date_from: '2026-03-01', date_to: '2026-03-19' };
    pf.server.rewriteJson((b) => replaceFirst(b, 'totalAmount', HUGE));
    const bad = await call('list_posiflora_orders', args);
    pf.server.clearRewrites();
    expect(bad.isError, bad.text).toBe(true);
    expect(bad.text).toContain('totalAmount');
    expect(bad.text).toMatch(/plausible/);
    expect((await call('list_posiflora_orders', args)).isError).toBe(false);
  });

  it('LIFE POS, in exponent form and as a million digits', async () => {
    const sale = lp.sales[0]!;
    for (const value of [HUGE, '9'.repeat(1_000_000)]) {
      lp.server.rewriteJson((b) => replaceFirst(b, 'total_sum', { value, currency: 'RUB' }));
      const bad = await call('get_sale', { deal_guid: sale.guid });
      lp.server.clearRewrites();
      expect(bad.isError, bad.text).toBe(true);
      expect(bad.text).toContain('total_sum');
      expect(bad.text.length).toBeLessThan(1000);
    }
    expect((await call('get_sale', { deal_guid: sale.guid })).isError).toBe(false);
  });
});
