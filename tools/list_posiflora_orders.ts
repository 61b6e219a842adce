import { createHash } from 'node:crypto';
import { Decimal } from '../src/money.js';
import { z } from 'zod';
import { periodDays, periodsShape, previousPeriod, resolvePeriod, toInstant } from '../src/period.js';
import { newTally } from '../src/sources/posiflora/auth.js';
import { PosifloraClient, type StoreInfo } from '../src/sources/posiflora/client.js';
import { DATE_FIELDS, periodBuckets, runPlan, runRows, totalsFor, type DateField, type GroupBy, type OrderQuery, type RunOptions } from '../src/sources/posiflora/orders.js';
import { ORDER_STATUSES } from '../src/sources/posiflora/schemas.js';
import { buildStructured, buildText } from '../src/sources/posiflora/summary.js';
import { defineTool, shownInput, ToolInputError } from '../src/tool.js';
import { choice, choices, flag, listOfItems, periodFields, responseFormatField, wholeNumber } from './inputs.js';

const GROUPS = ['status', 'store', 'day', 'week', 'delivery'] as const;
const MAX_LIMIT = 200;
/** A "largest orders" cursor keeps offset+limit rows in memory during the walk; bound it. */
const MAX_LARGEST_DEPTH = 5000;

const SORTS = ['recent', 'largest'] as const;

const input = z.strictObject({
  ...periodFields('last_30_days'),
  date_field: choice(Object.keys(DATE_FIELDS) as [DateField, ...DateField[]]).optional().describe('Default created.'),
  statuses: choices(ORDER_STATUSES).optional().describe('e.g. ["done","new"].'),
  stores: listOfItems(z.string()).optional().describe('Ids or names, e.g. ["Флора Центр"].'),
  search: z.string().max(200).optional().describe('Name, order no., phone or card.'),
  delivery: flag().optional().describe('true: delivery only; false: none.'),
  amount_min: amountField().describe('Roubles, e.g. 1000.'),
  amount_max: amountField().describe('Roubles, e.g. 5000.'),
  customer: z.string().optional().describe('Customer UUID.'),
  group_by: choices(GROUPS)
    .optional()
    .describe('e.g. ["status","store"]: status counts free; +1 request per store, day, week, delivery.'),
  status_sums: flag().optional().describe('true: sums per status, +1 request per status.'),
  sort: choice(SORTS).optional().describe('Default recent; largest walks every page.'),
  limit: wholeNumber(0, MAX_LIMIT).optional().describe('Orders listed; default 20; 0 = none.'),
  cursor: z.string().optional().describe('next_cursor of the last answer.'),
  aggregate: z
    .union([z.boolean(), choice(['walk', 'true', 'false'])])
    .optional()
    .describe('true (default): cheapest plan; false: orders only; "walk": sum all pages.'),
  compare_previous: flag().optional().describe('true: +1 request for the period before.'),
  response_format: responseFormatField('all day rows, plan notes'),
});

/** A rouble amount: a JSON number or a numeric string (checked in run(), with the fix in the message). */
function amountField() {
  return z.union([z.number(), z.string()]).optional();
}

/** A validated amount filter as a decimal string; negative or non-numeric values are refused with the fix. */
function amountOf(field: string, raw: number | string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const trimmed = String(raw).trim();
  // "1,000" may mean a thousand (grouping) or one (decimal comma): ask rather than guess.
  if (/^-?\d{1,3}(,\d{3})+$/.test(trimmed)) {
    throw new ToolInputError(field, `${shownInput(raw)} is ambiguous (a thousands separator or a decimal comma?); give plain digits, e.g. 1000 or "1.5".`);
  }
  const text = trimmed.replace(',', '.');
  if (text === '') return undefined;
  if (text.length > 30 || !/^-?\d+(\.\d+)?$/.test(text)) throw new ToolInputError(field, `${shownInput(raw)} is not a number of roubles; give e.g. 1000 or "1500.50".`);
  const d = new Decimal(text);
  if (d.isNegative()) throw new ToolInputError(field, `${shownInput(raw)} is negative; order totals are not, so give 0 or more (e.g. 1000), or leave ${field} out.`);
  return d.toFixed();
}

