import { Decimal } from 'decimal.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOfdPublicSim, type OfdPublicSim } from '../../src/sim/ofd-public/index.js';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';

/**
 * Contract tests of the new-API OFD simulator against the research note: real HTTP to it, and its
 * receipts added up here with plain decimal.js must equal what the legacy simulator aggregates for the
 * same seed — the two simulators are the two judges of the same shop.
 */

const NOW = new Date('2026-03-20T12:00:00Z');
const OPTIONS = { now: NOW, days: 40, traffic: 4, rps: 10_000 };
let sim: OfdPublicSim;
let legacy: OfdSim;

type Row = Record<string, unknown>;
interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function get(path: string, headers: Record<string, string> = { 'x-yandex-ofd-token': sim.token }): Promise<Reply> {
  const res = await fetch(`${sim.baseUrl}${path}`, { headers: { accept: 'application/json', ...headers } });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Every row of a receipts query, paging with `limit` until a short page. */
async function allRows(query: string, limit = 1000): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let pages = 0;
  for (let offset = 0; ; offset += limit) {
    const r = await get(`/reports/receipts?${query}&limit=${limit}&offset=${offset}`);
    expect(r.status).toBe(200);
    pages += 1;
    const page = r.json.data.rows as Row[];
    rows.push(...page);
    const counted = sim.wire.limitCounts === 'receipts' ? page.filter((x) => !('Parent' in x)).length : page.length;
    if (counted < limit) return { rows, pages };
  }
}

const receiptRows = (rows: Row[]) => rows.filter((r) => !('Parent' in r));
const dec = (v: unknown) => new Decimal(String(v));

beforeAll(async () => {
  [sim, legacy] = await Promise.all([startOfdPublicSim(OPTIONS), startOfdSim(OPTIONS)]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), legacy?.close()]);
});
afterEach(() => {
  sim.setWire({ enumStyle: 'labels', limitCounts: 'receipts', listSyntax: 'comma', toBound: 'inclusive', overLimit: 'clamp', outcomeScope: 'query', requireCashboxIds: false });
  sim.server.clearFaults();
});

describe('OFD public simulator: seeded data', () => {
  it('serves the legacy simulator’s receipts, about 300 a day, with refunds, corrections and outcome', () => {
    expect(sim.receipts).toEqual(legacy.receipts);
    const readable = sim.receipts.filter((r) => sim.companies.includes(r.company_id));
    const perDay = readable.length / 40;
    expect(perDay).toBeGreaterThan(250);
    expect(perDay).toBeLessThan(400);
    const march = readable.filter((r) => r.date_time.startsWith('2026-03'));
    for (const op of ['income', 'income_return', 'outcome', 'outcome_return']) expect(march.some((r) => r.operation_type === op)).toBe(true);
    for (const doc of ['receipt', 'receiptCorrection', 'bso', 'bsoCorrection']) expect(march.some((r) => r.document_type === doc)).toBe(true);
  });
});

