import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { bins, daysBetween, figures, naiveFloatSum, rubText, s2, select, shiftDays, type ExpectedFigures, type Selection } from './expected.js';

/**
 * get_sales_aggregation end to end: the built server over stdio, a real MCP client (which also checks
 * structuredContent against the declared outputSchema), the simulator on 127.0.0.1, and expected
 * figures computed independently from the simulator's receipts.
 */

let sim: OfdSim;
let session: StdioSession;
const NOW = new Date('2026-03-20T12:00:00Z');

beforeAll(async () => {
  sim = await startOfdSim({ now: NOW, rps: 1000 });
  session = await connectStdio({ env: { ...sim.env, REVENUE_TZ: 'Europe/Moscow', OFD_RPS: '50' } });
});
afterAll(async () => {
  await session?.close();
  await sim?.close();
});

async function call(args: Record<string, unknown>) {
  const result = await session.client.callTool({ name: 'get_sales_aggregation', arguments: args });
  return { result, text: textOf(result), sc: result.structuredContent as Record<string, any> };
}

function expectTotals(actual: Record<string, any>, e: ExpectedFigures) {
  expect(actual.gross_sales).toBe(s2(e.gross));
  expect(actual.refunds).toBe(s2(e.refunds));
  expect(actual.net_sales).toBe(s2(e.net));
  expect(actual.receipts).toBe(e.receipts);
  expect(actual.documents).toBe(e.documents);
  expect(actual.average_receipt).toBe(e.average ? s2(e.average) : null);
  expect(actual.payments).toEqual({
    cash: s2(e.income.cash),
    electronic: s2(e.income.electronic),
    prepaid: s2(e.income.prepaid),
    credit: s2(e.income.credit),
    provision: s2(e.income.provision),
  });
  expect(actual.outcome).toBe(s2(e.outcome));
  expect(actual.outcome_return).toBe(s2(e.outcomeReturn));
}

/** Every money string is exact to the kopeck: two decimals, no float tail. */
function expectNoFloatArtefacts(text: string, sc: unknown) {
  expect(text).not.toMatch(/\d[.,]\d{3,}/);
  const walk = (v: unknown, key = ''): void => {
    if (typeof v === 'string' && /sales|refunds|receipt|cash|electronic|prepaid|credit|provision|outcome|absolute/.test(key) && /^-?\d+\.\d+$/.test(v)) {
      expect(v, key).toMatch(/^-?\d+\.\d{2}$/);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'payment_shares_percent') walk(x, k);
  };
  walk(sc);
}

async function checkPeriod(from: string, to: string, interval: 'day' | 'week' | 'month', explicitInterval: boolean) {
  const { result, text, sc } = await call({ date_from: from, date_to: to, ...(explicitInterval ? { interval } : {}), response_format: 'detailed' });
  expect(result.isError, text).toBeFalsy();
  const sel = select(sim.receipts, { from, to }, sim.companies);
  const e = figures(sel);
  expect(sc.interval).toBe(interval);
  expect(sc.currency).toBe('RUB');
  expect(sc.period).toMatchObject({ date_from: `${from}T00:00:00`, date_to: `${to}T23:59:59` });
  expectTotals(sc.totals, e);

  // per interval, independently binned
  const expectedBins = bins(sel, interval);
  expect(sc.intervals_total).toBe(expectedBins.size);
  expect(sc.intervals.map((r: any) => r.start)).toEqual([...expectedBins.keys()]);
  for (const row of sc.intervals) {
    const b = expectedBins.get(row.start)!;
    expect([row.gross_sales, row.refunds, row.net_sales, row.receipts, row.average_receipt, row.cash, row.electronic]).toEqual([
      s2(b.gross),
      s2(b.refunds),
      s2(b.net),
      b.receipts,
      b.average ? s2(b.average) : null,
      s2(b.income.cash),
      s2(b.income.electronic),
    ]);
  }

  // previous period of equal length, right before
  const days = daysBetween(from, to);
  const prev = figures(select(sim.receipts, { from: shiftDays(from, -days), to: shiftDays(from, -1) }, sim.companies));
  expectTotals(sc.previous.totals, prev);
  expect(sc.previous.change.net_sales.absolute).toBe(s2(e.net.minus(prev.net)));
  expect(sc.previous.change.gross_sales.percent).toBe(e.gross.minus(prev.gross).div(prev.gross).times(100).toDecimalPlaces(1, Decimal.ROUND_HALF_UP).toFixed(1));

  // the same figures in the text
  expect(text).toContain(`Gross sales ${rubText(e.gross)}`);
  expect(text).toContain(`refunds ${rubText(e.refunds)}`);
  expect(text).toContain(`net ${rubText(e.net)}`);
  expect(text).toContain(`Receipts ${e.receipts} · average receipt ${rubText(e.average!)}`);
  expect(text).toContain(`cash ${rubText(e.income.cash)}`);
  expect(text).toContain(`electronic ${rubText(e.income.electronic)}`);
  const first = [...expectedBins.values()][0]!;
  expect(text).toContain(`${rubText(first.gross)} | ${rubText(first.refunds)} | ${rubText(first.net)} | ${first.receipts} |`);
  expectNoFloatArtefacts(text, sc);
  return { sc, text, sel };
}

