import { z } from 'zod';
import { UNTRUSTED_NOTE } from '../src/untrusted.js';
import { formatPercent, formatRub, formatRubDelta, percentChange, toDecimalString, type Decimal } from '../src/money.js';
import { formatPeriod, periodsOut, periodsShape, periodText, previousPeriod, resolvePeriod, toLocal, type Period } from '../src/period.js';
import { defineTool } from '../src/tool.js';
import { LifeposClient, orgLabel } from '../src/sources/lifepos/client.js';
import { guidField } from '../src/sources/lifepos/input.js';
import { periodFields, responseFormatField } from './inputs.js';
import { growthScale, type GrowthScale, type RevenueGroup, type RevenueSummary, type RevenueWidget } from '../src/sources/lifepos/widget.js';
import { exactMoney, finerThanKopeck, subKopeckNote } from '../src/sources/lifepos/units.js';
import { WIDGET_PARAMS, windowOf, type Window } from '../src/sources/lifepos/widget-query.js';

/**
 * get_revenue_widget: LIFE POS's own revenue widget — payments, refunds and net revenue for a period and
 * the period before, with receipts, average and median receipt, shares and the growth rate. Figures are
 * LIFE POS's; the growth rate is shown as given (its scale detected) and recomputed from the net sums.
 * Whether LIFE POS honoured the requested period shows in the period it echoes; when it did not (or
 * echoed none), the answer says so first and labels the figures with what LIFE POS reported.
 */

const EXAMPLE_GUID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

const input = z.strictObject({
  ...periodFields('today'),
  org_guid: z.string().optional().describe('Default LIFEPOS_ORG_GUID.'),
  outlet_guid: z.string().optional().describe('Default all outlets.'),
  response_format: responseFormatField('refund/net averages, shares'),
});

/** Roubles as a decimal string, every digit LIFE POS sent; null when it reported none (absent, not zero). */
const money = z.string().nullable();
/** Percent with 2 decimals, e.g. "12.50"; null when not reported. */
const percent = z.string().nullable();
const group = z.object({
  count: z.number().nullable(),
  sum: money,
  average: money,
  median: money,
  share_by_sum: percent,
  share_by_count: percent,
}).meta({ title: 'figures' });
const PERIOD_STATUSES = ['confirmed', 'other', 'not_echoed'] as const;
type PeriodStatus = (typeof PERIOD_STATUSES)[number];
const summary = z.object({
  reported_from: z.string().nullable(),
  reported_to: z.string().nullable(),
  period_status: z.enum(PERIOD_STATUSES),
  payments: group,
  refunds: group,
  total: group,
}).meta({ title: 'summary' });

const output = z.object({
  org_guid: z.string(),
  org_name: z.string().nullable(),
  outlet_guid: z.string().nullable(),
  currency: z.string(),
  money_unit: z.enum(['minor', 'major']),
  tz: z.string(),
  periods: periodsShape,
  period_confirmed: z.boolean(),
  current: summary,
  previous: summary,
  growth: z.object({
    api_percentage: z.string().nullable(),
    api_scale: z.enum(['percent', 'fraction', 'unknown']),
    api_percent: percent,
    api_is_calculated: z.boolean().nullable(),
    recomputed_percent: percent,
    net_change: money,
  }),
  verdict: z.string(),
  notes: z.array(z.string()),
});

type Out = z.infer<typeof output>;

const dec = exactMoney;
const pct = (d: Decimal | undefined) => (d === undefined ? null : toDecimalString(d, 2));

function groupOut(g: RevenueGroup): z.infer<typeof group> {
  return { count: g.count ?? null, sum: dec(g.sum), average: dec(g.average), median: dec(g.median), share_by_sum: pct(g.shareBySum), share_by_count: pct(g.shareByCount) };
}

/** Reported bounds match the request within a second (APIs trim or round fractions); no echo is not a match. */
function periodStatus(reported: RevenueSummary['period'], sent: Window): PeriodStatus {
  if (!reported.from || !reported.to) return 'not_echoed';
  const same = Math.abs(reported.from.getTime() - sent.from.getTime()) <= 1000 && Math.abs(reported.to.getTime() - sent.to.getTime()) <= 1000;
  return same ? 'confirmed' : 'other';
}

/** How to name one side of the comparison: the period the figures are really for, as far as is known. */
function periodLabel(status: PeriodStatus, requested: Period, reported: RevenueSummary['period'], tz: string): string {
  if (status === 'confirmed') return periodText(requested);
  if (status === 'other') return `${reportedText(reported, tz)} as reported by LIFE POS`;
  return `${formatPeriod(requested)} requested, period not echoed by LIFE POS`;
}

