import { Decimal, formatNumber, formatPercent, formatRub, formatRubDelta, kopecks, percentChange, share, sum, toDecimalString } from '../../money.js';
import { PAYMENT_FIELDS, type Figures, type IntervalFigures, type OperationBlock, type PaymentName } from './schemas.js';

/**
 * Pure functions from parsed OFD figures to what the tool returns: exact totals (decimal strings),
 * comparisons, best/worst interval, and a short Markdown summary. An amount the upstream left out stays
 * `null` / "absent" all the way through; it is never shown as 0.
 */

export interface Totals {
  gross_sales: string | null;
  refunds: string | null;
  net_sales: string | null;
  receipts: number | null;
  documents: number | null;
  average_receipt: string | null;
  payments: Record<PaymentName, string | null>;
  payment_shares_percent: Record<PaymentName, string | null>;
  outcome: string | null;
  outcome_return: string | null;
  data_from: string | null;
  data_to: string | null;
}

export interface IntervalRow {
  start: string | null;
  end: string | null;
  /** The interval's bounds clipped to the period. */
  from: string | null;
  to: string | null;
  partial: boolean;
  gross_sales: string | null;
  refunds: string | null;
  net_sales: string | null;
  receipts: number | null;
  average_receipt: string | null;
  cash: string | null;
  electronic: string | null;
}

export interface Delta {
  absolute: string | null;
  percent: string | null;
}

/** Exact figures kept as decimals for arithmetic; turned into strings only at the edge. */
export interface Exact {
  gross?: Decimal;
  refunds?: Decimal;
  net?: Decimal;
  receipts?: number;
  documents?: number;
  average?: Decimal;
  payments: Record<PaymentName, Decimal | undefined>;
  outcome?: Decimal;
  outcomeReturn?: Decimal;
  dataFrom?: string;
  dataTo?: string;
  /** Which amounts the upstream left out (absent, not zero). */
  absent: string[];
  /** income.total minus the sum of its payment parts, when they differ (the doc's example shows 631 vs 630). */
  partsGap?: Decimal;
}

const str = (d: Decimal | undefined): string | null => (d === undefined ? null : toDecimalString(d));
const pct = (d: Decimal | undefined): string | null => (d === undefined ? null : d.toDecimalPlaces(1, Decimal.ROUND_HALF_UP).toFixed(1));

function blockTotal(block: OperationBlock, name: string, absent: string[]): Decimal | undefined {
  if (!block.present) absent.push(`${name} (the whole block)`);
  else if (block.total === undefined) absent.push(`${name}.total`);
  return block.total;
}

export function exactOf(f: Figures): Exact {
  const absent: string[] = [];
  const gross = blockTotal(f.income, 'income', absent);
  const refunds = blockTotal(f.income_return, 'income_return', absent);
  const outcome = blockTotal(f.outcome, 'outcome', absent);
  const outcomeReturn = blockTotal(f.outcome_return, 'outcome_return', absent);
  if (f.checksIncome === undefined) absent.push('checks_income');
  if (f.income.present) {
    for (const [name, field] of Object.entries(PAYMENT_FIELDS)) if (f.income.payments[name as PaymentName] === undefined) absent.push(`income.${field}`);
  }
  const net = gross !== undefined && refunds !== undefined ? gross.minus(refunds) : undefined;
  const average = gross !== undefined && f.checksIncome ? kopecks(gross.div(f.checksIncome)) : undefined;
  const parts = Object.values(f.income.payments);
  const partsGap = gross !== undefined && parts.every((p) => p !== undefined) ? gross.minus(sum(parts as Decimal[])) : undefined;
  return {
    gross,
    refunds,
    net,
    receipts: f.checksIncome,
    documents: f.checks,
    average,
    payments: f.income.payments,
    outcome,
    outcomeReturn,
    dataFrom: f.dataFrom,
    dataTo: f.dataTo,
    absent,
    partsGap: partsGap && !partsGap.isZero() ? partsGap : undefined,
  };
}

