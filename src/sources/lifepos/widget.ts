import { Decimal, type Unit } from '../../money.js';
import { parseTimestamp, type RawRevenueSummary, type RawRevenueWidget } from './schemas.js';
import { moneyOf } from './units.js';

/** The revenue widget with amounts in roubles and shares in percent. Missing values stay undefined. */

export interface RevenueGroup {
  count: number | undefined;
  sum: Decimal | undefined;
  average: Decimal | undefined;
  median: Decimal | undefined;
  /** Percent (0–100), whatever scale the API used. */
  shareBySum: Decimal | undefined;
  shareByCount: Decimal | undefined;
}

export type ShareScale = 'fraction' | 'percent';

export interface RevenueSummary {
  payments: RevenueGroup;
  refunds: RevenueGroup;
  /** Net: payments − refunds. */
  total: RevenueGroup;
  /** The window the API says it reported. */
  period: { from: Date | undefined; to: Date | undefined };
  /** How the API wrote shares (fractions of 1 or percent), as detected. */
  shareScale: ShareScale;
  currencies: string[];
}

export interface RevenueWidget {
  current: RevenueSummary;
  previous: RevenueSummary;
  growth: { percentage: Decimal | undefined; isCalculated: boolean | undefined };
}

const GROUPS = ['payments', 'refunds', 'total'] as const;
const num = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? new Decimal(String(v)) : undefined);

/**
 * Whether shares are fractions (0–1) or percent (0–100) is not documented. The whole (`total`) is 1 or
 * 100, and payments + refunds add up to it; failing both, values above 1 can only be percent.
 */
function shareScale(raw: RawRevenueSummary): ShareScale {
  const s = raw.share;
  const values = GROUPS.flatMap((g) => [num(s?.[g]?.by_sum), num(s?.[g]?.by_count)]).filter((d): d is Decimal => d !== undefined);
  const whole = [num(s?.total?.by_sum), num(s?.total?.by_count)].find((d) => d !== undefined && !d.isZero());
  if (whole?.eq(100)) return 'percent';
  if (whole?.eq(1)) return 'fraction';
  const parts = num(s?.payments?.by_sum)?.plus(num(s?.refunds?.by_sum) ?? 0);
  if (parts && parts.minus(100).abs().lt(1)) return 'percent';
  return values.some((d) => d.gt(1)) ? 'percent' : 'fraction';
}

function toSummary(raw: RawRevenueSummary, unit: Unit): RevenueSummary {
  const scale = shareScale(raw);
  const pct = (v: number | null | undefined) => {
    const d = num(v);
    return d === undefined ? undefined : scale === 'fraction' ? d.times(100) : d;
  };
  const currencies = new Set<string>();
  const money = (m: Parameters<typeof moneyOf>[0], field: string) => {
    const out = moneyOf(m, unit, field);
    if (out.currency && out.amount !== undefined) currencies.add(out.currency);
    return out.amount;
  };
  const group = (g: (typeof GROUPS)[number]): RevenueGroup => ({
    count: typeof raw.count?.[g] === 'number' ? raw.count[g] : undefined,
    sum: money(raw.sum?.[g], `sum.${g}`),
    average: money(raw.average?.[g], `average.${g}`),
    median: money(raw.median?.[g], `median.${g}`),
    shareBySum: pct(raw.share?.[g]?.by_sum),
    shareByCount: pct(raw.share?.[g]?.by_count),
  });
  return {
    payments: group('payments'),
    refunds: group('refunds'),
    total: group('total'),
    period: { from: parseTimestamp(raw.period?.date_from), to: parseTimestamp(raw.period?.date_to) },
    shareScale: scale,
    currencies: [...currencies],
  };
}

export function toRevenueWidget(raw: RawRevenueWidget, unit: Unit): RevenueWidget {
  return {
    current: toSummary(raw.current_summary, unit),
    previous: toSummary(raw.previous_summary, unit),
    growth: { percentage: num(raw.growth_rate?.percentage), isCalculated: raw.growth_rate?.is_calculated ?? undefined },
  };
}

/** How growth_rate.percentage was written, as detected; `unknown` when it cannot be told. */
export type GrowthScale = 'percent' | 'fraction' | 'unknown';

/**
 * The scale of growth_rate.percentage is not documented (api-facts §1.6). Like the shares, it is told from
 * the data: compared with the growth recomputed from the net sums (in percent), a value that matches is
 * percent and one that matches ×100 is a fraction of 1. Rounding to 2 places in percent (4 as a fraction)
 * is allowed for; anything else is `unknown` and must not be presented as a percentage.
 */
export function growthScale(given: Decimal | undefined, recomputedPercent: Decimal | undefined): GrowthScale {
  if (given === undefined || recomputedPercent === undefined) return 'unknown';
  const tolerance = Decimal.max(new Decimal('0.05'), recomputedPercent.abs().times('0.001'));
  const asPercent = given.minus(recomputedPercent).abs();
  const asFraction = given.times(100).minus(recomputedPercent).abs();
  // Near zero both may fit: the closer reading wins, percent on a tie.
  if (asPercent.lte(tolerance) && asPercent.lte(asFraction)) return 'percent';
  if (asFraction.lte(tolerance)) return 'fraction';
  return asPercent.lte(tolerance) ? 'percent' : 'unknown';
}