function reportedText(reported: RevenueSummary['period'], tz: string): string {
  if (!reported.from || !reported.to) return 'not stated';
  const l = (d: Date) => toLocal(d, tz).slice(0, 16).replace('T', ' ');
  return `${l(reported.from)} – ${l(reported.to)}`;
}

const rub = (d: Decimal | undefined) => (d === undefined ? '—' : formatRub(d));
/** An average or median over no operations means nothing, whatever number the API put there. */
const stat = (g: RevenueGroup, d: Decimal | undefined) => (g.count === 0 ? '—' : rub(d));
const statChange = (c: RevenueGroup, p: RevenueGroup, pick: (g: RevenueGroup) => Decimal | undefined) =>
  c.count === 0 || p.count === 0 ? '—' : change(pick(c), pick(p));

function sumCount(g: RevenueGroup): string {
  return `${rub(g.sum)} · ${g.count === undefined ? '?' : g.count}`;
}

function change(cur: Decimal | undefined, prev: Decimal | undefined): string {
  if (cur === undefined || prev === undefined) return '—';
  return formatPercent(percentChange(cur, prev));
}

function verdictOf(cur: Decimal | undefined, prev: Decimal | undefined, periods?: string): string {
  const base = plainVerdict(cur, prev);
  return periods ? `${base.replace(/\.$/, '')} — ${periods}.` : base;
}

function plainVerdict(cur: Decimal | undefined, prev: Decimal | undefined): string {
  if (cur === undefined) return 'LIFE POS reported no net revenue for the period.';
  if (prev === undefined) return `Net revenue ${formatRub(cur)}; LIFE POS reported no figure for the previous period.`;
  const delta = cur.minus(prev);
  const p = percentChange(cur, prev);
  if (p === undefined) return `Net revenue ${formatRub(cur)}, against none in the previous period (${formatRubDelta(delta)}).`;
  const word = delta.isZero() ? 'unchanged' : delta.isPositive() ? `up ${formatPercent(p.abs()).replace('+', '')}` : `down ${formatPercent(p.abs()).replace('+', '')}`;
  return `Revenue ${word}: ${formatRub(cur)} vs ${formatRub(prev)} (${formatRubDelta(delta)}).`;
}

function shareText(g: RevenueGroup): string {
  const f = (d: Decimal | undefined) => (d === undefined ? '—' : formatPercent(d, 1).replace('+', ''));
  return `${f(g.shareBySum)} / ${f(g.shareByCount)}`;
}

interface RenderContext {
  org: string;
  /** The outlet by name when LIFE POS gives one, else its guid. */
  outlet: string | undefined;
  labels: { current: string; previous: string };
  /** Warnings about the period, shown right under the title. */
  periodNotes: string[];
  detailed: boolean;
  recomputed: Decimal | undefined;
  scale: GrowthScale;
}

