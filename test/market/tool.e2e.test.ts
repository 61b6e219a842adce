import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { startMarketSim, STATUS_TEXT, type MarketSim } from '../../src/sim/market/index.js';
import { expectedOrders, rub } from './expected.js';

/** The built server over stdio with a real SDK client, pointed at the Market simulator. */

const FROM = '2026-10-01';
const TO = '2026-10-31';
const orderReport = (extra: Record<string, unknown> = {}) => ({ type: 'united-orders', date_from: FROM, date_to: TO, ...extra });

let sim: MarketSim;
const sessions: StdioSession[] = [];

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...sim.env,
    MARKET_PROGRESS_INTERVAL_MS: '200',
    MARKET_GENERATE_ORDERS_INTERVAL_MS: '10',
    HTTP_BACKOFF_MS: '50',
    REVENUE_TZ: 'Europe/Moscow',
    ...extra,
  };
}

async function connect(extra: Record<string, string> = {}): Promise<StdioSession> {
  const s = await connectStdio({ env: env(extra) });
  sessions.push(s);
  return s;
}

type Structured = Record<string, any>;
const call = async (s: StdioSession, args: Record<string, unknown>, options: Parameters<StdioSession['client']['callTool']>[2] = {}) =>
  s.client.callTool({ name: 'await_market_report', arguments: args }, CallToolResultSchema, { timeout: 60_000, ...options });

const infoCalls = () => sim.server.requests.filter((r) => r.path.startsWith('/v2/reports/info/'));
const generateCalls = () => sim.server.requests.filter((r) => r.path.endsWith('/generate'));

beforeAll(async () => {
  sim = await startMarketSim({ generationMs: 300, clock: Date.now });
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
  await sim.close();
});

function resetSim(settings: Partial<MarketSim['settings']> = {}) {
  sim.server.clearFaults();
  sim.server.clearRequests();
  Object.assign(sim.settings, { generationMs: 300, estimateMs: undefined, linkTtlMs: 3_600_000, latencyMs: 0, maxRows: 50_000 }, settings);
  // Generous quotas unless a test says otherwise: the client's own limits are what is under test.
  sim.settings.quotas['generate.united-orders'] = { limit: 100, windowMs: 60_000 };
  sim.settings.quotas['reports.info'] = { limit: 100, windowMs: 60_000 };
}