describe('OFD public simulator: directories, meta, auth', () => {
  it('answers /meta without a token, with maxLimit 1000', async () => {
    const r = await get('/meta', {});
    expect(r.status).toBe(200);
    expect(r.json.data).toMatchObject({ maxLimit: 1000, defaultLimit: 100, apiVersion: '1.0.0' });
  });

  it('lists companies, retail points and cashboxes as bare arrays with names, only the token’s cabinet', async () => {
    const [companies, points, boxes, one] = await Promise.all([get('/companies'), get('/retail_points'), get('/cashboxes'), get('/cashboxes/5003')]);
    expect(companies.json.map((c: Row) => c.id)).toEqual([301, 302]);
    expect(points.json.map((p: Row) => [p.id, p.company_id, p.name])).toEqual([
      [1001, 301, 'Цветы на Тверской'],
      [1002, 301, 'Цветы у метро'],
      [1003, 302, 'Кофейня'],
    ]);
    expect(boxes.json.map((b: Row) => b.id)).toEqual([5001, 5002, 5003, 5004]);
    expect(boxes.json.every((b: Row) => typeof b.alias === 'string' && (b.alias as string).length > 0)).toBe(true);
    expect(Array.isArray(one.json) && one.json[0].id).toBe(5003);
    expect((await get('/cashboxes/5005')).status).toBe(404);
  });

  it('refuses a missing or wrong token with 401 and a revoked one with 403, never echoing the token', async () => {
    const missing = await get('/cashboxes', {});
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({ error: 'unauthorized', message: expect.stringContaining('X-Yandex-Ofd-Token') });
    const wrong = await get('/reports/receipts?from=2026-03-01&to=2026-03-01', { 'x-yandex-ofd-token': 'not-a-token-123' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain('not-a-token-123');
    const revoked = await get('/companies', { 'x-yandex-ofd-token': sim.revokedToken });
    expect(revoked.status).toBe(403);
    expect(revoked.json.error).toBe('forbidden');
    expect(revoked.text).not.toContain(sim.revokedToken);
  });
});

describe('OFD public simulator: /reports/receipts', () => {
  it('adds up, in decimals, to the legacy aggregation of the same day and over a month boundary', async () => {
    const parts: [string, string][] = [
      ['cashTotalSum', 'cashTotal'],
      ['ecashTotalSum', 'ecashTotal'],
      ['prepaidSum', 'prepaid'],
      ['creditSum', 'credit'],
      ['provisionSum', 'provision'],
      ['totalSum', 'total'],
    ];
    const labels: Record<string, string> = { Приход: 'income', 'Возврат прихода': 'income_return', Расход: 'outcome', 'Возврат расхода': 'outcome_return' };
    for (const [from, to, interval] of [
      ['2026-03-02', '2026-03-02', 'day'],
      ['2026-02-23', '2026-03-08', 'week'],
      ['2026-02-25', '2026-03-05', 'month'],
    ] as const) {
      const { rows } = await allRows(`from=${from}&to=${to}`);
      const bins = new Map<string, { checks: number; blocks: Record<string, Record<string, Decimal>> }>();
      const binOf = (day: string) => (interval === 'day' ? day : interval === 'month' ? day.slice(0, 7) : legacyWeekStart(day));
      for (const row of receiptRows(rows)) {
        const key = binOf((row.dateTime as string).slice(0, 10));
        let bin = bins.get(key);
        if (!bin) bins.set(key, (bin = { checks: 0, blocks: {} }));
        bin.checks += 1;
        const op = labels[row.operationType as string]!;
        const block = (bin.blocks[op] ??= Object.fromEntries(parts.map(([, p]) => [p, new Decimal(0)])));
        for (const [wire, part] of parts) block[part] = block[part]!.plus(dec(row[wire]));
      }
      const res = await fetch(`${legacy.url}/v1/docs/aggregations/sales`, {
        method: 'POST',
        headers: { 'x-yandex-key': legacy.keys.yandexKey, 'x-ofd-key': legacy.keys.ofdKey, 'content-type': 'application/json' },
        body: JSON.stringify({ date_from: from, date_to: to, interval, limit: 100 }),
      });
      const aggregation = (await res.json()) as { data: any[] };
      expect(aggregation.data.length).toBe(bins.size);
      if (interval !== 'day') expect(bins.size).toBeGreaterThan(1);
      for (const interval_ of aggregation.data) {
        const bin = bins.get(interval === 'month' ? interval_.start.slice(0, 7) : interval_.start)!;
        expect(bin.checks).toBe(interval_.checks);
        for (const op of Object.values(labels)) {
          for (const [, part] of parts) {
            const mine = bin.blocks[op]?.[part] ?? new Decimal(0);
            expect(mine.equals(dec(interval_[op][part]).toDecimalPlaces(2)), `${interval_.start} ${op}.${part}`).toBe(true);
          }
        }
      }
    }
  });

  it('follows each receipt row with item rows whose Parent is its Id and whose sums add up to its total', async () => {
    const { rows } = await allRows('from=2026-03-03&to=2026-03-03');
    let current: Row | undefined;
    let itemSum = new Decimal(0);
    const check = () => current && expect(itemSum.equals(dec(current.totalSum)), String(current.Id)).toBe(true);
    for (const row of rows) {
      if ('Parent' in row) {
        expect(row.Parent).toBe(current!.Id);
        expect(row).not.toHaveProperty('totalSum');
        expect(row).not.toHaveProperty('operationType');
        expect(dec(row.itemPriceFlat).times(row.itemQuantityFlat as number).equals(dec(row.itemSumFlat))).toBe(true);
        itemSum = itemSum.plus(dec(row.itemSumFlat));
      } else {
        check();
        current = row;
        itemSum = new Decimal(0);
        expect(row.dateTime).toMatch(/^2026-03-03 \d{2}:\d{2}:\d{2}$/);
      }
    }
    check();
    expect(rows.length).toBeGreaterThan(receiptRows(rows).length * 1.5);
  });

  it('pages by offset over receipts (items ride along), capping limit at 1000, or over every row when switched', async () => {
    const query = 'from=2026-03-01&to=2026-03-07';
    const expected = sim.receipts.filter((r) => sim.companies.includes(r.company_id) && r.date_time >= '2026-03-01' && r.date_time <= '2026-03-07 23:59:59').map((r) => r.id);
    const byReceipts = await allRows(query, 1000);
    expect(receiptRows(byReceipts.rows).map((r) => r.Id)).toEqual(expected);
    expect(byReceipts.pages).toBe(Math.floor(expected.length / 1000) + 1);

    const clamped = await get(`/reports/receipts?${query}&limit=5000`);
    expect(receiptRows(clamped.json.data.rows)).toHaveLength(1000);
    sim.setWire({ overLimit: 'error' });
    const refused = await get(`/reports/receipts?${query}&limit=5000`);
    expect(refused.status).toBe(400);
    expect(refused.json.message).toContain('limit');

    sim.setWire({ limitCounts: 'rows' });
    const page = await get(`/reports/receipts?${query}&limit=1000`);
    expect(page.json.data.rows).toHaveLength(1000);
    const byRows = await allRows(query, 1000);
    expect(receiptRows(byRows.rows).map((r) => r.Id)).toEqual(expected);
    expect(byRows.pages).toBeGreaterThan(byReceipts.pages * 2);
    // a row page may start with the items of a receipt sent on the previous page
    const split = await get(`/reports/receipts?${query}&limit=3&offset=1`);
    expect(split.json.data.rows[0].Parent).toBe(expected[0]);
    const defaultPage = await get(`/reports/receipts?${query}`);
    expect(defaultPage.json.data.rows).toHaveLength(100);
  });

  it('totals the whole query in data.outcome (not the "расход" operation), or the page when switched', async () => {
    const query = 'from=2026-03-04&to=2026-03-04';
    const day = sim.receipts.filter((r) => sim.companies.includes(r.company_id) && r.date_time.startsWith('2026-03-04'));
    const total = day.reduce((a, r) => a.plus(new Decimal(r.kopecks.total).div(100)), new Decimal(0));
    const whole = await get(`/reports/receipts?${query}&limit=10`);
    expect(whole.json.data.outcome.dateTime).toBeNull();
    expect(dec(whole.json.data.outcome.totalSum).toDecimalPlaces(2).equals(total)).toBe(true);
    sim.setWire({ outcomeScope: 'page' });
    const page = await get(`/reports/receipts?${query}&limit=10`);
    const pageTotal = receiptRows(page.json.data.rows).reduce((a, r) => a.plus(dec(r.totalSum)), new Decimal(0));
    expect(dec(page.json.data.outcome.totalSum).toDecimalPlaces(2).equals(pageTotal)).toBe(true);
  });

  it('filters by cashbox, retail point, company, document and operation codes, with both list syntaxes', async () => {
    const day = 'from=2026-03-05&to=2026-03-05';
    const ids = (rows: Row[]) => new Set(receiptRows(rows).map((r) => r.kktRegId));
    const boxes = await allRows(`${day}&cashboxIds=5001,5003`);
    const kkt = Object.fromEntries((await get('/cashboxes')).json.map((b: Row) => [b.id, b.rn]));
    expect(ids(boxes.rows)).toEqual(new Set([kkt[5001], kkt[5003]]));
    // comma syntax: a repeated key silently keeps its last value
    expect(ids((await allRows(`${day}&cashboxIds=5001&cashboxIds=5003`)).rows)).toEqual(new Set([kkt[5003]]));
    sim.setWire({ listSyntax: 'repeat' });
    expect(ids((await allRows(`${day}&cashboxIds=5001&cashboxIds=5003`)).rows)).toEqual(new Set([kkt[5001], kkt[5003]]));
    expect((await get(`/reports/receipts?${day}&cashboxIds=5001,5003`)).status).toBe(400);
    sim.setWire({ listSyntax: 'comma' });

    expect(ids((await allRows(`${day}&retailPointIds=1003`)).rows)).toEqual(new Set([kkt[5004]]));
    expect(ids((await allRows(`${day}&companyIds=301`)).rows)).toEqual(new Set([kkt[5001], kkt[5002], kkt[5003]]));

    const month = 'from=2026-03-01&to=2026-03-19';
    const corrections = receiptRows((await allRows(`${month}&docName=31,41`)).rows);
    expect(corrections.length).toBeGreaterThan(0);
    expect(new Set(corrections.map((r) => r.docName))).toEqual(new Set(['Кассовый чек коррекции', 'Бланк строгой отчётности коррекции']));
    const returns = receiptRows((await allRows(`${month}&operationType=2`)).rows);
    expect(returns.length).toBe(
      sim.receipts.filter((r) => sim.companies.includes(r.company_id) && r.date_time >= '2026-03-01' && r.date_time < '2026-03-20' && r.operation_type === 'income_return').length,
    );
    expect(new Set(returns.map((r) => r.operationType))).toEqual(new Set(['Возврат прихода']));

    const shift = receiptRows((await allRows(`${day}&cashboxIds=5002`)).rows)[0]!.shiftNumber;
    const oneShift = receiptRows((await allRows(`from=2026-03-01&to=2026-03-10&cashboxIds=5002&shiftNumber=${shift}`)).rows);
    expect(new Set(oneShift.map((r) => (r.dateTime as string).slice(0, 10)))).toEqual(new Set(['2026-03-05']));
  });

  it('treats to as inclusive by default and exclusive when switched, and accepts a time part', async () => {
    const inclusive = receiptRows((await allRows('from=2026-03-06&to=2026-03-06')).rows);
    expect(inclusive.length).toBeGreaterThan(200);
    const morning = receiptRows((await allRows('from=2026-03-06 00:00:00&to=2026-03-06 11:59:59')).rows);
    expect(morning.length).toBeGreaterThan(0);
    expect(morning.every((r) => (r.dateTime as string) <= '2026-03-06 11:59:59')).toBe(true);
    sim.setWire({ toBound: 'exclusive' });
    expect(receiptRows((await allRows('from=2026-03-06&to=2026-03-06')).rows)).toHaveLength(0);
    expect(receiptRows((await allRows('from=2026-03-06&to=2026-03-07')).rows).map((r) => r.Id)).toEqual(inclusive.map((r) => r.Id));
  });

  it('sends codes instead of labels when switched', async () => {
    sim.setWire({ enumStyle: 'codes' });
    const rows = receiptRows((await allRows('from=2026-03-01&to=2026-03-19&docName=31')).rows);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.docName === 31)).toBe(true);
    expect(rows.every((r) => [1, 2, 3, 4].includes(r.operationType as number))).toBe(true);
  });

  it('answers bad parameters with 400 and other cabinets’ ids with 403, naming the parameter', async () => {
    const cases: [string, number, string][] = [
      ['to=2026-03-01', 400, 'from'],
      ['from=2026-02-30&to=2026-03-01', 400, 'from'],
      ['from=2026-03-02&to=2026-03-01', 400, 'from'],
      ['from=2026-03-01&to=2026-03-01&operationType=9', 400, 'operationType'],
      ['from=2026-03-01&to=2026-03-01&docName=receipt', 400, 'docName'],
      ['from=2026-03-01&to=2026-03-01&offset=-1', 400, 'offset'],
      ['from=2026-03-01&to=2026-03-01&companyIds=303', 403, 'Company 303'],
      ['from=2026-03-01&to=2026-03-01&cashboxIds=5005', 403, 'Cashbox 5005'],
    ];
    for (const [query, status, word] of cases) {
      const r = await get(`/reports/receipts?${query}`);
      expect(r.status, query).toBe(status);
      expect(r.json.message, query).toContain(word);
    }
    sim.setWire({ requireCashboxIds: true });
    expect((await get('/reports/receipts?from=2026-03-01&to=2026-03-01')).status).toBe(400);
    expect((await get('/reports/receipts?from=2026-03-01&to=2026-03-01&cashboxIds=5001')).status).toBe(200);
  });

  it('logs every receipts request with its query', async () => {
    sim.server.clearRequests();
    await get('/reports/receipts?from=2026-03-01&to=2026-03-02&limit=1000&offset=0&cashboxIds=5001');
    await get('/cashboxes');
    await get('/reports/receipts?from=2026-03-01&to=2026-03-02&limit=1000&offset=1000');
    const log = sim.receiptRequests();
    expect(log.map((r) => r.query)).toEqual([
      { from: '2026-03-01', to: '2026-03-02', limit: '1000', offset: '0', cashboxIds: '5001' },
      { from: '2026-03-01', to: '2026-03-02', limit: '1000', offset: '1000' },
    ]);
  });
});

