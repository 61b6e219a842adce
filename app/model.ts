import { formatCount, formatPercent, formatRub, formatRubDelta, roundDecimal } from './format.js';
import type { RevenueOverviewContent } from './overview-shape.js';
import type { Bar, DashboardView, Headline, Interval, Table } from './view-model.js';

/**
 * structuredContent of each linked tool → what the dashboard draws. Pure functions, no DOM. The shapes
 * are read defensively (fields may be null or missing): an unknown shape becomes an error line.
 */

type Json = Record<string, unknown>;
type Money = string | null | undefined;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Which tool produced a result, from its shape (hosts need not tell the view). */
export type ToolKind = 'get_sales_aggregation' | 'get_revenue_widget' | 'list_posiflora_orders' | 'await_market_report' | 'revenue_overview';

export function toolKind(sc: unknown): ToolKind | null {
  if (!isObject(sc)) return null;
  if (sc.kind === 'revenue_overview') return 'revenue_overview';
  if (sc.source === 'Yandex OFD' && Array.isArray(sc.intervals)) return 'get_sales_aggregation';
  if (sc.source === 'posiflora' && isObject(sc.totals)) return 'list_posiflora_orders';
  if (typeof sc.report_id === 'string') return 'await_market_report';
  if (isObject(sc.current) && isObject(sc.requested)) return 'get_revenue_widget';
  return null;
}

export function buildView(result: { structuredContent?: unknown; isError?: boolean; content?: unknown }): DashboardView {
  const sc = result.structuredContent;
  if (result.isError || sc === undefined) return errorView(firstText(result.content) ?? 'The tool returned no data to draw.');
  switch (toolKind(sc)) {
    case 'get_sales_aggregation':
      return aggregationView(sc as Json);
    case 'get_revenue_widget':
      return widgetView(sc as Json);
    case 'list_posiflora_orders':
      return posifloraView(sc as Json);
    case 'await_market_report':
      return marketView(sc as Json);
    case 'revenue_overview':
      return overviewView(sc as unknown as RevenueOverviewContent);
    default:
      return errorView('This result has no shape the dashboard knows; the text answer above has the figures.');
  }
}

export function errorView(message: string): DashboardView {
  return { ...empty('Revenue'), error: oneLine(message) };
}

function empty(title: string): DashboardView {
  return {
    title,
    subtitle: '',
    headline: [],
    valueLabel: '',
    bars: [],
    previous: null,
    intervals: [],
    interval: null,
    navigable: false,
    range: null,
    table: null,
    reconciliation: null,
    notes: [],
    error: null,
  };
}

// ---- get_sales_aggregation (Yandex OFD) ----

function aggregationView(sc: Json): DashboardView {
  const period = obj(sc.period);
  const totals = obj(sc.totals);
  const previous = isObject(sc.previous) ? sc.previous : null;
  const change = obj(previous?.change);
  const interval = asInterval(sc.interval);
  const rows = (Array.isArray(sc.intervals) ? (sc.intervals as Json[]) : [])
    .filter(isObject)
    .slice()
    .sort((a, b) => compare(str(a.start ?? a.from), str(b.start ?? b.from)));
  const bars: Bar[] = rows.map((r) => {
    const from = str(r.from ?? r.start);
    const to = str(r.to ?? r.end);
    return {
      start: from,
      label: axisLabel(from, to, interval),
      title: rangeTitle(from, to, interval),
      value: str(r.net_sales ?? '0'),
      refunds: money(r.refunds),
      partial: r.partial === true,
      details: () => [
        ['Net sales', formatRub(money(r.net_sales))],
        ['Gross sales', formatRub(money(r.gross_sales))],
        ['Refunds', formatRub(money(r.refunds))],
        ['Receipts', formatCount(num(r.receipts))],
        ['Average receipt', formatRub(money(r.average_receipt))],
      ],
    };
  });
  const range = localRange(period.date_from, period.date_to);
  const prevPeriod = obj(previous?.period);
  const notes = strings(sc.notes);
  if (sc.truncated === true) notes.push(`${formatCount(num(sc.intervals_total))} intervals in the period; ${bars.length} are drawn.`);
  return {
    ...empty('Yandex OFD · fiscal receipts'),
    subtitle: subtitle(period.date_from, period.date_to, prevPeriod.date_from, prevPeriod.date_to),
    headline: [
      { label: 'Net sales', value: formatRub(money(totals.net_sales)) },
      changeHeadline(obj(change.net_sales)),
      { label: 'Receipts', value: formatCount(num(totals.receipts)), ...percentSub(obj(change.receipts)) },
      { label: 'Average receipt', value: formatRub(money(totals.average_receipt)), ...percentSub(obj(change.average_receipt)) },
      { label: 'Refunds', value: formatRub(money(totals.refunds)), ...percentSub(obj(change.refunds), true) },
    ],
    valueLabel: 'Net sales',
    bars,
    intervals: ['day', 'week', 'month'],
    interval,
    navigable: range !== null,
    range,
    notes,
  };
}

