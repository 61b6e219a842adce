import { counted, Decimal, formatNumber, formatPercent, formatRub, percentChange, share, toDecimalString } from '../../money.js';
import { addDays, comparisonText, periodsOut, toLocal, type Period } from '../../period.js';
import { quoted, quotedCell, shownId, UNTRUSTED_NOTE } from '../../untrusted.js';
import type { Tally } from './auth.js';
import { CLOSED, paymentState, type DateField, type Report, type Sums } from './orders.js';

/** Text and structuredContent of list_posiflora_orders: pure functions of a Report. */

export interface SummaryInput {
  report: Report;
  period: Period;
  dateField: DateField;
  filters: {
    statuses?: string[];
    stores?: Array<{ id: string; name?: string }>;
    search?: string;
    delivery?: boolean;
    amount_min?: number;
    amount_max?: number;
    customer?: string;
  };
  offset: number;
  limit: number;
  sort: 'recent' | 'largest';
  nextCursor: string | null;
  tally: Tally;
  detailed: boolean;
  periodDefaulted: boolean;
  switchedToWeeks: boolean;
  /** The same query over the comparison period (one request); undefined when not compared. */
  previous?: Sums;
  /** Why there is no comparison, when there is none. */
  notCompared?: string;
}

const ordersWord = (n: number) => counted(n, 'order');

/** A day or week row (`date`: its first day, a week's Monday) and how it reads: a week cut by the period is named by its days inside it. */
function rowLabel(key: string, unit: 'day' | 'week', period: Period): { date: string; label: string } {
  if (unit === 'day') return { date: key, label: key };
  const first = period.start.slice(0, 10);
  const last = period.end.slice(0, 10);
  const from = key < first ? first : key;
  const end = addDays(key, 6);
  const to = end > last ? last : end;
  return { date: key, label: from === key && to === end ? from : from === to ? from : `${from} – ${to}` };
}

const money = (d: Decimal | undefined) => (d === undefined ? null : toDecimalString(d));

/** Money of a group; null (never 0) when Posiflora did not say. */
function sumsOut(s: Sums) {
  const known = s.amountsKnown;
  return {
    orders: s.orders,
    total_amount: known ? toDecimalString(s.total) : null,
    payments_amount: known ? toDecimalString(s.paid) : null,
    outstanding_amount: known ? toDecimalString(s.total.minus(s.paid)) : null,
  };
}

/**
 * total − paid over open and done orders only: canceled, notAccepted and returned orders are not owed.
 * Known when every status in scope is open (one overall figure), or per-status sums were fetched.
 */
function outstandingOpen(report: Report, statusFilter: string[] | undefined): Decimal | undefined {
  if (statusFilter?.length && statusFilter.every((s) => !CLOSED.has(s))) return report.overall.amountsKnown ? report.overall.total.minus(report.overall.paid) : undefined;
  if (!report.byStatus) return undefined;
  let out = new Decimal(0);
  for (const [status, sums] of report.byStatus) {
    if (CLOSED.has(status)) continue;
    if (!sums.amountsKnown) return undefined;
    out = out.plus(sums.total.minus(sums.paid));
  }
  // Statuses with orders but no sums (not asked) would make this partial.
  for (const [status, n] of report.statusCounts) if (n > 0 && !CLOSED.has(status) && !report.byStatus.has(status)) return undefined;
  return out;
}

/** Canceled, notAccepted and returned orders inside the totals, when the counts are known. */
function closedOrders(report: Report, statusFilter: string[] | undefined): number | null {
  if (statusFilter?.length && statusFilter.every((s) => !CLOSED.has(s))) return 0;
  const counts = report.statusCounts.size > 0 ? report.statusCounts : report.byStatus ? new Map([...report.byStatus].map(([k, v]) => [k, v.orders])) : undefined;
  if (!counts) return null;
  let n = 0;
  for (const [status, c] of counts) if (CLOSED.has(status)) n += c;
  return n;
}

function storeName(report: Report, id: string, filters: SummaryInput['filters']): string {
  return report.storeNames.get(id) ?? filters.stores?.find((s) => s.id === id)?.name ?? id;
}

const PLAN_TEXT: Record<Report['plan'], string> = {
  meta: "Posiflora's own aggregates (meta) for the whole filtered set",
  'meta-per-group': "Posiflora's own aggregates (meta), one smallest-page request per group",
  walk: 'a full walk over every page, summed by us',
  rows: 'the listed orders plus the overall meta',
};

const DATE_WORDS: Record<string, string> = {
  createdAt: 'creation date',
  updatedAt: 'update date',
  dueTime: 'due (delivery) time',
  postedAt: 'posting date',
  paymentPostedAt: 'payment date',
};

