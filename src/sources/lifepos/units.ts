import { parseOptionalAmount, toDecimalString, type Decimal, type Unit } from '../../money.js';
import { CURRENCIES, enumName, type RawMoney } from './schemas.js';

/**
 * The one place where LIFE POS amounts become roubles. The API does not document the unit of
 * `Money.value`; public clients divide by 100 (kopecks), so LIFEPOS_MONEY_UNIT defaults to `minor`.
 * Every money-valued number of this API (Money.value, discount amounts, original prices) goes through
 * `roubles`, so switching the unit switches it everywhere at once.
 */
export function roubles(value: unknown, unit: Unit, field?: string): Decimal | undefined {
  return parseOptionalAmount(value, unit, field);
}

export interface Money {
  /** Undefined when the API left the amount out: absent, not zero. */
  amount: Decimal | undefined;
  currency: string | undefined;
}

export function moneyOf(raw: RawMoney, unit: Unit, field?: string): Money {
  if (!raw) return { amount: undefined, currency: undefined };
  return { amount: roubles(raw.value, unit, field && `LIFE POS ${field}.value`), currency: enumName(CURRENCIES, raw.currency) };
}

/**
 * An amount for structuredContent: "12.30" for whole kopecks, but every digit of a finer value. With
 * LIFEPOS_MONEY_UNIT=major the API may send 123.456; rounding it silently would hide that the unit is
 * probably wrong (or that LIFE POS keeps fractions of a kopeck).
 */
export function exactMoney(d: Decimal | undefined): string | null {
  if (d === undefined) return null;
  return d.decimalPlaces() > 2 ? d.toFixed() : toDecimalString(d);
}

/** True when an amount has fractions of a kopeck (text shows it rounded; see `exactMoney`). */
export function finerThanKopeck(d: Decimal | undefined): boolean {
  return d !== undefined && d.decimalPlaces() > 2;
}

/** The warning the tools print when some amount has fractions of a kopeck. */
export function subKopeckNote(unit: Unit): string {
  return (
    `Some amounts have fractions of a kopeck (read with LIFEPOS_MONEY_UNIT=${unit}); the text rounds them to the kopeck, structuredContent keeps them exact.` +
    (unit === 'major' ? ' If LIFE POS actually sends kopecks, set LIFEPOS_MONEY_UNIT=minor.' : '')
  );
}