// ---- get_revenue_widget (LIFE POS) ----

function widgetView(sc: Json): DashboardView {
  const req = obj(sc.requested);
  const cur = obj(sc.current);
  const prev = isObject(sc.previous) ? sc.previous : null;
  const growth = obj(sc.growth);
  const side = (label: string, p: Json | null, from: unknown, to: unknown): Bar => {
    const pay = obj(p?.payments);
    const ref = obj(p?.refunds);
    const tot = obj(p?.total);
    const f = datePart(from);
    const t = datePart(to);
    return {
      start: '',
      label,
      title: rangeTitle(f, t, 'day'),
      value: str(tot.sum ?? '0'),
      refunds: money(ref.sum),
      partial: false,
      details: () => [
        ['Net', formatRub(money(tot.sum))],
        ['Payments', `${formatRub(money(pay.sum))} · ${formatCount(num(pay.count))}`],
        ['Refunds', `${formatRub(money(ref.sum))} · ${formatCount(num(ref.count))}`],
        ['Average payment', formatRub(money(pay.average))],
      ],
    };
  };
  const bars = [side('Previous', prev, req.previous_from, req.previous_to), side('This period', cur, req.from, req.to)];
  const range = localRange(req.from, req.to);
  const orgName = typeof sc.org_name === 'string' ? ` · ${sc.org_name}` : '';
  return {
    ...empty(`LIFE POS${orgName}`),
    subtitle: subtitle(req.from, req.to, req.previous_from, req.previous_to),
    headline: [
      { label: 'Net', value: formatRub(money(obj(cur.total).sum)) },
      {
        label: 'Change',
        value: formatRubDelta(money(growth.net_change)),
        sub: formatPercent(money(growth.recomputed_percent ?? growth.api_percent)),
        tone: tone(money(growth.net_change)),
      },
      { label: 'Payments', value: formatCount(num(obj(cur.payments).count)) },
      { label: 'Average payment', value: formatRub(money(obj(cur.payments).average)) },
      { label: 'Refunds', value: formatRub(money(obj(cur.refunds).sum)) },
    ],
    valueLabel: 'Net (payments − refunds)',
    bars: prev ? bars : bars.slice(1),
    navigable: range !== null,
    range,
    notes: strings(sc.notes),
  };
}

// ---- list_posiflora_orders ----

