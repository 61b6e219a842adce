import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Decimal } from 'decimal.js';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_MISSING, chromiumPath, launchChromium, openHost, type Chromium, type HostPage } from '../helpers/browser.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { rubText } from '../ofd/expected.js';
import { startDemoSims } from '../../src/sim/demo.js';
import type { RevenueOverviewContent } from '../../app/overview-shape.js';

/**
 * The dashboard in real headless Chromium, embedded by a host page that speaks to it through the extension's
 * AppBridge, fed with results the demo server returned to a real MCP client. Figures are checked against the
 * structuredContent formatted here on its own (decimal.js), and against the tool's text.
 */

const OUT = new URL('../../test-output/dashboard/', import.meta.url);
const browser = chromiumPath();
if (!browser) {
  if (process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM_MISSING} (.ci/run installs it)`);
  console.log(CHROMIUM_MISSING);
}

type Row = { start: string; net_sales: string; gross_sales: string; refunds: string; receipts: number };
type Aggregation = { totals: { net_sales: string; receipts: number; average_receipt: string }; intervals: Row[]; period: { date_from: string } };

describe.skipIf(!browser)('revenue dashboard in headless Chromium', () => {
  let server: StdioSession;
  let chromium: Chromium;
  let html: string;
  const call = async (name: string, args: Record<string, unknown>) => {
    const res = (await server.client.callTool({ name, arguments: args })) as CallToolResult;
    expect(res.isError, textOf(res)).toBeFalsy();
    return res;
  };

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    [server, chromium] = await Promise.all([connectStdio({ args: ['--demo'] }), launchChromium()]);
    const read = await server.client.readResource({ uri: 'ui://revenue/dashboard' });
    html = (read.contents[0] as { text: string }).text;
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  async function host(theme: 'light' | 'dark' = 'light'): Promise<HostPage> {
    return openHost(chromium, html, { theme, callTool: (params) => server.client.callTool(params) as Promise<CallToolResult> });
  }

  function expectClean(h: HostPage): void {
    expect(h.consoleErrors).toEqual([]);
    expect(h.requests).toEqual([]);
  }

  it('a week by day: 7 bars, headline figures, exact tooltip, previous week as a line; switching to weeks calls the server and tells the model', async () => {
    const args = { period: 'last_week', interval: 'day' };
    const res = await call('get_sales_aggregation', args);
    const sc = res.structuredContent as unknown as Aggregation;
    expect(sc.intervals).toHaveLength(7);
    const h = await host();
    try {
      await h.show(args, res);
      const app = h.app;
      await app.waitForSelector('rect.bar');
      expect(await app.locator('rect.bar').count()).toBe(7);
      const netText = rubText(new Decimal(sc.totals.net_sales));
      expect(textOf(res)).toContain(netText);
      const figures = await app.locator('.figure .value').allInnerTexts();
      expect(figures).toContain(netText);
      expect(figures).toContain(String(sc.totals.receipts));
      expect(figures).toContain(rubText(new Decimal(sc.totals.average_receipt)));

      // The faint line of the week before, fetched by the view through the host.
      await app.waitForSelector('polyline.previous', { state: 'attached' });
      expect(h.toolCalls[0]).toMatchObject({ name: 'get_sales_aggregation', arguments: { interval: 'day', date_from: addDays(sc.period.date_from.slice(0, 10), -7) } });

      // Hover the busiest day: the tooltip shows its exact figures, as the tool's text writes them.
      const days = [...sc.intervals].sort((a, b) => a.start.localeCompare(b.start));
      const best = days.reduce((m, d, i) => (new Decimal(d.net_sales).gt(days[m]!.net_sales) ? i : m), 0);
      await app.locator('rect.bar').nth(best).hover();
      const tip = await app.locator('#tooltip').innerText();
      const day = days[best]!;
      for (const amount of [day.net_sales, day.gross_sales, day.refunds]) expect(tip).toContain(rubText(new Decimal(amount)));
      expect(textOf(res)).toContain(rubText(new Decimal(day.net_sales)));
      await h.page.locator('iframe').screenshot({ path: new URL('week-by-day.png', OUT).pathname });

      // Interval switch: the view calls the tool again through the host and the model is told.
      await app.locator('button[data-interval="week"]').click();
      await app.waitForSelector('button[data-interval="week"][aria-pressed="true"]');
      const switched = h.toolCalls.find((c) => c.arguments?.interval === 'week');
      expect(switched).toMatchObject({ name: 'get_sales_aggregation', arguments: { date_from: sc.period.date_from.slice(0, 10) } });
      const weeks = (await server.client.callTool({ name: 'get_sales_aggregation', arguments: switched!.arguments })).structuredContent as unknown as Aggregation;
      expect(await app.locator('rect.bar').count()).toBe(weeks.intervals.length);
      await expect.poll(() => h.modelContext.length).toBeGreaterThan(0);
      expect(JSON.stringify(h.modelContext.at(-1))).toContain('switched the interval to week');
      expectClean(h);
    } finally {
      await h.close();
    }
  });

  it('a year by month in the dark theme: 12 bars, month labels, previous period navigation', async () => {
    // A year over the OFD token API costs ~84 exact requests: the tool asks for a precision, so say one.
    const args = { date_from: '2025-12-01', date_to: '2026-11-30', interval: 'month', precision: 'shifts', response_format: 'detailed' };
    const res = await call('get_sales_aggregation', args);
    const sc = res.structuredContent as unknown as Aggregation;
    expect(sc.intervals).toHaveLength(12);
    const h = await host('dark');
    try {
      await h.show(args, res);
      const app = h.app;
      await app.waitForSelector('rect.bar');
      expect(await app.locator('rect.bar').count()).toBe(12);
      expect(await app.locator('html').getAttribute('data-theme')).toBe('dark');
      expect(await app.locator('.figure .value').allInnerTexts()).toContain(rubText(new Decimal(sc.totals.net_sales)));
      await app.locator('rect.bar').nth(3).hover();
      const march = [...sc.intervals].sort((a, b) => a.start.localeCompare(b.start))[3]!;
      expect(march.start).toBe('2026-03-01');
      expect(await app.locator('#tooltip').innerText()).toContain(rubText(new Decimal(march.net_sales)));
      await h.page.locator('iframe').screenshot({ path: new URL('year-by-month-dark.png', OUT).pathname });

      await app.locator('button[data-shift="-1"]').click();
      await expect.poll(() => h.toolCalls.some((c) => c.arguments?.date_from === '2024-12-01' && c.arguments?.date_to === '2025-11-30')).toBe(true);
      await expect.poll(() => JSON.stringify(h.modelContext)).toContain('moved to the previous period');
      expectClean(h);
    } finally {
      await h.close();
    }
  });

  it('a real revenue_overview from the demo with Posiflora failing: one row per source, the error line, the reconciliation with flagged days highlighted', async () => {
    // The demo's simulators in this process, so one of them can fail; the server is the built one, over stdio.
    const demo = await startDemoSims(['lifepos', 'ofd', 'posiflora']);
    const posiflora = demo.sims.find((x) => x.source === 'Posiflora')!.server;
    posiflora.inject({ kind: 'status', status: 500, body: { errors: [{ status: '500', title: 'Internal Server Error' }] } }, { times: 1_000 });
    const session = await connectStdio({ env: { ...demo.env, HTTP_BACKOFF_MS: '50' } });
    const h = await openHost(chromium, html, { theme: 'light', callTool: (params) => session.client.callTool(params) as Promise<CallToolResult> });
    try {
      const args = { period: 'last_week' };
      const res = (await session.client.callTool({ name: 'revenue_overview', arguments: args })) as CallToolResult;
      expect(res.isError, textOf(res)).toBeFalsy();
      const o = res.structuredContent as unknown as RevenueOverviewContent;
      expect(o.sources.map((x) => [x.source, x.ok])).toEqual([
        ['LIFE POS', true],
        ['Yandex OFD', true],
        ['Posiflora', false],
      ]);
      const rec = o.reconciliation!;
      expect(rec.days).toHaveLength(7);
      await h.show(args, res);
      const app = h.app;
      await app.waitForSelector('.sources table');
      expect(await app.locator('.sources tbody tr').count()).toBe(o.sources.length);
      const failed = o.sources[2] as Extract<RevenueOverviewContent['sources'][number], { ok: false }>;
      expect(await app.locator('.sources tr.error').innerText()).toContain(failed.error.slice(0, 60));
      for (const [i, row] of o.sources.entries()) {
        if (row.ok) expect(await app.locator('.sources tbody tr').nth(i).innerText()).toContain(rubText(new Decimal(row.net!)));
      }
      expect(await app.locator('rect.bar').count()).toBe(2);
      expect(await app.locator('.reconciliation tbody tr').count()).toBe(7);
      const flaggedDays = rec.days.filter((d) => d.flagged);
      const flagged = app.locator('.reconciliation tr.flagged');
      expect(await flagged.count()).toBe(flaggedDays.length);
      for (const [i, d] of flaggedDays.entries()) expect(await flagged.nth(i).innerText()).toContain(rubText(new Decimal(d.difference!)));
      expect(await app.locator('.reconciliation .foot').innerText()).toContain(flaggedDays.length ? `${flaggedDays.length} ${flaggedDays.length === 1 ? 'day' : 'days'} flagged` : 'No day beyond the threshold');
      expect(await app.locator('.figure .value').first().innerText()).toBe('2 of 3');
      await h.page.locator('iframe').screenshot({ path: new URL('overview.png', OUT).pathname });
      expectClean(h);
    } finally {
      await h.close();
      await session.close();
      await demo.close();
    }
    // Four simulators on 400 days of story, a server and a browser: slow on a loaded machine.
  }, 120_000);

  it('Posiflora orders by day and a Market orders report', async () => {
    const h = await host();
    try {
      const app = h.app;
      const pfArgs = { period: 'last_week', group_by: ['day'] };
      const pf = await call('list_posiflora_orders', pfArgs);
      const pfSc = pf.structuredContent as { totals: { total_amount: string }; by_day: { rows: Array<{ total_amount: string }> } };
      await h.show(pfArgs, pf);
      await app.waitForSelector('rect.bar');
      expect(await app.locator('rect.bar').count()).toBe(pfSc.by_day.rows.length);
      expect(await app.locator('.figure .value').first().innerText()).toBe(rubText(new Decimal(pfSc.totals.total_amount)));
      await app.locator('rect.bar').first().hover();
      expect(await app.locator('#tooltip').innerText()).toContain(rubText(new Decimal(pfSc.by_day.rows[0]!.total_amount)));

      const mkArgs = { report: { type: 'united-orders', period: 'last_month' } };
      const mk = await call('await_market_report', mkArgs);
      const mkSc = mk.structuredContent as { orders: { revenue: { amount: string }; by_status: unknown[]; by_day: Array<{ date: string; amount: string }> } };
      await h.show(mkArgs, mk);
      await app.waitForSelector('.sources table');
      expect(await app.locator('.figure .value').first().innerText()).toBe(rubText(new Decimal(mkSc.orders.revenue.amount)));
      expect(await app.locator('.sources tbody tr').count()).toBe(mkSc.orders.by_status.length);
      // Orders by day as bars (the report has dates), each with its exact revenue in the tooltip.
      expect(mkSc.orders.by_day.length).toBeGreaterThan(1);
      expect(await app.locator('rect.bar').count()).toBe(mkSc.orders.by_day.length);
      await app.locator('rect.bar').last().hover();
      expect(await app.locator('#tooltip').innerText()).toContain(rubText(new Decimal(mkSc.orders.by_day.at(-1)!.amount)));
      expectClean(h);
    } finally {
      await h.close();
    }
  });

  it('an empty period, a single day and an error result each render something readable', async () => {
    const h = await host();
    try {
      const app = h.app;
      // A single day: one bar.
      const one = await call('get_sales_aggregation', { date_from: '2026-11-23', date_to: '2026-11-23', interval: 'day' });
      await h.show({}, one);
      await app.waitForSelector('rect.bar');
      expect(await app.locator('rect.bar').count()).toBe(1);
      // A period before the shop's data: no bars, a sentence instead of a blank frame.
      const none = await call('get_sales_aggregation', { date_from: '2020-01-06', date_to: '2020-01-12', interval: 'day' });
      await h.show({}, none);
      await app.waitForSelector('p.empty');
      expect(await app.locator('rect.bar').count()).toBe(0);
      // A failed tool call: its message as a line.
      const failed = await server.client.callTool({ name: 'get_sales_aggregation', arguments: { interval: 'fortnight' } });
      expect(failed.isError).toBe(true);
      await h.show({}, failed);
      await app.waitForSelector('.error-line');
      expect(await app.locator('.error-line').innerText()).toContain('interval');
      expectClean(h);
    } finally {
      await h.close();
    }
  });
});

function addDays(ymd: string, days: number): string {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
