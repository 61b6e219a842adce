import { setMaxListeners } from 'node:events';
import { z } from 'zod';
import { SOURCE_LABEL, type SourceName } from '../src/config.js';
import { errorText } from '../src/errors.js';
import { UpstreamError } from '../src/http/errors.js';
import { Decimal, formatPercent, formatRub, formatRubDelta, percentChange, toDecimalString, ZERO } from '../src/money.js';
import { addDays, formatPeriod, periodDays, previousPeriod, resolvePeriod, toInstant, type Period } from '../src/period.js';
import type { Runtime } from '../src/runtime.js';
import { LifeposClient, type Org } from '../src/sources/lifepos/client.js';
import { PeriodsShapeError, type DayRevenue } from '../src/sources/lifepos/revenue-periods.js';
import { windowOf } from '../src/sources/lifepos/widget-query.js';
import { ReportCache, type CachedReport } from '../src/sources/market/report-cache.js';
import { OfdClient, type AggregationQuery } from '../src/sources/ofd/client.js';
import { RECEIPT_DOCUMENT_TYPES } from '../src/sources/ofd/schemas.js';
import { exactOf, figuresFromIntervals } from '../src/sources/ofd/summary.js';
import { salesFromPublicApi } from '../src/sources/ofd-public/sales.js';
import { newTally } from '../src/sources/posiflora/auth.js';
import { PosifloraClient } from '../src/sources/posiflora/client.js';
import { periodBuckets, runPlan, runRows, type OrderQuery, type RunOptions } from '../src/sources/posiflora/orders.js';
import { ORDER_STATUSES, type OrderStatus } from '../src/sources/posiflora/schemas.js';
import { defineTool, ToolInputError, type ToolContext } from '../src/tool.js';
import { choices, periodFields, responseFormatField } from './inputs.js';

/**
 * revenue_overview: every configured source at once, side by side and never added together (a POS sale is
 * also a fiscal receipt, and may be a Posiflora order). Instead of a sum, a reconciliation: LIFE POS net
 * vs Yandex OFD net per day, days where fiscal falls short flagged as possibly unfiscalized; Posiflora's
 * paid orders vs LIFE POS payments likewise. Every source runs in parallel under one deadline; a source
 * that fails or is too slow becomes its one-line error and the rest still answer. Yandex Market is read
 * only from reports already in memory (await_market_report): a generation is scarce and slow.
 * structuredContent follows app/overview-shape.ts, so the dashboard draws it.
 */

const SOURCES = ['lifepos', 'ofd', 'posiflora', 'market'] as const satisfies readonly SourceName[];
/** Per-day figures are fetched for periods up to this long; longer ones get totals only. */
const MAX_RECONCILE_DAYS = 92;
/** One widget call per day only this many times (the fallback when reports/revenue/periods does not answer). */
const MAX_WIDGET_DAYS = 31;
/** Reconciliation days (the most recent) in a concise answer's structuredContent, besides flagged ones. */
const CONCISE_DAYS = 14;
/** Periods up to this many days get the per-day tables in full; longer ones list this many flagged days. */
const CONCISE_TEXT_DAYS = 7;

const input = z.strictObject({
  ...periodFields('yesterday'),
  sources: choices(SOURCES).optional().describe('Default: every configured.'),
  response_format: responseFormatField('every day in the text'),
});

const money = z.string().nullable();
const periodShape = z.object({ name: z.string(), date_from: z.string(), date_to: z.string(), time_zone: z.string() }).meta({ title: 'period' });
const sourceShape = z.discriminatedUnion('ok', [
  z.object({
    source: z.string(),
    ok: z.literal(true),
    gross: money,
    refunds: money,
    net: money,
    count: z.number().int().nullable(),
    count_label: z.string(),
    change: z.object({ net_absolute: money, net_percent: money }).nullable(),
    note: z.string().optional(),
  }),
  z.object({ source: z.string(), ok: z.literal(false), error: z.string() }),
]);
const comparison = z
  .object({
    compared: z.string(),
    method: z.string(),
    threshold: z.string(),
    flagged_days: z.number().int(),
    days_total: z.number().int(),
    days: z.array(z.object({ date: z.string(), pos_net: money, fiscal_net: money, difference: money, flagged: z.boolean() })),
  })
  .meta({ title: 'reconciliation' });