/** Whole-period figures summed from intervals, when the answer had no `full` block but every interval was read. */
export function figuresFromIntervals(intervals: readonly IntervalFigures[]): Figures {
  const blockSum = (key: 'income' | 'income_return' | 'outcome' | 'outcome_return'): OperationBlock => {
    const blocks = intervals.map((i) => i[key]);
    const all = (pick: (b: OperationBlock) => Decimal | undefined) => {
      const values = blocks.map(pick);
      return values.every((v) => v !== undefined) ? sum(values as Decimal[]) : undefined;
    };
    return {
      present: blocks.every((b) => b.present),
      total: all((b) => b.total),
      payments: Object.fromEntries(Object.keys(PAYMENT_FIELDS).map((p) => [p, all((b) => b.payments[p as PaymentName])])) as Record<PaymentName, Decimal | undefined>,
    };
  };
  const counts = (pick: (i: IntervalFigures) => number | undefined) => {
    const values = intervals.map(pick);
    return values.every((v) => v !== undefined) ? (values as number[]).reduce((a, b) => a + b, 0) : undefined;
  };
  const dates = intervals.flatMap((i) => [i.dataFrom, i.dataTo]).filter((d): d is string => !!d).sort();
  return {
    income: blockSum('income'),
    income_return: blockSum('income_return'),
    outcome: blockSum('outcome'),
    outcome_return: blockSum('outcome_return'),
    checks: counts((i) => i.checks),
    checksIncome: counts((i) => i.checksIncome),
    dataFrom: dates[0],
    dataTo: dates[dates.length - 1],
  };
}

export function totalsOf(e: Exact): Totals {
  const payments = Object.fromEntries(Object.keys(PAYMENT_FIELDS).map((p) => [p, str(e.payments[p as PaymentName])])) as Record<PaymentName, string | null>;
  const shares = Object.fromEntries(
    Object.keys(PAYMENT_FIELDS).map((p) => {
      const part = e.payments[p as PaymentName];
      return [p, part !== undefined && e.gross !== undefined ? pct(share(part, e.gross)) : null];
    }),
  ) as Record<PaymentName, string | null>;
  return {
    gross_sales: str(e.gross),
    refunds: str(e.refunds),
    net_sales: str(e.net),
    receipts: e.receipts ?? null,
    documents: e.documents ?? null,
    average_receipt: str(e.average),
    payments,
    payment_shares_percent: shares,
    outcome: str(e.outcome),
    outcome_return: str(e.outcomeReturn),
    data_from: e.dataFrom ?? null,
    data_to: e.dataTo ?? null,
  };
}

function moneyDelta(cur: Decimal | undefined, prev: Decimal | undefined): Delta {
  if (cur === undefined || prev === undefined) return { absolute: null, percent: null };
  return { absolute: toDecimalString(cur.minus(prev)), percent: pct(percentChange(cur, prev)) };
}

function countDelta(cur: number | undefined, prev: number | undefined): Delta {
  if (cur === undefined || prev === undefined) return { absolute: null, percent: null };
  return { absolute: String(cur - prev), percent: pct(percentChange(new Decimal(cur), new Decimal(prev))) };
}

export function changeOf(cur: Exact, prev: Exact): Record<'gross_sales' | 'refunds' | 'net_sales' | 'receipts' | 'average_receipt', Delta> {
  return {
    gross_sales: moneyDelta(cur.gross, prev.gross),
    refunds: moneyDelta(cur.refunds, prev.refunds),
    net_sales: moneyDelta(cur.net, prev.net),
    receipts: countDelta(cur.receipts, prev.receipts),
    average_receipt: moneyDelta(cur.average, prev.average),
  };
}

// ---- interval rows ----

export interface PeriodDates {
  /** First and last local date of the period, YYYY-MM-DD. */
  from: string;
  to: string;
  /** The period starts after midnight of `from` (e.g. date_from "2026-02-01T10:00"). */
  cutStart?: boolean;
  /** The period ends before the end of `to` (periods so far end at the current minute). */
  cutEnd?: boolean;
}

export function rowOf(i: IntervalFigures, p: PeriodDates): IntervalRow & { exactGross?: Decimal } {
  const e = exactOf(i);
  const from = i.start ? (i.start < p.from ? p.from : i.start) : null;
  const to = i.end ? (i.end > p.to ? p.to : i.end) : null;
  return {
    start: i.start ?? null,
    end: i.end ?? null,
    from,
    to,
    // Partial: the period cuts the interval, by date or (on its first or last day) by time of day.
    partial: !!(i.start && i.end && (i.start < p.from || i.end > p.to || (p.cutStart && i.start <= p.from) || (p.cutEnd && i.end >= p.to))),
    gross_sales: str(e.gross),
    refunds: str(e.refunds),
    net_sales: str(e.net),
    receipts: e.receipts ?? null,
    average_receipt: str(e.average),
    cash: str(e.payments.cash),
    electronic: str(e.payments.electronic),
    exactGross: e.gross,
  };
}

export function labelOf(row: Pick<IntervalRow, 'from' | 'to' | 'start' | 'partial'>, interval: string): string {
  if (!row.from || !row.to) return row.start ?? '?';
  const base = interval === 'month' && !row.partial ? row.from.slice(0, 7) : row.from === row.to ? row.from : `${row.from} – ${row.to}`;
  return row.partial ? `${base} (part)` : base;
}

