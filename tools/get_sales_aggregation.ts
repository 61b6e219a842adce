import { z } from 'zod';
import { UNTRUSTED_NOTE } from '../src/untrusted.js';
import { formatRub } from '../src/money.js';
import { addDays, comparisonBasis, comparisonText, daysInclusive, formatPeriod, isoWeekday, periodDays, periodsOut, periodsShape, previousPeriod, resolvePeriod, type Period } from '../src/period.js';
import { defineTool, ToolInputError } from '../src/tool.js';
import { canonical, choice, choices, flag, listOfItems, periodFields, responseFormatField } from './inputs.js';
import { MAX_INTERVALS, OfdClient, type AggregationFilters, type AggregationQuery } from '../src/sources/ofd/client.js';
import { salesFromPublicApi } from '../src/sources/ofd-public/sales.js';
import { DOCUMENT_TYPES, INTERVALS, OPERATION_TYPES, ORDER_KEYS, RECEIPT_DOCUMENT_TYPES, TAXATION_TYPES, type Interval } from '../src/sources/ofd/schemas.js';
import {
  changeOf,
  exactOf,
  figuresFromIntervals,
  fmt,
  fmtCountDelta,
  fmtDelta,
  filtersLine,
  labelOf,
  paymentLine,
  rowOf,
  tableOf,
  totalsOf,
  type Exact,
  type IntervalRow,
} from '../src/sources/ofd/summary.js';

/**
 * get_sales_aggregation: fiscal sales, refunds and receipts from Yandex OFD, by day, week or month, with the
 * previous period for comparison. With legacy keys the figures are the OFD's own sums; with OFD_TOKEN (the
 * new API, src/sources/ofd-public) the same figures are added up from receipts. Read exactly (float
 * roubles → decimal → kopecks).
 */

const CONCISE_ROWS = 10;

const ids = (example: string) =>
  listOfItems(z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string()))
    .optional()
    .describe(`e.g. ${example}.`);

/** An order key, "-" in front for descending: the closed set as one pattern (20 enum values would double it). */
const ORDER = new RegExp(`^-?(${ORDER_KEYS.join('|')})$`);

const input = z.strictObject({
  ...periodFields('last_7_days'),
  interval: choice(INTERVALS).optional().describe('Default: by period length.'),
  company_ids: ids('["301"]'),
  retail_point_ids: ids('["1001"]'),
  cashbox_ids: ids('["5001"]'),
  document_types: choices(DOCUMENT_TYPES).optional().describe(`Default: ${RECEIPT_DOCUMENT_TYPES.join(', ')}.`),
  operation_types: choices(OPERATION_TYPES).optional().describe('Default all.'),
  taxation_types: choices(TAXATION_TYPES).optional().describe('Default all.'),
  orders: listOfItems(
    z.preprocess((v) => (typeof v === 'string' ? orderKey(v) : v), z.string().regex(ORDER, `is not accepted; use one of ${ORDER_KEYS.join(', ')}, with "-" in front for descending`)),
  )
    .optional()
    .describe('"-" = descending, e.g. ["-income"]. Default by date.'),
  compare_previous: flag().optional().describe('Default true.'),
  precision: choice(['exact', 'shifts']).optional().describe('"shifts": ~1 request, approximate.'),
  response_format: responseFormatField(`rows past ${CONCISE_ROWS}, payment columns`),
});

/** "-Income" → "-income": the key matched like any closed value, its direction kept. */
function orderKey(raw: string): string {
  const t = raw.trim();
  const key = canonical(ORDER_KEYS, t.replace(/^[-+]/, ''));
  return key === undefined ? raw : `${t.startsWith('-') ? '-' : ''}${key}`;
}

