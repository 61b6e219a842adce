import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { startPosifloraSim, type StartedPosifloraSim } from '../../src/sim/posiflora/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';

/**
 * Two defects found by fuzzing: a `__proto__` argument was dropped by the SDK's request parsing and the call
 * answered as if it had not been sent; a count of 2^53 or more from an upstream failed the SDK's output
 * check with "invalid params", blaming the caller. Both now answer in words naming what is wrong.
 */

let ofd: OfdSim;
let pf: StartedPosifloraSim;
let session: StdioSession;
const NOW = new Date('2026-03-20T12:00:00Z');

beforeAll(async () => {
  [ofd, pf] = await Promise.all([startOfdSim({ now: NOW, rps: 1000 }), startPosifloraSim({ count: 40, endDate: '2026-03-19' })]);
  session = await connectStdio({ env: { ...ofd.env, ...pf.env, OFD_RPS: '50', HTTP_RETRIES: '0' } });
});
afterAll(async () => {
  await session?.close();
  await Promise.all([ofd?.close(), pf?.close()]);
});

const call = async (name: string, args: Record<string, unknown>) => {
  const r = await session.client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: 30_000 });
  return { isError: !!r.isError, text: textOf(r) };
};

describe('__proto__ and constructor arguments', () => {
  it('an own __proto__ key is refused as an unknown argument, like any other, and sends nothing upstream', async () => {
    ofd.server.clearRequests();
    for (const raw of ['{"__proto__":{"period":"last_week"},"period":"last_week"}', '{"period":"last_week","__proto__":null}', '{"constructor":{"x":1},"period":"last_week"}']) {
      const r = await call('get_sales_aggregation', JSON.parse(raw) as Record<string, unknown>);
      expect(r.isError, `${raw} → ${r.text}`).toBe(true);
      expect(r.text).toMatch(/unknown argument `(__proto__|constructor)`/);
    }
    const nested = await call('list_posiflora_orders', JSON.parse('{"period":"last_week","__proto__":{"limit":5}}') as Record<string, unknown>);
    expect(nested.text).toMatch(/unknown argument `__proto__`/);
    expect(ofd.server.requests).toHaveLength(0);
    // The same session answers the next call.
    expect((await call('get_sales_aggregation', { date_from: '2026-02-02', date_to: '2026-02-08', compare_previous: false })).isError).toBe(false);
  });
});

describe('counts of 2^53 or more from an upstream', () => {
  it('Posiflora meta.total: a clear upstream error naming the field', async () => {
    pf.server.rewriteJson((body) => {
      const meta = (body as { meta?: Record<string, unknown> }).meta;
      if (meta && 'total' in meta) meta.total = 2 ** 53;
      return body;
    });
    const r = await call('list_posiflora_orders', { date_from: '2026-03-01', date_to: '2026-03-19' });
    pf.server.clearRewrites();
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/meta\.total/);
    expect(r.text).toMatch(/not a plausible count/);
    expect(r.text).not.toMatch(/-32602|Invalid params|Output validation/i);
  });

  it('Yandex OFD receipts count: the answer says the upstream sent an impossible value, never "invalid params"', async () => {
    ofd.server.rewriteJson((body) => JSON.parse(JSON.stringify(body).replace(/"(checks|checks_income)":\d+/g, `"$1":${2 ** 60}`)));
    const r = await call('get_sales_aggregation', { date_from: '2026-02-02', date_to: '2026-02-08', compare_previous: false });
    ofd.server.clearRewrites();
    expect(r.isError, r.text).toBe(true);
    expect(r.text).toMatch(/Yandex OFD sent a value that cannot be reported/);
    expect(r.text).toMatch(/receipts/);
    expect(r.text).not.toMatch(/-32602|Invalid params|Output validation/i);
  });
});