describe('OFD public simulator: /reports/shifts', () => {
  it('totals income and income returns per shift, with net balances and cash/ecash/credit splits', async () => {
    const r = await get('/reports/shifts?from=2026-03-09&to=2026-03-09&limit=1000');
    expect(r.status).toBe(200);
    const rows = r.json.data.rows as Row[];
    expect(rows).toHaveLength(4);
    const kkt = Object.fromEntries((await get('/cashboxes')).json.map((b: Row) => [b.rn, String(b.id)]));
    for (const row of rows) {
      const mine = sim.receipts.filter((x) => x.cashbox_id === kkt[row.kktRegId as string] && x.date_time.startsWith('2026-03-09'));
      const sum = (op: string, part: 'total' | 'cashTotal') => mine.filter((x) => x.operation_type === op).reduce((a, x) => a.plus(new Decimal(x.kopecks[part]).div(100)), new Decimal(0));
      expect(dec(row.incomeSum).equals(sum('income', 'total'))).toBe(true);
      expect(dec(row.incomeReturnSum).equals(sum('income_return', 'total'))).toBe(true);
      expect(dec(row.cashTotalSumIncome).equals(sum('income', 'cashTotal'))).toBe(true);
      expect(row.incomeCnt).toBe(mine.filter((x) => x.operation_type === 'income').length);
      expect(dec(row.balanceSum).equals(dec(row.incomeSum).minus(dec(row.incomeReturnSum)))).toBe(true);
      expect(row.openShiftDateTime).toBe('2026-03-09 08:45:00');
      expect(row.closeShiftDateTime).toBe('2026-03-09 21:15:00');
    }
    expect(r.json.data.outcome.shiftNumber).toBeNull();
    // the simulator's clock is 15:00 local on 2026-03-20: today's shifts are still open
    const today = await get('/reports/shifts?from=2026-03-20&to=2026-03-20');
    expect(today.json.data.rows.length).toBeGreaterThan(0);
    expect(today.json.data.rows.every((s: Row) => s.closeShiftDateTime === null)).toBe(true);
  });
});