const money = z.string().nullable();
const count = z.number().int().nullable();
const paymentsShape = z.object({ cash: money, electronic: money, prepaid: money, credit: money, provision: money }).meta({ title: 'payments' });
/** Each payment form as a percentage of gross_sales, one decimal. */
const shareShape = paymentsShape;
const totalsShape = z.object({
  gross_sales: money,
  refunds: money,
  net_sales: money,
  receipts: count,
  documents: count,
  average_receipt: money,
  payments: paymentsShape,
  payment_shares_percent: shareShape,
  outcome: money,
  outcome_return: money,
  data_from: z.string().nullable(),
  data_to: z.string().nullable(),
}).meta({ title: 'totals' });
const delta = z.object({ absolute: z.string().nullable(), percent: z.string().nullable() }).meta({ title: 'change' });
const rowShape = z.object({
  start: z.string().nullable(),
  end: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  partial: z.boolean(),
  gross_sales: money,
  refunds: money,
  net_sales: money,
  receipts: count,
  average_receipt: money,
  cash: money,
  electronic: money,
}).meta({ title: 'interval' });
const periodShape = z.object({ name: z.string(), date_from: z.string(), date_to: z.string(), time_zone: z.string() }).meta({ title: 'period' });

const output = z.object({
  source: z.literal('Yandex OFD'),
  /** public: OFD_TOKEN, figures added up from receipts; legacy: the aggregation endpoint. */
  api: z.enum(['public', 'legacy']),
  /** shifts: approximate, from shift totals. */
  precision: z.enum(['exact', 'shifts']),
  /** Requests sent to Yandex OFD for this answer. */
  requests: z.number().int(),
  currency: z.literal('RUB'),
  period: periodShape,
  periods: periodsShape,
  interval: z.enum(INTERVALS),
  filters: z.object({
    company_ids: z.array(z.string()),
    retail_point_ids: z.array(z.string()),
    cashbox_ids: z.array(z.string()),
    document_types: z.array(z.string()),
    operation_types: z.array(z.string()),
    taxation_types: z.array(z.string()),
  }),
  totals: totalsShape,
  absent: z.array(z.string()),
  previous: z
    .object({
      period: periodShape,
      basis: z.string(),
      totals: totalsShape,
      change: z.object({ gross_sales: delta, refunds: delta, net_sales: delta, receipts: delta, average_receipt: delta }),
    })
    .nullable(),
  best_interval: rowShape.nullable(),
  worst_interval: rowShape.nullable(),
  intervals_total: z.number().int(),
  intervals_read: z.number().int(),
  intervals: z.array(rowShape),
  truncated: z.boolean(),
  notes: z.array(z.string()),
});

type Output = z.infer<typeof output>;

// ---- input normalisation (case-insensitive, before any request) ----

function idList(field: string, raw: Array<string | number> | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const out = raw.map((v) => String(v).trim());
  if (out.length === 0 || out.some((v) => v === '')) throw new ToolInputError(field, `give ids as non-empty strings, e.g. ["301"], or leave ${field} out.`);
  return [...new Set(out)];
}

function defaultInterval(days: number): Interval {
  if (days <= 31) return 'day';
  if (days <= 183) return 'week';
  return 'month';
}

/** Calendar intervals the period touches (the OFD lists only those with data). */
function calendarIntervals(from: string, to: string, interval: Interval): number {
  const days = daysInclusive(from, to);
  if (interval === 'day') return days;
  if (interval === 'week') {
    const firstMonday = addDays(from, 1 - isoWeekday(from));
    return Math.floor(daysInclusive(firstMonday, to) / 7) + (daysInclusive(firstMonday, to) % 7 ? 1 : 0);
  }
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm) + 1;
}

const periodOut = (p: Period) => ({ name: p.name, date_from: p.start, date_to: p.end, time_zone: p.tz });
const UNIT: Record<Interval, [string, string]> = { day: ['day', 'days'], week: ['week', 'weeks'], month: ['month', 'months'] };

