import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { figures, s2, select } from './expected.js';

/**
 * Every documented failure of get_sales_aggregation, end to end over stdio: a clear isError naming what
 * to fix, no secret in any output, and the server still answering a good call afterwards.
 */

let sim: OfdSim;
let session: StdioSession;
const NOW = new Date('2026-03-20T12:00:00Z');
const GOOD = { date_from: '2026-02-02', date_to: '2026-02-08', compare_previous: false };
const seen: string[] = [];

async function callIn(s: StdioSession, args: Record<string, unknown>) {
  const result = await s.client.callTool({ name: 'get_sales_aggregation', arguments: args });
  const text = textOf(result);
  seen.push(text, JSON.stringify(result.structuredContent ?? {}));
  return { isError: !!result.isError, text, sc: result.structuredContent as Record<string, any> };
}
const call = (args: Record<string, unknown>) => callIn(session, args);

/** The server still answers, with the right figures. */
async function stillServes() {
  const ok = await call(GOOD);
  expect(ok.isError, ok.text).toBe(false);
  expect(ok.sc.totals.gross_sales).toBe(s2(figures(select(sim.receipts, { from: '2026-02-02', to: '2026-02-08' }, sim.companies)).gross));
}

beforeAll(async () => {
  sim = await startOfdSim({ now: NOW, rps: 1000 });
  session = await connectStdio({ env: { ...sim.env, OFD_RPS: '50', HTTP_BACKOFF_MS: '20', HTTP_RETRIES: '3' } });
});
afterEach(() => sim.server.clearFaults());
afterAll(async () => {
  // No key ever reaches a tool result or the server's logs.
  const all = seen.join('\n') + session.stderr();
  for (const secret of [sim.keys.yandexKey, sim.keys.ofdKey, sim.unlinkedOfdKey, 'wrong-yandex-key-123', 'wrong-ofd-key-456']) expect(all).not.toContain(secret);
  await session?.close();
  await sim?.close();
});

describe('get_sales_aggregation e2e: authentication errors (real key checks)', () => {
  it('401 code 1 names OFD_YANDEX_KEY and says the legacy API no longer issues keys', async () => {
    const s = await connectStdio({ env: { ...sim.env, OFD_YANDEX_KEY: 'wrong-yandex-key-123' } });
    try {
      const r = await callIn(s, GOOD);
      expect(r.isError).toBe(true);
      expect(r.text).toContain('OFD_YANDEX_KEY');
      expect(r.text).toContain('code 1');
      expect(r.text).not.toContain('OFD_KEY ');
      expect(r.text).toMatch(/no longer issues new keys/);
      // still serving
      expect((await s.client.listTools()).tools.map((t) => t.name)).toContain('get_sales_aggregation');
      seen.push(s.stderr());
    } finally {
      await s.close();
    }
  });

  it('401 code 2 (bad X-OFD-Key, or user not linked) names OFD_KEY', async () => {
    for (const key of ['wrong-ofd-key-456', sim.unlinkedOfdKey]) {
      const s = await connectStdio({ env: { ...sim.env, OFD_KEY: key } });
      try {
        const r = await callIn(s, GOOD);
        expect(r.isError).toBe(true);
        expect(r.text).toContain('OFD_KEY (sent as X-OFD-Key)');
        expect(r.text).toContain('code 2');
        expect(r.text).toMatch(/not linked/);
        expect(r.text).toMatch(/no longer issues new keys/);
        expect((await callIn(s, GOOD)).isError).toBe(true);
        seen.push(s.stderr());
      } finally {
        await s.close();
      }
    }
  });

  it('an unconfigured source says which variables to set', async () => {
    const s = await connectStdio({ env: {} });
    try {
      const r = await callIn(s, GOOD);
      expect(r.isError).toBe(true);
      expect(r.text).toContain('OFD_YANDEX_KEY');
      expect(r.text).toContain('OFD_KEY');
    } finally {
      await s.close();
    }
  });
});

