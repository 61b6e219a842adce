import { z } from 'zod';
import { quoted, shownId, UNTRUSTED_NOTE } from '../src/untrusted.js';
import { isRateLimitStatus, UpstreamError } from '../src/http/errors.js';
import { counted, Decimal, formatNumber, formatRub, toDecimalString } from '../src/money.js';
import { comparisonText, PeriodError, periodsOut, periodsShape, resolvePeriod, toLocal, type Period } from '../src/period.js';
import type { Runtime } from '../src/runtime.js';
import { defineTool, ToolInputError, type ToolContext, type ToolResource } from '../src/tool.js';
import { choice, choices, listOfItems, numberIn, periodFields, responseFormatField, type ResponseFormat } from './inputs.js';
import { marketClient, type MarketClient } from '../src/sources/market/client.js';
import { GeneratedReports, MAX_REPORTS, ReportCache, type CachedReport, type GeneratedMeta } from '../src/sources/market/report-cache.js';
import { parseReportFile, ReportFileError } from '../src/sources/market/report-file.js';
import { summariseReport, type SheetSummary } from '../src/sources/market/report-summary.js';
import {
  FORMATS, GROUPINGS, LANGUAGES, PLACEMENT_PROGRAMS, REPORT_TYPES, REPORT_TYPE_INFO,
  type ReportFormat, type ReportLanguage, type ReportType,
} from '../src/sources/market/report-types.js';
import type { ReportInfo } from '../src/sources/market/schemas.js';
import { waitForReport, type WaitOutcome } from '../src/sources/market/waiter.js';

/**
 * await_market_report: generate a Yandex Market report (or resume one by id), wait for it with progress
 * notifications, then download, unzip and summarise every sheet exactly. The parsed report stays readable
 * for up to an hour as the MCP resource `market-report://{reportId}`.
 */

const RESOURCE_SCHEME = 'market-report://';
const DEFAULT_WAIT_S = 50;

/** A Market id: digits, as a number or a string. */
const id = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().trim().regex(/^\d+$/, 'is not an id: give digits, e.g. "21000101"'));

const input = z.strictObject({
  report_id: z
    .string()
    .trim()
    .min(1)
    .max(255)
    // The id becomes a path segment of a request carrying the Api-Key: "..", "." or "/" would point it elsewhere.
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'is not an id a previous call returned (letters, digits, "_" and "-" only)' })
    .optional()
    .describe('From an earlier answer.'),
  report: z
    .strictObject({
      type: choice(REPORT_TYPES).describe('united-orders: revenue; united-marketplace-services: charges; shows-sales: funnel; goods-movement: FBY stock.'),
      ...periodFields(),
      business_id: id.optional().describe('Cabinet id; default MARKET_BUSINESS_ID.'),
      campaign_id: id.optional().describe('Shop id; default MARKET_CAMPAIGN_ID.'),
      campaign_ids: listOfItems(id).optional().describe('united-* only, e.g. ["21000101"].'),
      placement_programs: choices(PLACEMENT_PROGRAMS).optional().describe('united-marketplace-services only.'),
      inns: listOfItems(z.string()).optional().describe('united-marketplace-services only.'),
      grouping: choice(GROUPINGS).optional().describe('shows-sales only; default OFFERS.'),
      promo_id: z.string().optional().describe('united-orders only.'),
      shop_sku: z.string().optional().describe('goods-movement only.'),
      format: choice(FORMATS).optional().describe('Default JSON.'),
      language: choice(LANGUAGES).optional().describe('united-* only; default RU.'),
    })
    .optional()
    .describe('What to generate, or report_id.'),
  max_wait_seconds: numberIn(0, 600)
    .optional()
    .describe(`Default ${DEFAULT_WAIT_S}, max 600.`),
  response_format: responseFormatField('all sums, counts, columns'),
});

/** Roubles as an exact decimal string. */
const money = z.string();
const total = z.object({ orders: z.number(), items: z.string().optional(), amount: money });

