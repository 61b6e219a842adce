import { z } from 'zod';
import { kopecks, MoneyParseError, parseOptionalAmount, type Decimal } from '../../money.js';

/**
 * Request vocabulary and lenient response parsing for the legacy Yandex OFD sales aggregation
 * (api-facts §2.3–2.5). The documentation warns that field order may differ, fields may be missing and
 * undocumented service fields may appear: unknown fields are ignored, and a missing amount stays
 * `undefined` (absent) so the summary can say so instead of printing 0.
 */

export const DOCUMENT_TYPES = [
  'fiscalReport',
  'fiscalReportCorrection',
  'openShift',
  'closeShift',
  'receipt',
  'receiptCorrection',
  'bso',
  'bsoCorrection',
  'currentStateReport',
  'closeArchive',
] as const;
/** What the tool asks for unless told otherwise: the kinds of documents that carry sales. */
export const RECEIPT_DOCUMENT_TYPES = ['receipt', 'receiptCorrection', 'bso', 'bsoCorrection'] as const;
export const OPERATION_TYPES = ['income', 'income_return', 'outcome', 'outcome_return'] as const;
export const TAXATION_TYPES = ['osn', 'usn_income', 'usn_income_wo_expenditure', 'esn_agricultural', 'psn'] as const;
export const INTERVALS = ['day', 'week', 'month'] as const;
export const ORDER_KEYS = ['date', 'income', 'income_return', 'cash', 'ecash', 'checks', 'checks_income', 'avg_receipt', 'outcome', 'outcome_return'] as const;

export type OperationType = (typeof OPERATION_TYPES)[number];
export type Interval = (typeof INTERVALS)[number];

/** The request body, exactly the documented field names. Dates are local `YYYY-MM-DD hh:mm:ss`. */
export interface SalesAggregationBody {
  date_from: string;
  date_to: string;
  limit?: number;
  offset?: number;
  company_ids?: string[];
  retail_point_ids?: string[];
  cashbox_ids?: string[];
  document_types?: string[];
  operation_types?: string[];
  taxation_types?: string[];
  interval?: Interval;
  orders?: string[];
}

// ---- parsed figures ----

export const PAYMENT_FIELDS = {
  cash: 'cashTotal',
  electronic: 'ecashTotal',
  prepaid: 'prepaid',
  credit: 'credit',
  provision: 'provision',
} as const;
export type PaymentName = keyof typeof PAYMENT_FIELDS;

/** One operation block in kopeck-exact roubles; each amount undefined when the upstream left it out. */
export interface OperationBlock {
  present: boolean;
  total?: Decimal;
  payments: Record<PaymentName, Decimal | undefined>;
}

export interface Figures {
  income: OperationBlock;
  income_return: OperationBlock;
  outcome: OperationBlock;
  outcome_return: OperationBlock;
  /** All documents counted. */
  checks?: number;
  /** Income receipts counted. */
  checksIncome?: number;
  /** First and last date with data (as the OFD sends them). */
  dataFrom?: string;
  dataTo?: string;
}

export interface IntervalFigures extends Figures {
  /** Calendar bounds of the interval, `YYYY-MM-DD`. */
  start?: string;
  end?: string;
}

export interface AggregationPage {
  data: IntervalFigures[];
  full?: Figures;
  total?: number;
}

// Structure only: amounts stay `unknown` here and are read exactly by parseOptionalAmount.
const block = z.object({}).catchall(z.unknown());
const figures = z.object({
  income: block.nullish(),
  income_return: block.nullish(),
  outcome: block.nullish(),
  outcome_return: block.nullish(),
  checks: z.unknown().optional(),
  checks_income: z.unknown().optional(),
  date_from: z.unknown().optional(),
  date_to: z.unknown().optional(),
});
const interval = figures.extend({ start: z.unknown().optional(), end: z.unknown().optional() });
export const AggregationResponse = z.object({
  data: z.array(interval).nullish(),
  full: figures.nullish(),
  total: z.unknown().optional(),
});

function count(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** An amount at `path` (e.g. `full.income.total`); one that cannot be read exactly names where it was. */
function money(value: unknown, path: string): Decimal | undefined {
  try {
    const d = parseOptionalAmount(value, 'major');
    return d === undefined ? undefined : kopecks(d);
  } catch (err) {
    if (err instanceof MoneyParseError) throw new ResponseShapeError(`${path} is ${err.message}`);
    throw err;
  }
}

function parseBlock(raw: Record<string, unknown> | null | undefined, path: string): OperationBlock {
  const payments = Object.fromEntries(
    Object.entries(PAYMENT_FIELDS).map(([name, field]) => [name, raw ? money(raw[field], `${path}.${field}`) : undefined]),
  ) as Record<PaymentName, Decimal | undefined>;
  return { present: !!raw, total: raw ? money(raw.total, `${path}.total`) : undefined, payments };
}

function parseFigures(raw: z.infer<typeof figures>, path: string): Figures {
  return {
    income: parseBlock(raw.income, `${path}.income`),
    income_return: parseBlock(raw.income_return, `${path}.income_return`),
    outcome: parseBlock(raw.outcome, `${path}.outcome`),
    outcome_return: parseBlock(raw.outcome_return, `${path}.outcome_return`),
    checks: count(raw.checks),
    checksIncome: count(raw.checks_income),
    dataFrom: text(raw.date_from),
    dataTo: text(raw.date_to),
  };
}

export class ResponseShapeError extends Error {
  override name = 'ResponseShapeError';
}

/** Parse one page of the answer; throws ResponseShapeError when even the lenient shape does not hold. */
export function parseAggregation(body: unknown): AggregationPage {
  const parsed = AggregationResponse.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ResponseShapeError(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'unexpected shape'}`);
  }
  const { data, full, total } = parsed.data;
  return {
    data: (data ?? []).map((d, n) => ({ ...parseFigures(d, `data[${n}]`), start: text(d.start)?.slice(0, 10), end: text(d.end)?.slice(0, 10) })),
    full: full ? parseFigures(full, 'full') : undefined,
    total: count(total),
  };
}