describe('get_sales_aggregation e2e: upstream errors, then the server keeps serving', () => {
  it('403 code 3 names the company', async () => {
    const r = await call({ ...GOOD, company_ids: ['301', '303'] });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('company 303 is not found or not accessible');
    expect(r.text).toContain('code 3');
    expect(r.text).toContain('company_ids');
    await stillServes();
  });

  it('403 code 4 names the cashbox', async () => {
    const r = await call({ ...GOOD, cashbox_ids: [5005] });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('cashbox 5005 is not found or not accessible');
    expect(r.text).toContain('code 4');
    await stillServes();
  });

  it('403 code 22 names the retail point', async () => {
    const r = await call({ ...GOOD, retail_point_ids: ['1004'] });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('retail point 1004 is not found or not accessible');
    expect(r.text).toContain('code 22');
    await stillServes();
  });

  it('401 code 1 / 2 sent by the upstream mid-session', async () => {
    sim.server.inject({ kind: 'status', status: 401, body: { code: 1, message: 'Invalid X-Yandex-Key' } });
    const r1 = await call(GOOD);
    expect(r1.text).toContain('Fix OFD_YANDEX_KEY');
    sim.server.inject({ kind: 'status', status: 401, body: { code: 2, message: 'User is not linked to a client' } });
    const r2 = await call(GOOD);
    expect(r2.text).toContain('Fix OFD_KEY');
    await stillServes();
  });

  it('400 and 422 pass the upstream message on', async () => {
    sim.server.inject({ kind: 'status', status: 400, body: { code: 5, message: 'Period is too long for interval day' } });
    const r = await call(GOOD);
    expect(r.isError).toBe(true);
    expect(r.text).toContain('HTTP 400, code 5: "Period is too long for interval day"');
    sim.server.inject({ kind: 'status', status: 422, body: { code: 7, description: 'Field company_ids must be a list' } });
    const r2 = await call(GOOD);
    expect(r2.isError).toBe(true);
    expect(r2.text).toContain('HTTP 422, code 7: "Field company_ids must be a list"');
    await stillServes();
  });

  it('429 from the per-second limit is waited out; figures stay exact', async () => {
    sim.setRps(1);
    const before = sim.counters.rateLimited;
    try {
      const r = await call({ date_from: '2025-03-01', date_to: '2025-08-31', interval: 'day', compare_previous: true });
      expect(r.isError, r.text).toBe(false);
      expect(sim.counters.rateLimited).toBeGreaterThan(before);
      expect(r.sc.totals.net_sales).toBe(s2(figures(select(sim.receipts, { from: '2025-03-01', to: '2025-08-31' }, sim.companies)).net));
      expect(session.stderr()).toMatch(/HTTP 429/);
    } finally {
      sim.setRps(1000);
    }
  });

  it('a 429 that does not lift ends in advice about OFD_RPS', async () => {
    sim.server.inject({ kind: 'status', status: 429, headers: { 'retry-after': '0' }, body: { code: 429, message: 'Too many requests' } }, { times: 10 });
    const r = await call(GOOD);
    expect(r.isError).toBe(true);
    expect(r.text).toContain('HTTP 429');
    expect(r.text).toContain('OFD_RPS');
    sim.server.clearFaults();
    await stillServes();
  });

  it('500 code 26 after retries says the figures were not produced', async () => {
    sim.server.inject({ kind: 'status', status: 500, body: { code: 26, message: 'Nalog.ru error' } }, { times: 10 });
    const r = await call(GOOD);
    expect(r.isError).toBe(true);
    expect(r.text).toContain('code 26');
    sim.server.clearFaults();
    await stillServes();
  });

  it('malformed JSON is reported, not turned into numbers', async () => {
    sim.server.inject({ kind: 'malformed' }, { times: 5 });
    const r = await call(GOOD);
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/not valid JSON/);
    sim.server.clearFaults();
    await stillServes();
  });

  it('an unreadable amount names Yandex OFD and its JSON path, and produces no figures', async () => {
    const body = { total: 1, full: { checks_income: 1, income: { total: 'n/a', cashTotal: 1 } }, data: [{ start: '2026-02-03', end: '2026-02-03', income: { total: 1 } }] };
    sim.server.inject({ kind: 'status', status: 200, body });
    const r = await call(GOOD);
    expect(r.isError).toBe(true);
    expect(r.text).toContain('Yandex OFD sent a sales aggregation');
    expect(r.text).toContain('full.income.total is not an amount: "n/a"');
    await stillServes();
  });

  it('parses leniently: unknown fields ignored, missing blocks reported as absent (not 0)', async () => {
    const body = {
      service: { trace: 'x' },
      total: 1,
      full: {
        checks_income: 3,
        income: { total: 0.1 + 0.2, cashTotal: 0.1, ecashTotal: 0.2, prepaid: 0, credit: 0, provision: 0, extra: 5 },
        checks: 3,
        date_to: '2026-02-03',
        date_from: '2026-02-03',
        outcome: { total: 0 },
        outcome_return: { total: 0 },
      },
      data: [{ start: '2026-02-03', end: '2026-02-03', income: { total: 0.30000000000000004 }, checks_income: 3, new_field: [1, 2] }],
    };
    sim.server.inject({ kind: 'status', status: 200, body });
    const r = await call(GOOD);
    expect(r.isError, r.text).toBe(false);
    expect(r.sc.totals.gross_sales).toBe('0.30');
    expect(r.sc.totals.refunds).toBeNull();
    expect(r.sc.totals.net_sales).toBeNull();
    expect(r.sc.absent).toContain('income_return (the whole block)');
    expect(r.text).toContain('refunds absent');
    expect(r.text).toContain('absent, not zero');
    expect(r.text).toContain('Gross sales 0,30 ₽');
    expect(r.text).not.toMatch(/0[.,]3000/);
    await stillServes();
  });
});

describe('get_sales_aggregation e2e: bad input is rejected before any request', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['date_from after date_to', { date_from: '2026-02-10', date_to: '2026-02-01' }, /date_from.*after date_to/],
    ['malformed date', { date_from: '2026-02-30', date_to: '2026-03-01' }, /date_from.*not a real calendar date/],
    ['not a date', { date_from: '10.02.2026' }, /date_from.*YYYY-MM-DD/],
    ['unknown period', { period: 'last_fortnight' }, /period.*last_week/],
    ['unknown interval', { ...GOOD, interval: 'hour' }, /interval: "hour" is not accepted\. Use one of: day, week, month/],
    ['unknown document type', { ...GOOD, document_types: ['cheque'] }, /document_types: "cheque".*receiptCorrection/],
    ['unknown operation type', { ...GOOD, operation_types: ['sale'] }, /operation_types: "sale".*income_return/],
    ['unknown taxation type', { ...GOOD, taxation_types: ['usn'] }, /taxation_types: "usn".*usn_income/],
    ['unknown order key', { ...GOOD, orders: ['-price'] }, /orders: "-price" is not accepted.*avg_receipt/],
    ['unknown response format', { ...GOOD, response_format: 'full' }, /response_format.*concise, detailed/],
    ['empty id', { ...GOOD, company_ids: [''] }, /company_ids/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const before = sim.server.requests.length;
      const r = await call(args);
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/^Invalid input, /);
      expect(r.text).toMatch(message);
      expect(sim.server.requests.length).toBe(before);
    });
  }
  it('keeps serving after bad input', stillServes);
});