function posifloraView(sc: Json): DashboardView {
  const period = obj(sc.period);
  const totals = obj(sc.totals);
  const byDay = isObject(sc.by_day) ? sc.by_day : null;
  const unit = byDay?.unit === 'week' ? 'week' : 'day';
  const rows = (Array.isArray(byDay?.rows) ? (byDay.rows as Json[]) : []).filter(isObject);
  const bars: Bar[] = rows.map((r) => {
    const from = str(r.date);
    const to = unit === 'week' ? addDays(from, 6) : from;
    return {
      start: from,
      label: axisLabel(from, to, unit),
      title: rangeTitle(from, to, unit),
      value: str(r.total_amount ?? '0'),
      refunds: null,
      partial: r.partial === true,
      details: () => [
        ['Orders total', formatRub(money(r.total_amount))],
        ['Paid', formatRub(money(r.payments_amount))],
        ['Outstanding', formatRub(money(r.outstanding_amount))],
        ['Orders', formatCount(num(r.orders))],
      ],
    };
  });
  const range = localRange(period.from, period.to);
  const notes = strings(sc.notes);
  if (!byDay) notes.push('No per-day figures in this answer: choose Day or Week to draw them (one request per day or week).');
  return {
    ...empty('Posiflora · orders'),
    subtitle: subtitle(period.from, period.to),
    headline: [
      { label: 'Orders total', value: formatRub(money(totals.total_amount)) },
      { label: 'Paid', value: formatRub(money(totals.payments_amount)) },
      { label: 'Orders', value: formatCount(num(totals.orders)) },
      { label: 'Outstanding', value: formatRub(money(totals.outstanding_amount)) },
    ],
    valueLabel: 'Orders total',
    bars,
    intervals: ['day', 'week'],
    interval: byDay ? unit : null,
    navigable: range !== null,
    range,
    table: statusTable(sc.by_status, 'Orders by status', 'orders', 'total_amount'),
    notes,
  };
}

// ---- await_market_report (Yandex Market) ----
// Orders by day are drawn from `orders.by_day: [{ date: "2026-11-03", orders: 12, amount: "34567.89" }]`,
// which united-orders results carry (revenue by the day the order was created).

function marketView(sc: Json): DashboardView {
  const title = `Yandex Market · ${str(sc.report_type) || 'report'}`;
  if (sc.ready !== true) {
    const waiting = [str(sc.status), str(sc.sub_status), str(sc.advice)].filter(Boolean).join(' · ');
    return { ...empty(title), error: oneLine(`The report is not ready yet: ${waiting || 'still generating'}.`) };
  }
  const orders = isObject(sc.orders) ? sc.orders : null;
  const revenue = obj(orders?.revenue);
  const all = obj(orders?.all_statuses);
  const sheets = (Array.isArray(sc.sheets) ? (sc.sheets as Json[]) : []).filter(isObject);
  const dated = sheets.map((s) => obj(s.date_range)).find((d) => typeof d.from === 'string');
  const byDay = (Array.isArray(orders?.by_day) ? (orders.by_day as Json[]) : []).filter(isObject);
  const bars: Bar[] = byDay.map((r) => ({
    start: str(r.date),
    label: axisLabel(str(r.date), str(r.date), 'day'),
    title: rangeTitle(str(r.date), str(r.date), 'day'),
    value: str(r.amount ?? '0'),
    refunds: null,
    partial: false,
    details: () => [
      ['Revenue', formatRub(money(r.amount))],
      ['Orders', formatCount(num(r.orders))],
    ],
  }));
  return {
    ...empty(title),
    subtitle: dated ? `${formatRange(datePart(dated.from), datePart(dated.to))} (dates in the report)` : '',
    headline: orders
      ? [
          { label: 'Revenue', value: formatRub(money(revenue.amount)) },
          { label: 'Orders in revenue', value: formatCount(num(revenue.orders)) },
          { label: 'All orders', value: formatCount(num(all.orders)), sub: formatRub(money(all.amount)) },
        ]
      : [],
    valueLabel: 'Revenue',
    bars,
    table: orders ? statusTable(orders.by_status, 'Orders by status', 'orders', 'amount') : null,
    notes: orders ? [] : ['This report type has no orders sheet; the text answer has its sums.'],
  };
}

// ---- revenue_overview (issue 12; shape in overview-shape.ts) ----