const output = z.object({
  report_id: z.string(),
  report_type: z.string().optional(),
  /** As Market last said in this call; UNKNOWN when it said nothing or its last check got no answer (then last_status is what an earlier check said). */
  status: z.string(),
  last_status: z.string().optional(),
  sub_status: z.string().optional(),
  ready: z.boolean(),
  waited_seconds: z.number(),
  estimated_seconds_left: z.number().optional(),
  resume: z.object({ report_id: z.string(), not_before: z.string().optional() }).optional(),
  rate_limited_until: z.string().optional(),
  advice: z.string().optional(),
  resource_uri: z.string().optional(),
  cached_until: z.string().optional(),
  currency: z.literal('RUB'),
  /** The period the report covers and the one it would be compared with (a report holds one period). */
  periods: periodsShape.optional(),
  file: z.object({ format: z.string(), bytes: z.number(), sheets: z.number() }).optional(),
  orders: z
    .object({
      sheet: z.string(),
      basis: z.string(),
      revenue: total,
      all_statuses: total,
      excluded_statuses: z.array(z.string()),
      rows_without_amount: z.number(),
      by_status: z.array(z.object({ status: z.string(), orders: z.number(), items: z.string().optional(), amount: money, in_revenue: z.boolean() })),
      by_day: z.array(z.object({ date: z.string(), orders: z.number(), amount: money })),
      top_skus: z.array(z.object({ sku: z.string(), name: z.string().optional(), items: z.string().optional(), amount: money })),
    })
    .optional(),
  service_charges: z
    .object({ total: money, by_sheet: z.array(z.object({ sheet: z.string(), column: z.string(), amount: money })) })
    .optional(),
  sheets: z
    .array(
      z.object({
        name: z.string(),
        rows: z.number(),
        column_count: z.number(),
        columns: z.array(z.string()).optional(),
        main_amount_column: z.string().optional(),
        sums: z.array(z.object({ column: z.string(), kind: z.string(), total: z.string() })),
        unit_prices: z.array(z.object({ column: z.string(), min: money, max: money, mean: money })).optional(),
        status_counts: z.array(z.object({ column: z.string(), counts: z.array(z.object({ value: z.string(), rows: z.number() })) })),
        date_range: z.object({ column: z.string(), from: z.string(), to: z.string() }).optional(),
        top: z.array(z.object({ row: z.number(), label: z.string(), amount: money })),
      }),
    )
    .optional(),
});

type Input = z.infer<typeof input>;
type Output = z.infer<typeof output>;
type Detail = ResponseFormat;

// ---------------------------------------------------------------- input → generate request

const asNumber = (v: number | string) => Number(v);

interface GenerateRequest {
  type: ReportType;
  body: Record<string, unknown>;
  format: ReportFormat;
  language: ReportLanguage;
  period: { from: string; to: string };
  /** The period as resolved (whole days: Market takes dates). */
  resolved: Period;
}

/** The generate call for `report` (exported for the contract test, which validates it against the spec). */
export function buildRequest(report: NonNullable<Input['report']>, runtime: Runtime): GenerateRequest {
  const type = report.type;
  const cfg = runtime.config.market;
  const format = report.format ?? 'JSON';
  const language = report.language ?? 'RU';
  let p;
  try {
    p = resolvePeriod({ period: report.period, date_from: report.date_from, date_to: report.date_to }, runtime.config.tz, runtime.now());
  } catch (err) {
    // The period lives inside `report`: name the field as the caller wrote it.
    if (err instanceof PeriodError) throw new PeriodError(`report.${err.field.replace(/^report\./, '')}`, err.message);
    throw err;
  }
  // Market takes dates: named periods that include now end at the current minute, so keep the day only.
  const from = p.start.slice(0, 10);
  const to = p.end.slice(0, 10);
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  const info = REPORT_TYPE_INFO[type];
  if (days > info.maxDays) throw new ToolInputError('report.date_from', `${type} covers at most ${info.maxDays} days; ${from} – ${to} is ${days}. Narrow the period.`);

  const notFor = (field: string, allowed: ReportType[]) => {
    if (!allowed.includes(type)) throw new ToolInputError(`report.${field}`, `${type} does not take ${field} (only ${allowed.join(', ')} do); leave it out.`);
  };
  const body: Record<string, unknown> = { dateFrom: from, dateTo: to };
  const businessId = report.business_id !== undefined ? asNumber(report.business_id) : cfg.businessId;
  const campaignId = report.campaign_id !== undefined ? asNumber(report.campaign_id) : cfg.campaignId;
  if (type === 'united-orders' || type === 'united-marketplace-services') {
    if (!businessId) throw new ToolInputError('report.business_id', `${type} needs the cabinet id: pass business_id or set MARKET_BUSINESS_ID.`);
    body.businessId = businessId;
  } else if (type === 'goods-movement') {
    if (!campaignId) throw new ToolInputError('report.campaign_id', 'goods-movement needs the campaign (shop) id: pass campaign_id or set MARKET_CAMPAIGN_ID.');
    body.campaignId = campaignId;
  } else {
    // shows-sales: exactly one of the two; an explicit argument wins over the configured defaults.
    if (report.campaign_id !== undefined && report.business_id !== undefined) throw new ToolInputError('report.campaign_id', 'shows-sales takes either campaign_id or business_id, not both.');
    if (report.campaign_id !== undefined) body.campaignId = campaignId;
    else if (businessId) body.businessId = businessId;
    else if (campaignId) body.campaignId = campaignId;
    else throw new ToolInputError('report.business_id', 'shows-sales needs business_id or campaign_id (or MARKET_BUSINESS_ID / MARKET_CAMPAIGN_ID).');
    body.grouping = report.grouping ?? 'OFFERS';
  }
  if (report.grouping !== undefined) notFor('grouping', ['shows-sales']);
  if (report.language !== undefined) notFor('language', REPORT_TYPES.filter((t) => REPORT_TYPE_INFO[t].language));
  if (report.campaign_ids !== undefined) {
    notFor('campaign_ids', ['united-orders', 'united-marketplace-services']);
    if (report.campaign_ids.length > 0) body.campaignIds = [...new Set(report.campaign_ids.map(asNumber))];
  }
  if (report.placement_programs !== undefined) {
    notFor('placement_programs', ['united-marketplace-services']);
    if (report.placement_programs.length > 0) body.placementPrograms = report.placement_programs;
  }
  if (report.inns !== undefined) {
    notFor('inns', ['united-marketplace-services']);
    if (report.inns.length > 0) body.inns = [...new Set(report.inns.map((i) => i.trim()))];
  }
  if (report.promo_id !== undefined) {
    notFor('promo_id', ['united-orders']);
    body.promoId = report.promo_id.trim();
  }
  if (report.shop_sku !== undefined) {
    notFor('shop_sku', ['goods-movement']);
    body.shopSku = report.shop_sku.trim();
  }
  return { type, body, format, language, period: { from, to }, resolved: { name: p.name, start: `${from}T00:00:00`, end: `${to}T23:59:59`, tz: p.tz } };
}

