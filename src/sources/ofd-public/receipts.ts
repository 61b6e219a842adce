import { Decimal, kopecks, MoneyParseError, parseOptionalAmount, ZERO } from '../../money.js';
import { PAYMENT_FIELDS, ResponseShapeError, type Figures, type OperationBlock, type OperationType, type PaymentName } from '../ofd/schemas.js';
import { AMOUNT_FIELDS, docCodeOf, NULL_PAYMENT_IS_ZERO, operationOf, PARENT_FIELDS, pick, ROW_ID_FIELDS, TAXATION_FIELDS, taxationOf, wallClockOf } from './assumptions.js';

/**
 * Receipt rows of `/reports/receipts` → the per-day figures the legacy aggregation would give: one block
 * per operation type summed in exact decimals, `total` from the receipt's own total (never the sum of
 * its parts), counts of all receipts and of income receipts, first and last receipt date.
 */

export type Amount = 'total' | PaymentName;

export interface Receipt {
  id?: string;
  /** Wall clock `YYYY-MM-DD hh:mm:ss`. */
  at: string;
  operation: OperationType;
  /** docName code, when the row says. */
  doc?: number;
  taxation?: string;
  /** undefined: the row does not carry this amount (absent, not zero). */
  amounts: Record<Amount, Decimal | undefined>;
}

export const AMOUNTS = Object.keys(AMOUNT_FIELDS) as Amount[];

function amount(row: Record<string, unknown>, name: Amount, where: string): Decimal | undefined {
  const { found, value } = pick(row, AMOUNT_FIELDS[name]);
  if (!found) return undefined;
  if (value === null) return name !== 'total' && NULL_PAYMENT_IS_ZERO ? ZERO : undefined;
  try {
    const d = parseOptionalAmount(value, 'major');
    return d === undefined ? undefined : kopecks(d);
  } catch (err) {
    if (err instanceof MoneyParseError) throw new ResponseShapeError(`${where}.${AMOUNT_FIELDS[name][0]} is ${err.message}`);
    throw err;
  }
}

/** One row: a receipt, or null for an item row (it carries its receipt in `Parent`). */
export function parseRow(raw: unknown, where: string): Receipt | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ResponseShapeError(`${where} is not an object`);
  const row = raw as Record<string, unknown>;
  const parent = pick(row, PARENT_FIELDS);
  if (parent.found && parent.value !== null && parent.value !== '') return null;
  const at = wallClockOf(row.dateTime);
  if (!at) throw new ResponseShapeError(`${where}.dateTime is ${JSON.stringify(row.dateTime ?? null).slice(0, 40)}, not a date-time`);
  const operation = operationOf(row.operationType);
  if (!operation) throw new ResponseShapeError(`${where}.operationType is ${JSON.stringify(row.operationType ?? null).slice(0, 40)}, not an operation type`);
  const id = pick(row, ROW_ID_FIELDS).value;
  return {
    id: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined,
    at,
    operation,
    doc: docCodeOf(row.docName),
    taxation: taxationOf(pick(row, TAXATION_FIELDS).value),
    amounts: Object.fromEntries(AMOUNTS.map((a) => [a, amount(row, a, where)])) as Record<Amount, Decimal | undefined>,
  };
}

// ---- per-day figures ----

const OPS: OperationType[] = ['income', 'income_return', 'outcome', 'outcome_return'];

function emptyBlock(): OperationBlock {
  return { present: true, total: ZERO, payments: Object.fromEntries(Object.keys(PAYMENT_FIELDS).map((p) => [p, ZERO])) as Record<PaymentName, Decimal | undefined> };
}

export function emptyFigures(): Figures {
  return { income: emptyBlock(), income_return: emptyBlock(), outcome: emptyBlock(), outcome_return: emptyBlock(), checks: 0, checksIncome: 0 };
}

/** A missing amount makes the sum absent for good: a partial sum is never shown as the whole. */
const plus = (a: Decimal | undefined, b: Decimal | undefined) => (a === undefined || b === undefined ? undefined : a.plus(b));

export function addReceipt(f: Figures, r: Receipt): void {
  const block = f[r.operation];
  block.total = plus(block.total, r.amounts.total);
  for (const p of Object.keys(PAYMENT_FIELDS) as PaymentName[]) block.payments[p] = plus(block.payments[p], r.amounts[p]);
  f.checks = (f.checks ?? 0) + 1;
  if (r.operation === 'income') f.checksIncome = (f.checksIncome ?? 0) + 1;
  const day = r.at.slice(0, 10);
  if (!f.dataFrom || day < f.dataFrom) f.dataFrom = day;
  if (!f.dataTo || day > f.dataTo) f.dataTo = day;
}

/** Every amount of every block known (nothing left out by the upstream). */
export function complete(f: Figures): boolean {
  return OPS.every((o) => f[o].total !== undefined && Object.values(f[o].payments).every((v) => v !== undefined));
}

// ---- cache form: decimals as strings, absent as null ----

type StoredBlock = Record<Amount, string | null>;
export interface StoredDay {
  blocks: Record<OperationType, StoredBlock>;
  checks: number;
  checksIncome: number;
}


export function storeDay(f: Figures): StoredDay {
  const block = (b: OperationBlock): StoredBlock => ({
    total: b.total?.toFixed(2) ?? null,
    ...(Object.fromEntries((Object.keys(PAYMENT_FIELDS) as PaymentName[]).map((p) => [p, b.payments[p]?.toFixed(2) ?? null])) as Record<PaymentName, string | null>),
  });
  return { blocks: Object.fromEntries(OPS.map((o) => [o, block(f[o])])) as Record<OperationType, StoredBlock>, checks: f.checks ?? 0, checksIncome: f.checksIncome ?? 0 };
}

const DECIMAL = /^-?\d+\.\d{2}$/;

/** A stored day back to figures; undefined when the entry does not have the expected shape. */
export function loadDay(day: string, raw: unknown): Figures | undefined {
  const s = raw as StoredDay;
  if (!s || typeof s !== 'object' || !Number.isInteger(s.checks) || !Number.isInteger(s.checksIncome) || typeof s.blocks !== 'object' || s.blocks === null) return undefined;
  const f = emptyFigures();
  for (const o of OPS) {
    const b = s.blocks[o];
    if (!b || typeof b !== 'object') return undefined;
    for (const a of AMOUNTS) {
      const v = b[a];
      if (v !== null && (typeof v !== 'string' || !DECIMAL.test(v))) return undefined;
      const d = v === null ? undefined : new Decimal(v);
      if (a === 'total') f[o].total = d;
      else f[o].payments[a] = d;
    }
  }
  f.checks = s.checks;
  f.checksIncome = s.checksIncome;
  if (s.checks > 0) f.dataFrom = f.dataTo = day;
  return f;
}