function overviewView(sc: RevenueOverviewContent): DashboardView {
  const sources = Array.isArray(sc.sources) ? sc.sources : [];
  const table: Table = {
    caption: 'Sources, side by side (never added together)',
    columns: ['Source', 'Gross', 'Refunds', 'Net', 'Count', 'Change'],
    rows: sources.map((s) =>
      s.ok
        ? {
            cells: [
              s.source,
              formatRub(s.gross),
              formatRub(s.refunds),
              formatRub(s.net),
              s.count == null ? '—' : `${formatCount(s.count)} ${s.count_label}`,
              s.change ? `${formatPercent(s.change.net_percent)} (${formatRubDelta(s.change.net_absolute)})` : 'n/a',
            ],
          }
        : { cells: [s.source], error: oneLine(s.error) },
    ),
  };
  const okSources = sources.filter((s): s is Extract<typeof s, { ok: true }> => s.ok);
  const bars: Bar[] = okSources.map((s) => ({
    start: '',
    label: s.source,
    title: s.source,
    value: s.net ?? '0',
    refunds: s.refunds,
    partial: false,
    details: () => [
      ['Net', formatRub(s.net)],
      ['Gross', formatRub(s.gross)],
      ['Refunds', formatRub(s.refunds)],
      [cap(s.count_label || 'count'), formatCount(s.count)],
      ['Change', s.change ? `${formatPercent(s.change.net_percent)} · ${formatRubDelta(s.change.net_absolute)}` : 'n/a'],
    ],
  }));
  const rec = sc.reconciliation;
  const flagged = rec ? rec.days.filter((d) => d.flagged) : [];
  const reconciliation: Table | null = rec
    ? {
        caption: `Reconciliation: ${rec.compared} (${rec.method})`,
        columns: ['Day', 'POS net', 'Fiscal net', 'Difference'],
        rows: rec.days.map((d) => ({
          cells: [rangeTitle(d.date, d.date, 'day'), formatRub(d.pos_net), formatRub(d.fiscal_net), formatRubDelta(d.difference)],
          flagged: d.flagged,
        })),
        footnote: flagged.length
          ? `${flagged.length} ${flagged.length === 1 ? 'day' : 'days'} flagged as possibly unfiscalized: ${rec.threshold}.`
          : `No day beyond the threshold (${rec.threshold}).`,
      }
    : null;
  const failed = sources.length - okSources.length;
  const range = localRange(sc.period?.date_from, sc.period?.date_to);
  return {
    ...empty('Revenue overview'),
    subtitle: subtitle(sc.period?.date_from, sc.period?.date_to, sc.previous_period?.date_from, sc.previous_period?.date_to),
    headline: [
      { label: 'Sources answered', value: `${okSources.length} of ${sources.length}`, ...(failed ? { sub: `${failed} failed`, tone: 'down' as const } : {}) },
      ...okSources.slice(0, 3).map(
        (s): Headline => ({
          label: `${s.source} net`,
          value: formatRub(s.net),
          ...(s.change ? { sub: formatPercent(s.change.net_percent), tone: tone(s.change.net_absolute) } : {}),
        }),
      ),
      ...(rec ? [{ label: 'Flagged days', value: String(flagged.length), tone: flagged.length ? ('down' as const) : ('flat' as const) }] : []),
    ],
    valueLabel: 'Net per source',
    bars,
    navigable: range !== null,
    range,
    table,
    reconciliation,
    notes: strings(sc.notes),
  };
}

// ---- helpers ----

function statusTable(value: unknown, caption: string, countKey: string, amountKey: string): Table | null {
  const rows = (Array.isArray(value) ? (value as Json[]) : []).filter(isObject);
  if (rows.length === 0) return null;
  return {
    caption,
    columns: ['Status', 'Orders', 'Amount'],
    rows: rows.map((r) => ({
      cells: [str(r.status), formatCount(num(r[countKey])), formatRub(money(r[amountKey]))],
      ...(r.in_revenue === false ? { flagged: true } : {}),
    })),
    ...(rows.some((r) => r.in_revenue === false) ? { footnote: 'Highlighted statuses are left out of revenue.' } : {}),
  };
}