describe('get_sales_aggregation e2e: figures equal an independent computation to the kopeck', () => {
  it('by day (default for a week), with the previous week', async () => {
    const { sel, sc, text } = await checkPeriod('2026-02-09', '2026-02-15', 'day', false);
    // The data would show artefacts if summed as floats; the answer never does.
    const exactAll = sel.reduce((a, r) => a.plus(new Decimal(r.kopecks.total).div(100)), new Decimal(0));
    expect(String(naiveFloatSum(sel))).not.toBe(exactAll.toString());
    // best and worst day by gross sales
    const days = bins(sel, 'day');
    const ranked = [...days.entries()].sort(([, a], [, b]) => b.gross.comparedTo(a.gross));
    expect(sc.best_interval.start).toBe(ranked[0]![0]);
    expect(sc.worst_interval.start).toBe(ranked.at(-1)![0]);
    expect(text).toContain(`Best day: ${ranked[0]![0]} — ${rubText(ranked[0]![1].gross)} gross`);
  });

  it('by week (Monday–Sunday), including partial weeks at both ends', async () => {
    const { sc } = await checkPeriod('2025-12-03', '2026-01-28', 'week', true);
    expect(sc.intervals[0]).toMatchObject({ start: '2025-12-01', end: '2025-12-07', from: '2025-12-03', to: '2025-12-07', partial: true });
    expect(sc.intervals.at(-1)).toMatchObject({ start: '2026-01-26', end: '2026-02-01', to: '2026-01-28', partial: true });
  });

  it('by month (default beyond six months)', async () => {
    const { sc } = await checkPeriod('2025-05-01', '2026-02-28', 'month', false);
    expect(sc.intervals).toHaveLength(10);
    expect(sc.intervals[0]).toMatchObject({ start: '2025-05-01', end: '2025-05-31', partial: false });
  });

  it('for a period crossing a month boundary, by day and by month', async () => {
    await checkPeriod('2026-01-27', '2026-02-04', 'day', false);
    const { sc } = await checkPeriod('2026-01-27', '2026-02-04', 'month', true);
    expect(sc.intervals.map((r: any) => [r.from, r.to])).toEqual([
      ['2026-01-27', '2026-01-31'],
      ['2026-02-01', '2026-02-04'],
    ]);
  });

  it('walks limit/offset over several pages when there are more than 100 intervals', async () => {
    sim.server.clearRequests();
    const { sc } = await checkPeriod('2025-03-01', '2025-08-31', 'day', true);
    expect(sc.intervals_total).toBe(184);
    const pages = sim.server.requests.filter((r) => (r.json as any).limit > 1);
    expect(pages.map((r) => (r.json as any).offset)).toEqual([0, 100]);
    // every request carries the documented body with explicit local times
    const body = pages[0]!.json as Record<string, unknown>;
    expect(body).toMatchObject({ date_from: '2025-03-01 00:00:00', date_to: '2025-08-31 23:59:59', interval: 'day', document_types: ['receipt', 'receiptCorrection', 'bso', 'bsoCorrection'] });
    expect(pages[0]!.headers['x-yandex-key']).toBe(sim.keys.yandexKey);
  });

  it('applies id filters and orders; concise shows up to 10 rows and says how to get the rest', async () => {
    const { result, text, sc } = await call({ date_from: '2026-01-01', date_to: '2026-01-31', cashbox_ids: ['5004'], orders: ['-income'], compare_previous: false });
    expect(result.isError, text).toBeFalsy();
    const sel = select(sim.receipts, { from: '2026-01-01', to: '2026-01-31', cashboxes: ['5004'] }, sim.companies);
    expectTotals(sc.totals, figures(sel));
    expect(sc.previous).toBeNull();
    expect(sc.intervals).toHaveLength(10);
    expect(sc.truncated).toBe(true);
    const top = [...bins(sel, 'day').entries()].sort(([, a], [, b]) => b.gross.comparedTo(a.gross)).slice(0, 10);
    expect(sc.intervals.map((r: any) => r.start)).toEqual(top.map(([k]) => k));
    expect(text).toContain('response_format "detailed"');
  });

  it('accepts enum values case-insensitively and a named period', async () => {
    const { result, text, sc } = await call({ period: 'Last_Month', interval: 'WEEK', operation_types: ['Income', 'INCOME_RETURN'], response_format: 'Concise' });
    expect(result.isError, text).toBeFalsy();
    expect(sc.interval).toBe('week');
    expect(sc.filters.operation_types).toEqual(['income', 'income_return']);
    // interval defaults: day up to 31 days, week up to six months, month beyond
    const defaults = await Promise.all(
      [['2026-01-01', '2026-01-31'], ['2026-01-01', '2026-02-01'], ['2025-09-01', '2026-03-02'], ['2025-09-01', '2026-03-03']].map(([f, t]) =>
        call({ date_from: f, date_to: t, compare_previous: false }),
      ),
    );
    expect(defaults.map((d) => d.sc.interval)).toEqual(['day', 'week', 'week', 'month']);
  });

  it('ranks best and worst among full intervals only, and not at all with fewer than two', async () => {
    const from = '2025-12-03';
    const to = '2026-01-28';
    const { result, text, sc } = await call({ date_from: from, date_to: to, interval: 'week', compare_previous: false });
    expect(result.isError, text).toBeFalsy();
    const weeks = [...bins(select(sim.receipts, { from, to }, sim.companies), 'week').entries()];
    const full = weeks.filter(([start]) => start >= from && shiftDays(start, 6) <= to);
    expect(full.length).toBeLessThan(weeks.length); // the period cuts weeks at both ends
    const byGross = [...full].sort(([, a], [, b]) => b.gross.comparedTo(a.gross));
    expect(sc.best_interval).toMatchObject({ start: byGross[0]![0], partial: false, gross_sales: s2(byGross[0]![1].gross) });
    expect(sc.worst_interval).toMatchObject({ start: byGross.at(-1)![0], partial: false, gross_sales: s2(byGross.at(-1)![1].gross) });
    expect(text).toContain(`Best week (full weeks only): ${byGross[0]![0]} – ${shiftDays(byGross[0]![0], 6)} — ${rubText(byGross[0]![1].gross)} gross`);

    // Two months, both cut by the period: nothing to rank.
    const cut = await call({ date_from: '2026-01-27', date_to: '2026-02-04', interval: 'month', compare_previous: false });
    expect(cut.sc.intervals).toHaveLength(2);
    expect(cut.sc.best_interval).toBeNull();
    expect(cut.sc.worst_interval).toBeNull();
    expect(cut.text).not.toContain('Best month');
  });

  const FILTER_CASES: Array<[string, Record<string, unknown>, Omit<Selection, 'from' | 'to'>, string | undefined]> = [
    ['company_ids', { company_ids: ['302'] }, { companies: ['302'] }, 'Filters: company 302'],
    ['retail_point_ids', { retail_point_ids: ['1001', 1002] }, { retailPoints: ['1001', '1002'] }, 'Filters: retail points 1001, 1002'],
    ['taxation_types', { taxation_types: ['PSN'] }, { taxationTypes: ['psn'] }, 'Filters: tax system psn'],
    ['operation_types', { operation_types: ['income_return'] }, { operationTypes: ['income_return'] }, 'Filters: income_return only'],
    ['document_types', { document_types: ['bso', 'receiptCorrection'] }, { documentTypes: ['bso', 'receiptCorrection'] }, 'Filters: documents bso, receiptCorrection only'],
    [
      'several at once',
      { company_ids: ['302'], taxation_types: ['osn'], operation_types: ['income', 'income_return'] },
      { companies: ['302'], taxationTypes: ['osn'], operationTypes: ['income', 'income_return'] },
      'Filters: company 302 · tax system osn · income, income_return only',
    ],
    ['the default document kinds, spelled out', { document_types: ['bsoCorrection', 'bso', 'receiptCorrection', 'receipt'] }, {}, undefined],
  ];
  for (const [name, args, selection, line] of FILTER_CASES) {
    it(`filter ${name}: exact figures for the period, each row and the previous period; the text says what is filtered`, async () => {
      const from = '2026-02-01';
      const to = '2026-02-14';
      const { result, text, sc } = await call({ date_from: from, date_to: to, ...args, response_format: 'detailed' });
      expect(result.isError, text).toBeFalsy();
      const sel = select(sim.receipts, { from, to, ...selection }, sim.companies);
      expect(sel.length).toBeGreaterThan(0);
      expectTotals(sc.totals, figures(sel));
      const expectedBins = bins(sel, 'day');
      expect(sc.intervals.map((r: any) => r.start)).toEqual([...expectedBins.keys()]);
      for (const row of sc.intervals) {
        const b = expectedBins.get(row.start)!;
        expect([row.gross_sales, row.refunds, row.net_sales, row.receipts, row.average_receipt]).toEqual([s2(b.gross), s2(b.refunds), s2(b.net), b.receipts, b.average ? s2(b.average) : null]);
      }
      expectTotals(sc.previous.totals, figures(select(sim.receipts, { from: '2026-01-18', to: '2026-01-31', ...selection }, sim.companies)));
      const lines = text.split('\n');
      if (line) expect(lines[1]).toBe(line);
      else expect(text).not.toContain('Filters:');
      expect(text).not.toContain('absent');
      expectNoFloatArtefacts(text, sc);
    });
  }

  it('a period without income receipts shows n/a averages, not "absent"', async () => {
    const { text, sc } = await call({ date_from: '2026-02-01', date_to: '2026-02-14', operation_types: ['income_return'], compare_previous: false });
    expect(sc.totals.receipts).toBe(0);
    expect(sc.totals.average_receipt).toBeNull();
    expect(text).toContain('average receipt n/a (no receipts)');
    const rows = text.split('\n').filter((l) => /^\| 2026-02-\d\d \|/.test(l));
    expect(rows).toHaveLength(sc.intervals.length);
    for (const row of rows) expect(row).toMatch(/\| 0 \| n\/a \|$/);
  });

  it('sorts by several order keys in sequence, keeping the upstream order of rows', async () => {
    sim.server.clearRequests();
    const from = '2026-01-01';
    const to = '2026-01-31';
    const { result, text, sc } = await call({ date_from: from, date_to: to, cashbox_ids: ['5002'], orders: ['-Checks_Income', 'income'], response_format: 'detailed', compare_previous: false });
    expect(result.isError, text).toBeFalsy();
    expect((sim.server.requests[0]!.json as any).orders).toEqual(['-checks_income', 'income']);
    const days = [...bins(select(sim.receipts, { from, to, cashboxes: ['5002'] }, sim.companies), 'day').entries()];
    const byReceipts = (a: (typeof days)[number], b: (typeof days)[number]) => b[1].receipts - a[1].receipts;
    const expected = [...days].sort((a, b) => byReceipts(a, b) || a[1].gross.comparedTo(b[1].gross) || (a[0] < b[0] ? -1 : 1));
    // The second key matters here: some days tie on receipts and differ in gross sales.
    const firstKeyOnly = [...days].sort((a, b) => byReceipts(a, b) || (a[0] < b[0] ? -1 : 1));
    expect(expected.map(([k]) => k)).not.toEqual(firstKeyOnly.map(([k]) => k));
    expect(sc.intervals.map((r: any) => r.start)).toEqual(expected.map(([k]) => k));
    expect(sc.intervals.map((r: any) => [r.receipts, r.gross_sales])).toEqual(expected.map(([, f]) => [f.receipts, s2(f.gross)]));
  });

  it('a period with no documents at all leads with that and skips the comparison', async () => {
    const from = '2024-06-01';
    const to = '2024-06-07';
    expect(select(sim.receipts, { from: shiftDays(from, -7), to }, sim.companies)).toHaveLength(0);
    const { result, text, sc } = await call({ date_from: from, date_to: to });
    expect(result.isError, text).toBeFalsy();
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^\*\*No fiscal documents in this period, nor in the previous period \(2024-05-25 – 2024-05-31\)\.\*\*/);
    // The first line names the comparison period; no comparison of zeros with zeros follows.
    expect(lines[0]).toContain('vs 2024-05-25 – 2024-05-31 (the 7 days right before)');
    expect(lines.slice(1).join('\n')).not.toContain('vs ');
    expect(text).not.toContain('had no documents');
    expect(text).not.toContain('Payments:');
    expect(sc.totals).toMatchObject({ gross_sales: '0.00', refunds: '0.00', receipts: 0, documents: 0, average_receipt: null });
    expect(sc.intervals).toEqual([]);
    expect(sc.best_interval).toBeNull();
  });

  it('says how the comparison period was chosen', async () => {
    // Named periods resolve against the server's real clock (the simulator's data may not reach it): check the
    // previous bounds against the period's. The text for last_week is checked by the --demo CLI test.
    const day = (v: string) => v.slice(0, 10);
    const week = await call({ period: 'last_week' });
    const wp = { from: shiftDays(day(week.sc.period.date_from), -7), to: shiftDays(day(week.sc.period.date_to), -7) };
    expect(week.sc.previous).toMatchObject({ basis: 'the week before', period: { date_from: `${wp.from}T00:00:00`, date_to: `${wp.to}T23:59:59` } });
    const month = await call({ period: 'last_month' });
    const monthStart = day(month.sc.period.date_from);
    const before = shiftDays(monthStart, -1);
    expect(month.sc.previous).toMatchObject({ basis: 'the previous calendar month', period: { date_from: `${before.slice(0, 7)}-01T00:00:00`, date_to: `${before}T23:59:59` } });
    const custom = await call({ date_from: '2026-02-01', date_to: '2026-02-10' });
    expect(custom.text).toContain('vs 2026-01-22 – 2026-01-31 (the 10 days right before):');
  });
});