export default defineTool({
  name: 'get_sales_aggregation',
  title: 'Yandex OFD sales',
  description:
    'Use for "how much did we sell last week / in October, vs before?" via Yandex OFD fiscal data: gross, refunds, net, ' +
    'receipts by day, week or month. Example: {"period":"last_month","interval":"week"}',
  input,
  output,
  annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: true },
  source: 'ofd',
  async run(args, ctx) {
    const { runtime } = ctx;
    // Everything is checked before the first request.
    const period = resolvePeriod(args, runtime.config.tz, runtime.now(), 'last_7_days');
    const interval = args.interval ?? defaultInterval(periodDays(period));
    const detailed = args.response_format === 'detailed';
    const nonEmpty = <T>(list: T[] | undefined) => (list && list.length > 0 ? list : undefined);
    const filters: AggregationFilters = {
      company_ids: idList('company_ids', args.company_ids),
      retail_point_ids: idList('retail_point_ids', args.retail_point_ids),
      cashbox_ids: idList('cashbox_ids', args.cashbox_ids),
      document_types: nonEmpty(args.document_types) ?? [...RECEIPT_DOCUMENT_TYPES],
      operation_types: nonEmpty(args.operation_types),
      taxation_types: nonEmpty(args.taxation_types),
    };
    const userOrders = nonEmpty(args.orders);
    const compare = args.compare_previous ?? true;

    // Without an order from the caller, page newest first: if the cap stops the walk, the rows left out are
    // the oldest ones, and the rows read are shown in date order below.
    const query: AggregationQuery = { ...filters, start: period.start, end: period.end, interval, orders: userOrders ?? ['-date'] };
    const prev = compare ? previousPeriod(period) : undefined;
    const prevQuery = prev ? { ...query, start: prev.start, end: prev.end, orders: ['date'] } : undefined;
    const publicApi = runtime.config.ofd.api === 'public';
    const onPage = (read: number, total: number) => ctx.progress(read, total, `read ${read} of ${total} ${publicApi ? 'days' : 'intervals'}`);
    const client = OfdClient.for(runtime);
    const { result, previous, requests, precision, labels, notes: fetchNotes, filters: asked } = publicApi
      ? await salesFromPublicApi(runtime, query, prevQuery, args.precision, { signal: ctx.signal, onPage })
      : await Promise.all([client.aggregate(query, { signal: ctx.signal, onPage }), prevQuery ? client.totals(prevQuery, { signal: ctx.signal }) : undefined]).then(
          ([result, previous]) => ({ result, previous, requests: result.requests + (previous ? 1 : 0), precision: 'exact' as const, labels: {} as Record<string, string>, notes: [] as string[], filters }),
        );
    // Names given for retail points and cashboxes come back as ids.
    Object.assign(filters, asked);

    const notes: string[] = [...fetchNotes];
    if (!publicApi && args.precision !== undefined) notes.push('precision applies to the new API (OFD_TOKEN) only; the legacy API answered exactly.');
    let fullFigures = result.full;
    if (!fullFigures && !result.capped) {
      fullFigures = figuresFromIntervals(result.intervals);
      notes.push('The answer had no "full" block; totals are the exact sum of the intervals.');
    }
    const cur: Exact = fullFigures ? exactOf(fullFigures) : { payments: { cash: undefined, electronic: undefined, prepaid: undefined, credit: undefined, provision: undefined }, absent: ['full (whole-period totals)'] };
    const prevExact = previous?.full ? exactOf(previous.full) : undefined;

    const span = {
      from: period.start.slice(0, 10),
      to: period.end.slice(0, 10),
      cutStart: !period.start.endsWith('T00:00:00'),
      cutEnd: !period.end.endsWith('T23:59:59'),
    };
    const read = userOrders ? result.intervals : [...result.intervals].sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''));
    const rows = read.map((i) => rowOf(i, span));
    // Only whole intervals are ranked: a week cut to three days by the period is not a bad week.
    const ranked = rows.filter((r) => r.exactGross !== undefined && !r.partial);
    const best = ranked.length >= 2 ? ranked.reduce((a, b) => (b.exactGross!.greaterThan(a.exactGross!) ? b : a)) : undefined;
    const worst = ranked.length >= 2 ? ranked.reduce((a, b) => (b.exactGross!.lessThan(a.exactGross!) ? b : a)) : undefined;
    const strip = (r: (typeof rows)[number] | undefined): IntervalRow | null => {
      if (!r) return null;
      const { exactGross: _drop, ...row } = r;
      return row;
    };
    const allRows = rows.map((r) => strip(r)!);
    // Concise: the most recent rows in date order, or the first rows of the order the caller asked for.
    const shownRows = detailed || allRows.length <= CONCISE_ROWS ? allRows : userOrders ? allRows.slice(0, CONCISE_ROWS) : allRows.slice(-CONCISE_ROWS);

    const [one, many] = UNIT[interval];
    const calendar = calendarIntervals(span.from, span.to, interval);
    const noDocuments = result.total === 0 && result.intervals.length === 0 && !cur.documents;
    const previousEmpty = previous !== undefined && (previous.total === 0 || prevExact?.documents === 0);
    if (result.capped) {
      const n = result.intervals.length;
      const which = userOrders ? `first ${n} of ${result.total} ${many} in the requested order` : `${n} most recent of ${result.total} ${many}`;
      notes.push(
        `Only the ${which} were read (cap ${MAX_INTERVALS} per call); totals cover the whole period, best and worst only the ${many} read. ` +
          `To see the other rows, ${interval === 'month' ? 'use' : `use a coarser interval (${interval === 'day' ? 'week or month' : 'month'}) or`} a shorter period (date_from/date_to).`,
      );
    }
    if (result.total < calendar && !noDocuments) notes.push(`${calendar - result.total} of ${calendar} ${many} in the period had no documents; Yandex OFD does not list them.`);
    if (prev && prevExact?.dataFrom && daysInclusive(prev.start.slice(0, 10), prevExact.dataFrom.slice(0, 10)) > 8) {
      notes.push(`Yandex OFD has data for the previous period only from ${prevExact.dataFrom.slice(0, 10)} (it starts ${prev.start.slice(0, 10)}), so the change overstates growth.`);
    }
    if (cur.partsGap) notes.push(`Gross sales differ from the sum of the payment forms by ${formatRub(cur.partsGap)}; the OFD's own total is used.`);

    const basis = prev ? comparisonBasis(period) : '';
    const structured: Output = {
      source: 'Yandex OFD',
      api: runtime.config.ofd.api,
      precision,
      requests,
      currency: 'RUB',
      period: periodOut(period),
      periods: periodsOut(period, prevExact !== undefined),
      interval,
      filters: {
        company_ids: filters.company_ids ?? [],
        retail_point_ids: filters.retail_point_ids ?? [],
        cashbox_ids: filters.cashbox_ids ?? [],
        document_types: filters.document_types ?? [],
        operation_types: filters.operation_types ?? [],
        taxation_types: filters.taxation_types ?? [],
      },
      totals: totalsOf(cur),
      absent: cur.absent,
      previous: prev && prevExact ? { period: periodOut(prev), basis, totals: totalsOf(prevExact), change: changeOf(cur, prevExact) } : null,
      best_interval: strip(best),
      worst_interval: strip(worst),
      intervals_total: result.total,
      intervals_read: result.intervals.length,
      intervals: shownRows,
      truncated: shownRows.length < result.total,
      notes,
    };

    // ---- Markdown, headline first ----
    const lines: string[] = [];
    const approx = precision === 'shifts' ? ' — APPROXIMATE, from shift totals' : '';
    lines.push(`**Yandex OFD sales, ${comparisonText(period, compare ? undefined : 'not compared: compare_previous false')}** (by ${one}, ${period.tz}${approx})`);
    const label = (ids: string[] | undefined) => ids?.map((id) => labels[id] ?? id);
    const filterText = filtersLine({ ...filters, retail_point_ids: label(filters.retail_point_ids), cashbox_ids: label(filters.cashbox_ids) }, RECEIPT_DOCUMENT_TYPES);
    if (noDocuments) {
      const before = prev && previousEmpty ? `, nor in the previous period (${formatPeriod(prev)})` : '';
      lines.push(`**No fiscal documents in this period${filterText ? ' for these filters' : ''}${before}.** Check the period and filters, or that the cash registers report to Yandex OFD.`);
    }
    if (filterText) lines.push(filterText);
    const quiet = noDocuments && (!prev || previousEmpty);
    if (!noDocuments) {
      lines.push(`Gross sales ${fmt(cur.gross)} · refunds ${fmt(cur.refunds)} · **net ${fmt(cur.net)}**`);
      lines.push(`Receipts ${cur.receipts ?? 'absent'} · average receipt ${cur.average ? formatRub(cur.average) : cur.receipts === 0 ? 'n/a (no receipts)' : 'absent'}`);
    }
    if (quiet) {
      // Nothing on either side: a comparison of zeros with zeros would only be noise.
    } else if (structured.previous && prev) {
      const c = structured.previous.change;
      lines.push(
        `vs ${formatPeriod(prev)} (${basis}): net ${fmtDelta(c.net_sales)}, gross ${fmtDelta(c.gross_sales)}, receipts ${fmtCountDelta(c.receipts)}, average receipt ${fmtDelta(c.average_receipt)} (previous net ${fmt(prevExact?.net)})`,
      );
    } else if (compare) lines.push('Previous period: Yandex OFD returned no totals for it.');
    if (!noDocuments) {
      lines.push(`Payments: ${paymentLine(cur)}`);
      const extra: string[] = [];
      if (cur.outcome === undefined || !cur.outcome.isZero()) extra.push(`outcome ${fmt(cur.outcome)}`);
      if (cur.outcomeReturn === undefined || !cur.outcomeReturn.isZero()) extra.push(`outcome returns ${fmt(cur.outcomeReturn)}`);
      if (extra.length) lines.push(`Also: ${extra.join(' · ')}`);
    }
    if (best && worst && best !== worst) {
      const scope = [rows.some((r) => r.partial) ? `full ${many} only` : '', result.capped ? `of the ${result.intervals.length} read` : ''].filter(Boolean).join(', ');
      lines.push(`Best ${one}${scope ? ` (${scope})` : ''}: ${labelOf(best, interval)} — ${fmt(best.exactGross)} gross; worst: ${labelOf(worst, interval)} — ${fmt(worst.exactGross)}.`);
    }
    if (cur.absent.length && !noDocuments) lines.push(`Not reported by Yandex OFD (absent, not zero): ${cur.absent.join(', ')}.`);
    for (const n of notes) lines.push(`_${n}_`);
    const how = precision === 'shifts' ? 'approximate, from shift totals' : 'figures added up from receipts';
    lines.push(`_Answered by the ${publicApi ? `Yandex OFD public API (OFD_TOKEN; ${how})` : 'legacy Yandex OFD API (aggregation endpoint)'} in ${requests} ${requests === 1 ? 'request' : 'requests'}._`);
    if (shownRows.length) {
      lines.push('', tableOf(shownRows, interval, detailed));
      if (shownRows.length < result.intervals.length) {
        const which = userOrders ? `first ${shownRows.length} in the requested order` : `${shownRows.length} most recent`;
        // When capped, "detailed" would still not show every row: say how to narrow instead.
        const more = result.capped ? `pass response_format "detailed" for all ${result.intervals.length} read, or narrow the period for the rest` : 'pass response_format "detailed" for every row';
        lines.push(`_Showing the ${which} of ${result.intervals.length} ${many}; ${more}._`);
      }
    }
    if (Object.keys(labels).length > 0) lines.push(UNTRUSTED_NOTE);
    return { text: lines.join('\n'), structured };
  },
});
