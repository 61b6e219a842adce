import { Decimal, kopecks, MoneyParseError, parseOptionalAmount } from '../../money.js';
import { ResponseShapeError, type Figures, type PaymentName } from '../ofd/schemas.js';
import { SHIFT_FIELDS, wallClockOf } from './assumptions.js';
import { emptyFigures } from './receipts.js';

/**
 * `/reports/shifts` rows → approximate per-day figures for the one-request mode: each shift counts on the
 * day it closed (the day it opened while still open), so evening sales of a shift that crosses midnight
 * land on the next day. Only income and income returns exist there; outcome blocks are absent, not zero.
 */

function money(row: Record<string, unknown>, field: string, where: string): Decimal | undefined {
  try {
    const d = parseOptionalAmount(row[field], 'major');
    return d === undefined ? undefined : kopecks(d);
  } catch (err) {
    if (err instanceof MoneyParseError) throw new ResponseShapeError(`${where}.${field} is ${err.message}`);
    throw err;
  }
}

function count(row: Record<string, unknown>, field: string): number | undefined {
  const v = row[field];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

const plus = (a: Decimal | undefined, b: Decimal | undefined) => (a === undefined || b === undefined ? undefined : a.plus(b));

export function binShifts(rows: readonly unknown[], first: string, last: string): Map<string, Figures> {
  const days = new Map<string, Figures>();
  rows.forEach((raw, n) => {
    const where = `shifts[${n}]`;
    if (typeof raw !== 'object' || raw === null) throw new ResponseShapeError(`${where} is not an object`);
    const row = raw as Record<string, unknown>;
    const at = wallClockOf(row[SHIFT_FIELDS.closed]) ?? wallClockOf(row[SHIFT_FIELDS.opened]);
    if (!at) throw new ResponseShapeError(`${where} has neither ${SHIFT_FIELDS.closed} nor ${SHIFT_FIELDS.opened}`);
    const day = at.slice(0, 10);
    if (day < first || day > last) return;
    let f = days.get(day);
    if (!f) {
      f = emptyFigures();
      f.outcome = { present: false, payments: { cash: undefined, electronic: undefined, prepaid: undefined, credit: undefined, provision: undefined } };
      f.outcome_return = { present: false, payments: { ...f.outcome.payments } };
      f.income_return.payments = { ...f.outcome.payments };
      f.dataFrom = f.dataTo = day;
      days.set(day, f);
    }
    f.income.total = plus(f.income.total, money(row, SHIFT_FIELDS.income, where));
    for (const p of ['cash', 'electronic', 'credit', 'prepaid', 'provision'] as PaymentName[]) {
      f.income.payments[p] = plus(f.income.payments[p], money(row, SHIFT_FIELDS[p], where));
    }
    f.income_return.total = plus(f.income_return.total, money(row, SHIFT_FIELDS.refunds, where));
    const income = count(row, SHIFT_FIELDS.receipts);
    const returns = count(row, 'incomeReturnCnt');
    f.checksIncome = income === undefined || f.checksIncome === undefined ? undefined : f.checksIncome + income;
    f.checks = (f.checks ?? 0) + (income ?? 0) + (returns ?? 0);
  });
  return days;
}