const output = z.object({
  kind: z.literal('revenue_overview'),
  currency: z.literal('RUB'),
  period: periodShape,
  previous_period: periodShape,
  sources: z.array(sourceShape),
  /** LIFE POS net vs Yandex OFD net per day; the days carry POS/fiscal under the dashboard's names. */
  reconciliation: comparison.optional(),
  /** Posiflora paid orders (as pos_net's counterpart: pos_net = LIFE POS payments, fiscal_net = Posiflora paid). */
  orders_vs_payments: comparison.optional(),
  notes: z.array(z.string()),
});
type Output = z.infer<typeof output>;
type Row = Output['sources'][number];
type Comparison = z.infer<typeof comparison>;

// ---- what each source brings ----

interface Fetched {
  row: Extract<Row, { ok: true }>;
  /** Local day → figures, when the source gave per-day figures for the period. */
  days?: Map<string, DayRevenue>;
  /** How the per-day figures were obtained. */
  method?: string;
  notes?: string[];
}

const str = (d: Decimal | undefined) => (d === undefined ? null : toDecimalString(d));

function changeOf(cur: Decimal | undefined, prev: Decimal | undefined): Fetched['row']['change'] {
  if (cur === undefined || prev === undefined) return null;
  const p = percentChange(cur, prev);
  return { net_absolute: str(cur.minus(prev)), net_percent: p === undefined ? null : toDecimalString(p, 1) };
}

function row(source: SourceName, f: { gross?: Decimal; refunds?: Decimal; net?: Decimal; prevNet?: Decimal; count?: number; label: string; note?: string }): Fetched['row'] {
  return {
    source: SOURCE_LABEL[source],
    ok: true,
    gross: str(f.gross),
    refunds: str(f.refunds),
    net: str(f.net),
    count: f.count ?? null,
    count_label: f.label,
    change: changeOf(f.net, f.prevNet),
    ...(f.note ? { note: f.note } : {}),
  };
}

/** The period's bounds as instants, the end second inclusive to its last millisecond. */

/** The local days of a period, each clipped to it. */
function daysOf(p: Period): Period[] {
  const out: Period[] = [];
  for (let day = p.start.slice(0, 10); day <= p.end.slice(0, 10); day = addDays(day, 1)) {
    const start = `${day}T00:00:00` < p.start ? p.start : `${day}T00:00:00`;
    const end = `${day}T23:59:59` > p.end ? p.end : `${day}T23:59:59`;
    out.push({ name: 'custom', start, end, tz: p.tz });
  }
  return out;
}

async function lifepos(runtime: Runtime, cur: Period, prev: Period, perDay: boolean, signal: AbortSignal): Promise<Fetched> {
  const client = LifeposClient.for(runtime);
  const org = await client.resolveOrg(undefined, signal);
  const [w, daily] = await Promise.all([client.revenueWidget(org, windowOf(cur), windowOf(prev), undefined, signal), perDay ? lifeposDays(client, org, cur, signal) : undefined]);
  const notes = daily?.notes ?? [];
  const echoed = w.current.period;
  if (echoed.from && echoed.to && (Math.abs(echoed.from.getTime() - windowOf(cur).from.getTime()) > 1000 || Math.abs(echoed.to.getTime() - windowOf(cur).to.getTime()) > 1000)) {
    notes.push('LIFE POS reported its widget for another period than the one asked (see get_revenue_widget): its totals may not match the days.');
  }
  return {
    row: row('lifepos', { gross: w.current.payments.sum, refunds: w.current.refunds.sum, net: w.current.total.sum, prevNet: w.previous.total.sum, count: w.current.payments.count, label: 'sales' }),
    days: daily?.days,
    method: daily?.method,
    notes,
  };
}

