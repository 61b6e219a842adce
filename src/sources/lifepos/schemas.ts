import { z } from 'zod';
import { cleanText } from '../../untrusted.js';

/**
 * LIFE POS v6 answers, parsed leniently: unknown fields pass, most fields may be missing or null, enums
 * may arrive as strings or as their ordinal numbers (the documented example sends `settlement_subject: 0`).
 * Money stays raw here; `units.ts` is the one place that turns `Money.value` into roubles.
 */

// ---- enums (documented order, so an ordinal number maps to its name) ----

export const SALE_STATES = ['New', 'InProgress', 'Completed', 'Cancelled'] as const;
export const PAYMENT_STATUSES = ['NotPaid', 'Paid', 'PartiallyPaid', 'Refunded', 'PartiallyRefunded'] as const;
export const SHIPPING_STATUSES = ['NotShipped', 'Shipped', 'PartiallyShipped', 'Returned', 'PartiallyReturned'] as const;
export const TAXES = ['Tax20', 'Tax10', 'Tax0', 'TaxFree', 'Tax5', 'Tax7'] as const;
export const CURRENCIES = ['RUB', 'GBP', 'USD', 'EUR', 'Unknown'] as const;
export const DISCOUNT_TYPES = ['Absolute', 'Percentage'] as const;
export const SETTLEMENT_SUBJECTS = [
  'Product', 'ExciseProduct', 'Work', 'Service', 'GamblingBet', 'GamblingWinning', 'LotteryBet', 'LotteryWinning',
  'IntellectualProperty', 'Payment', 'AgentFee', 'Payout', 'Other', 'PropertyRights', 'NonRealizationIncome',
  'OtherPayments', 'TradeFee', 'ResortFee', 'Bail', 'Outflow', 'ContributionForOPSIP', 'ContributionForOPS',
  'ContributionForOMSIP', 'ContributionForOMS', 'ContributionForOSS', 'CasinoPayment', 'Cashout', 'ATNM', 'ATM', 'TNM', 'TM',
] as const;

/**
 * An enum value as the API may send it: its name (any case) or its ordinal. Unknown names are kept as
 * sent, cleaned and bounded as upstream text (a newer API value is still worth showing); unknown ordinals
 * become `#n`.
 */
export function enumName(values: readonly string[], raw: unknown): string | undefined {
  if (raw === null || raw === undefined || raw === '') return undefined;
  if (typeof raw === 'number') return Number.isInteger(raw) && raw >= 0 && raw < values.length ? values[raw] : `#${raw}`;
  const text = String(raw).trim();
  if (/^\d+$/.test(text)) return enumName(values, Number(text));
  return values.find((v) => v.toLowerCase() === text.toLowerCase()) ?? cleanText(text, 40);
}

/**
 * An API timestamp as an instant. The API writes up to 7 fractional digits ("…04.7207937Z"), which
 * strict parsers refuse, and `0001-01-01T00:00:00Z` for "not set" — that is undefined here, not year 1.
 */
export function parseTimestamp(raw: unknown): Date | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const text = raw.trim();
  if (text.startsWith('0001-01-01')) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!m) return undefined;
  const fraction = m[2] ? `.${m[2].slice(0, 3).padEnd(3, '0')}` : '';
  const t = Date.parse(`${m[1]}${fraction}${m[3] ?? 'Z'}`);
  return Number.isFinite(t) ? new Date(t) : undefined;
}

// ---- building blocks ----

const loose = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);

/** Raw amount: a JSON number or a decimal string; converted in units.ts only. */
const rawAmount = z.union([z.number(), z.string()]).nullish();

export const MoneySchema = loose({
  value: rawAmount,
  currency: z.union([z.string(), z.number()]).nullish(),
}).nullish();
export type RawMoney = z.infer<typeof MoneySchema>;

const RefSchema = loose({ guid: z.string().nullish() }).nullish();
const count = z.number().nullish();
const share = loose({ by_sum: z.number().nullish(), by_count: z.number().nullish() }).nullish();
const moneyTriple = loose({ payments: MoneySchema, refunds: MoneySchema, total: MoneySchema }).nullish();

