/**
 * Everything the new Yandex OFD API client depends on that the public documentation does not confirm
 * (the research note marks it [I] inferred or [U] unknown). It all lives here, each piece tolerant of
 * the plausible forms where they differ, and each is listed in README "Assumptions to check";
 * `revenue-mcp probe ofd` reports what a real token sees for every one of them.
 */

import type { OperationType } from '../ofd/schemas.js';

/** Receipt amount fields, first name that is present wins. `totalSum` [I, tag 1020 C]; prepaid/provision [I]. */
export const AMOUNT_FIELDS = {
  total: ['totalSum'],
  cash: ['cashTotalSum'],
  electronic: ['ecashTotalSum'],
  prepaid: ['prepaidSum'],
  credit: ['creditSum'],
  provision: ['provisionSum'],
} as const;

/** A payment-form field that is present but null means "not paid this way" (0); a missing key is absent. */
export const NULL_PAYMENT_IS_ZERO = true;

/** Row identity and the item-row marker [I: `Id` / `Parent` from a public client]. */
export const ROW_ID_FIELDS = ['Id', 'id'] as const;
export const PARENT_FIELDS = ['Parent', 'parent', 'parentId'] as const;

/** operationType: a Russian label in practice [I], the FFD tag 1054 code 1–4 in filters [I]. */
const OPERATION_LABELS: Record<string, OperationType> = {
  'приход': 'income',
  'возврат прихода': 'income_return',
  'расход': 'outcome',
  'возврат расхода': 'outcome_return',
  income: 'income',
  income_return: 'income_return',
  outcome: 'outcome',
  outcome_return: 'outcome_return',
};
const OPERATION_CODES: Record<string, OperationType> = { '1': 'income', '2': 'income_return', '3': 'outcome', '4': 'outcome_return' };

export function operationOf(value: unknown): OperationType | undefined {
  if (typeof value === 'number') return OPERATION_CODES[String(value)];
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase().replace(/\s+/g, ' ');
  return OPERATION_CODES[v] ?? OPERATION_LABELS[v];
}

/** docName codes [C, /reference/codes] for the legacy document kinds; row labels [I]. */
export const DOC_CODES: Record<string, number> = {
  fiscalReport: 1,
  openShift: 2,
  receipt: 3,
  bso: 4,
  closeShift: 5,
  closeArchive: 6,
  fiscalReportCorrection: 11,
  currentStateReport: 21,
  receiptCorrection: 31,
  bsoCorrection: 41,
};
const DOC_LABELS: Record<string, number> = {
  'кассовый чек': 3,
  'чек': 3,
  'бланк строгой отчетности': 4,
  'бсо': 4,
  'кассовый чек коррекции': 31,
  'чек коррекции': 31,
  'бсо коррекции': 41,
  'бланк строгой отчетности коррекции': 41,
};

/** The docName code of a row value (code or label); undefined when it cannot be told. */
export function docCodeOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ');
  if (/^\d+$/.test(v)) return Number(v);
  return DOC_LABELS[v];
}

/** Tax system of a row: FFD 1055 bit codes or labels [I]; `appliedTaxationType` before `taxationType`. */
export const TAXATION_FIELDS = ['appliedTaxationType', 'taxationType'] as const;
const TAXATION_CODES: Record<string, string> = { '1': 'osn', '2': 'usn_income', '4': 'usn_income_wo_expenditure', '16': 'esn_agricultural', '32': 'psn' };
const TAXATION_LABELS: Array<[RegExp, string]> = [
  [/^осн|общая/, 'osn'],
  [/расход/, 'usn_income_wo_expenditure'],
  [/^усн|упрощ/, 'usn_income'],
  [/^есхн|сельскохоз/, 'esn_agricultural'],
  [/^псн|патент/, 'psn'],
];

export function taxationOf(value: unknown): string | undefined {
  if (typeof value === 'number') return TAXATION_CODES[String(value)];
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (TAXATION_CODES[v]) return TAXATION_CODES[v];
  if (['osn', 'usn_income', 'usn_income_wo_expenditure', 'esn_agricultural', 'psn'].includes(v)) return v;
  return TAXATION_LABELS.find(([re]) => re.test(v))?.[1];
}

/**
 * `dateTime` is the register's wall clock [I]: `YYYY-MM-DD hh:mm:ss`, or ISO with `T`, maybe with
 * fractions or an offset. The wall-clock part is kept as written and never shifted to another zone.
 */
export function wallClockOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(value.trim());
  return m ? `${m[1]} ${m[2]}:${m[3]}:${m[4] ?? '00'}` : undefined;
}

/** Multi-value query parameters (`cashboxIds`, `docName` …): comma-separated [U; a public proxy joins with commas]. */
export function multiValue(values: ReadonlyArray<string | number>): string {
  return values.join(',');
}

/**
 * The date window sent for local days `first`…`last`. Whether `to` is inclusive is [U]: `to` is sent as
 * the day after, and rows outside the days are dropped locally, so both readings give every receipt.
 */
export function dateWindow(first: string, last: string): { from: string; to: string } {
  const next = new Date(Date.parse(`${last}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { from: first, to: next };
}

/**
 * Whether `limit`/`offset` count receipts or every row including item rows is [U]. Read both ways: a page
 * with `limit` receipts is full counted in receipts; a page of exactly `limit` rows is full counted in rows
 * (more rows than `limit` can only mean receipts are counted, so that page was short). The next offset
 * moves by the count that filled the page, so nothing is skipped either way.
 */
export function nextOffset(offset: number, rows: number, receipts: number, limit: number): number | undefined {
  if (receipts >= limit) return offset + receipts;
  if (rows === limit) return offset + rows;
  return undefined;
}

/** `/meta` → `data.maxLimit` [C, example 1000]; used when `/meta` cannot be read. */
export const FALLBACK_MAX_LIMIT = 1000;

/** The report envelope `{data: {outcome, rows}}` [C/I]; a bare array or top-level rows are also read. */
export function rowsOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const data = b.data;
  if (Array.isArray(data)) return data;
  if (typeof data === 'object' && data !== null) {
    const rows = (data as Record<string, unknown>).rows;
    if (rows === undefined || rows === null) return [];
    return Array.isArray(rows) ? rows : undefined;
  }
  return Array.isArray(b.rows) ? b.rows : undefined;
}

/** Directory replies are bare arrays [C]; an `{data: [...]}` envelope is read too. */
export function listOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  const data = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).data : undefined;
  return Array.isArray(data) ? data : undefined;
}

/** Shift rows [C up to `incomeSum`; the rest I]: the close date bins a shift, the open date when still open. */
export const SHIFT_FIELDS = {
  income: 'incomeSum',
  refunds: 'incomeReturnSum',
  receipts: 'incomeCnt',
  cash: 'cashTotalSumIncome',
  electronic: 'ecashTotalSumIncome',
  credit: 'creditSumIncome',
  prepaid: 'prepaidSumIncome',
  provision: 'provisionSumIncome',
  closed: 'closeShiftDateTime',
  opened: 'openShiftDateTime',
} as const;

/** The first of `names` present in `row` (null counts as present). */
export function pick(row: Record<string, unknown>, names: readonly string[]): { found: boolean; value: unknown } {
  for (const n of names) if (n in row) return { found: true, value: row[n] };
  return { found: false, value: undefined };
}