/** Per-day POS figures: reports/revenue/periods (Day) when it answers in the expected shape, else one widget call per day. */
async function lifeposDays(client: LifeposClient, org: Org, cur: Period, signal: AbortSignal): Promise<{ days?: Map<string, DayRevenue>; method?: string; notes: string[] }> {
  let why: string;
  try {
    const { days, requests } = await client.revenueByDay(org, windowOf(cur), cur.tz, signal);
    return { days, method: `LIFE POS reports/revenue/periods (Day), ${requests} ${requests === 1 ? 'request' : 'requests'}`, notes: [] };
  } catch (err) {
    if (signal.aborted || (err instanceof UpstreamError && ['aborted', 'deadline'].includes(err.code))) throw err;
    if (!(err instanceof PeriodsShapeError || err instanceof UpstreamError)) throw err;
    why = err instanceof PeriodsShapeError ? `its answer did not read as one row per day (${err.message})` : `it failed: ${oneLine(err.message)}`;
  }
  const days = daysOf(cur);
  if (days.length > MAX_WIDGET_DAYS) {
    return { notes: [`No per-day POS figures: reports/revenue/periods (Day) did not answer usably (${why}), and one widget call per day is done for at most ${MAX_WIDGET_DAYS} days.`] };
  }
  // The limiter of the LIFE POS source paces these.
  const answers = await Promise.all(days.map((d) => client.revenueWidget(org, windowOf(d), windowOf(previousPeriod(d)), undefined, signal)));
  const map = new Map<string, DayRevenue>();
  answers.forEach((w, i) => map.set(days[i]!.start.slice(0, 10), { payments: w.current.payments.sum, refunds: w.current.refunds.sum, net: w.current.total.sum }));
  return { days: map, method: `one LIFE POS widget call per day (${days.length} requests; reports/revenue/periods: ${why})`, notes: [] };
}

async function ofd(runtime: Runtime, cur: Period, prev: Period, signal: AbortSignal): Promise<Fetched> {
  const query: AggregationQuery = { start: cur.start, end: cur.end, interval: 'day', document_types: [...RECEIPT_DOCUMENT_TYPES], orders: ['date'] };
  const prevQuery: AggregationQuery = { ...query, start: prev.start, end: prev.end };
  const publicApi = runtime.config.ofd.api === 'public';
  let fetched;
  try {
    fetched = publicApi
      ? await salesFromPublicApi(runtime, query, prevQuery, undefined, { signal })
      : await Promise.all([OfdClient.for(runtime).aggregate(query, { signal }), OfdClient.for(runtime).totals(prevQuery, { signal })]).then(([result, previous]) => ({
          result,
          previous,
          requests: result.requests + 1,
        }));
  } catch (err) {
    if (err instanceof ToolInputError && err.field === 'precision') {
      throw new Unavailable(`too many requests for an overview — ${err.message.replace(/Pass precision/, 'Ask get_sales_aggregation with precision')}`);
    }
    throw err;
  }
  const { result, previous, requests } = fetched;
  const full = result.full ?? (result.capped ? undefined : figuresFromIntervals(result.intervals));
  const now = full ? exactOf(full) : undefined;
  const before = previous?.full ? exactOf(previous.full) : undefined;
  // Days the OFD does not list had no documents; that holds only when every interval was read.
  const days = result.capped ? undefined : new Map<string, DayRevenue>();
  for (const i of days ? result.intervals : []) {
    const e = exactOf(i);
    if (i.start) days!.set(i.start.slice(0, 10), { payments: e.gross, refunds: e.refunds, net: e.net });
  }
  const api = publicApi ? 'token API' : 'legacy API';
  return {
    row: row('ofd', { gross: now?.gross, refunds: now?.refunds, net: now?.net, prevNet: before?.net, count: now?.receipts, label: 'receipts', note: `${api}, ${requests} ${requests === 1 ? 'request' : 'requests'}` }),
    days,
  };
}

