import { Decimal, formatNumber, formatRub, share, toDecimalString } from '../../money.js';
import { formatPeriod, toLocal, type Period } from '../../period.js';
import type { Tally } from './auth.js';
import { paymentState, type DateField, type Report, type Sums } from './orders.js';

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
}

const money = (d: Decimal | undefined) => (d === undefined ? null : toDecimalString(d));

function sumsOut(s: Sums) {
  return {
    orders: s.orders,
    total_amount: toDecimalString(s.total),
    payments_amount: toDecimalString(s.paid),
    outstanding_amount: toDecimalString(s.total.minus(s.paid)),
  };
}

function storeName(report: Report, id: string, filters: SummaryInput['filters']): string {
  return report.storeNames.get(id) ?? filters.stores?.find((s) => s.id === id)?.name ?? id;
}

const PLAN_TEXT: Record<Report['plan'], string> = {
  meta: "Posiflora's own aggregates (meta) for the whole filtered set",
  'meta-per-group': "Posiflora's own aggregates (meta), one request per status/store",
  walk: 'a full walk over every page, summed by us',
  rows: 'one page of orders plus its meta',
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
    totals: { ...sumsOut(report.overall), orders_without_amount: report.overall.missing },
    by_status: statusRows,
    by_store: report.byStore
      ? [...report.byStore].map(([id, s]) => ({ store_id: id, store: storeName(report, id, filters), ...sumsOut(s) })).filter((r) => r.orders > 0).sort((a, b) => b.orders - a.orders)
      : null,
    by_day: report.byDay
      ? { unit: report.byDay.unit, rows: [...report.byDay.sums].sort(([a], [b]) => a.localeCompare(b)).map(([date, s]) => ({ date, ...sumsOut(s) })) }
      : null,
    delivery: report.delivery
      ? { orders: report.delivery.orders, total_amount: toDecimalString(report.delivery.total), share_percent: money(share(new Decimal(report.delivery.orders), new Decimal(report.overall.orders))) }
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
  };
}

export type Structured = ReturnType<typeof buildStructured>;

const rub = (v: string | null) => (v === null ? '—' : formatRub(new Decimal(v)));

export function buildText(input: SummaryInput, s: Structured): string {
  const out: string[] = [];
  const f = s.filters;
  const scope = [
    `by ${input.dateField.replace('_', ' ')} date`,
    f.statuses ? `statuses: ${f.statuses.join(', ')}` : undefined,
    f.stores ? `stores: ${f.stores.map((x) => x.name).join(', ')}` : undefined,
    f.search ? `search "${f.search}"` : undefined,
    f.delivery !== null ? (f.delivery ? 'delivery only' : 'no delivery') : undefined,
    f.amount_min !== null ? `total ≥ ${f.amount_min}` : undefined,
    f.amount_max !== null ? `total ≤ ${f.amount_max}` : undefined,
    f.customer ? `customer ${f.customer}` : undefined,
  ].filter(Boolean);
  out.push(`**Posiflora orders, ${formatPeriod(input.period)}**${input.periodDefaulted ? ' (default period; pass period or date_from/date_to)' : ''} — ${scope.join('; ')}`);
  const t = s.totals;
  out.push(`**${t.orders} orders · ${rub(t.total_amount)} total · ${rub(t.payments_amount)} paid · ${rub(t.outstanding_amount)} outstanding**`);
  if (t.orders_without_amount > 0 && s.plan === 'walk') out.push(`${t.orders_without_amount} orders came without an amount; they are counted but not summed.`);
  if (s.delivery) out.push(`Delivery: ${s.delivery.orders} orders (${s.delivery.share_percent === null ? 'n/a' : `${formatNumber(new Decimal(s.delivery.share_percent), 1)} %`} of orders), ${rub(s.delivery.total_amount)}.`);
  if (s.payment_issues && (s.payment_issues.unpaid_orders > 0 || s.payment_issues.partially_paid_orders > 0)) {
    out.push(`⚠ Not fully paid (open or done orders): ${s.payment_issues.unpaid_orders} unpaid, ${s.payment_issues.partially_paid_orders} partially paid — ${rub(s.payment_issues.outstanding_amount)} outstanding.`);
  }

  if (s.by_status.length > 0) {
    const withSums = s.by_status.some((r) => r.total_amount !== null);
    out.push('', withSums ? '| status | orders | total | paid | outstanding |\n|---|---:|---:|---:|---:|' : '| status | orders |\n|---|---:|');
    for (const r of s.by_status) out.push(withSums ? `| ${r.status} | ${r.orders} | ${rub(r.total_amount)} | ${rub(r.payments_amount)} | ${rub(r.outstanding_amount)} |` : `| ${r.status} | ${r.orders} |`);
    if (!withSums) out.push('(counts only; sums per status: group_by ["status"])');
  }
  if (s.by_store && s.by_store.length > 0) {
    out.push('', '| store | orders | total | paid | outstanding |\n|---|---:|---:|---:|---:|');
    for (const r of s.by_store) out.push(`| ${r.store} | ${r.orders} | ${rub(r.total_amount)} | ${rub(r.payments_amount)} | ${rub(r.outstanding_amount)} |`);
  }
  if (s.by_day && s.by_day.rows.length > 0) {
    const rows = s.by_day.rows;
    const shown = input.detailed ? rows : rows.slice(-14);
    out.push('', `| ${s.by_day.unit === 'week' ? 'week of' : 'day'} | orders | total | paid |\n|---|---:|---:|---:|`);
    for (const r of shown) out.push(`| ${r.date} | ${r.orders} | ${rub(r.total_amount)} | ${rub(r.payments_amount)} |`);
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
      out.push(`| ${o.doc_no} | ${date} | ${o.status} | ${o.store ?? '—'} | ${rub(o.total_amount)} | ${rub(o.payments_amount)}${mark} |`);
    }
  }
  if (s.next_cursor) out.push(`More orders: call again with the same arguments and cursor "${s.next_cursor}".`);

  out.push('', `Plan: ${s.plan} — ${PLAN_TEXT[s.plan]}; ${s.upstream_requests} upstream request${s.upstream_requests === 1 ? '' : 's'}${s.session_requests > 0 ? ` (+${s.session_requests} session)` : ''}.`);
  if (s.cross_check.checked) {
    out.push(s.cross_check.matches ? "Cross-check: our sums match Posiflora's meta (count, total, paid, statuses)." : `Cross-check: our sums DIFFER from Posiflora's meta — ${s.cross_check.notes.join('; ')}. Orders may have changed during the walk; call again to confirm.`);
  } else if (input.detailed && s.plan !== 'walk') {
    out.push('Per-day figures, largest orders and unpaid counts need a full walk: group_by ["day"], sort "largest" or aggregate "walk".');
  }
  return out.join('\n');
}
