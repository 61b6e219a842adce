import { parseOptionalAmount, type Decimal, type Unit } from '../../money.js';
import { CURRENCIES, enumName, type RawMoney } from './schemas.js';

/**
 * The one place where LIFE POS amounts become roubles. The API does not document the unit of
 * `Money.value`; public clients divide by 100 (kopecks), so LIFEPOS_MONEY_UNIT defaults to `minor`.
 * Every money-valued number of this API (Money.value, discount amounts, original prices) goes through
 * `roubles`, so switching the unit switches it everywhere at once.
 */
export function roubles(value: unknown, unit: Unit): Decimal | undefined {
  return parseOptionalAmount(value, unit);
}

export interface Money {
  /** Undefined when the API left the amount out: absent, not zero. */
  amount: Decimal | undefined;
  currency: string | undefined;
}

export function moneyOf(raw: RawMoney, unit: Unit): Money {
  if (!raw) return { amount: undefined, currency: undefined };
  return { amount: roubles(raw.value, unit), currency: enumName(CURRENCIES, raw.currency) };
}