/** Orders that count: all but canceled and not accepted; returned orders count and are the refunds. */
const COUNTED: OrderStatus[] = ORDER_STATUSES.filter((s) => s !== 'canceled' && s !== 'notAccepted');

async function posiflora(runtime: Runtime, cur: Period, prev: Period, perDay: boolean, signal: AbortSignal): Promise<Fetched> {
  const client = PosifloraClient.for(runtime);
  const tally = newTally();
  const cfg = runtime.config.posiflora.limit;
  const instant = (local: string) => toInstant(local, cur.tz).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  const options = (p: Period, statuses: OrderStatus[], buckets = false): RunOptions => {
    const query: OrderQuery = { dateField: 'created', from: instant(p.start), to: instant(p.end), tz: p.tz, statuses };
    return {
      client,
      query,
      groupBy: buckets ? ['day'] : [],
      buckets: buckets ? periodBuckets(p.start, p.end, p.tz, 'day') : undefined,
      limit: 0,
      offset: 0,
      sort: 'recent',
      aggregate: true,
      tally,
      signal,
      concurrency: cfg.maxConcurrent ?? 3,
      rps: ((cfg.count ?? 5) * 1000) / (cfg.intervalMs ?? 1000),
    };
  };
  const [now, returned, before, returnedBefore] = await Promise.all([
    perDay ? runPlan(options(cur, COUNTED, true)) : runRows(options(cur, COUNTED)),
    runRows(options(cur, ['returned'])),
    runRows(options(prev, COUNTED)),
    runRows(options(prev, ['returned'])),
  ]);
  const known = (s: { amountsKnown: boolean; total: Decimal }) => (s.amountsKnown ? s.total : undefined);
  const gross = known(now.overall);
  const refunds = known(returned.overall);
  const net = gross && refunds ? gross.minus(refunds) : undefined;
  const prevNet = known(before.overall) && known(returnedBefore.overall) ? before.overall.total.minus(returnedBefore.overall.total) : undefined;
  let days: Map<string, DayRevenue> | undefined;
  if (now.byDay) {
    days = new Map();
    for (const [day, s] of now.byDay.sums) days.set(day, { payments: s.amountsKnown ? s.paid : undefined, refunds: undefined, net: undefined });
  }
  return {
    row: row('posiflora', { gross, refunds, net, prevNet, count: now.overall.orders, label: 'orders', note: `orders created in the period, canceled and not accepted left out; refunds = returned orders; ${tally.requests} requests` }),
    days,
  };
}

/** A report's whole days (Market takes dates). */
const datesOf = (p: Period) => ({ from: p.start.slice(0, 10), to: p.end.slice(0, 10) });

/** The most recent cached united-orders report whose dates cover `p`. */
function marketReport(cache: ReportCache, p: Period): CachedReport | undefined {
  const from = p.start.slice(0, 10);
  const to = p.end.slice(0, 10);
  return cache
    .list()
    .filter((r) => r.summary.orders && r.period && datesOf(r.period).from <= from && datesOf(r.period).to >= to)
    .sort((a, b) => b.storedAt - a.storedAt)[0];
}

function market(runtime: Runtime, cur: Period, prev: Period): Fetched {
  const cache = runtime.shared('market:report-cache', () => new ReportCache());
  const report = marketReport(cache, cur);
  const from = cur.start.slice(0, 10);
  const to = cur.end.slice(0, 10);
  if (!report) {
    throw new Unavailable(
      `no Yandex Market orders report covering ${from} – ${to} is cached (the overview never starts a generation). Get one with await_market_report {"report":{"type":"united-orders","date_from":"${from}","date_to":"${to}"}}, then ask again.`,
    );
  }
  const orders = report.summary.orders!;
  const earlier = marketReport(cache, prev)?.summary.orders;
  const dates = datesOf(report.period!);
  const wider = dates.from !== from || dates.to !== to;
  return {
    row: row('market', {
      net: orders.revenue.amount,
      prevNet: earlier?.revenue.amount,
      count: orders.revenue.orders,
      label: 'orders',
      note: `report ${report.reportId} for ${dates.from} – ${dates.to}${wider ? ' (wider than the period: figures are the whole report)' : ''}; revenue leaves out cancelled and returned orders`,
    }),
  };
}

