import { Decimal } from 'decimal.js';
import { quoted } from './untrusted.js';

/**
 * Exact money on decimal.js, from parse to print. No amount ever passes through float arithmetic:
 * a JSON number is turned into a decimal through its shortest string form (`String(0.1)` = "0.1").
 */

/**
 * decimal.js rounds every operation to 20 significant digits by default: a sum of amounts with kopecks
 * above 10^17, or a price with 20 decimal places times a count, would be rounded silently. Amounts are
 * bounded below (under 10^15, at most 20 decimal places, so at most 35 digits); 100 digits keep sums and
 * products of them exact.
 */
Decimal.set({ precision: 100 });

export { Decimal };
export type Unit = 'major' | 'minor';

const DECIMAL_STRING = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export class MoneyParseError extends Error {
  override name = 'MoneyParseError';
}

/**
 * Bounds on what an upstream may call an amount. decimal.js keeps "1e999999999" as a tiny object but
 * expands it digit by digit when printed (minutes of a blocked event loop, then out of memory), so
 * magnitude, fractional digits and the length of the text are all checked at parse, before any use.
 * No shop's figure comes near a quadrillion roubles or needs more than 20 decimal places (a float's noise, 150.29999999999998, has 14).
 */
export const MAX_AMOUNT = new Decimal('1e15');
const MAX_EXPONENT = 15;
const MAX_DECIMAL_PLACES = 20;
const MAX_AMOUNT_CHARS = 40;

/** An upstream value as quoted in an error: short and cleaned (src/untrusted.ts), whatever was sent. */
function shown(value: unknown): string {
  if (typeof value !== 'string') return String(value).slice(0, 48);
  return value.length > 40 ? `${quoted(value.slice(0, 40), 40)}… (${value.length} characters)` : quoted(value, 40);
}

/**
 * Parse an amount as an upstream sends it: a JSON number, or a decimal string such as "491519.50".
 * `unit: 'minor'` means the value counts kopecks (LIFE POS); the result is always roubles.
 * `field` names where the value was (e.g. `total_sum.value`) in the error when it cannot be used.
 */
export function parseAmount(value: unknown, unit: Unit = 'major', field?: string): Decimal {
  const at = field ? `${field}: ` : '';
  let d: Decimal;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MoneyParseError(`${at}not a finite amount: ${value}`);
    d = new Decimal(String(value));
  } else if (typeof value === 'string' && value.length <= MAX_AMOUNT_CHARS && DECIMAL_STRING.test(value.trim())) {
    d = new Decimal(value.trim());
  } else {
    throw new MoneyParseError(`${at}not an amount: ${shown(value)}`);
  }
  if (unit === 'minor') d = d.div(100);
  if (!isPlausibleAmount(d)) {
    throw new MoneyParseError(
      `${at}${shown(value)} is outside any plausible amount (at most ${MAX_DECIMAL_PLACES} decimal places and below 10^15 roubles)`,
    );
  }
  return d;
}

/** Below 10^15 and at most 20 decimal places: what any shop's figure fits, and arithmetic keeps exact. */
export function isPlausibleAmount(d: Decimal): boolean {
  // |d| < 10^15 read from the exponent (decimal.js's `e`, NaN for ±Infinity): no copies, unlike abs().lt(),
  // which a 50,000-row report pays on every cell.
  return d.e < MAX_EXPONENT && d.decimalPlaces() <= MAX_DECIMAL_PLACES;
}

/** Like parseAmount, but null/undefined/"" give undefined (absent, which is not the same as 0). */
export function parseOptionalAmount(value: unknown, unit: Unit = 'major', field?: string): Decimal | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  return parseAmount(value, unit, field);
}

export const ZERO = new Decimal(0);

export function sum(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}

/** Round to kopecks, half away from zero (how receipts round). */
export function kopecks(d: Decimal): Decimal {
  return d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Percent change from `previous` to `current`; undefined when previous is zero (no base to compare). */
export function percentChange(current: Decimal, previous: Decimal): Decimal | undefined {
  if (previous.isZero()) return undefined;
  return current.minus(previous).div(previous.abs()).times(100);
}

/** Share of `part` in `whole` in percent; undefined when whole is zero. */
export function share(part: Decimal, whole: Decimal): Decimal | undefined {
  if (whole.isZero()) return undefined;
  return part.div(whole).times(100);
}

/** "12345.67": the form used in structuredContent. */
export function toDecimalString(d: Decimal, places = 2): string {
  return d.toFixed(places, Decimal.ROUND_HALF_UP);
}

/** Spaces between groups of three digits, in one pass (a look-ahead regex is quadratic in the length). */
function groupThousands(intPart: string): string {
  const head = intPart.length % 3 || 3;
  const groups = [intPart.slice(0, head)];
  for (let i = head; i < intPart.length; i += 3) groups.push(intPart.slice(i, i + 3));
  return groups.join(' ');
}

/** "12 345,67" — Russian grouping and decimal comma. */
export function formatNumber(d: Decimal, places = 2): string {
  const fixed = d.abs().toFixed(places, Decimal.ROUND_HALF_UP);
  const [intPart = '0', frac] = fixed.split('.');
  const sign = d.isNegative() && !new Decimal(fixed).isZero() ? '−' : '';
  return `${sign}${groupThousands(intPart)}${frac ? `,${frac}` : ''}`;
}

/** "12 345,67 ₽" — the form used in text summaries. */
export function formatRub(d: Decimal): string {
  return `${formatNumber(d, 2)} ₽`;
}

/** "1 order", "2 orders": a count with its noun in the right number (English plurals in -s). */
export function counted(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : `${noun}s`}`;
}

/** "+12,4 %" / "−3,0 %" / "0,0 %". */
export function formatPercent(d: Decimal | undefined, places = 1): string {
  if (d === undefined) return 'n/a';
  // A change that is not zero never reads "0,0 %": more places until a digit shows (at most 6).
  let shown = places;
  while (!d.isZero() && d.toDecimalPlaces(shown, Decimal.ROUND_HALF_UP).isZero() && shown < 6) shown++;
  const rounded = d.toDecimalPlaces(shown, Decimal.ROUND_HALF_UP);
  if (rounded.isZero() && !d.isZero()) return `${d.isPositive() ? '+' : '−'}<${formatNumber(new Decimal(1).div(10 ** shown), shown)} %`;
  const sign = rounded.isPositive() && !rounded.isZero() ? '+' : '';
  return `${sign}${formatNumber(rounded, shown)} %`;
}

/** Signed amount: "+1 234,00 ₽" / "−56,70 ₽". */
export function formatRubDelta(d: Decimal): string {
  const sign = d.isPositive() && !d.isZero() ? '+' : '';
  return `${sign}${formatRub(d)}`;
}