function render(w: RevenueWidget, o: Out, ctx: RenderContext): string {
  const c = w.current;
  const p = w.previous;
  const lines: string[] = [];
  lines.push(`**LIFE POS revenue — ${ctx.org}${ctx.outlet ? `, outlet ${ctx.outlet}` : ''}: ${ctx.labels.current} vs ${ctx.labels.previous}${o.period_confirmed ? ` (${o.periods.basis})` : ''}** (${o.tz})`);
  for (const note of ctx.periodNotes) lines.push(`⚠ ${note}`);
  lines.push(o.verdict);
  lines.push('');
  lines.push('| | current | previous | change |');
  lines.push('|---|---|---|---|');
  lines.push(`| Payments · receipts | ${sumCount(c.payments)} | ${sumCount(p.payments)} | ${change(c.payments.sum, p.payments.sum)} |`);
  lines.push(`| Refunds · receipts | ${sumCount(c.refunds)} | ${sumCount(p.refunds)} | ${change(c.refunds.sum, p.refunds.sum)} |`);
  lines.push(`| **Net** · operations | **${rub(c.total.sum)}** · ${c.total.count ?? '?'} | ${rub(p.total.sum)} · ${p.total.count ?? '?'} | ${change(c.total.sum, p.total.sum)} |`);
  lines.push(`| Average receipt | ${stat(c.payments, c.payments.average)} | ${stat(p.payments, p.payments.average)} | ${statChange(c.payments, p.payments, (g) => g.average)} |`);
  lines.push(`| Median receipt | ${stat(c.payments, c.payments.median)} | ${stat(p.payments, p.payments.median)} | ${statChange(c.payments, p.payments, (g) => g.median)} |`);
  if (ctx.detailed) {
    lines.push(`| Refunds share (by sum / by count) | ${shareText(c.refunds)} | ${shareText(p.refunds)} | |`);
    lines.push(`| Payments share (by sum / by count) | ${shareText(c.payments)} | ${shareText(p.payments)} | |`);
    lines.push(`| Average refund | ${stat(c.refunds, c.refunds.average)} | ${stat(p.refunds, p.refunds.average)} | |`);
    lines.push(`| Median refund | ${stat(c.refunds, c.refunds.median)} | ${stat(p.refunds, p.refunds.median)} | |`);
    lines.push(`| Average operation, net | ${stat(c.total, c.total.average)} | ${stat(p.total, p.total.average)} | |`);
    lines.push(`| Median operation, net | ${stat(c.total, c.total.median)} | ${stat(p.total, p.total.median)} | |`);
  }
  lines.push('');
  const given = w.growth.percentage;
  let growth = `Growth ${ctx.recomputed === undefined ? 'n/a (previous net is zero or missing)' : formatPercent(ctx.recomputed, 2)} from the net sums`;
  if (w.growth.isCalculated === false) growth += `; LIFE POS did not calculate one (is_calculated: false${given !== undefined ? `, value sent ${given.toString()}` : ''})`;
  else if (given === undefined) growth += '; LIFE POS sent none';
  else if (ctx.scale === 'percent') growth += `; LIFE POS ${formatPercent(given, 2)}`;
  else if (ctx.scale === 'fraction') growth += `; LIFE POS ${formatPercent(given.times(100), 2)} (sent as the fraction ${given.toString()})`;
  else growth += `; LIFE POS sent ${given.toString()} (scale unknown, not shown as a percentage)`;
  lines.push(`${growth}.`);
  // Confirmed periods are already in the title; otherwise (or asked for detail) what LIFE POS reported, in full.
  if (o.period_confirmed && !ctx.detailed) lines.push('LIFE POS echoed both periods as requested.');
  else lines.push(`Periods reported by LIFE POS: current ${reportedText(c.period, o.tz)}, previous ${reportedText(p.period, o.tz)}${o.period_confirmed ? ' (as requested).' : '.'}`);
  for (const note of o.notes) if (!ctx.periodNotes.includes(note)) lines.push(`⚠ ${note}`);
  if (ctx.detailed) lines.push(`Shares were sent as ${w.current.shareScale === 'fraction' ? 'fractions of 1' : 'percent'}; shown in percent. Amounts read with LIFEPOS_MONEY_UNIT=${o.money_unit}.`);
  else lines.push('More: response_format "detailed" (shares; refund and net averages, medians).');
  if (o.org_name !== null) lines.push(UNTRUSTED_NOTE);
  return lines.join('\n');
}

