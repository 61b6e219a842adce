import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfdPublicSim, type OfdPublicSim } from '../../src/sim/ofd-public/index.js';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { bins, figures, s2, select, type ExpectedFigures } from './expected.js';

/**
 * get_sales_aggregation with an OFD_TOKEN (new API, figures added up from receipts) against the same tool
 * with legacy keys, both over their simulators seeded with the very same receipts, through a real MCP
 * client; and both against an independent decimal computation from the seeded receipts.
 */

const NOW = new Date('2026-03-20T12:00:00Z');
const SIM = { now: NOW, days: 90, rps: 1000 };
let legacySim: OfdSim;
let publicSim: OfdPublicSim;
let legacy: StdioSession;
let current: StdioSession;
let cacheDir: string;

beforeAll(async () => {
  [legacySim, publicSim] = await Promise.all([startOfdSim(SIM), startOfdPublicSim(SIM)]);
  cacheDir = mkdtempSync(join(tmpdir(), 'revenue-cache-'));
  const common = { REVENUE_TZ: 'Europe/Moscow', OFD_RPS: '100', HTTP_BACKOFF_MS: '20' };
  [legacy, current] = await Promise.all([
    connectStdio({ env: { ...legacySim.env, ...common } }),
    // Both kinds of credentials: the token wins.
    connectStdio({ env: { ...legacySim.env, ...publicSim.env, ...common, REVENUE_CACHE_DIR: cacheDir } }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([legacy?.close(), current?.close()]);
  await Promise.all([legacySim?.close(), publicSim?.close()]);
  rmSync(cacheDir, { recursive: true, force: true });
});

async function call(session: StdioSession, args: Record<string, unknown>) {
  const result = await session.client.callTool({ name: 'get_sales_aggregation', arguments: args });
  return { result, text: textOf(result), sc: result.structuredContent as Record<string, any> };
}

/** Everything but which API answered and what it cost. */
function figuresOf(sc: Record<string, any>) {
  const { api: _a, requests: _r, precision: _p, notes: _n, ...rest } = sc;
  return rest;
}

function expectTotals(actual: Record<string, any>, e: ExpectedFigures) {
  expect([actual.gross_sales, actual.refunds, actual.net_sales, actual.receipts, actual.documents, actual.average_receipt]).toEqual([
    s2(e.gross),
    s2(e.refunds),
    s2(e.net),
    e.receipts,
    e.documents,
    e.average ? s2(e.average) : null,
  ]);
  expect(actual.payments).toEqual({ cash: s2(e.income.cash), electronic: s2(e.income.electronic), prepaid: s2(e.income.prepaid), credit: s2(e.income.credit), provision: s2(e.income.provision) });
  expect([actual.outcome, actual.outcome_return]).toEqual([s2(e.outcome), s2(e.outcomeReturn)]);
}

const receiptRequests = () => publicSim.receiptRequests().length;

describe('OFD_TOKEN: the new API gives the legacy figures', () => {
  it('both simulators serve the same receipts', () => {
    expect(publicSim.receipts.map((r) => [r.id, r.date_time, r.kopecks.total])).toEqual(legacySim.receipts.map((r) => [r.id, r.date_time, r.kopecks.total]));
  });

  for (const [from, to, interval] of [
    ['2026-01-26', '2026-02-08', 'day'],
    ['2026-01-19', '2026-02-15', 'week'],
    ['2026-01-01', '2026-02-28', 'month'],
  ] as const) {
    it(`by ${interval} over a month boundary (${from} … ${to}): identical to legacy and to the decimal judge`, async () => {
      const args = { date_from: from, date_to: to, interval, response_format: 'detailed', precision: 'exact' };
      const [a, b] = await Promise.all([call(legacy, args), call(current, args)]);
      expect(a.result.isError, a.text).toBeFalsy();
      expect(b.result.isError, b.text).toBeFalsy();
      expect(a.sc.api).toBe('legacy');
      expect(b.sc.api).toBe('public');
      expect(b.text).toContain('public API (OFD_TOKEN');
      expect(figuresOf(b.sc)).toEqual(figuresOf(a.sc));

      const sel = select(publicSim.receipts, { from, to }, publicSim.companies);
      // The data has what makes the comparison worth it.
      expect(sel.some((r) => r.operation_type === 'income_return')).toBe(true);
      expect(sel.some((r) => r.operation_type === 'outcome')).toBe(true);
      expect(sel.some((r) => r.operation_type === 'outcome_return')).toBe(true);
      expect(sel.some((r) => r.document_type === 'receiptCorrection')).toBe(true);
      expectTotals(b.sc.totals, figures(sel));
      const expected = bins(sel, interval);
      expect(b.sc.intervals.map((r: any) => r.start)).toEqual([...expected.keys()]);
      for (const row of b.sc.intervals) {
        const e = expected.get(row.start)!;
        expect([row.gross_sales, row.refunds, row.net_sales, row.receipts, row.cash, row.electronic]).toEqual([s2(e.gross), s2(e.refunds), s2(e.net), e.receipts, s2(e.income.cash), s2(e.income.electronic)]);
      }
      // The text shows the same headline.
      expect(b.text.split('\n').filter((l) => /^(Gross|Receipts|Payments|Also|vs )/.test(l))).toEqual(a.text.split('\n').filter((l) => /^(Gross|Receipts|Payments|Also|vs )/.test(l)));
    }, 90_000);
  }

  it('a repeated question reads only the cache; an overlapping one fetches only the days it lacks', async () => {
    const args = { date_from: '2026-01-26', date_to: '2026-02-08', interval: 'day' };
    const before = receiptRequests();
    const again = await call(current, args);
    expect(again.result.isError, again.text).toBeFalsy();
    expect(receiptRequests()).toBe(before);
    expect(again.sc.requests).toBe(0);
    expect(again.text).toMatch(/days came from the on-disk cache/);

    const overlap = await call(current, { date_from: '2026-02-20', date_to: '2026-03-03', compare_previous: false });
    expect(overlap.result.isError, overlap.text).toBeFalsy();
    const asked = publicSim.receiptRequests().slice(before);
    expect(asked.length).toBeGreaterThan(0);
    // 2026-02-20 … 02-28 were cached by the monthly question; only March was fetched.
    for (const r of asked) expect(String(r.query.from) >= '2026-03-01').toBe(true);
    expectTotals(overlap.sc.totals, figures(select(publicSim.receipts, { from: '2026-02-20', to: '2026-03-03' }, publicSim.companies)));
  }, 90_000);

  it('a damaged cache entry is dropped and fetched again; a leftover temp file does no harm', async () => {
    const scope = readdirSync(join(cacheDir, 'ofd-public'));
    const files = scope.flatMap((s) => readdirSync(join(cacheDir, 'ofd-public', s)).map((f) => join(cacheDir, 'ofd-public', s, f)));
    const day = files.find((f) => f.endsWith('2026-02-03.json'))!;
    expect(day).toBeDefined();
    // Half a file, as a writer killed mid-way without the rename would leave; and a checksum that lies.
    const text = readFileSync(day, 'utf8');
    writeFileSync(day, text.slice(0, Math.floor(text.length / 2)));
    const other = files.find((f) => f.endsWith('2026-02-04.json'))!;
    writeFileSync(other, readFileSync(other, 'utf8').replace(/"checks":(\d+)/, (_, n) => `"checks":${Number(n) + 1}`));
    writeFileSync(`${day}.123.tmp`, '{"format":1,"sha');

    const before = publicSim.receiptRequests().length;
    const r = await call(current, { date_from: '2026-02-02', date_to: '2026-02-05', compare_previous: false });
    expect(r.result.isError, r.text).toBeFalsy();
    const asked = publicSim.receiptRequests().slice(before);
    expect(asked.map((q) => q.query.from)).toEqual(['2026-02-03']);
    expectTotals(r.sc.totals, figures(select(publicSim.receipts, { from: '2026-02-02', to: '2026-02-05' }, publicSim.companies)));
  }, 90_000);
});