export function buildStructured(input: SummaryInput) {
  const { report, period, filters } = input;
  const statusRows = [...report.statusCounts.keys(), ...(report.byStatus ? [...report.byStatus.keys()] : [])]
    .filter((s, i, all) => all.indexOf(s) === i)
    .map((status) => {
      const s = report.byStatus?.get(status);
      return s ? { status, ...sumsOut(s) } : { status, orders: report.statusCounts.get(status) ?? 0, total_amount: null, payments_amount: null, outstanding_amount: null };
    })
    .filter((r) => r.orders > 0)
    .sort((a, b) => b.orders - a.orders);
  return {
    source: 'posiflora' as const,
    currency: 'RUB' as const,
    period: { from: period.start, to: period.end, tz: period.tz, date_field: input.dateField },
    periods: periodsOut(period, input.previous !== undefined),
    previous: input.previous
      ? {
          ...sumsOut(input.previous),
          orders_change_percent: money(percentChange(new Decimal(report.overall.orders), new Decimal(input.previous.orders))),
          total_change_percent: input.previous.amountsKnown && report.overall.amountsKnown ? money(percentChange(report.overall.total, input.previous.total)) : null,
        }
      : null,
    filters: {
      statuses: filters.statuses ?? null,
      stores: filters.stores?.map((s) => ({ id: s.id, name: storeName(report, s.id, filters) })) ?? null,
      search: filters.search ?? null,
      delivery: filters.delivery ?? null,
      amount_min: filters.amount_min ?? null,
      amount_max: filters.amount_max ?? null,
      customer: filters.customer ?? null,
    },
    plan: report.plan,
    upstream_requests: input.tally.requests,
    session_requests: input.tally.sessionRequests,
    totals: {
      ...sumsOut(report.overall),
      outstanding_open_amount: money(outstandingOpen(report, filters.statuses)),
      closed_orders: closedOrders(report, filters.statuses),
      orders_without_amount: report.overall.missing,
    },
    by_status: statusRows,
    by_store: report.byStore
      ? [...report.byStore]
          .map(([id, s]) => ({ store_id: id, store: storeName(report, id, filters), orders_by_status: statusCountsOut(report.storeStatusCounts?.get(id)), ...sumsOut(s) }))
          .filter((r) => r.orders > 0)
          .sort((a, b) => b.orders - a.orders)
      : null,
    by_day: report.byDay
      ? {
          unit: report.byDay.unit,
          grouped_by: report.byDay.grouped,
          switched_from_day: input.switchedToWeeks,
          rows: [...report.byDay.sums]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, s]) => ({ ...rowLabel(key, report.byDay!.unit, period), partial: report.byDay!.partial.has(key), ...sumsOut(s) })),
        }
      : null,
    delivery: report.delivery
      ? {
          orders: report.delivery.orders,
          total_amount: report.delivery.amountsKnown ? toDecimalString(report.delivery.total) : null,
          share_percent: money(share(new Decimal(report.delivery.orders), new Decimal(report.overall.orders))),
        }
      : null,
    payment_issues: report.unpaid
      ? {
          unpaid_orders: report.unpaid.unpaid.orders,
          partially_paid_orders: report.unpaid.partial.orders,
          outstanding_amount: toDecimalString(report.unpaid.unpaid.total.minus(report.unpaid.unpaid.paid).plus(report.unpaid.partial.total.minus(report.unpaid.partial.paid))),
        }
      : null,
    orders: report.rows.map((o) => ({
      id: o.id,
      doc_no: o.docNo,
      created_at: o.createdAt ?? null,
      status: o.status,
      store_id: o.storeId ?? null,
      store: o.storeId ? storeName(report, o.storeId, filters) : null,
      total_amount: money(o.total),
      payments_amount: money(o.paid),
      payment: paymentState(o),
      delivery: o.delivery,
    })),
    orders_matching: report.matching,
    offset: input.offset,
    sort: input.sort,
    next_cursor: input.nextCursor,
    cross_check: report.crossCheck ? { checked: true, matches: report.crossCheck.matches, notes: report.crossCheck.notes } : { checked: false, matches: null, notes: [] },
    notes: planNotes(input),
  };
}

export type Structured = ReturnType<typeof buildStructured>;

/** A store's counts by status, statuses with orders only, largest first; null when Posiflora sent none. */
function statusCountsOut(counts: Map<string, number> | undefined): Record<string, number> | null {
  if (!counts) return null;
  return Object.fromEntries([...counts].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]));
}

