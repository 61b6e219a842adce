import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/http/errors.js';
import { explain, parseLifeposError } from '../../src/sources/lifepos/errors.js';
import { toSale } from '../../src/sources/lifepos/sale.js';
import { enumName, parseTimestamp, SETTLEMENT_SUBJECTS, TAXES } from '../../src/sources/lifepos/schemas.js';
import { moneyOf, roubles } from '../../src/sources/lifepos/units.js';
import { toRevenueWidget } from '../../src/sources/lifepos/widget.js';
import { WIDGET_PARAMS, widgetQuery } from '../../src/sources/lifepos/widget-query.js';

/** Pure parts of the LIFE POS client: timestamps, enums, the money unit, widget and sale parsing, errors. */

describe('LIFE POS parsing', () => {
  it('reads timestamps with 7 fractional digits and treats 0001-01-01 as not set', () => {
    expect(parseTimestamp('2025-09-22T12:18:04.7207937Z')?.toISOString()).toBe('2025-09-22T12:18:04.720Z');
    expect(parseTimestamp('2025-09-22T12:19:30.570Z')?.toISOString()).toBe('2025-09-22T12:19:30.570Z');
    expect(parseTimestamp('2025-09-22T15:18:04.1+03:00')?.toISOString()).toBe('2025-09-22T12:18:04.100Z');
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(parseTimestamp('0001-01-01T00:00:00.0000000Z')).toBeUndefined();
    expect(parseTimestamp(null)).toBeUndefined();
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });

  it('accepts enums as names in any case or as ordinal numbers', () => {
    expect(enumName(SETTLEMENT_SUBJECTS, 0)).toBe('Product');
    expect(enumName(SETTLEMENT_SUBJECTS, '3')).toBe('Service');
    expect(enumName(SETTLEMENT_SUBJECTS, 30)).toBe('TM');
    expect(enumName(TAXES, 'taxfree')).toBe('TaxFree');
    expect(enumName(TAXES, 99)).toBe('#99');
    expect(enumName(TAXES, 'Tax22')).toBe('Tax22');
    expect(enumName(TAXES, null)).toBeUndefined();
  });

  it('applies the money unit exactly, with no float arithmetic', () => {
    expect(roubles(1999999999999, 'minor')?.toFixed(2)).toBe('19999999999.99');
    expect(roubles(7, 'minor')?.toFixed(2)).toBe('0.07');
    expect(roubles(0.07, 'major')?.toFixed(2)).toBe('0.07');
    expect(roubles('123.45', 'major')?.toFixed(2)).toBe('123.45');
    expect(roubles(null, 'minor')).toBeUndefined();
    const three = [0.1, 0.2].map((v) => roubles(v, 'major')!).reduce((a, b) => a.plus(b));
    expect(three.toString()).toBe('0.3');
    expect(moneyOf({ value: 10000, currency: 0 }, 'minor')).toEqual({ amount: new Decimal(100), currency: 'RUB' });
    expect(moneyOf({ currency: 'RUB' }, 'minor').amount).toBeUndefined();
  });

  it('keeps the widget period parameter names in one place', () => {
    const q = widgetQuery({ from: new Date('2026-11-15T21:00:00Z'), to: new Date('2026-11-22T20:59:59.999Z') }, { from: new Date('2026-11-08T21:00:00Z'), to: new Date('2026-11-15T20:59:59.999Z') }, 'abc');
    expect(Object.keys(q).sort()).toEqual(['presentation', ...Object.values(WIDGET_PARAMS)].sort());
    expect(q[WIDGET_PARAMS.to]).toBe('2026-11-22T20:59:59.999Z');
  });
});