// ---- widget ----

export const RevenueSummarySchema = loose({
  count: loose({ payments: count, refunds: count, total: count }).nullish(),
  sum: moneyTriple,
  average: moneyTriple,
  median: moneyTriple,
  share: loose({ payments: share, refunds: share, total: share }).nullish(),
  period: loose({ date_from: z.string().nullish(), date_to: z.string().nullish() }).nullish(),
});
export type RawRevenueSummary = z.infer<typeof RevenueSummarySchema>;

export const RevenueWidgetSchema = loose({
  current_summary: RevenueSummarySchema,
  previous_summary: RevenueSummarySchema,
  growth_rate: loose({ percentage: z.number().nullish(), is_calculated: z.boolean().nullish() }).nullish(),
});
export type RawRevenueWidget = z.infer<typeof RevenueWidgetSchema>;

// ---- sale ----

const enumLike = z.union([z.string(), z.number()]).nullish();

export const PositionSchema = loose({
  guid: z.string().nullish(),
  name: z.string().nullish(),
  settlement_subject: enumLike,
  tax: enumLike,
  uom: loose({ guid: z.string().nullish(), name: z.string().nullish() }).nullish(),
  sale_price: MoneySchema,
  quantity: z.union([z.number(), z.string()]).nullish(),
  total_sum: MoneySchema,
  barcode: z.string().nullish(),
  made_in: enumLike,
  is_markable: z.boolean().nullish(),
});
export type RawPosition = z.infer<typeof PositionSchema>;

export const SaleSchema = loose({
  guid: z.string().nullish(),
  number: z.string().nullish(),
  comment: z.string().nullish(),
  opened_at: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  deleted_at: z.string().nullish(),
  state: enumLike,
  payment_status: enumLike,
  shipping_status: enumLike,
  total_sum: MoneySchema,
  outlet: RefSchema,
  workplace: RefSchema,
  opened_by: RefSchema,
  organization: RefSchema,
  positions: z.array(PositionSchema).nullish(),
  customer_data: loose({
    name: z.string().nullish(),
    inn: z.string().nullish(),
    contacts: z.string().nullish(),
    address: z.string().nullish(),
  }).nullish(),
  extensions: loose({
    discounts: loose({
      deal_position_discounts: z
        .array(
          loose({
            deal_position_guid: z.string().nullish(),
            sale_price_discount: loose({ type: enumLike, amount: z.union([z.number(), z.string()]).nullish() }).nullish(),
            original_sale_price_value: z.union([z.number(), z.string()]).nullish(),
          }),
        )
        .nullish(),
      sale_discount_percentage: z.union([z.number(), z.string()]).nullish(),
    }).nullish(),
    payment_methods: loose({
      availabilities: z.array(z.record(z.string(), z.unknown())).nullish(),
    }).nullish(),
    payment_recipients: loose({
      payment_recipient_inn: z.string().nullish(),
      agent_inn: z.string().nullish(),
    }).nullish(),
  }).nullish(),
});
export type RawSale = z.infer<typeof SaleSchema>;

// ---- organizations ----

export const OrgListSchema = loose({
  items: z.array(loose({ guid: z.string(), name: z.string().nullish() })).nullish(),
  next_page_token: z.union([z.string(), z.number()]).nullish(),
});

/** ListSale and ListOutlet share the documented list envelope (api-facts §1.6). */
export const SaleListSchema = loose({
  items: z.array(z.unknown()).nullish(),
  next_page_token: z.union([z.string(), z.number()]).nullish(),
  items_total: z.number().nullish(),
});

export const OutletListSchema = loose({
  items: z.array(loose({ guid: z.string(), name: z.string().nullish() })).nullish(),
  next_page_token: z.union([z.string(), z.number()]).nullish(),
});

export const SignInSchema = loose({ token: z.string().nullish() });

export const ErrorBodySchema = loose({
  code: z.union([z.string(), z.number()]).nullish(),
  message: z.string().nullish(),
  info: z.string().nullish(),
});