// ---------------------------------------------------------------- errors with advice

/** "14:05 (Europe/Moscow)" today, with the date in front on any other day. */
function clockTime(date: Date, tz: string, now = new Date()): string {
  const local = toLocal(date, tz);
  const day = local.slice(0, 10);
  return `${day === toLocal(now, tz).slice(0, 10) ? '' : `${day} `}${local.slice(11, 16)} (${tz})`;
}

/** Upstream failures rewritten with the credential, scope or id to check. */
function explain(err: UpstreamError, step: 'generate' | 'info', runtime: Runtime, reportId?: string): UpstreamError {
  const detail = err.body && typeof err.body === 'object' ? err.message.replace(/^.*?HTTP \d+\s*/, '') : '';
  const credential = runtime.config.market.apiKey ? 'MARKET_API_KEY' : 'MARKET_OAUTH_TOKEN';
  let message: string | undefined;
  if (err.status === 401) message = `Yandex Market says the request carried no valid credentials (401${detail ? ` ${detail}` : ''}). Set ${credential} to an Api-Key token from the seller cabinet (Settings → API and modules).`;
  else if (err.status === 403) message = `Yandex Market refused access (403${detail ? ` ${detail}` : ''}). Check that ${credential} is valid, not deleted, and has a scope that allows reports (e.g. "all-methods:read-only" or "finance-and-accounting"), and that the business/campaign id belongs to that cabinet.`;
  else if (err.status === 404 && step === 'info') message = `Yandex Market does not know report ${reportId} (404). Check the report_id, or generate the report again with report: {type, period}.`;
  else if (err.status === 404) message = `Yandex Market answered 404${detail ? ` ${detail}` : ''}: the campaign or business id is unknown. Check campaign_id / business_id (or MARKET_CAMPAIGN_ID / MARKET_BUSINESS_ID).`;
  else if (err.status === 400) message = `Yandex Market rejected the report request (400${detail ? ` ${detail}` : ''}). Check the ids, the period (YYYY-MM-DD, not too long) and the filters.`;
  else if ((err.code === 'rate_limited' || err.status === 420) && err.resetAt) message = `Yandex Market's limit for ${step === 'generate' ? 'this report generator' : 'report status checks'} is reached until ${clockTime(err.resetAt, runtime.config.tz)}, later than this call may wait. Call again after that time${reportId ? ` with report_id="${reportId}"` : ''}, or raise max_wait_seconds.`;
  if (!message) return err;
  return new UpstreamError({ source: 'market', status: err.status, code: err.code, retryable: err.retryable, resetAt: err.resetAt, body: err.body, message });
}

const SUB_STATUS_ADVICE: Record<string, string> = {
  NO_DATA: 'Market has no data for this report: check the period (are there orders in it?) and the business/campaign ids, then generate again.',
  TOO_LARGE: 'The report is too large for Market to build: narrow the period (e.g. one month instead of a quarter) or filter by campaign_ids / placement_programs, then generate again.',
  RESOURCE_NOT_FOUND: 'Market could not find some of the requested entities: check campaign_ids, business_id and SKU filters.',
};

// ---------------------------------------------------------------- structured + text

const dec = (d: Decimal) => toDecimalString(d);
const qty = (d: Decimal) => d.toFixed();

