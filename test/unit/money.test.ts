import { describe, expect, it } from 'vitest';
import {
  Decimal,
  MoneyParseError,
  formatPercent,
  formatRub,
  formatRubDelta,
  kopecks,
  parseAmount,
  parseOptionalAmount,
  percentChange,
  share,
  sum,
  toDecimalString,
} from '../../src/money.js';

describe('money', () => {
  it('parses JSON numbers through their shortest string, so 0.1 + 0.2 is exactly 0.3', () => {
    const total = sum([parseAmount(0.1), parseAmount(0.2)]);
    expect(toDecimalString(total)).toBe('0.30');
    expect(total.equals(new Decimal('0.3'))).toBe(true);
    // the float way would be wrong
    expect(0.1 + 0.2).not.toBe(0.3);
  });

  it('parses decimal strings and minor units', () => {
    expect(toDecimalString(parseAmount('491519.50'))).toBe('491519.50');
    expect(toDecimalString(parseAmount(' 12 '.trim()))).toBe('12.00');
    expect(toDecimalString(parseAmount(10050, 'minor'))).toBe('100.50');
    expect(toDecimalString(parseAmount('1', 'minor'))).toBe('0.01');
    expect(parseAmount(1e14).toFixed()).toBe('100000000000000');
  });

  it('refuses what is not an amount instead of guessing', () => {
    expect(() => parseAmount('12,50')).toThrow(MoneyParseError);
    expect(() => parseAmount(Number.NaN)).toThrow(MoneyParseError);
    expect(() => parseAmount(null)).toThrow(MoneyParseError);
    expect(() => parseAmount({ value: 1 })).toThrow(MoneyParseError);
    expect(parseOptionalAmount(null)).toBeUndefined();
    expect(parseOptionalAmount('')).toBeUndefined();
    expect(parseOptionalAmount(0)?.isZero()).toBe(true);
  });

  it('rounds to kopecks half away from zero', () => {
    expect(toDecimalString(kopecks(new Decimal('2.345')))).toBe('2.35');
    expect(toDecimalString(kopecks(new Decimal('-2.345')))).toBe('-2.35');
    expect(toDecimalString(kopecks(new Decimal('2.344999')))).toBe('2.34');
  });

  it('formats roubles the Russian way', () => {
    expect(formatRub(new Decimal('12345.67'))).toBe('12 345,67 ₽');
    expect(formatRub(new Decimal('1234567.8'))).toBe('1 234 567,80 ₽');
    expect(formatRub(new Decimal('0'))).toBe('0,00 ₽');
    expect(formatRub(new Decimal('-56.7'))).toBe('−56,70 ₽');
    expect(formatRub(new Decimal('-0.001'))).toBe('0,00 ₽');
    expect(formatRubDelta(new Decimal('1234'))).toBe('+1 234,00 ₽');
  });

  it('computes percent change and shares, with no base meaning no figure', () => {
    expect(formatPercent(percentChange(new Decimal(112.4), new Decimal(100)))).toBe('+12,4 %');
    expect(formatPercent(percentChange(new Decimal(97), new Decimal(100)))).toBe('−3,0 %');
    // A change that is not zero never prints as zero: enough digits to show it.
    expect(formatPercent(percentChange(new Decimal('100000.01'), new Decimal(100000)))).toBe('+0,00001 %');
    expect(formatPercent(new Decimal('-0.04'))).toBe('−0,04 %');
    expect(formatPercent(new Decimal('1e-9'))).toBe('+<0,000001 %');
    expect(formatPercent(new Decimal(0))).toBe('0,0 %');
    expect(percentChange(new Decimal(5), new Decimal(0))).toBeUndefined();
    expect(formatPercent(undefined)).toBe('n/a');
    expect(formatPercent(share(new Decimal(1), new Decimal(3)), 2)).toBe('+33,33 %');
    expect(share(new Decimal(1), new Decimal(0))).toBeUndefined();
    // a negative base: growth from −100 to −50 is an improvement of 50 %
    expect(formatPercent(percentChange(new Decimal(-50), new Decimal(-100)))).toBe('+50,0 %');
  });
});

describe('money: bounds at parse (an exponent-form amount used to be expanded digit by digit)', () => {
  it('refuses huge and absurdly fine amounts, naming the field, without expanding them', () => {
    for (const v of ['1e999999999', '-1e999999999', '1e-999999999', '1e15', 1e300, '9'.repeat(41), '0.' + '1'.repeat(21)]) {
      expect(() => parseAmount(v, 'major', 'totals.gross')).toThrow(MoneyParseError);
      expect(() => parseAmount(v, 'major', 'totals.gross')).toThrow(/^totals\.gross: /);
    }
    // minor units are bounded after conversion
    expect(() => parseAmount('1e17', 'minor', 'total_sum.value')).toThrow(/plausible/);
  });

  it('keeps every plausible amount, float noise and 20-digit decimals included', () => {
    expect(toDecimalString(parseAmount('999999999999999.99'))).toBe('999999999999999.99');
    expect(parseAmount(150.29999999999998).toFixed()).toBe('150.29999999999998');
    expect(parseAmount('0.12345678901234567890').decimalPlaces()).toBe(19);
    expect(parseAmount('1.5e3').toFixed()).toBe('1500');
    expect(parseAmount(-0).isZero()).toBe(true);
  });

  it('errors quote a long value only in part', () => {
    const err = (() => {
      try {
        parseAmount('x'.repeat(1_000_000), 'major', 'f');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message.length).toBeLessThan(200);
  });

  it('groups thousands of a long figure correctly', () => {
    expect(formatRub(new Decimal('1234567890123.45'))).toBe('1 234 567 890 123,45 ₽');
    expect(formatRub(new Decimal('123'))).toBe('123,00 ₽');
    expect(formatRub(new Decimal('-1234'))).toBe('−1 234,00 ₽');
  });
});