/** Notes on how the answer was made, in the order a reader needs them. */
function planNotes(input: SummaryInput): string[] {
  const { report } = input;
  const notes = [...report.notes];
  if (report.statusSumsRequests !== undefined) {
    notes.push(
      report.statusCounts.size > 0
        ? `Sums by status were not fetched (counts are Posiflora's own): status_sums true adds ${counted(report.statusSumsRequests, 'request')}, one per status with orders.`
        : `Posiflora sent no counts by status (meta.statuses, asked with addMetaStatuses=true); status_sums true adds ${counted(report.statusSumsRequests, 'request')}, one per status, for counts and sums.`,
    );
  }
  if (input.switchedToWeeks) notes.push(`Days were switched to weeks: the period covers ${report.byDay ? 'more than 92 days' : 'over 92 days'}. Ask for a period of 92 days or fewer for per-day rows.`);
  if (report.byDay && report.byDay.partial.size > 0) notes.push(`${report.byDay.unit === 'week' ? 'Weeks' : 'Days'} cut short by the period are marked partial: ${[...report.byDay.partial].sort().map((k) => rowLabel(k, report.byDay!.unit, input.period).label).join(', ')}.`);
  if (report.byDay && input.dateField === 'payment_posted' && report.byDay.grouped === 'createdAt') {
    notes.push('Orders carry no payment date, so this walk groups the rows by creation date (the filter still uses the payment date).');
  }
  return notes;
}

const rub = (v: string | null) => (v === null ? '—' : formatRub(new Decimal(v)));