function changeHeadline(delta: Json): Headline {
  const abs = money(delta.absolute);
  return {
    label: 'Change',
    value: formatPercent(money(delta.percent)),
    sub: abs == null ? 'no comparison' : formatRubDelta(abs),
    tone: tone(abs),
  };
}

/** `lowerIsBetter`: fewer refunds is shown in the "good" colour. */
function percentSub(delta: Json, lowerIsBetter = false): Pick<Headline, 'sub' | 'tone'> {
  const p = money(delta.percent);
  if (p == null) return {};
  const t = tone(p);
  return { sub: formatPercent(p), tone: lowerIsBetter && t !== 'flat' ? (t === 'up' ? 'down' : 'up') : t };
}

function tone(value: Money): Headline['tone'] {
  if (value == null) return 'flat';
  const r = roundDecimal(value, 2);
  if (!r || /^0*$/.test(r.int + r.frac)) return 'flat';
  return r.negative ? 'down' : 'up';
}

function subtitle(from: unknown, to: unknown, prevFrom?: unknown, prevTo?: unknown): string {
  const main = formatRange(datePart(from), datePart(to));
  if (!main) return '';
  const prev = formatRange(datePart(prevFrom), datePart(prevTo));
  return prev ? `${main} · compared with ${prev}` : main;
}

/** "23.11 – 29.11.2026", "29.11.2026", "01.12.2025 – 29.11.2026". */
export function formatRange(from: string, to: string): string {
  if (!isDate(from) || !isDate(to)) return '';
  if (from === to) return dmy(from);
  return from.slice(0, 4) === to.slice(0, 4) ? `${dm(from)} – ${dmy(to)}` : `${dmy(from)} – ${dmy(to)}`;
}

function axisLabel(from: string, to: string, interval: Interval | null): string {
  if (!isDate(from)) return '?';
  if (interval === 'month') return `${MONTHS[Number(from.slice(5, 7)) - 1]} ${from.slice(2, 4)}`;
  return interval === 'week' ? `${dm(from)}–${dm(isDate(to) ? to : from)}` : dm(from);
}

function rangeTitle(from: string, to: string, interval: Interval | null): string {
  if (!isDate(from)) return '';
  if (interval === 'day' || from === to || !isDate(to)) return `${WEEKDAYS[new Date(`${from}T00:00:00Z`).getUTCDay()]} ${dmy(from)}`;
  return formatRange(from, to);
}

function dm(d: string): string {
  return `${d.slice(8, 10)}.${d.slice(5, 7)}`;
}
function dmy(d: string): string {
  return `${dm(d)}.${d.slice(0, 4)}`;
}

function localRange(from: unknown, to: unknown): { from: string; to: string } | null {
  const f = datePart(from);
  const t = datePart(to);
  return isDate(f) && isDate(t) ? { from: f, to: t } : null;
}

function datePart(v: unknown): string {
  return typeof v === 'string' ? v.slice(0, 10) : '';
}
function isDate(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(v);
}

/** Calendar arithmetic on local dates (not money): UTC midnight avoids DST shifts. */
export function addDays(ymd: string, days: number): string {
  const t = Date.parse(`${ymd}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

function asInterval(v: unknown): Interval | null {
  return v === 'day' || v === 'week' || v === 'month' ? v : null;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function obj(v: unknown): Json {
  return isObject(v) ? v : {};
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : v == null ? '' : String(v);
}
function money(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;
}
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map(oneLine) : [];
}
function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
/** Upstream text is data: one bounded line, control characters removed. */
function oneLine(s: string): string {
  const line = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
function firstText(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined;
  const block = content.find((c) => isObject(c) && c.type === 'text' && typeof c.text === 'string') as Json | undefined;
  return block ? str(block.text) : undefined;
}