describe('await_market_report over stdio', () => {
  it('generates, sends progress while waiting, and sums to the kopeck what the seeded orders say', async () => {
    resetSim({ generationMs: 1_500 });
    const s = await connect();
    const progress: Array<{ progress: number; message?: string }> = [];
    const result = await call(s, { report: orderReport(), max_wait_seconds: 30 }, { onprogress: (p) => progress.push(p), resetTimeoutOnProgress: true });
    expect(result.isError).toBeFalsy();
    const sc = result.structuredContent as Structured;
    const expected = expectedOrders(sim.orders, FROM, TO);
    expect(sc.status).toBe('DONE');
    expect(sc.ready).toBe(true);
    // Revenue = seeded unit price × units of delivered and shipped orders; the all-status total apart.
    expect(sc.orders.basis).toBe('billingPrice × transferredForDelivery');
    expect(sc.orders.revenue).toEqual({ orders: expected.revenue.orders, items: String(expected.revenue.items), amount: expected.revenue.amount });
    expect(sc.orders.all_statuses).toEqual({ orders: expected.all.orders, items: String(expected.all.items), amount: expected.all.amount });
    expect(sc.orders.rows_without_amount).toBe(0);
    for (const [status, v] of Object.entries(expected.byStatus)) {
      const row = sc.orders.by_status.find((b: Structured) => b.status === STATUS_TEXT[status as keyof typeof STATUS_TEXT].RU);
      expect(row, status).toBeDefined();
      expect(row.amount).toBe(v.amount);
      expect(row.orders).toBe(v.orders);
      expect(row.items).toBe(String(v.items));
      expect(row.in_revenue).toBe(status === 'DELIVERED' || status === 'SHIPPED');
    }
    expect(sc.orders.top_skus.map((t: Structured) => [t.sku, t.amount])).toEqual(expected.topSkus.slice(0, 5).map((t) => [t.sku, t.amount]));
    const tx = sc.sheets.find((x: Structured) => x.name === 'orders_and_offers_transactions');
    expect(tx.sums.find((x: Structured) => x.column === 'buyerPaymentAmount').total).toBe(expected.buyerPayment);
    expect(tx.date_range.from >= FROM && tx.date_range.to <= TO).toBe(true);
    // The text leads with revenue; the all-status sum is secondary and says so.
    const text = textOf(result);
    expect(text).toContain(`Revenue: **${rub(expected.revenue.amount)}**`);
    expect(text.indexOf(rub(expected.revenue.amount))).toBeLessThan(text.indexOf(rub(expected.all.amount)));
    expect(text).toMatch(/All statuses incl\. cancelled\/returned \(not revenue\)/);
    // Per-item prices are shown as prices, never summed.
    expect(tx.sums.map((x: Structured) => x.column)).not.toContain('billingPrice');
    expect(tx.sums.map((x: Structured) => x.column)).not.toContain('partnerPriceForDelivery');
    expect(tx.unit_prices.map((u: Structured) => u.column)).toEqual(expect.arrayContaining(['billingPrice', 'partnerPriceForDelivery']));

    // Progress: statuses and estimates, strictly growing values, heartbeats while no poll happened.
    // One notification per poll plus the start; the rest are heartbeats sent while no poll was due.
    expect(progress.length).toBeGreaterThanOrEqual(infoCalls().length + 4);
    expect(progress.some((p) => /PENDING|PROCESSING/.test(p.message ?? ''))).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
    // The first poll waited for Market's estimate instead of hammering reports/info.
    expect(infoCalls().length).toBeLessThanOrEqual(3);

    // The report is linked as a resource with every row.
    const link = (result.content as Array<Structured>).find((c) => c.type === 'resource_link');
    expect(link?.uri).toBe(`market-report://${sc.report_id}`);
    const read = await s.client.readResource({ uri: link!.uri });
    const payload = JSON.parse((read.contents[0] as Structured).text);
    const rows = payload.sheets.find((x: Structured) => x.name === 'orders_and_offers_transactions').rows;
    expect(rows.length).toBe(sim.orders.filter((o) => o.creationDate >= FROM && o.creationDate <= TO).reduce((n, o) => n + o.items.length, 0));
    const listed = await s.client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(link!.uri);

    // No secret anywhere the client or a log can see.
    expect(JSON.stringify(result)).not.toContain(sim.apiKey);
    expect(s.stderr()).not.toContain(sim.apiKey);
    // The file link was fetched without the Api-Key.
    const download = sim.server.requests.find((r) => r.path.startsWith('/files/'));
    expect(download?.headers['api-key']).toBeUndefined();
  });

  it('returns a resumable result when max_wait_seconds passes, and resumes by report_id without a new generation', async () => {
    resetSim({ generationMs: 2_500 });
    const s = await connect();
    const first = await call(s, { report: orderReport({ format: 'csv' }), max_wait_seconds: 0.6 });
    expect(first.isError).toBeFalsy();
    const sc1 = first.structuredContent as Structured;
    expect(sc1.ready).toBe(false);
    expect(['PENDING', 'PROCESSING']).toContain(sc1.status);
    expect(sc1.resume.report_id).toBe(sc1.report_id);
    expect(textOf(first)).toContain(`report_id="${sc1.report_id}"`);

    const second = await call(s, { report_id: sc1.report_id, max_wait_seconds: 20 });
    const sc2 = second.structuredContent as Structured;
    expect(sc2.ready).toBe(true);
    expect(sc2.report_id).toBe(sc1.report_id);
    expect(sc2.file.format).toBe('CSV');
    // CSV columns are UPPER_SNAKE; the same exact figures come out.
    expect(sc2.orders.revenue.amount).toBe(expectedOrders(sim.orders, FROM, TO).revenue.amount);
    expect(generateCalls()).toHaveLength(1);

    // Asking again is served from the kept report: no upstream call at all.
    const before = sim.server.requests.length;
    const third = await call(s, { report_id: sc1.report_id });
    expect((third.structuredContent as Structured).orders.revenue.amount).toBe(sc2.orders.revenue.amount);
    expect(sim.server.requests.length).toBe(before);
  });

  it('resumes a report generated by another process (fresh server) by report_id', async () => {
    resetSim({ generationMs: 200 });
    const a = await connect();
    const r1 = await call(a, { report: orderReport(), max_wait_seconds: 0 });
    const id = (r1.structuredContent as Structured).report_id;
    const b = await connect();
    const r2 = await call(b, { report_id: id, max_wait_seconds: 10 });
    expect((r2.structuredContent as Structured).ready).toBe(true);
    expect((r2.structuredContent as Structured).report_type).toBe('united-orders');
  });

  it('stops polling at once when the client cancels', async () => {
    resetSim({ generationMs: 20_000, estimateMs: 500 });
    const s = await connect();
    const controller = new AbortController();
    const pending = call(s, { report: orderReport(), max_wait_seconds: 60 }, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 1_800));
    expect(infoCalls().length).toBeGreaterThan(0);
    controller.abort();
    await expect(pending).rejects.toThrow();
    const atCancel = infoCalls().length;
    await new Promise((r) => setTimeout(r, 2_500));
    expect(infoCalls().length).toBe(atCancel);
    // The server keeps serving.
    resetSim();
    const again = await call(s, { report: orderReport(), max_wait_seconds: 10 });
    expect((again.structuredContent as Structured).ready).toBe(true);
  });

  it('waits out a 420 until X-RateLimit-Resource-Until before the next reports/info call', async () => {
    resetSim({ generationMs: 300 });
    const s = await connect();
    const until = Math.ceil((Date.now() + 2_200) / 1000) * 1000;
    sim.server.inject(
      {
        kind: 'status',
        status: 420,
        headers: { 'X-RateLimit-Resource-Limit': '100', 'X-RateLimit-Resource-Remaining': '0', 'X-RateLimit-Resource-Until': new Date(until).toUTCString(), 'content-type': 'application/json' },
        body: { status: 'ERROR', errors: [{ code: 'LIMIT_EXCEEDED', message: 'Limit of access to resource reports.info exceeded' }] },
      },
      { match: (r) => r.path.startsWith('/v2/reports/info/') },
    );
    const result = await call(s, { report: orderReport(), max_wait_seconds: 30 });
    expect((result.structuredContent as Structured).ready).toBe(true);
    const infos = infoCalls();
    expect(infos.length).toBeGreaterThanOrEqual(2);
    expect(infos[1]!.at).toBeGreaterThanOrEqual(until);
  });

  it('says "limit reached until HH:MM" when the 420 wait would pass max_wait_seconds', async () => {
    resetSim({ generationMs: 300 });
    const s = await connect();
    const until = Date.now() + 120_000;
    sim.server.inject(
      { kind: 'status', status: 420, headers: { 'X-RateLimit-Resource-Remaining': '0', 'X-RateLimit-Resource-Until': new Date(until).toUTCString(), 'content-type': 'application/json' }, body: { status: 'ERROR', errors: [{ code: 'LIMIT_EXCEEDED', message: 'limit' }] } },
      { match: (r) => r.path.startsWith('/v2/reports/info/') },
    );
    const result = await call(s, { report: orderReport(), max_wait_seconds: 5 });
    const sc = result.structuredContent as Structured;
    expect(sc.ready).toBe(false);
    expect(sc.rate_limited_until).toBeDefined();
    const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Moscow', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(until));
    expect(textOf(result)).toContain(hhmm);
    expect(textOf(result)).toContain(`report_id="${sc.report_id}"`);
    expect(infoCalls()).toHaveLength(1);
  });

  it('answers at once (within max_wait_seconds) when its own generate limit frees up too late, with the time and the last report_id', async () => {
    resetSim({ generationMs: 200 });
    sim.settings.quotas['generate.united-orders'] = { limit: 1, windowMs: 120_000 };
    const s = await connect({ MARKET_GENERATE_ORDERS_INTERVAL_MS: '120000' });
    const first = await call(s, { report: orderReport(), max_wait_seconds: 10 });
    const firstId = (first.structuredContent as Structured).report_id;
    expect((first.structuredContent as Structured).ready).toBe(true);
    const generatedAt = generateCalls()[0]!.at;
    const started = Date.now();
    const second = await call(s, { report: orderReport({ date_from: '2026-09-01', date_to: '2026-09-30' }), max_wait_seconds: 1 });
    // Never past max_wait_seconds by more than a second.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(second.isError).toBe(true);
    const text = textOf(second);
    expect(text).toMatch(/generation limit for united-orders is reached until \d{2}:\d{2} \(Europe\/Moscow\) \(one per 2 min/);
    const hhmm = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Moscow', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
    expect([hhmm(generatedAt + 120_000), hhmm(generatedAt + 121_000)].some((t) => text.includes(`until ${t}`))).toBe(true);
    expect(text).toContain(`report_id="${firstId}"`);
    expect(generateCalls()).toHaveLength(1);
  });

  it('sends progress while waiting for a generate slot, before the generate request goes out', async () => {
    resetSim({ generationMs: 200 });
    const s = await connect({ MARKET_GENERATE_ORDERS_INTERVAL_MS: '2500' });
    await call(s, { report: orderReport(), max_wait_seconds: 10 });
    const progress: Array<{ at: number; message?: string }> = [];
    const result = await call(s, { report: orderReport({ date_from: '2026-09-01', date_to: '2026-09-30' }), max_wait_seconds: 20 }, { onprogress: (p) => progress.push({ at: Date.now(), message: p.message }), resetTimeoutOnProgress: true, timeout: 1_500 });
    // The client's own timeout (1.5 s) is shorter than the wait for the slot: only the heartbeat kept it alive.
    expect((result.structuredContent as Structured).ready).toBe(true);
    const calls = generateCalls();
    expect(calls).toHaveLength(2);
    const beforeGenerate = progress.filter((p) => p.at < calls[1]!.at);
    expect(beforeGenerate.filter((p) => /Waiting for Market's united-orders generate quota until \d{2}:\d{2}.*one per 2\.5 s/.test(p.message ?? '')).length).toBeGreaterThanOrEqual(3);
  });

  it('waits out a generate 420 whose X-RateLimit-Resource-Until falls inside the wait', async () => {
    resetSim({ generationMs: 200 });
    const s = await connect();
    const until = Math.ceil((Date.now() + 2_200) / 1000) * 1000;
    sim.server.inject(
      {
        kind: 'status',
        status: 420,
        headers: { 'X-RateLimit-Resource-Limit': '1', 'X-RateLimit-Resource-Remaining': '0', 'X-RateLimit-Resource-Until': new Date(until).toUTCString(), 'content-type': 'application/json' },
        body: { status: 'ERROR', errors: [{ code: 'LIMIT_EXCEEDED', message: 'Limit of access to resource generate.united-orders exceeded' }] },
      },
      { match: (r) => r.path.endsWith('/generate') },
    );
    const progress: string[] = [];
    const result = await call(s, { report: orderReport(), max_wait_seconds: 20 }, { onprogress: (p) => progress.push(p.message ?? '') });
    expect((result.structuredContent as Structured).ready).toBe(true);
    const calls = generateCalls();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at).toBeGreaterThanOrEqual(until);
    expect(progress.some((m) => /generate quota until/.test(m))).toBe(true);
  });

  it('fetches a fresh link from reports/info when the file link has expired', async () => {
    resetSim({ generationMs: 300, linkTtlMs: 250 });
    sim.server.inject({ kind: 'latency', ms: 600 }, { match: (r) => r.path.startsWith('/files/') });
    const s = await connect();
    const result = await call(s, { report: orderReport(), max_wait_seconds: 20 });
    expect((result.structuredContent as Structured).ready).toBe(true);
    const files = sim.server.requests.filter((r) => r.path.startsWith('/files/'));
    expect(files).toHaveLength(2);
    // A new link (new token) came from a second DONE info call.
    expect(files[0]!.path).not.toBe(files[1]!.path);
    expect(infoCalls().length).toBeGreaterThanOrEqual(2);
  });

  it('explains NO_DATA and TOO_LARGE with what to change', async () => {
    resetSim({ generationMs: 200 });
    const s = await connect();
    const empty = await call(s, { report: orderReport({ date_from: '2020-01-01', date_to: '2020-01-31' }), max_wait_seconds: 10 });
    const sc = empty.structuredContent as Structured;
    expect(sc).toMatchObject({ status: 'FAILED', sub_status: 'NO_DATA', ready: false });
    expect(textOf(empty)).toMatch(/NO_DATA.*check the period/);

    resetSim({ generationMs: 200, maxRows: 10 });
    const big = await call(s, { report: orderReport(), max_wait_seconds: 10 });
    expect((big.structuredContent as Structured).sub_status).toBe('TOO_LARGE');
    expect(textOf(big)).toMatch(/narrow the period/);
  });

  it('never has more than 4 requests in flight with 5 concurrent calls', async () => {
    resetSim({ generationMs: 400, latencyMs: 120 });
    const s = await connect();
    const months = [['2026-08-01', '2026-08-31'], ['2026-09-01', '2026-09-30'], ['2026-10-01', '2026-10-31'], ['2026-11-01', '2026-11-20'], ['2026-09-15', '2026-10-15']];
    const results = await Promise.all(months.map(([from, to]) => call(s, { report: orderReport({ date_from: from, date_to: to }), max_wait_seconds: 30 })));
    for (const [i, r] of results.entries()) {
      const sc = r.structuredContent as Structured;
      if (sc.status === 'FAILED') expect(sc.sub_status).toBe('NO_DATA');
      else expect(sc.orders.revenue.amount).toBe(expectedOrders(sim.orders, months[i]![0]!, months[i]![1]!).revenue.amount);
    }
    expect(sim.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(sim.maxInFlight).toBeLessThanOrEqual(4);
    expect(sim.rejected420).toBe(0);
  });

  it('names the credential on 403 and the report on 404, as isError results', async () => {
    resetSim();
    const s = await connect({ MARKET_API_KEY: 'ACMA:wrong-key-0000' });
    const denied = await call(s, { report: orderReport(), max_wait_seconds: 5 });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/403.*MARKET_API_KEY/s);
    expect(textOf(denied)).not.toContain('wrong-key-0000');

    const ok = await connect();
    const missing = await call(ok, { report_id: 'no_such_report', max_wait_seconds: 5 });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/does not know report no_such_report \(404\)/);

    const bad = await call(ok, { report: { type: 'orders-please', period: 'last_month' } });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/report\.type.*united-orders/);
    const both = await call(ok, { report_id: 'x', report: orderReport() });
    expect(textOf(both)).toMatch(/report_id: conflicts with `report`/);
    // Fields inside report are named as such; language is refused where Market does not take it.
    const badDate = await call(ok, { report: orderReport({ date_from: '2026-13-45' }) });
    expect(badDate.isError).toBe(true);
    expect(textOf(badDate)).toMatch(/report\.date_from/);
    const lang = await call(ok, { report: { type: 'shows-sales', date_from: FROM, date_to: TO, language: 'EN' } });
    expect(lang.isError).toBe(true);
    expect(textOf(lang)).toMatch(/report\.language.*shows-sales does not take language/);
  });
});