const money = z.string();
/** Orders and their sums, as every breakdown row carries them (one shape, published once). */
const sums = z.object({ orders: z.number().int(), total_amount: money.nullable(), payments_amount: money.nullable(), outstanding_amount: money.nullable() }).meta({ title: 'sums' });

const output = z.object({
  source: z.literal('posiflora'),
  currency: z.literal('RUB'),
  period: z.object({ from: z.string(), to: z.string(), tz: z.string(), date_field: z.string() }),
  periods: periodsShape,
  previous: sums.extend({ orders_change_percent: money.nullable(), total_change_percent: money.nullable() }).nullable(),
  filters: z.object({
    statuses: z.array(z.string()).nullable(),
    stores: z.array(z.object({ id: z.string(), name: z.string() })).nullable(),
    search: z.string().nullable(),
    delivery: z.boolean().nullable(),
    amount_min: z.number().nullable(),
    amount_max: z.number().nullable(),
    customer: z.string().nullable(),
  }),
  plan: z.enum(['meta', 'meta-per-group', 'walk', 'rows']),
  upstream_requests: z.number().int(),
  session_requests: z.number().int(),
  totals: z.object({
    ...sums.shape,
    outstanding_amount: money.nullable(),
    outstanding_open_amount: money.nullable(),
    closed_orders: z.number().int().nullable(),
    orders_without_amount: z.number().int(),
  }),
  by_status: z.array(z.object({ status: z.string() }).and(sums)),
  by_store: z
    .array(z.object({ store_id: z.string(), store: z.string(), orders_by_status: z.record(z.string(), z.number().int()).nullable().describe('Counts by status in this store (group_by status and store).') }).and(sums))
    .nullable(),
  by_day: z
    .object({
      unit: z.enum(['day', 'week']),
      grouped_by: z.string(),
      switched_from_day: z.boolean(),
      rows: z.array(z.object({ date: z.string(), label: z.string(), partial: z.boolean() }).and(sums)),
    })
    .nullable(),
  delivery: z.object({ orders: z.number().int(), total_amount: money.nullable(), share_percent: z.string().nullable() }).nullable(),
  payment_issues: z.object({ unpaid_orders: z.number().int(), partially_paid_orders: z.number().int(), outstanding_amount: money }).nullable(),
  orders: z.array(
    z.object({
      id: z.string(),
      doc_no: z.string(),
      created_at: z.string().nullable(),
      status: z.string(),
      store_id: z.string().nullable(),
      store: z.string().nullable(),
      total_amount: money.nullable(),
      payments_amount: money.nullable(),
      payment: z.enum(['paid', 'partial', 'unpaid', 'n/a']),
      delivery: z.boolean(),
    }),
  ),
  orders_matching: z.number().int(),
  offset: z.number().int(),
  sort: z.enum(['recent', 'largest']),
  next_cursor: z.string().nullable(),
  cross_check: z.object({ checked: z.boolean(), matches: z.boolean().nullable(), notes: z.array(z.string()) }),
  notes: z.array(z.string()),
});

