import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfdPublicSim, type OfdPublicSim } from '../../src/sim/ofd-public/index.js';
import { DIRECTORY } from '../../src/sim/ofd/data.js';
import { startPosifloraSim, type StartedPosifloraSim } from '../../src/sim/posiflora/index.js';
import { connectStdio, type StdioSession } from '../helpers/mcp.js';

/**
 * The prompts through a real MCP client: each names only listed tools of configured sources, and every
 * argument completes (completion/complete) — period names, configured sources, and the names the
 * simulators serve (Posiflora stores, Yandex OFD retail points), degrading to none when a source fails.
 */

const PROMPTS = ['daily_revenue_report', 'compare_periods', 'investigate_refunds', 'reconcile_pos_and_fiscal', 'market_orders_report'];
const textOf = (p: { messages: Array<{ content: unknown }> }) => (p.messages[0]!.content as { text: string }).text;
/** Tool names a prompt tells the assistant to call: `name {json}`. */
const namedTools = (text: string) => [...new Set([...text.matchAll(/\b([a-z]+(?:_[a-z]+)+) \{/g)].map((m) => m[1]!))];

describe('prompts without configuration', () => {
  it('are all offered, and ask for configuration instead of tool calls', async () => {
    const s = await connectStdio();
    try {
      const { prompts } = await s.client.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(PROMPTS);
      for (const name of PROMPTS) {
        const text = textOf(await s.client.getPrompt({ name, arguments: {} }));
        expect(text, name).toMatch(/is configured on this server|configured; .* is not/);
        expect(text).toMatch(/check_sources \{\}/);
        expect(namedTools(text)).toEqual(['check_sources']);
      }
    } finally {
      await s.close();
    }
  });
});

describe('prompts on the demo', () => {
  let s: StdioSession;
  let listed: string[];
  beforeAll(async () => {
    s = await connectStdio({ args: ['--demo'] });
    listed = (await s.client.listTools()).tools.map((t) => t.name);
  }, 30_000);
  afterAll(async () => s?.close());

  it('each message names tools that are listed, for the asked period', async () => {
    for (const name of PROMPTS) {
      const text = textOf(await s.client.getPrompt({ name, arguments: { period: 'last_month' } }));
      const tools = namedTools(text);
      expect(tools.length, name).toBeGreaterThan(0);
      for (const t of tools) expect(listed, `${name} names ${t}`).toContain(t);
      expect(text).toContain('"period":"last_month"');
      expect(text).toMatch(/Europe\/Moscow/);
    }
    const daily = textOf(await s.client.getPrompt({ name: 'daily_revenue_report', arguments: {} }));
    for (const call of ['get_revenue_widget {"period":"yesterday"}', 'get_sales_aggregation {"period":"yesterday"}', 'list_posiflora_orders {"period":"yesterday","limit":0}', 'await_market_report {"report":{"type":"united-orders","period":"yesterday"}}']) {
      expect(daily).toContain(call);
    }
    expect(daily).toMatch(/Never add figures of different sources together/);
  });

  it('arguments narrow the calls; unknown values fall back and say so', async () => {
    const one = textOf(await s.client.getPrompt({ name: 'daily_revenue_report', arguments: { source: 'posiflora', store: 'Флора Центр', period: 'Last Week' } }));
    expect(namedTools(one)).toEqual(['list_posiflora_orders']);
    expect(one).toContain('list_posiflora_orders {"period":"last_week","limit":0,"stores":["Флора Центр"]}');
    const refunds = textOf(await s.client.getPrompt({ name: 'investigate_refunds', arguments: { source: 'ofd', retail_point: 'Кофейня' } }));
    expect(refunds).toContain('get_sales_aggregation {"period":"last_week","retail_point_ids":["Кофейня"],"interval":"day"}');
    const odd = textOf(await s.client.getPrompt({ name: 'compare_periods', arguments: { period: 'fortnight', source: 'weather' } }));
    expect(odd).toMatch(/"fortnight" is not a named period, so last_week is used/);
    expect(odd).toMatch(/"weather" is not a configured source here/);
    expect(odd).toContain('"period":"last_week"');
  });
});

describe('completion/complete', () => {
  let pf: StartedPosifloraSim;
  let ofd: OfdPublicSim;
  let s: StdioSession;
  beforeAll(async () => {
    [pf, ofd] = await Promise.all([startPosifloraSim({ count: 500, endDate: new Date().toISOString().slice(0, 10) }), startOfdPublicSim({ now: new Date(), days: 7 })]);
    s = await connectStdio({ env: { ...pf.env, ...ofd.env } });
  }, 30_000);
  afterAll(async () => {
    await s?.close();
    await Promise.all([pf?.close(), ofd?.close()]);
  });

  const complete = async (prompt: string, argument: string, value: string) =>
    (await s.client.complete({ ref: { type: 'ref/prompt', name: prompt }, argument: { name: argument, value } })).completion.values;
  const sorted = (v: string[]) => [...v].sort((a, b) => a.localeCompare(b, 'ru'));

  it('completes every argument of every prompt', async () => {
    const { prompts } = await s.client.listPrompts();
    const stores = sorted(pf.stores.map((x) => x.title));
    const points = sorted(DIRECTORY.retailPoints.filter((r) => ofd.companies.includes(r.company_id)).map((r) => r.name));
    expect(stores.length).toBeGreaterThan(1);
    expect(points.length).toBeGreaterThan(1);
    for (const p of prompts) {
      for (const arg of p.arguments ?? []) {
        const all = await complete(p.name, arg.name, '');
        if (arg.name === 'period') {
          expect(all).toContain('yesterday');
          expect(await complete(p.name, 'period', 'last')).toEqual(all.filter((v) => v.startsWith('last')));
        } else if (arg.name === 'source') {
          // Only the configured ones, among those the prompt covers.
          expect(all.length).toBeGreaterThan(0);
          expect(['ofd', 'posiflora']).toEqual(expect.arrayContaining(all));
        } else if (arg.name === 'store') {
          expect(all).toEqual(stores);
          const first = stores[0]!;
          expect(await complete(p.name, 'store', first.slice(0, 3).toLowerCase())).toContain(first);
        } else if (arg.name === 'retail_point') {
          expect(all).toEqual(points);
        } else {
          throw new Error(`no expectation for ${p.name}.${arg.name}`);
        }
      }
    }
  });

  it('a source that cannot answer gives no suggestions, quickly, and the server goes on', async () => {
    const bad = await connectStdio({ env: { ...pf.env, POSIFLORA_PASSWORD: 'wrong-password-1', ...ofd.env, OFD_TOKEN: 'wrong-token-0000', HTTP_RETRIES: '0' } });
    try {
      const started = Date.now();
      const stores = await bad.client.complete({ ref: { type: 'ref/prompt', name: 'daily_revenue_report' }, argument: { name: 'store', value: '' } });
      const points = await bad.client.complete({ ref: { type: 'ref/prompt', name: 'daily_revenue_report' }, argument: { name: 'retail_point', value: '' } });
      expect(stores.completion.values).toEqual([]);
      expect(points.completion.values).toEqual([]);
      expect(Date.now() - started).toBeLessThan(8_000);
      const period = await bad.client.complete({ ref: { type: 'ref/prompt', name: 'daily_revenue_report' }, argument: { name: 'period', value: 'this' } });
      expect(period.completion.values.every((v) => v.startsWith('this'))).toBe(true);
    } finally {
      await bad.close();
    }
  });
});
