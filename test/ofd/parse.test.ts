import { describe, expect, it } from 'vitest';
import { parseAggregation } from '../../src/sources/ofd/schemas.js';
import { exactOf, figuresFromIntervals, totalsOf } from '../../src/sources/ofd/summary.js';
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