// ---- Markdown ----

export const fmt = (d: Decimal | undefined): string => (d === undefined ? 'absent' : formatRub(d));
export const fmtDelta = (d: Delta): string =>
  d.absolute === null ? 'n/a' : `${formatRubDelta(new Decimal(d.absolute))} (${d.percent === null ? 'no base' : formatPercent(new Decimal(d.percent))})`;
export const fmtCountDelta = (d: Delta): string =>
  d.absolute === null ? 'n/a' : `${Number(d.absolute) > 0 ? '+' : Number(d.absolute) < 0 ? '−' : ''}${Math.abs(Number(d.absolute))} (${d.percent === null ? 'no base' : formatPercent(new Decimal(d.percent))})`;

const PAYMENT_LABEL: Record<PaymentName, string> = {
  cash: 'cash',
  electronic: 'electronic',
  prepaid: 'prepaid',
  credit: 'credit',
  provision: 'provision',
};

function shareText(part: Decimal, whole: Decimal | undefined): string {
  const s = whole ? share(part, whole) : undefined;
  return s === undefined ? '' : ` (${formatNumber(s, 1)} %)`;
}

/** "electronic 70 000,00 ₽ (56,7 %) · cash …", largest first, zero parts left out. */
export function paymentLine(e: Exact): string {
  const entries = (Object.keys(PAYMENT_FIELDS) as PaymentName[]).map((p) => ({ p, v: e.payments[p] }));
  const shown = entries
    .filter((x) => x.v === undefined || !x.v.isZero())
    .sort((a, b) => (a.v && b.v ? b.v.comparedTo(a.v) : a.v ? -1 : 1))
    .map(({ p, v }) => (v === undefined ? `${PAYMENT_LABEL[p]} absent` : `${PAYMENT_LABEL[p]} ${formatRub(v)}${shareText(v, e.gross)}`));
  return shown.length > 0 ? shown.join(' · ') : 'none';
}

export function tableOf(rows: ReadonlyArray<IntervalRow>, interval: string, detailed: boolean): string {
  const head = interval === 'day' ? 'Day' : interval === 'week' ? 'Week' : 'Month';
  const cols = detailed ? ['Gross', 'Refunds', 'Net', 'Receipts', 'Avg receipt', 'Cash', 'Electronic'] : ['Gross', 'Refunds', 'Net', 'Receipts', 'Avg receipt'];
  const m = (s: string | null) => (s === null ? 'absent' : formatRub(new Decimal(s)));
  const lines = [`| ${head} | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`];
  for (const r of rows) {
    // No income receipts means no average to show, which is not the same as an amount left out.
    const average = r.average_receipt === null && r.receipts === 0 ? 'n/a' : m(r.average_receipt);
    const cells = [m(r.gross_sales), m(r.refunds), m(r.net_sales), r.receipts === null ? 'absent' : String(r.receipts), average];
    if (detailed) cells.push(m(r.cash), m(r.electronic));
    lines.push(`| ${labelOf(r, interval)} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export interface FilterSet {
  company_ids?: readonly string[];
  retail_point_ids?: readonly string[];
  cashbox_ids?: readonly string[];
  document_types?: readonly string[];
  operation_types?: readonly string[];
  taxation_types?: readonly string[];
}

/**
 * "Filters: company 302 · tax system osn · income_return only", or undefined when nothing narrows the
 * figures beyond the default receipt document kinds (so the reader knows what the totals cover).
 */
export function filtersLine(f: FilterSet, defaultDocumentTypes: readonly string[]): string | undefined {
  const ids = (one: string, many: string, list: readonly string[] | undefined) =>
    list && list.length > 0 ? `${list.length === 1 ? one : many} ${list.join(', ')}` : undefined;
  const docs = f.document_types ?? [];
  const sameDocs = docs.length === defaultDocumentTypes.length && defaultDocumentTypes.every((d) => docs.includes(d));
  const parts = [
    ids('company', 'companies', f.company_ids),
    ids('retail point', 'retail points', f.retail_point_ids),
    ids('cashbox', 'cashboxes', f.cashbox_ids),
    docs.length > 0 && !sameDocs ? `documents ${docs.join(', ')} only` : undefined,
    ids('tax system', 'tax systems', f.taxation_types),
    f.operation_types && f.operation_types.length > 0 ? `${f.operation_types.join(', ')} only` : undefined,
  ].filter((x): x is string => x !== undefined);
  return parts.length > 0 ? `Filters: ${parts.join(' · ')}` : undefined;
}