export default defineTool({
  name: 'get_revenue_widget',
  title: 'LIFE POS revenue vs before',
  description:
    'Use for "how much did we take today / last week, vs before?" on LIFE POS (LIFE PAY) registers: payments, refunds, net, ' +
    'receipts, average receipt, growth. Example: {"period":"last_week"}',
  input,
  output,
  annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: true },
  source: 'lifepos',
  async run(args, ctx) {
    const format = args.response_format ?? 'concise';
    const outlet = guidField('outlet_guid', args.outlet_guid, EXAMPLE_GUID);
    const tz = ctx.runtime.config.tz;
    const current = resolvePeriod(args, tz, ctx.runtime.now(), 'today');
    const previous = previousPeriod(current);
    const client = LifeposClient.for(ctx.runtime);
    const org = await client.resolveOrg(args.org_guid, ctx.signal);
    const sentCurrent = windowOf(current);
    const sentPrevious = windowOf(previous);
    const w = await client.revenueWidget(org, sentCurrent, sentPrevious, outlet, ctx.signal);

    const curStatus = periodStatus(w.current.period, sentCurrent);
    const prevStatus = periodStatus(w.previous.period, sentPrevious);
    const periodNotes: string[] = [];
    if (curStatus === 'other') {
      periodNotes.push(
        `LIFE POS reported the current period as ${reportedText(w.current.period, tz)}, not the requested ${formatPeriod(current)}: the widget's period parameters (${WIDGET_PARAMS.from}/${WIDGET_PARAMS.to}) were not honoured. The figures are for the period LIFE POS reported.`,
      );
    } else if (curStatus === 'not_echoed') {
      periodNotes.push(
        `Period not echoed by LIFE POS: the answer names no current period, so it is not confirmed that the figures are for the requested ${formatPeriod(current)} (sent as ${WIDGET_PARAMS.from}/${WIDGET_PARAMS.to}).`,
      );
    }
    if (prevStatus === 'other') {
      periodNotes.push(
        `LIFE POS compared with ${reportedText(w.previous.period, tz)}, not the requested ${formatPeriod(previous)} (${WIDGET_PARAMS.comparisonFrom}/${WIDGET_PARAMS.comparisonTo}).`,
      );
    } else if (prevStatus === 'not_echoed') {
      periodNotes.push(
        `Period not echoed by LIFE POS for the comparison either: it is not confirmed that the previous figures are for the requested ${formatPeriod(previous)} (sent as ${WIDGET_PARAMS.comparisonFrom}/${WIDGET_PARAMS.comparisonTo}).`,
      );
    }
    const notes = [...periodNotes];
    const currencies = [...new Set([...w.current.currencies, ...w.previous.currencies])];
    if (currencies.length > 1 || (currencies[0] && currencies[0] !== 'RUB')) notes.push(`Amounts are in ${currencies.join(', ')}, not only RUB.`);

    const curNet = w.current.total.sum;
    const prevNet = w.previous.total.sum;
    const recomputed = curNet !== undefined && prevNet !== undefined ? percentChange(curNet, prevNet) : undefined;
    const given = w.growth.isCalculated === false ? undefined : w.growth.percentage;
    const scale = growthScale(given, recomputed);
    if (given !== undefined && scale === 'unknown') {
      notes.push(
        recomputed === undefined
          ? `growth_rate.percentage ${given.toString()} cannot be checked against the sums (the previous net is zero or missing), so its scale (percent or fraction) is unknown.`
          : `growth_rate.percentage ${given.toString()} matches the growth recomputed from the net sums (${formatPercent(recomputed, 2)}) neither as percent nor as a fraction of 1; it is shown as sent — rely on the recomputed figure.`,
      );
    }
    const amounts = [w.current, w.previous].flatMap((s) => [s.payments, s.refunds, s.total]).flatMap((g) => [g.sum, g.average, g.median]);
    if (amounts.some(finerThanKopeck)) notes.push(subKopeckNote(client.config.moneyUnit));
    const confirmed = curStatus === 'confirmed' && prevStatus === 'confirmed';
    const labels = {
      current: periodLabel(curStatus, current, w.current.period, tz),
      previous: periodLabel(prevStatus, previous, w.previous.period, tz),
    };
    const o: Out = {
      org_guid: org.guid,
      org_name: org.name ?? null,
      outlet_guid: outlet ?? null,
      currency: currencies[0] ?? 'RUB',
      money_unit: client.config.moneyUnit,
      tz,
      periods: periodsOut(current, true),
      period_confirmed: confirmed,
      current: summaryOut(w.current, tz, curStatus),
      previous: summaryOut(w.previous, tz, prevStatus),
      growth: {
        api_percentage: w.growth.percentage === undefined ? null : w.growth.percentage.toString(),
        api_scale: scale,
        api_percent: given === undefined || scale === 'unknown' ? null : pct(scale === 'fraction' ? given.times(100) : given),
        api_is_calculated: w.growth.isCalculated ?? null,
        recomputed_percent: pct(recomputed),
        net_change: curNet !== undefined && prevNet !== undefined ? dec(curNet.minus(prevNet)) : null,
      },
      // Unconfirmed periods are named in the verdict too: it is the line a reader quotes.
      verdict: verdictOf(curNet, prevNet, confirmed ? undefined : `${labels.current} vs ${labels.previous}`),
      notes,
    };
    const outletName = outlet ? (await client.outletNames(org, ctx.signal)).names.get(outlet) : undefined;
    const text = render(w, o, { org: orgLabel(org), outlet: outlet && (outletName ? `${outletName} (${outlet})` : outlet), labels, periodNotes, detailed: format === 'detailed', recomputed, scale });
    return { text, structured: o };
  },
});

function summaryOut(s: RevenueSummary, tz: string, status: PeriodStatus): z.infer<typeof summary> {
  return {
    reported_from: s.period.from ? toLocal(s.period.from, tz) : null,
    reported_to: s.period.to ? toLocal(s.period.to, tz) : null,
    period_status: status,
    payments: groupOut(s.payments),
    refunds: groupOut(s.refunds),
    total: groupOut(s.total),
  };
}