function sheetOut(s: SheetSummary, detail: Detail): NonNullable<Output['sheets']>[number] {
  const topN = detail === 'detailed' ? 10 : 5;
  return {
    name: s.name,
    rows: s.rows,
    column_count: s.columns.length,
    ...(detail === 'detailed' ? { columns: s.columns } : {}),
    main_amount_column: s.mainAmount,
    ...(s.unitPrices.length > 0 ? { unit_prices: (detail === 'detailed' ? s.unitPrices : s.unitPrices.slice(0, 3)).map((u) => ({ column: u.column, min: dec(u.min), max: dec(u.max), mean: dec(u.mean) })) } : {}),
    sums: (detail === 'detailed' ? s.sums : s.sums.filter((x) => x.kind !== 'number').slice(0, 12)).map((x) => ({ column: x.column, kind: x.kind, total: x.kind === 'money' ? dec(x.total) : qty(x.total) })),
    status_counts: (detail === 'detailed' ? s.statusCounts : s.statusCounts.slice(0, 2)).map((c) => ({ column: c.column, counts: c.counts.slice(0, detail === 'detailed' ? 30 : 8) })),
    date_range: s.dateRange,
    top: s.top.slice(0, topN).map((t) => ({ row: t.row, label: t.label, amount: dec(t.amount) })),
  };
}

type Part = Pick<Output, 'orders' | 'service_charges' | 'sheets' | 'file'>;
const totalOut = (t: { orders: number; items?: Decimal; amount: Decimal }) => ({ orders: t.orders, items: t.items && qty(t.items), amount: dec(t.amount) });

function reportStructured(entry: CachedReport, detail: Detail): Part {
  const o = entry.summary.orders;
  const sc = entry.summary.services;
  return {
    file: { format: entry.format, bytes: entry.bytes, sheets: entry.sheets.length },
    orders: o && {
      sheet: o.sheet,
      basis: o.basis,
      revenue: totalOut(o.revenue),
      all_statuses: totalOut(o.allStatuses),
      excluded_statuses: o.excludedStatuses,
      rows_without_amount: o.rowsWithoutAmount,
      by_status: o.byStatus.map((s) => ({ status: s.status, orders: s.orders, items: s.items && qty(s.items), amount: dec(s.amount), in_revenue: s.inRevenue })),
      by_day: o.byDay.map((d) => ({ date: d.date, orders: d.orders, amount: dec(d.amount) })),
      top_skus: o.topSkus.slice(0, detail === 'detailed' ? 10 : 5).map((s) => ({ sku: s.sku, name: s.name, items: s.items && qty(s.items), amount: dec(s.amount) })),
    },
    service_charges: sc && { total: dec(sc.total), by_sheet: sc.bySheet.map((x) => ({ sheet: x.sheet, column: x.column, amount: dec(x.amount) })) },
    sheets: entry.summary.sheets.map((s) => sheetOut(s, detail)),
  };
}

/** The report's period and its comparison period: a report holds one period, so the comparison is named, not fetched. */
const ordersWord = (n: number) => counted(n, 'order');
const periodLine = (p: Period) => comparisonText(p, 'not compared: generate the same report for that period to compare');

const items = (d: Decimal | undefined) => (d ? `, ${formatNumber(d, 0)} items` : '');