describe('LIFE POS widget parsing', () => {
  const summary = (share: { p: [number, number]; r: [number, number]; t: [number, number] }) => ({
    count: { payments: 3, refunds: 1, total: 4 },
    sum: { payments: { value: 30000, currency: 'RUB' }, refunds: { value: 1000, currency: 'RUB' }, total: { value: 29000, currency: 'RUB' } },
    share: {
      payments: { by_sum: share.p[0], by_count: share.p[1] },
      refunds: { by_sum: share.r[0], by_count: share.r[1] },
      total: { by_sum: share.t[0], by_count: share.t[1] },
    },
    period: { date_from: '2026-11-15T21:00:00.0000000Z', date_to: '0001-01-01T00:00:00Z' },
  });

  it('detects fraction and percent shares and reports percent either way', () => {
    const fraction = toRevenueWidget({ current_summary: summary({ p: [0.9677, 0.75], r: [0.0323, 0.25], t: [1, 1] }), previous_summary: {}, growth_rate: { percentage: 12.5, is_calculated: true } }, 'minor');
    expect(fraction.current.shareScale).toBe('fraction');
    expect(fraction.current.refunds.shareBySum?.toString()).toBe('3.23');
    expect(fraction.current.total.sum?.toFixed(2)).toBe('290.00');
    expect(fraction.current.period.from?.toISOString()).toBe('2026-11-15T21:00:00.000Z');
    expect(fraction.current.period.to).toBeUndefined();
    const percent = toRevenueWidget({ current_summary: summary({ p: [96.77, 75], r: [3.23, 25], t: [100, 100] }), previous_summary: {} }, 'minor');
    expect(percent.current.shareScale).toBe('percent');
    expect(percent.current.refunds.shareBySum?.toString()).toBe('3.23');
    // A missing previous summary gives absent figures, never zeros.
    expect(percent.previous.total.sum).toBeUndefined();
    expect(percent.previous.payments.count).toBeUndefined();
    expect(percent.growth.percentage).toBeUndefined();
  });
});

describe('LIFE POS sale parsing', () => {
  it('reads the documented example: enum number, 0001 timestamps, total as sent', () => {
    const sale = toSale(
      {
        guid: '7564edaa-27bd-4f16-aa8a-6b1d0fecf4d0',
        opened_at: '2025-09-22T12:18:04.7207937Z',
        state: 'New',
        payment_status: 1,
        shipping_status: 'NotShipped',
        total_sum: { value: 10000, currency: 'RUB', type_of: 'Money' },
        positions: [{ settlement_subject: 0, name: 'Конфеты', tax: 'Tax20', sale_price: { value: 1000 }, quantity: 5, total_sum: { value: 5000 } }],
        created_at: '0001-01-01T00:00:00Z',
      },
      'minor',
    );
    expect(sale.total?.toFixed(2)).toBe('100.00');
    expect(sale.paymentStatus).toBe('Paid');
    expect(sale.positions?.[0]?.settlementSubject).toBe('Product');
    expect(sale.positions?.[0]?.sum?.toFixed(2)).toBe('50.00');
    expect(sale.createdAt).toBeUndefined();
    expect(sale.openedAt?.toISOString()).toBe('2025-09-22T12:18:04.720Z');
    expect(sale.customer).toBeUndefined();
  });
});

describe('LIFE POS errors', () => {
  const error = (status: number, body: unknown) => new UpstreamError({ source: 'lifepos', status, code: 'x', retryable: false, message: 'raw', body });

  it('reads {code, message, info} and maps statuses to advice', () => {
    expect(parseLifeposError(404, { code: 'NotFound', message: 'Не найдено', info: 'Sale x' })).toEqual({ code: 'NotFound', message: 'Не найдено — Sale x' });
    expect(parseLifeposError(500, 'oops')).toBeUndefined();
    const nf = explain(error(404, { code: 'NotFound', message: 'm', info: '' }), { what: 'sale 1', notFound: 'No sale 1 in organization O; check the guid and org' }) as Error;
    expect(nf.message).toBe('No sale 1 in organization O; check the guid and org (404, NotFound: m).');
    expect((explain(error(403, { code: 'NoPermissions' }), { what: 'the revenue widget', org: 'O' }) as Error).message).toContain('no permission for the revenue widget in organization O');
    expect((explain(error(429, {}), { what: 'w' }) as Error).message).toContain('LIFEPOS_RPS');
    expect((explain(error(503, {}), { what: 'w' }) as Error).message).toContain('try again later');
    const other = new Error('not upstream');
    expect(explain(other, { what: 'w' })).toBe(other);
  });
});

describe('LIFE POS simulator independence', () => {
  it('imports nothing from tools/, src/sources/ or src/money.ts', () => {
    const dir = fileURLToPath(new URL('../../src/sim/lifepos/', import.meta.url));
    for (const file of readdirSync(dir)) {
      const text = readFileSync(`${dir}${file}`, 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      for (const spec of imports) expect(spec, `${file} imports ${spec}`).not.toMatch(/tools\/|sources\/|money\.js/);
    }
  });
});