// ---- running them under one deadline ----

class Cutoff extends Error {
  override name = 'Cutoff';
}

/** A source that cannot answer this question, in words already meant for the reader. */
class Unavailable extends Error {
  override name = 'Unavailable';
}

function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The source's answer, or its error as one line; never later than `signal` fires. */
async function settle(source: SourceName, signal: AbortSignal, work: () => Promise<Fetched>, deadlineSeconds: number): Promise<Fetched | Extract<Row, { ok: false }>> {
  const failed = (error: string) => ({ source: SOURCE_LABEL[source], ok: false as const, error: oneLine(error) });
  const cutoff = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  try {
    return await Promise.race([work(), cutoff]);
  } catch (err) {
    if (signal.reason instanceof Cutoff) {
      return failed(`${SOURCE_LABEL[source]} did not answer within the overview's ${deadlineSeconds} s deadline (REVENUE_OVERVIEW_DEADLINE_SECONDS); its requests were cancelled. Ask its own tool, which may take longer.`);
    }
    return failed(err instanceof Unavailable ? err.message : errorText(err, 'revenue_overview'));
  }
}

// ---- reconciliation ----

interface Threshold {
  percent: Decimal;
  roubles: Decimal;
  words: string;
}

/**
 * Day by day, `pos` against `other` (difference = other − pos). A day is flagged when the side expected to
 * be at least as large falls short of the other by more than the threshold, in roubles and in percent of
 * the larger side: fiscal below POS (`other` short), or POS payments below paid orders (`pos` short).
 */
function compare(cur: Period, pos: Map<string, DayRevenue>, other: Map<string, DayRevenue>, key: keyof DayRevenue, short: 'other' | 'pos', t: Threshold): Comparison['days'] {
  return daysOf(cur).map((d) => {
    const date = d.start.slice(0, 10);
    // A day a source does not list had nothing there: no operations, no documents, no orders.
    const a = pos.has(date) ? pos.get(date)![key] : ZERO;
    const b = other.has(date) ? other.get(date)![key] : ZERO;
    const difference = a !== undefined && b !== undefined ? b.minus(a) : undefined;
    const [gap, base] = short === 'other' ? [difference?.neg(), a] : [difference, b];
    const flagged = gap !== undefined && base !== undefined && gap.gt(t.roubles) && gap.gt(base.times(t.percent).div(100));
    return { date, pos_net: str(a), fiscal_net: str(b), difference: str(difference), flagged };
  });
}

/**
 * A comparison with the days a concise answer keeps: the most recent flagged ones, and unless `flaggedOnly`
 * the `keep` most recent days too; the counts always cover the whole period.
 */
function comparisonOf(compared: string, method: string, threshold: string, days: Comparison['days'], concise: { keep: number; flaggedOnly: boolean } | undefined): Comparison {
  const flagged = days.filter((d) => d.flagged);
  const recent = flagged.slice(-CONCISE_TEXT_DAYS);
  const shown = !concise || days.length <= CONCISE_TEXT_DAYS ? days : concise.flaggedOnly ? recent : days.filter((d) => recent.includes(d) || days.indexOf(d) >= days.length - concise.keep);
  return { compared, method, threshold, flagged_days: flagged.length, days_total: days.length, days: shown };
}

const rub = (s: string | null) => (s === null ? '—' : formatRub(new Decimal(s)));
const rubDelta = (s: string | null) => (s === null ? '—' : formatRubDelta(new Decimal(s)));