function reportText(entry: CachedReport, structured: Part, tz: string): string {
  const lines: string[] = [];
  const title = `**Yandex Market ${entry.type ? `${entry.type} (${REPORT_TYPE_INFO[entry.type as ReportType]?.title ?? 'report'})` : 'report'} ${entry.reportId}** — ready (${entry.format}, ${entry.sheets.length} sheet${entry.sheets.length === 1 ? '' : 's'})`;
  lines.push(title);
  if (entry.period) lines.push(`Period: ${periodLine(entry.period)}.`);
  else {
    const range = structured.sheets?.find((x) => x.date_range)?.date_range;
    lines.push(`Period: not known to this process (report generated elsewhere)${range ? `; dates in the report ${range.from} – ${range.to}` : ''}.`);
  }
  const o = entry.summary.orders;
  if (o) {
    const excluded = o.excludedStatuses.length > 0 ? `excluding ${o.excludedStatuses.map(shownId).join(', ')}` : 'no cancelled or returned orders';
    lines.push(`Revenue: **${formatRub(o.revenue.amount)}** — ${ordersWord(o.revenue.orders)}${items(o.revenue.items)} (${excluded}).`);
    lines.push(`All statuses incl. cancelled/returned (not revenue): ${formatRub(o.allStatuses.amount)} — ${ordersWord(o.allStatuses.orders)}${items(o.allStatuses.items)}.`);
    lines.push(`Row amount = ${o.basis}${o.basis.includes('×') ? ' (Market\'s sale price per item × units)' : ''}.${o.rowsWithoutAmount > 0 ? ` ${o.rowsWithoutAmount} rows had no price or unit count and are left out (not counted as 0).` : ''}`);
    if (o.byStatus.length > 0) lines.push(`By status: ${o.byStatus.map((s) => `${shownId(s.status)} — ${ordersWord(s.orders)}, ${formatRub(s.amount)}${s.inRevenue ? '' : ' (not revenue)'}`).join('; ')}`);
    if (structured.orders && structured.orders.top_skus.length > 0) {
      lines.push(`Top SKUs by revenue: ${o.topSkus.slice(0, structured.orders.top_skus.length).map((s) => `${shownId(s.sku)}${s.name ? ` (${quoted(s.name)})` : ''} ${formatRub(s.amount)}${s.items ? `, ${formatNumber(s.items, 0)} items` : ''}`).join('; ')}`);
    }
  }
  const sc = entry.summary.services;
  if (sc) lines.push(`Market service charges: **${formatRub(sc.total)}** in total (${sc.bySheet.map((x) => `${shownId(x.sheet)} ${formatRub(x.amount)}`).join('; ')}).`);
  for (const s of structured.sheets ?? []) {
    const range = s.date_range ? `, ${shownId(s.date_range.from)} – ${shownId(s.date_range.to)} (${shownId(s.date_range.column)})` : '';
    lines.push(`\n**${shownId(s.name)}**: ${s.rows} rows, ${s.column_count} columns${range}`);
    const sums = s.sums.map((x) => `${shownId(x.column)} ${x.kind === 'money' ? formatRub(new Decimal(x.total)) : formatNumber(new Decimal(x.total), new Decimal(x.total).decimalPlaces())}`);
    if (sums.length > 0) lines.push(`Sums: ${sums.join('; ')}`);
    if (s.unit_prices && s.unit_prices.length > 0) {
      lines.push(`Per-item prices (not summed): ${s.unit_prices.map((u) => `${shownId(u.column)} ${formatRub(new Decimal(u.min))} – ${formatRub(new Decimal(u.max))}, mean ${formatRub(new Decimal(u.mean))}`).join('; ')}`);
    }
    for (const c of s.status_counts) lines.push(`${shownId(c.column)}: ${c.counts.map((v) => `${shownId(v.value)} ${v.rows}`).join(', ')}`);
    if (s.top.length > 0 && s.main_amount_column) lines.push(`Top by ${shownId(s.main_amount_column)}: ${s.top.map((t) => `#${t.row} ${quoted(t.label)} ${formatRub(new Decimal(t.amount))}`).join('; ')}`);
  }
  lines.push(UNTRUSTED_NOTE);
  lines.push(`\nEvery row: resource ${RESOURCE_SCHEME}${entry.reportId} (kept until ${clockTime(new Date(entry.expiresAt), tz)} at the latest; only the most recent reports are kept: ${MAX_REPORTS} at most, fewer when they are big). Sums are exact over all rows; lists are capped (response_format: "detailed" shows more).`);
  return lines.join('\n');
}

// ---------------------------------------------------------------- the run

interface Shared {
  client: MarketClient;
  cache: ReportCache;
  generated: GeneratedReports;
}

/** Downloaded reports, kept for the resource (one cache per runtime). */
const reportCache = (runtime: Runtime) => runtime.shared('market:report-cache', () => new ReportCache());

function shared(runtime: Runtime): Shared {
  return {
    client: marketClient(runtime),
    cache: reportCache(runtime),
    generated: runtime.shared('market:generated-reports', () => new GeneratedReports()),
  };
}

/** A call may overrun max_wait_seconds by at most this (a request sent near the end gets to answer). */
const OVERRUN_MS = 1_000;

/** "one per 2 min", "3 per 1 min", "one per 30 s". */
function quotaText(q: { count: number; intervalMs: number }): string {
  const per = q.intervalMs >= 60_000 ? `${Number((q.intervalMs / 60_000).toFixed(1))} min` : `${Number((q.intervalMs / 1000).toFixed(2))} s`;
  return `${q.count === 1 ? 'one' : q.count} per ${per}`;
}

/** The generator's quota is spent until `until`, later than this call may wait: when, and what to do meanwhile. */
function generateLimitError(type: ReportType, until: number, s: Shared, runtime: Runtime): UpstreamError {
  const latest = s.generated.latest(type);
  const inMinutes = Math.ceil((until - Date.now()) / 60_000);
  const message =
    `Yandex Market's generation limit for ${type} is reached until ${clockTime(new Date(until), runtime.config.tz)} ` +
    `(${quotaText(s.client.generateQuota(type))}; about ${inMinutes} min from now), later than max_wait_seconds allows. ` +
    `Resume later${latest ? `, or reuse the last ${type} report with report_id="${latest}" (no new generation needed)` : ', or resume an earlier report with its report_id'}` +
    `${until - Date.now() <= 600_000 ? '; or call again with a larger max_wait_seconds (up to 600) to wait for the slot' : ''}.`;
  return new UpstreamError({ source: 'market', status: 420, code: 'rate_limited', retryable: false, resetAt: new Date(until), message });
}

function cancelled(ctx: ToolContext, err: unknown): unknown {
  if (ctx.signal.aborted && !(err instanceof UpstreamError && err.code === 'aborted')) {
    return new UpstreamError({ source: 'market', code: 'aborted', retryable: false, message: 'Yandex Market report wait was cancelled.' });
  }
  return err;
}

/**
 * Download the file of a DONE report within what is left of max_wait_seconds, sending progress while it
 * comes; fetch a fresh link when the one we hold was refused.
 */
async function downloadAndParse(
  s: Shared,
  runtime: Runtime,
  reportId: string,
  info: ReportInfo,
  ctx: ToolContext,
  wait: { deadlineAt: number; send(message: string): void },
  meta?: GeneratedMeta,
): Promise<CachedReport> {
  const heartbeat = setInterval(() => wait.send(`Report ${reportId}: DONE, downloading the file`), runtime.config.market.progressIntervalMs);
  wait.send(`Report ${reportId}: DONE, downloading the file`);
  try {
    return await downloadWithin(s, runtime, reportId, info, ctx, wait.deadlineAt, meta);
  } catch (err) {
    if (err instanceof UpstreamError && err.code === 'deadline') {
      throw new UpstreamError({
        source: 'market',
        code: 'deadline',
        retryable: false,
        message: `Report ${reportId} is ready, but its file did not finish downloading within max_wait_seconds. Call again with report_id="${reportId}" and a larger max_wait_seconds.`,
      });
    }
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
}

async function downloadWithin(s: Shared, runtime: Runtime, reportId: string, info: ReportInfo, ctx: ToolContext, deadlineAt: number, meta?: GeneratedMeta): Promise<CachedReport> {
  const cap = runtime.config.http.maxResponseBytes;
  const within = () => ({ signal: ctx.signal, deadlineMs: Math.max(deadlineAt - Date.now(), 0) + OVERRUN_MS });
  let current = info;
  for (let attempt = 0; ; attempt++) {
    if (!current.file) throw new UpstreamError({ source: 'market', code: 'bad_response', retryable: false, message: `Yandex Market reports ${reportId} as DONE but gave no file link. Call again with report_id="${reportId}".` });
    const got = await s.client.download(current.file, cap, within());
    if (got.ok) {
      let parsed;
      try {
        parsed = parseReportFile(got.bytes, cap * 8);
      } catch (err) {
        if (err instanceof ReportFileError) throw new UpstreamError({ source: 'market', code: 'bad_response', retryable: false, message: `Report ${reportId} could not be read: ${err.message}. Generate it again with format JSON or CSV.` });
        throw err;
      }
      return s.cache.put({
        reportId,
        type: meta?.type ?? guessType(parsed.sheets.map((x) => x.name)),
        format: meta?.format ?? 'ZIP',
        bytes: got.bytes.length,
        sheets: parsed.sheets,
        summary: summariseReport(parsed.sheets, meta?.type ?? guessType(parsed.sheets.map((x) => x.name))),
        generationFinishedAt: current.generationFinishedAt,
        subStatus: current.subStatus,
        period: meta?.period,
      });
    }
    // Links expire (and each info call mints a new one): ask for a fresh link, twice at most.
    if (attempt >= 2) throw new UpstreamError({ source: 'market', status: got.status, code: 'link_expired', retryable: false, message: `The download link of report ${reportId} was refused (HTTP ${got.status}) three times. Call again with report_id="${reportId}" a little later.` });
    ctx.log('info', `Yandex Market: the link of report ${reportId} was refused (HTTP ${got.status}); fetching a fresh one from reports/info`);
    current = await s.client.info(reportId, within());
  }
}

/** Why a status check got no answer, for the text: out of time, or what failed on the way. */
function noAnswerText(err: UpstreamError, maxWaitMs: number): string {
  if (err.code === 'deadline') return `none came before max_wait_seconds (${Math.round(maxWaitMs / 1000)} s) ran out.`;
  return err.message.replace(/([^.])$/, '$1.');
}

function guessType(sheets: string[]): string | undefined {
  if (sheets.includes('orders_and_offers_transactions')) return 'united-orders';
  if (sheets.includes('sales_funnel_report')) return 'shows-sales';
  if (sheets.some((n) => n.startsWith('movement_by'))) return 'goods-movement';
  if (sheets.includes('placement')) return 'united-marketplace-services';
  return undefined;
}

async function run(args: Input, ctx: ToolContext) {
  const { runtime } = ctx;
  const started = Date.now();
  const detail: Detail = args.response_format ?? 'concise';
  if (args.report_id !== undefined && args.report !== undefined) {
    throw new ToolInputError('report_id', 'conflicts with `report`: give report_id to resume an earlier report, or report: {type, period} to generate a new one, not both.');
  }
  if (args.report_id === undefined && args.report === undefined) {
    throw new ToolInputError('report', 'give report: {type, period} to generate a report (e.g. {"type":"united-orders","period":"last_month"}), or report_id to resume one.');
  }
  const maxWaitMs = (args.max_wait_seconds ?? DEFAULT_WAIT_S) * 1000;
  const deadlineAt = started + maxWaitMs;
  const s = shared(runtime);
  const tz = runtime.config.tz;
  const waited = () => Math.round((Date.now() - started) / 100) / 10;

  // Progress: a strictly growing count of seconds waited, with what we wait for as the message. It runs
  // from the start (also while waiting for a generate slot), so clients that reset timeouts on progress wait.
  let lastProgress = 0;
  const send = (message: string) => {
    const value = Math.max(waited(), lastProgress + 0.1);
    lastProgress = value;
    void ctx.progress(value, undefined, `${message}; waited ${Math.round(value)} s of ${Math.round(maxWaitMs / 1000)} s`);
  };

  let reportId: string;
  let firstPollMs = 0;
  let meta: GeneratedMeta | undefined;
  if (args.report) {
    const req = buildRequest(args.report, runtime);
    const limitError = (until: number) => generateLimitError(req.type, until, s, runtime);
    const nextFree = s.client.nextGenerateAt(req.type);
    // The slot comes later than this call may wait: say so now instead of waiting in vain.
    if (nextFree > deadlineAt) throw limitError(nextFree);
    const waitingFor = () => {
      const next = s.client.nextGenerateAt(req.type);
      return next > Date.now()
        ? `Waiting for Market's ${req.type} generate quota until ${clockTime(new Date(next), tz)} (${quotaText(s.client.generateQuota(req.type))})`
        : `Requesting a ${req.type} report from Yandex Market`;
    };
    send(waitingFor());
    const heartbeat = setInterval(() => send(waitingFor()), runtime.config.market.progressIntervalMs);
    let generated;
    try {
      generated = await s.client.generate(req.type, req.body, req.format, req.language, { signal: ctx.signal, deadlineMs: Math.max(deadlineAt - Date.now(), 0) + OVERRUN_MS });
    } catch (err) {
      if (err instanceof UpstreamError && !ctx.signal.aborted) {
        if (err.code === 'deadline') throw limitError(s.client.nextGenerateAt(req.type) || Date.now() + s.client.generateQuota(req.type).intervalMs);
        if ((err.code === 'rate_limited' || isRateLimitStatus(err.status ?? 0)) && err.resetAt) throw limitError(err.resetAt.getTime());
      }
      throw cancelled(ctx, err instanceof UpstreamError ? explain(err, 'generate', runtime) : err);
    } finally {
      clearInterval(heartbeat);
    }
    reportId = generated.reportId;
    meta = { type: req.type, format: req.format, period: req.resolved };
    s.generated.remember(reportId, req.type, req.format, req.resolved);
    firstPollMs = generated.estimatedMs ?? 2_000;
    ctx.log('info', `Yandex Market: ${req.type} report ${reportId} requested for ${req.period.from} – ${req.period.to}; estimated ${Math.round(firstPollMs / 1000)} s`);
  } else {
    reportId = args.report_id!;
    meta = s.generated.get(reportId);
    const cached = s.cache.get(reportId);
    if (cached) return done(cached, detail, tz, waited());
  }

  const progress = (info: ReportInfo | undefined) => {
    // A report just requested is pending by definition; a resumed one is unknown until Market answers.
    const status = info?.status ?? (args.report ? 'PENDING' : 'status not checked yet');
    const estimate = info ? info.estimatedMs : firstPollMs;
    send(`Report ${reportId}: ${status}${estimate ? `, about ${Math.ceil(estimate / 1000)} s left (Market's estimate)` : ''}`);
  };
  progress(undefined);

  let outcome: WaitOutcome;
  try {
    outcome = await waitForReport({
      client: s.client,
      reportId,
      firstPollMs,
      deadlineAt,
      minIntervalMs: Math.ceil(60_000 / (runtime.config.market.methodLimits['reports.info']?.count ?? 100)),
      heartbeatMs: runtime.config.market.progressIntervalMs,
      signal: ctx.signal,
      onProgress: progress,
    });
  } catch (err) {
    throw cancelled(ctx, err instanceof UpstreamError ? explain(err, 'info', runtime, reportId) : err);
  }

  const base = { report_id: reportId, report_type: meta?.type, currency: 'RUB' as const, periods: meta?.period && periodsOut(meta.period, false) };
  if (outcome.kind !== 'finished') {
    // Only a status Market sent in this call is stated: when the last check got no answer, it is unknown now.
    const noAnswer = outcome.kind === 'unanswered' ? outcome.error : undefined;
    const known = noAnswer ? undefined : outcome.info;
    const left = known?.estimatedMs;
    const until = outcome.kind === 'rate_limited' ? outcome.until : undefined;
    const structured: Output = {
      ...base,
      status: known?.status ?? 'UNKNOWN',
      last_status: noAnswer ? outcome.info?.status : undefined,
      ready: false,
      waited_seconds: waited(),
      estimated_seconds_left: left !== undefined ? Math.ceil(left / 1000) : undefined,
      resume: { report_id: reportId, not_before: until?.toISOString() },
      rate_limited_until: until?.toISOString(),
    };
    const why = until
      ? `Market's limit on status checks is reached until ${clockTime(until, tz)}.`
      : noAnswer
        ? `the status check (reports/info) got no answer: ${noAnswerText(noAnswer, maxWaitMs)}${outcome.info ? ` The last answered check said ${outcome.info.status}.` : ''}`
        : `max_wait_seconds (${Math.round(maxWaitMs / 1000)} s) passed.`;
    const headline = `**Yandex Market report ${reportId}**${meta?.period ? ` for ${periodLine(meta.period)}` : ''}`;
    const text = [
      known ? `${headline} is still ${known.status}${left ? ` (Market estimates about ${Math.ceil(left / 1000)} s more)` : ''}; ${why}` : `${headline}: status unknown — ${why}`,
      `The report is not lost: call await_market_report again with report_id="${reportId}"${until ? ` after ${clockTime(until, tz)}` : ''}${maxWaitMs < 600_000 ? ' (a larger max_wait_seconds waits longer in one call, if your client resets its timeout on progress)' : ''}.`,
    ].join('\n');
    return { text, structured };
  }

  const info = outcome.info;
  if (info.status === 'FAILED') {
    const advice = (info.subStatus && SUB_STATUS_ADVICE[info.subStatus]) ?? 'Market could not build the report: check the ids and the period, then generate it again; if it fails again, try a shorter period.';
    const structured: Output = { ...base, status: 'FAILED', sub_status: info.subStatus, ready: false, waited_seconds: waited(), advice, currency: 'RUB' };
    return { text: `**Yandex Market report ${reportId} failed**${info.subStatus ? ` (${info.subStatus})` : ''}. ${advice}`, structured };
  }

  let entry: CachedReport;
  try {
    entry = await downloadAndParse(s, runtime, reportId, info, ctx, { deadlineAt, send }, meta);
  } catch (err) {
    throw cancelled(ctx, err instanceof UpstreamError ? explain(err, 'info', runtime, reportId) : err);
  }
  return done(entry, detail, tz, waited());
}

function done(entry: CachedReport, detail: Detail, tz: string, waitedSeconds: number) {
  const parts = reportStructured(entry, detail);
  const advice = entry.subStatus ? SUB_STATUS_ADVICE[entry.subStatus] : undefined;
  const structured: Output = {
    report_id: entry.reportId,
    report_type: entry.type,
    status: 'DONE',
    sub_status: entry.subStatus,
    ready: true,
    waited_seconds: waitedSeconds,
    advice,
    resource_uri: `${RESOURCE_SCHEME}${entry.reportId}`,
    cached_until: new Date(entry.expiresAt).toISOString(),
    currency: 'RUB',
    periods: entry.period && periodsOut(entry.period, false),
    ...parts,
  };
  let text = reportText(entry, parts, tz);
  if (advice) text = `${text}\nNote (${entry.subStatus}): ${advice}`;
  return {
    text,
    structured,
    links: [{ uri: `${RESOURCE_SCHEME}${entry.reportId}`, name: `market-report ${entry.reportId}`, description: 'Every row of every sheet of the report (JSON), kept up to 60 min', mimeType: 'application/json' }],
  };
}

// ---------------------------------------------------------------- the resource

const reportRows: ToolResource = {
  name: 'market-report',
  uri: `${RESOURCE_SCHEME}{reportId}`,
  template: true,
  metadata: {
    title: 'Yandex Market report rows',
    description: `Every row of a report downloaded by await_market_report, by sheet, as JSON. Kept up to 60 minutes after download (the most recent: ${MAX_REPORTS} at most, fewer when they are big).`,
    mimeType: 'application/json',
  },
  list: (runtime) =>
    reportCache(runtime)
      .list()
      .map((e) => ({ uri: `${RESOURCE_SCHEME}${e.reportId}`, name: `market-report ${e.reportId}`, description: `${e.type ?? 'report'}: ${e.sheets.map((x) => `${x.name} (${x.rows.length} rows)`).join(', ')}`, mimeType: 'application/json' })),
  async read(uri, variables, runtime) {
    const reportId = decodeURIComponent(String(variables.reportId ?? ''));
    const entry = reportCache(runtime).get(reportId);
    if (!entry) throw new Error(`Report ${reportId} is not in memory (reports are kept up to 60 minutes). Call await_market_report with report_id="${reportId}" to download it again.`);
    const payload = {
      report_id: entry.reportId,
      report_type: entry.type,
      format: entry.format,
      expires_at: new Date(entry.expiresAt).toISOString(),
      sheets: entry.sheets.map((x) => ({ name: x.name, columns: x.columns, rows: x.rows })),
    };
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(payload) }] };
  },
};

export default defineTool({
  name: 'await_market_report',
  title: 'Yandex Market report',
  description:
    'Use for Yandex Market seller reports (orders, revenue, charges, funnel, FBY stock): generates, waits, sums every ' +
    'sheet exactly. Generations are scarce: resume by report_id. Example: {"report":{"type":"united-orders","period":"last_month"}}',
  input,
  output,
  annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: false },
  source: 'market',
  run,
  resources: [reportRows],
});