function aggregateOf(value: boolean | 'walk' | 'true' | 'false' | undefined): boolean | 'walk' {
  if (value === 'walk') return 'walk';
  return value === undefined || value === true || value === 'true';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Store inputs to ids: ids pass as they are (Posiflora answers 404 for unknown ones); names are looked up. */
function resolveStores(values: string[], list: StoreInfo[] | undefined): Array<{ id: string; name?: string }> {
  return values.map((v) => {
    const wanted = v.trim();
    const byId = list?.find((s) => s.id === wanted);
    if (byId) return { id: byId.id, name: byId.title };
    if (UUID.test(wanted) && !list) return { id: wanted };
    const lower = wanted.toLowerCase();
    const exact = list?.filter((s) => s.title.toLowerCase() === lower) ?? [];
    const partial = exact.length > 0 ? exact : (list?.filter((s) => s.title.toLowerCase().includes(lower)) ?? []);
    if (partial.length === 1) return { id: partial[0]!.id, name: partial[0]!.title };
    if (UUID.test(wanted)) return { id: wanted };
    const known = list?.map((s) => `"${s.title}"`).join(', ') ?? '';
    throw new ToolInputError('stores', partial.length > 1 ? `"${v}" matches several stores (${partial.map((s) => s.title).join(', ')}); give the full name or id.` : `no store is called "${v}". Stores: ${known}.`);
  });
}

function formatInstant(local: string, tz: string): string {
  return toInstant(local, tz).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

interface CursorData {
  v: 1;
  h: string;
  o: number;
}

function encodeCursor(data: CursorData): string {
  return Buffer.from(JSON.stringify(data)).toString('base64url');
}

function decodeCursor(cursor: string, hash: string): number {
  let data: Partial<CursorData> | undefined;
  try {
    data = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorData>;
  } catch {
    data = undefined;
  }
  if (!data || data.v !== 1 || typeof data.o !== 'number' || !Number.isInteger(data.o) || data.o < 0) {
    throw new ToolInputError('cursor', 'is not a cursor from this tool; pass next_cursor exactly as it was returned, or drop it to start over.');
  }
  if (data.h !== hash) throw new ToolInputError('cursor', 'belongs to a different query; repeat the same period, filters and sort as the call that returned it, or drop cursor to start over.');
  return data.o;
}

export default defineTool({
  name: 'list_posiflora_orders',
  title: 'Posiflora orders',
  description:
    'Use for Posiflora (flower shop) orders: counts and sums by status, store, day or week, unpaid, delivery, recent or ' +
    'largest orders; the default costs one request (compare_previous: +1). Example: {"period":"last_week","group_by":["status"]}',
  input,
  output,
  annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: true },
  source: 'posiflora',
  async run(args, ctx) {
    // Everything the model could get wrong is checked before any request.
    const tz = ctx.runtime.config.tz;
    const periodDefaulted = args.period === undefined && args.date_from === undefined && args.date_to === undefined;
    const dateField = args.date_field ?? 'created';
    // Delivery times (due) are planned ahead: only they may lie in the future.
    const period = resolvePeriod(args, tz, ctx.runtime.now(), 'last_30_days', { future: dateField === 'due' });
    const statuses = args.statuses?.length ? args.statuses : undefined;
    let groupBy: GroupBy[] = args.group_by ?? [];
    if (args.status_sums === true && !groupBy.includes('status')) groupBy = [...groupBy, 'status'];
    // Per-day rows over long periods would flood the answer: weeks instead (and the answer says so).
    const switchedToWeeks = groupBy.includes('day') && periodDays(period) > 92;
    if (switchedToWeeks) groupBy = [...new Set(groupBy.map((g) => (g === 'day' ? 'week' : g)))];
    const unit = groupBy.includes('week') ? 'week' : groupBy.includes('day') ? 'day' : undefined;
    const sort = args.sort ?? 'recent';
    const aggregate = aggregateOf(args.aggregate);
    const detailed = args.response_format === 'detailed';
    const limit = args.limit ?? 20;
    const amountMin = amountOf('amount_min', args.amount_min);
    const amountMax = amountOf('amount_max', args.amount_max);
    if (amountMin !== undefined && amountMax !== undefined && new Decimal(amountMin).gt(amountMax)) {
      throw new ToolInputError('amount_min', `${amountMin} is above amount_max ${amountMax}; swap them.`);
    }
    const search = args.search?.trim() || undefined;
    const customer = args.customer?.trim() || undefined;

    const client = PosifloraClient.for(ctx.runtime);
    const tally = newTally();
    // The store list costs a request: only for names to resolve here, or later for per-store labels.
    const needsStoreList = args.stores?.some((s) => !UUID.test(s.trim())) ?? false;
    let storeList = needsStoreList ? await client.stores(tally, ctx.signal) : undefined;
    const stores = args.stores?.length ? resolveStores(args.stores, storeList) : undefined;

    const query: OrderQuery = {
      dateField,
      from: formatInstant(period.start, tz),
      to: formatInstant(period.end, tz),
      tz,
      statuses,
      storeIds: stores?.map((s) => s.id),
      search,
      delivery: args.delivery,
      amountMin,
      amountMax,
      customer,
    };
    const hash = createHash('sha256')
      .update(JSON.stringify([query.dateField, query.from, query.to, statuses ?? [], [...(query.storeIds ?? [])].sort(), search, args.delivery, amountMin, amountMax, customer, sort]))
      .digest('hex')
      .slice(0, 16);
    const offset = args.cursor ? decodeCursor(args.cursor, hash) : 0;
    if (sort === 'largest' && offset + limit > MAX_LARGEST_DEPTH) {
      throw new ToolInputError('cursor', `the largest-orders listing goes ${MAX_LARGEST_DEPTH} orders deep; narrow the period or add amount_min to see more.`);
    }

    const limits = ctx.runtime.config.posiflora.limit;
    const options: RunOptions = {
      client,
      query,
      groupBy,
      buckets: unit ? periodBuckets(period.start, period.end, tz, unit) : undefined,
      aggregate: aggregate === 'walk' ? 'walk' : true,
      statusSums: args.status_sums === true,
      rps: ((limits.count ?? 5) * 1000) / (limits.intervalMs ?? 1000),
      limit,
      offset,
      sort,
      tally,
      signal: ctx.signal,
      concurrency: ctx.runtime.config.posiflora.limit.maxConcurrent ?? 3,
      storeCountHint: storeList?.length,
      // Ids to break down by; the list is fetched only when ids or names are still missing.
      storesForGroups: async () => {
        if (stores?.every((s) => s.name)) return stores.map((s) => s.id);
        storeList ??= await client.stores(tally, ctx.signal);
        return stores?.map((s) => s.id) ?? storeList.map((s) => s.id);
      },
      progress: (done, total) => void ctx.progress(done, total, `Posiflora: page ${done} of ${total}`),
    };
    // Continuing a "recent" listing: the figures were in the first answer, so only the rows are fetched.
    const continuing = args.cursor !== undefined && sort === 'recent';
    // The same query over the comparison period: one request, Posiflora's own count and sums.
    const compared = aggregate !== false && !continuing && args.compare_previous === true;
    const prev = previousPeriod(period);
    const [report, previous] = await Promise.all([
      aggregate === false
        ? runRows(options)
        : continuing
          ? runRows(options, 'Continuing the listing: only these orders were fetched; the figures are in the first answer (call without cursor to recompute them).')
          : runPlan(options),
      compared ? totalsFor(options, { from: formatInstant(prev.start, tz), to: formatInstant(prev.end, tz) }) : undefined,
    ]);
    for (const s of storeList ?? []) if (!report.storeNames.has(s.id)) report.storeNames.set(s.id, s.title);
    for (const s of stores ?? []) if (s.name && !report.storeNames.has(s.id)) report.storeNames.set(s.id, s.name);

    const nextOffset = offset + report.rows.length;
    const nextCursor = limit > 0 && report.rows.length > 0 && nextOffset < report.matching ? encodeCursor({ v: 1, h: hash, o: nextOffset }) : null;
    const summaryInput = {
      report,
      period,
      dateField,
      filters: { statuses, stores, search, delivery: args.delivery, amount_min: amountMin === undefined ? undefined : Number(amountMin), amount_max: amountMax === undefined ? undefined : Number(amountMax), customer },
      switchedToWeeks,
      offset,
      limit,
      sort,
      nextCursor,
      tally,
      detailed,
      periodDefaulted,
      previous,
      notCompared: compared ? undefined : continuing ? 'not compared in a continuation' : aggregate === false ? 'not compared with aggregate: false' : 'not fetched: compare_previous true adds it for one request',
    };
    const structured = buildStructured(summaryInput);
    return { text: buildText(summaryInput, structured), structured };
  },
});