function comparisonText(c: Comparison, names: [string, string], detailed: boolean): string[] {
  const lines = [`**${c.compared}** (${c.method}):`];
  const flagged = c.days.filter((d) => d.flagged);
  const table = detailed || c.days_total <= CONCISE_TEXT_DAYS ? c.days : [];
  if (table.length) {
    lines.push(`| day | ${names[0]} | ${names[1]} | difference |`, '|---|---|---|---|');
    for (const d of table) lines.push(`| ${d.date}${d.flagged ? ' ⚠' : ''} | ${rub(d.pos_net)} | ${rub(d.fiscal_net)} | ${rubDelta(d.difference)} |`);
  }
  const listed = detailed ? flagged : flagged.slice(-CONCISE_TEXT_DAYS);
  const more = c.flagged_days - listed.length;
  lines.push(
    c.flagged_days
      ? `⚠ ${c.flagged_days} of ${c.days_total} days flagged (${c.threshold}): ${listed.map((d) => `${d.date} ${rubDelta(d.difference)}`).join(', ')}${more > 0 ? `, and ${more} earlier` : ''}.`
      : `No day of ${c.days_total} beyond the threshold (${c.threshold}).`,
  );
  if (c.days.length < c.days_total || table.length < c.days_total) lines.push(`_Every day: response_format "detailed"${c.days.length === c.days_total ? ' or structuredContent' : ''}._`);
  return lines;
}

// ---- the tool ----

const periodOut = (p: Period) => ({ name: p.name, date_from: p.start, date_to: p.end, time_zone: p.tz });

