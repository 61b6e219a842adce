import { z } from 'zod';
import type { Decimal, Unit } from '../../money.js';
import { toLocal } from '../../period.js';
import { MoneySchema, parseTimestamp } from './schemas.js';
import { moneyOf } from './units.js';
import type { Window } from './widget-query.js';

/**
 * `GET /orgs/{org}/reports/revenue/periods`, split by Day — every assumption about it in one place.
 * Documented [C]: the period-type enum (Year, Quarter, Month, Week, Day, Hour), `presentation`, and a
 * response of `for_all_objects` plus `items[]` (api-facts §1.4, research note A1). Not documented, read here
 * as follows [I]/[U]:
 * - query names are the v5 sibling's (`processed_at_from`/`_to`, `revenueByPeriodsType`);
 * - each item carries the widget's summary blocks: `sum{payments,refunds,total}` (Money), `count{…}` and
 *   `period{date_from,date_to}`; items page like other lists (`next_page_token`);
 * - an item whose period crosses a local midnight of REVENUE_TZ means LIFE POS splits days differently
 *   (another zone, another grouping): the answer is then not used at all.
 * When any of this does not hold, the overview falls back to one widget call per day and says so.
 */

export const PERIODS_PARAMS = {
  from: 'processed_at_from',
  to: 'processed_at_to',
  type: 'revenueByPeriodsType',
} as const;

/** Pages followed at most: a year of days at a few dozen per page. */
export const MAX_PERIOD_PAGES = 20;

export function periodsQuery(window: Window, pageToken: string | undefined): Record<string, string | undefined> {
  return {
    presentation: 'full',
    [PERIODS_PARAMS.from]: window.from.toISOString(),
    [PERIODS_PARAMS.to]: window.to.toISOString(),
    [PERIODS_PARAMS.type]: 'Day',
    page_token: pageToken,
  };
}

const group = z.looseObject({ payments: MoneySchema.nullish(), refunds: MoneySchema.nullish(), total: MoneySchema.nullish() });
const counts = z.looseObject({ payments: z.number().nullish(), refunds: z.number().nullish(), total: z.number().nullish() });
const item = z.looseObject({
  sum: group.nullish(),
  count: counts.nullish(),
  period: z.looseObject({ date_from: z.unknown(), date_to: z.unknown() }).nullish(),
});
export const RevenuePeriodsSchema = z.looseObject({
  items: z.array(item),
  next_page_token: z.union([z.string(), z.number()]).nullish(),
});
export type RawRevenuePeriods = z.infer<typeof RevenuePeriodsSchema>;

export interface DayRevenue {
  payments: Decimal | undefined;
  refunds: Decimal | undefined;
  net: Decimal | undefined;
}

/** The answer does not read as one row per local day; `reason` says which assumption failed. */
export class PeriodsShapeError extends Error {
  override name = 'PeriodsShapeError';
}

/** Items of one page as local days (`YYYY-MM-DD` in `tz`) → figures in roubles. */
export function daysOf(page: RawRevenuePeriods, unit: Unit, tz: string, into: Map<string, DayRevenue>): void {
  for (const raw of page.items) {
    const from = parseTimestamp(raw.period?.date_from);
    const to = parseTimestamp(raw.period?.date_to);
    if (!from || !to) throw new PeriodsShapeError('an item carries no period');
    const start = toLocal(from, tz);
    const end = toLocal(to, tz);
    // A clipped first or last day starts or ends mid-day; one that crosses midnight is not a local day.
    if (start.slice(0, 10) !== end.slice(0, 10)) throw new PeriodsShapeError(`an item spans ${start} – ${end}, not one day in ${tz}`);
    const day = start.slice(0, 10);
    if (into.has(day)) throw new PeriodsShapeError(`two items for ${day}`);
    const money = (key: 'payments' | 'refunds' | 'total') => moneyOf(raw.sum?.[key] ?? undefined, unit, `reports/revenue/periods sum.${key}`).amount;
    into.set(day, { payments: money('payments'), refunds: money('refunds'), net: money('total') });
  }
}