describe('OFD public simulator: faults', () => {
  const reports = { match: (req: { path: string }) => req.path.endsWith('/reports/receipts') };
  const day = '/reports/receipts?from=2026-03-02&to=2026-03-02&limit=1000';

  it('injects 429 with Retry-After, 5xx and truncated bodies, then serves normally', async () => {
    sim.server.inject({ kind: 'status', status: 429, headers: { 'retry-after': '2' }, body: { error: 'too_many_requests', message: 'slow down' } }, reports);
    sim.server.inject({ kind: 'status', status: 503, body: 'upstream unavailable' }, reports);
    sim.server.inject({ kind: 'truncated' }, reports);
    const limited = await get(day);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await get(day)).status).toBe(503);
    await expect(get(day)).rejects.toThrow();
    expect((await get(day)).status).toBe(200);
  });

  it('answers 429 with Retry-After once a token exceeds its requests per second', async () => {
    sim.setRps(2);
    try {
      const replies = await Promise.all([1, 2, 3, 4].map(() => get('/cashboxes')));
      const limited = replies.filter((r) => r.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      sim.setRps(10_000);
    }
  });

  it('spoils a row on request: missing amounts, malformed values', async () => {
    sim.injectRowFault('missingAmounts');
    sim.injectRowFault('malformedRow');
    const missing = receiptRows((await get(day)).json.data.rows);
    expect(missing[0]).not.toHaveProperty('totalSum');
    expect(missing[1]).toHaveProperty('totalSum');
    const malformed = receiptRows((await get(day)).json.data.rows);
    expect(malformed[0]!.totalSum).toBe('сумма');
    const clean = receiptRows((await get(day)).json.data.rows);
    expect(typeof clean[0]!.totalSum).toBe('number');
  });
});

/** Monday of the week holding `day` (the legacy simulator's week start), computed independently. */
function legacyWeekStart(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10);
}