export default defineTool({
  name: 'revenue_overview',
  title: 'Revenue overview, every source',
  description:
    'Use for "how did yesterday / last week go?" across every source: LIFE POS, Yandex OFD, Posiflora, a cached Market report ' +
    'side by side (never summed) vs before; per-day POS vs fiscal, possibly unfiscalized days flagged. ' +
    'Example: {"period":"last_week"}',
  input,
  output,
  annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: true },
  async run(args, ctx: ToolContext) {
    const { runtime } = ctx;
    const cur = resolvePeriod(args, runtime.config.tz, runtime.now(), 'yesterday');
    const prev = previousPeriod(cur);
    const detailed = args.response_format === 'detailed';
    const configured = SOURCES.filter((s) => !runtime.missing(s));
    const asked = args.sources?.length ? args.sources : configured;
    if (asked.length === 0) {
      throw new ToolInputError('sources', `no source is configured. Set the variables of at least one source (${SOURCES.map((s) => runtime.config[s].missing.join(' + ')).join('; ')}; see the README, "Configuration"), or start with --demo.`);
    }
    const { reconcile, deadlineMs } = runtime.config.overview;
    const percent = new Decimal(reconcile.percent);
    const roubles = new Decimal(reconcile.roubles);
    const threshold: Threshold = { percent, roubles, words: `${formatPercent(percent).replace('+', '')} and ${formatRub(roubles)}` };
    const perDay = periodDays(cur) <= MAX_RECONCILE_DAYS;
    const want = (s: SourceName) => asked.includes(s as (typeof SOURCES)[number]);
    const posDays = perDay && want('lifepos') && (want('ofd') || want('posiflora'));

    const cut = new AbortController();
    const timer = setTimeout(() => cut.abort(new Cutoff()), deadlineMs);
    const signal = AbortSignal.any([ctx.signal, cut.signal]);
    // Every request of every source listens to this one signal.
    setMaxListeners(0, signal);
    const seconds = Math.round(deadlineMs / 100) / 10;
    const work: Record<SourceName, () => Promise<Fetched>> = {
      lifepos: () => lifepos(runtime, cur, prev, posDays, signal),
      ofd: () => ofd(runtime, cur, prev, signal),
      posiflora: () => posiflora(runtime, cur, prev, perDay && want('lifepos'), signal),
      market: async () => market(runtime, cur, prev),
    };
    let results;
    try {
      results = await Promise.all(
        asked.map((s) => {
          const missing = runtime.missing(s);
          return missing ? Promise.resolve({ source: SOURCE_LABEL[s], ok: false as const, error: oneLine(missing) }) : settle(s, signal, work[s], seconds);
        }),
      );
    } finally {
      clearTimeout(timer);
      // Whatever a source still has in flight after the answer is cut off (its requests abort).
      cut.abort(new Cutoff());
    }
    const bySource = new Map(asked.map((s, i) => [s, results[i]!]));
    const fetched = (s: SourceName) => {
      const r = bySource.get(s);
      return r && 'row' in r ? r : undefined;
    };
    const notes = results.flatMap((r) => ('notes' in r ? (r.notes ?? []) : []));
    const left = SOURCES.filter((s) => !asked.includes(s) && !configured.includes(s));
    if (left.length && !args.sources) notes.push(`Not configured: ${left.map((s) => SOURCE_LABEL[s]).join(', ')}.`);
    if (!perDay) notes.push(`No per-day reconciliation over ${periodDays(cur)} days (at most ${MAX_RECONCILE_DAYS}); ask a shorter period.`);

    const pos = fetched('lifepos');
    const fiscal = fetched('ofd');
    const florist = fetched('posiflora');
    let reconciliation: Comparison | undefined;
    if (pos?.days && fiscal?.days) {
      const days = compare(cur, pos.days, fiscal.days, 'net', 'other', threshold);
      reconciliation = comparisonOf('LIFE POS net vs Yandex OFD net', pos.method ?? '', `fiscal below POS by more than ${threshold.words}`, days, detailed ? undefined : { keep: CONCISE_DAYS, flaggedOnly: false });
    } else if (pos && fiscal && perDay) notes.push('No reconciliation: one of LIFE POS and Yandex OFD gave no per-day figures (see the notes above).');
    let ordersVsPayments: Comparison | undefined;
    if (pos?.days && florist?.days) {
      const days = compare(cur, pos.days, florist.days, 'payments', 'pos', threshold);
      const words = `POS payments below Posiflora's paid orders by more than ${threshold.words}: paid orders the POS took no money for`;
      ordersVsPayments = comparisonOf('LIFE POS payments vs Posiflora paid orders', `${pos.method}; Posiflora by order creation day`, words, days, detailed ? undefined : { keep: CONCISE_TEXT_DAYS, flaggedOnly: true });
    }

    const structured: Output = {
      kind: 'revenue_overview',
      currency: 'RUB',
      period: periodOut(cur),
      previous_period: periodOut(prev),
      sources: results.map((r) => ('row' in r ? r.row : r)),
      ...(reconciliation ? { reconciliation } : {}),
      ...(ordersVsPayments ? { orders_vs_payments: ordersVsPayments } : {}),
      notes,
    };

    const lines = [`**Revenue overview, ${formatPeriod(cur)} vs ${formatPeriod(prev)}** (${cur.tz}; sources side by side, never added together: one sale may be in several)`];
    lines.push('| source | gross | refunds | net | count | net vs before |', '|---|---|---|---|---|---|');
    for (const r of structured.sources) {
      if (!r.ok) {
        lines.push(`| ${r.source} | ✗ ${r.error} | | | | |`);
        continue;
      }
      const change = r.change ? `${r.change.net_percent === null ? 'n/a' : formatPercent(new Decimal(r.change.net_percent))} (${rubDelta(r.change.net_absolute)})` : '—';
      lines.push(`| ${r.source} | ${rub(r.gross)} | ${rub(r.refunds)} | **${rub(r.net)}** | ${r.count ?? '—'} ${r.count_label} | ${change} |`);
    }
    const sourceNotes = structured.sources.flatMap((r) => (r.ok && r.note ? [`${r.source}: ${r.note}`] : []));
    if (sourceNotes.length) lines.push(`_${sourceNotes.join('. ')}._`);
    if (reconciliation) lines.push('', ...comparisonText(reconciliation, ['POS net', 'fiscal net'], detailed));
    if (ordersVsPayments) lines.push('', ...comparisonText(ordersVsPayments, ['POS payments', 'Posiflora paid'], detailed));
    for (const n of notes) lines.push(`_${n}_`);
    return { text: lines.join('\n'), structured };
  },
});
