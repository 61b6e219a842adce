import { describe, expect, it } from 'vitest';
import { parseAggregation, ResponseShapeError } from '../../src/sources/ofd/schemas.js';
import { exactOf, figuresFromIntervals, filtersLine, rowOf, tableOf, totalsOf } from '../../src/sources/ofd/summary.js';
import { explainOfdError, parseOfdError } from '../../src/sources/ofd/errors.js';
import { UpstreamError } from '../../src/http/errors.js';

/** Pure parts: lenient parsing of the answer and the error advice. */

describe('OFD answer parsing', () => {
  it('reads float roubles exactly, rounds to kopecks, ignores unknown fields and keeps missing amounts absent', () => {
    const page = parseAggregation({
      zzz: 1,
      total: '2',
      data: [
        { income: { total: 0.30000000000000004, cashTotal: '0.1', ecashTotal: 0.2 }, checks_income: 3, start: '2026-02-02 00:00:00' },
        { income: { total: 1234.5650000000001 }, checks_income: '2', end: '2026-02-03' },
      ],
    });
    expect(page.total).toBe(2);
    expect(page.full).toBeUndefined();
    const first = page.data[0]!;
    expect(first.start).toBe('2026-02-02');
    expect(first.income.total!.toFixed(2)).toBe('0.30');
    expect(first.income.payments.cash!.toFixed(2)).toBe('0.10');
    expect(first.income.payments.prepaid).toBeUndefined();
    expect(first.income_return.present).toBe(false);
    const totals = totalsOf(exactOf(figuresFromIntervals(page.data)));
    expect(totals.gross_sales).toBe('1234.87');
    expect(totals.receipts).toBe(5);
    expect(totals.refunds).toBeNull();
    expect(totals.payments.cash).toBeNull();
  });

  it('rejects a shape that cannot be read rather than guessing', () => {
    expect(() => parseAggregation({ data: 'nope' })).toThrow(/data/);
    expect(() => parseAggregation([1, 2])).toThrow();
    expect(() => parseAggregation({ full: { income: { total: 'abc' } } })).toThrow(/not an amount/);
  });

  it('names the JSON path of an amount it cannot read', () => {
    expect(() => parseAggregation({ full: { income: { total: 'n/a' } } })).toThrow(/^full\.income\.total is not an amount: "n\/a"$/);
    expect(() => parseAggregation({ data: [{}, { income_return: { ecashTotal: '1,5' } }] })).toThrow(/^data\[1\]\.income_return\.ecashTotal is not an amount/);
    expect(() => parseAggregation({ data: [{}, { income_return: { ecashTotal: '1,5' } }] })).toThrow(ResponseShapeError);
  });
});

describe('OFD error advice', () => {
  const err = (status: number, body: unknown) => {
    const parsed = parseOfdError(status, body);
    return new UpstreamError({ source: 'ofd', status, code: parsed?.code ?? `http_${status}`, retryable: false, body, message: 'raw' });
  };
  const body = { date_from: '2026-01-01 00:00:00', date_to: '2026-01-31 23:59:59', company_ids: ['301', '999'] };

  it('names the id the upstream names, or every id sent when it names none', () => {
    expect(explainOfdError(err(403, { code: 3, message: 'Company 999 not found' }), body).message).toContain('company 999 ');
    expect(explainOfdError(err(403, { code: 3, message: 'Access denied' }), body).message).toContain('company one of 301, 999 ');
  });

  it('maps 401 codes to the variable to fix', () => {
    expect(explainOfdError(err(401, { code: 1, message: 'x' }), body).message).toMatch(/Fix OFD_YANDEX_KEY/);
    expect(explainOfdError(err(401, { code: 2, message: 'x' }), body).message).toMatch(/Fix OFD_KEY/);
    expect(explainOfdError(err(401, 'Unauthorized'), body).message).toMatch(/OFD_YANDEX_KEY and OFD_KEY.*no longer issues new keys/);
  });
});

describe('OFD summary pieces', () => {
  const RECEIPT_KINDS = ['receipt', 'receiptCorrection', 'bso', 'bsoCorrection'];

  it('states active filters in one line, and nothing for the default receipt kinds', () => {
    expect(filtersLine({ document_types: [...RECEIPT_KINDS].reverse() }, RECEIPT_KINDS)).toBeUndefined();
    expect(filtersLine({ company_ids: ['302'], taxation_types: ['osn'], operation_types: ['income_return'], document_types: RECEIPT_KINDS }, RECEIPT_KINDS)).toBe(
      'Filters: company 302 · tax system osn · income_return only',
    );
    expect(filtersLine({ retail_point_ids: ['1001', '1002'], cashbox_ids: ['5004'], document_types: ['bso'] }, RECEIPT_KINDS)).toBe(
      'Filters: retail points 1001, 1002 · cashbox 5004 · documents bso only',
    );
  });

  it('marks intervals cut by the period, by date or by time of day', () => {
    const page = parseAggregation({
      data: [
        { start: '2026-02-02', end: '2026-02-08', income: { total: 1 } },
        { start: '2026-02-09', end: '2026-02-15', income: { total: 1 } },
        { start: '2026-02-16', end: '2026-02-22', income: { total: 1 } },
      ],
    });
    const whole = page.data.map((i) => rowOf(i, { from: '2026-02-02', to: '2026-02-22' }).partial);
    expect(whole).toEqual([false, false, false]);
    const cut = page.data.map((i) => rowOf(i, { from: '2026-02-02', to: '2026-02-22', cutStart: true, cutEnd: true }).partial);
    expect(cut).toEqual([true, false, true]);
    expect(page.data.map((i) => rowOf(i, { from: '2026-02-04', to: '2026-02-20' }).partial)).toEqual([true, false, true]);
  });

  it('shows n/a, not "absent", for the average of an interval without income receipts', () => {
    const page = parseAggregation({ data: [{ start: '2026-02-02', end: '2026-02-02', checks_income: 0, income: { total: 0 }, income_return: { total: 5.5 } }] });
    const row = rowOf(page.data[0]!, { from: '2026-02-02', to: '2026-02-02' });
    expect(row.average_receipt).toBeNull();
    const table = tableOf([row], 'day', false);
    expect(table).toContain('| 2026-02-02 | 0,00 ₽ | 5,50 ₽ | −5,50 ₽ | 0 | n/a |');
    expect(table).not.toContain('absent');
  });
});
