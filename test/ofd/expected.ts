import { Decimal } from 'decimal.js';
import type { SimReceipt } from '../../src/sim/ofd/index.js';

/**
 * The judge: expected figures computed straight from the simulator's seeded receipts with plain
 * decimal.js, sharing no code with the client, the tool or the simulator's aggregation.
 */

export interface ExpectedBlock {
  total: Decimal;
  cash: Decimal;
  electronic: Decimal;
  prepaid: Decimal;
  credit: Decimal;
  provision: Decimal;
}

export interface ExpectedFigures {
  gross: Decimal;
  refunds: Decimal;
  net: Decimal;
  receipts: number;
  documents: number;
  average: Decimal | null;
  income: ExpectedBlock;
  outcome: Decimal;
  outcomeReturn: Decimal;
}

const rub = (k: number) => new Decimal(k).div(100);

function zeroBlock(): ExpectedBlock {
  return { total: new Decimal(0), cash: new Decimal(0), electronic: new Decimal(0), prepaid: new Decimal(0), credit: new Decimal(0), provision: new Decimal(0) };
}

export function figures(receipts: readonly SimReceipt[]): ExpectedFigures {
  const income = zeroBlock();
  let refunds = new Decimal(0);
  let outcome = new Decimal(0);
  let outcomeReturn = new Decimal(0);
  let receiptsCount = 0;
  for (const r of receipts) {
    const total = rub(r.kopecks.total);
    if (r.operation_type === 'income') {
      receiptsCount += 1;
      income.total = income.total.plus(total);
      income.cash = income.cash.plus(rub(r.kopecks.cashTotal));
      income.electronic = income.electronic.plus(rub(r.kopecks.ecashTotal));
      income.prepaid = income.prepaid.plus(rub(r.kopecks.prepaid));
      income.credit = income.credit.plus(rub(r.kopecks.credit));
      income.provision = income.provision.plus(rub(r.kopecks.provision));
    } else if (r.operation_type === 'income_return') refunds = refunds.plus(total);
    else if (r.operation_type === 'outcome') outcome = outcome.plus(total);
    else outcomeReturn = outcomeReturn.plus(total);
  }
  return {
    gross: income.total,
    refunds,
    net: income.total.minus(refunds),
    receipts: receiptsCount,
    documents: receipts.length,
    average: receiptsCount ? income.total.div(receiptsCount).toDecimalPlaces(2, Decimal.ROUND_HALF_UP) : null,
    income,
    outcome,
    outcomeReturn,
  };
}

export interface Selection {
  from: string;
  to: string;
  companies?: readonly string[];
  retailPoints?: readonly string[];
  cashboxes?: readonly string[];
  /** Default: the receipt kinds the tool asks for unless told otherwise. */
  documentTypes?: readonly string[];
  operationTypes?: readonly string[];
  taxationTypes?: readonly string[];
}

/** Receipts of the readable companies between two local dates (whole days), filtered like the OFD does. */
export function select(all: readonly SimReceipt[], s: Selection, readable: readonly string[]): SimReceipt[] {
  const kinds = s.documentTypes ?? ['receipt', 'receiptCorrection', 'bso', 'bsoCorrection'];
  return all.filter(
    (r) =>
      readable.includes(r.company_id) &&
      (!s.companies || s.companies.includes(r.company_id)) &&
      (!s.retailPoints || s.retailPoints.includes(r.retail_point_id)) &&
      (!s.cashboxes || s.cashboxes.includes(r.cashbox_id)) &&
      (!s.operationTypes || s.operationTypes.includes(r.operation_type)) &&
      (!s.taxationTypes || s.taxationTypes.includes(r.taxation_type)) &&
      kinds.includes(r.document_type) &&
      r.date_time.slice(0, 10) >= s.from &&
      r.date_time.slice(0, 10) <= s.to,
  );
}

/** Calendar key of a date for an interval, computed independently: Monday-start weeks, calendar months. */
export function binStart(day: string, interval: 'day' | 'week' | 'month'): string {
  if (interval === 'day') return day;
  if (interval === 'month') return `${day.slice(0, 7)}-01`;
  const d = new Date(`${day}T12:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10);
}

export function bins(receipts: readonly SimReceipt[], interval: 'day' | 'week' | 'month'): Map<string, ExpectedFigures> {
  const groups = new Map<string, SimReceipt[]>();
  for (const r of receipts) {
    const key = binStart(r.date_time.slice(0, 10), interval);
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, figures(v)]));
}

export function shiftDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** "12 345,67 ₽", written independently of src/money.ts. */
export function rubText(d: Decimal): string {
  const [int, frac] = d.abs().toFixed(2).split('.') as [string, string];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${d.isNegative() ? '−' : ''}${grouped},${frac} ₽`;
}

export const s2 = (d: Decimal) => d.toFixed(2);

/** Naive float sum of the receipt totals, to show the data would carry artefacts if summed so. */
export function naiveFloatSum(receipts: readonly SimReceipt[]): number {
  let total = 0;
  for (const r of receipts) total += r.kopecks.total / 100;
  return total;
}