export function buildText(input: SummaryInput, s: Structured): string {
  const out: string[] = [];
  const f = s.filters;
  const scope = [
    `by ${input.dateField.replace('_', ' ')} date`,
    f.statuses ? `statuses: ${f.statuses.join(', ')}` : undefined,
    f.stores ? `stores: ${f.stores.map((x) => (x.name === undefined ? '—' : quoted(x.name))).join(', ')}` : undefined,
    f.search ? `search "${f.search}"` : undefined,
    f.delivery !== null ? (f.delivery ? 'delivery only' : 'no delivery') : undefined,
    f.amount_min !== null ? `total ≥ ${f.amount_min}` : undefined,
    f.amount_max !== null ? `total ≤ ${f.amount_max}` : undefined,
    f.customer ? `customer ${f.customer}` : undefined,
  ].filter(Boolean);
  out.push(`**Posiflora orders, ${comparisonText(input.period, input.notCompared)}**${input.periodDefaulted ? ' (default period; pass period or date_from/date_to)' : ''} — ${scope.join('; ')}`);
  const t = s.totals;
  if (t.total_amount === null) {
    out.push(`**${ordersWord(t.orders)}** · sums unknown (Posiflora sent no amounts; see notes below)`);
  } else {
    const owed = t.outstanding_open_amount !== null ? `${rub(t.outstanding_open_amount)} outstanding on open/done orders` : `${rub(t.outstanding_amount)} unpaid incl. canceled/not accepted/returned (status_sums true for open orders only)`;
    out.push(`**${ordersWord(t.orders)} · ${rub(t.total_amount)} total · ${rub(t.payments_amount)} paid · ${owed}**`);
  }
  if (s.previous) {
    const p = s.previous;
    const pct = (v: string | null) => (v === null ? 'n/a' : formatPercent(new Decimal(v)));
    out.push(`vs previous: ${ordersWord(p.orders)} (${pct(s.previous.orders_change_percent)})${p.total_amount === null ? '' : ` · ${rub(p.total_amount)} total (${pct(s.previous.total_change_percent)})`}`);
  }
  if (t.closed_orders === null) out.push('The total covers every status in scope, canceled/not accepted/returned included.');
  else if (t.closed_orders > 0) out.push(`The total includes ${t.closed_orders} canceled/not accepted/returned ${t.closed_orders === 1 ? 'order' : 'orders'}; filter statuses (e.g. ["done","new"]) to leave them out.`);
  if (t.orders_without_amount > 0 && s.plan === 'walk') out.push(`${ordersWord(t.orders_without_amount)} came without an amount; ${t.orders_without_amount === 1 ? 'it is' : 'they are'} counted but not summed.`);
  if (s.delivery) out.push(`Delivery: ${ordersWord(s.delivery.orders)} (${s.delivery.share_percent === null ? 'n/a' : `${formatNumber(new Decimal(s.delivery.share_percent), 1)} %`} of orders), ${rub(s.delivery.total_amount)}.`);
  if (s.payment_issues && (s.payment_issues.unpaid_orders > 0 || s.payment_issues.partially_paid_orders > 0)) {
    out.push(`⚠ Not fully paid (open or done orders): ${s.payment_issues.unpaid_orders} unpaid, ${s.payment_issues.partially_paid_orders} partially paid — ${rub(s.payment_issues.outstanding_amount)} outstanding.`);
  }

  const statusSums = s.by_status.some((r) => r.total_amount !== null);
  // Counts by status per store become columns of the store table, its "overall" row the status counts.
  const storeStatuses = s.by_store?.some((r) => r.orders_by_status) ? s.by_status.map((r) => r.status) : [];
  if (s.by_status.length > 0 && (statusSums || storeStatuses.length === 0)) {
    out.push('', statusSums ? '| status | orders | total | paid | outstanding |\n|---|---:|---:|---:|---:|' : '| status | orders |\n|---|---:|');
    for (const r of s.by_status) out.push(statusSums ? `| ${shownId(r.status)} | ${r.orders} | ${rub(r.total_amount)} | ${rub(r.payments_amount)} | ${rub(r.outstanding_amount)} |` : `| ${shownId(r.status)} | ${r.orders} |`);
  }
  if (s.by_store && s.by_store.length > 0) {
    const head = storeStatuses.map((st) => ` ${shownId(st)} |`).join('');
    out.push('', `| store | orders | total | paid | outstanding |${head}\n|---|---:|---:|---:|---:|${'---:|'.repeat(storeStatuses.length)}`);
    const row = (name: string, r: { orders: number; total_amount: string | null; payments_amount: string | null; outstanding_amount: string | null }, counts: Record<string, number> | null) =>
      `| ${name} | ${r.orders} | ${rub(r.total_amount)} | ${rub(r.payments_amount)} | ${rub(r.outstanding_amount)} |${storeStatuses.map((st) => ` ${counts ? (counts[st] ?? 0) : '—'} |`).join('')}`;
    for (const r of s.by_store) out.push(row(quotedCell(r.store), r, r.orders_by_status));
    if (storeStatuses.length > 0 && !statusSums) out.push(row('**overall**', t, Object.fromEntries(s.by_status.map((r) => [r.status, r.orders]))));
  }
  if (s.by_day && s.by_day.rows.length > 0) {
    const rows = s.by_day.rows;
    const shown = input.detailed ? rows : rows.slice(-14);
    out.push('', `By ${s.by_day.unit} of ${DATE_WORDS[s.by_day.grouped_by] ?? s.by_day.grouped_by}${s.by_day.switched_from_day ? ' (weeks: the period is over 92 days)' : ''}:`);
    out.push(`| ${s.by_day.unit === 'week' ? 'week of' : 'day'} | orders | total | paid |\n|---|---:|---:|---:|`);
    for (const r of shown) out.push(`| ${r.label}${r.partial ? ' (partial)' : ''} | ${r.orders} | ${rub(r.total_amount)} | ${rub(r.payments_amount)} |`);
    if (shown.length < rows.length) out.push(`(last ${shown.length} of ${rows.length} ${s.by_day.unit}s; all are in structuredContent.by_day, or use response_format "detailed")`);
  }

  if (s.orders.length > 0) {
    const what = input.sort === 'largest' ? 'Largest' : 'Most recent';
    out.push('', `${what} orders ${input.offset + 1}–${input.offset + s.orders.length} of ${s.orders_matching}:`);
    out.push('| docNo | date | status | store | total | paid |\n|---|---|---|---|---:|---:|');
    for (const o of s.orders) {
      const mark = o.payment === 'unpaid' ? ' ⚠ unpaid' : o.payment === 'partial' ? ' ⚠ part-paid' : '';
      const at = o.created_at ? Date.parse(o.created_at) : NaN;
      const date = Number.isNaN(at) ? '—' : toLocal(new Date(at), input.period.tz).slice(0, 16).replace('T', ' ');
      out.push(`| ${shownId(o.doc_no)} | ${date} | ${shownId(o.status)} | ${o.store === null ? '—' : quotedCell(o.store)} | ${rub(o.total_amount)} | ${rub(o.payments_amount)}${mark} |`);
    }
  }
  if (s.next_cursor) out.push(`More orders: call again with the same arguments and cursor "${s.next_cursor}".`);

  const planned = input.report.planned.length > 0 ? ` (${input.report.planned.join(', ')})` : '';
  out.push('', `Plan: ${s.plan} — ${PLAN_TEXT[s.plan]}${planned}; ${s.upstream_requests} upstream request${s.upstream_requests === 1 ? '' : 's'}${s.session_requests > 0 ? ` (+${s.session_requests} session)` : ''}.`);
  for (const n of s.notes) out.push(`Note: ${n}`);
  if (s.cross_check.checked) {
    out.push(s.cross_check.matches ? "Cross-check: our sums match Posiflora's meta (count, total, paid, statuses)." : `Cross-check: our sums DIFFER from Posiflora's meta — ${s.cross_check.notes.join('; ')}. Orders may have changed during the walk; call again to confirm.`);
  } else if (input.detailed && s.plan !== 'walk') {
    out.push('Largest orders and unpaid/partially paid counts need a full walk: sort "largest" or aggregate "walk".');
  }
  if (f.stores || s.by_store?.length || s.orders.some((o) => o.store !== null)) out.push(UNTRUSTED_NOTE);
  return out.join('\n');
}
