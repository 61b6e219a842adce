import { createHash } from 'node:crypto';
import { z } from 'zod';
import { periodDays, resolvePeriod, toInstant } from '../src/period.js';
import { newTally } from '../src/sources/posiflora/auth.js';
import { PosifloraClient, type StoreInfo } from '../src/sources/posiflora/client.js';
import { DATE_FIELDS, runMetaPlan, runWalk, type DateField, type GroupBy, type OrderQuery, type RunOptions } from '../src/sources/posiflora/orders.js';
import { ORDER_STATUSES } from '../src/sources/posiflora/schemas.js';
import { buildStructured, buildText } from '../src/sources/posiflora/summary.js';
import { defineTool, ToolInputError } from '../src/tool.js';
import { listOf, oneOf, periodFields, responseFormat, responseFormatField } from './inputs.js';

const GROUPS = ['status', 'store', 'day', 'week'] as const;
const MAX_LIMIT = 200;
/** A "largest orders" cursor keeps offset+limit rows in memory during the walk; bound it. */
const MAX_LARGEST_DEPTH = 5000;

const input = z.object({
  ...periodFields('last_30_days'),
  date_field: z.string().optional().describe('Which date the period applies to: created (default), updated, due (delivery time), posted, payment_posted.'),
  statuses: z.array(z.string()).optional().describe(`Only these statuses, e.g. ["done","new"]. One of: ${ORDER_STATUSES.join(', ')}.`),
  stores: z.array(z.string()).optional().describe('Only these stores: ids or names, e.g. ["Флора Центр"].'),
  search: z.string().optional().describe('Search by client name, order number, phone or card number, e.g. "aaad22003858".'),
  delivery: z.boolean().optional().describe('true: delivery orders only; false: without delivery.'),
  amount_min: z.number().optional().describe('Minimum order total in roubles, e.g. 1000.'),
  amount_max: z.number().optional().describe('Maximum order total in roubles, e.g. 5000.'),
  customer: z.string().optional().describe('Customer id (Posiflora UUID).'),
  group_by: z.array(z.string()).optional().describe('Breakdowns: "status" (default; one request per status), "store" (one per store), "day" or "week" (these walk every page). E.g. ["status","store","day"].'),
  sort: z.string().optional().describe('Which orders to list: "recent" (default, newest first) or "largest" (by total; walks every page).'),
  limit: z.number().int().min(0).max(MAX_LIMIT).optional().describe(`Orders to list, 0–${MAX_LIMIT}; default 20. 0 = figures only (cheapest).`),
  cursor: z.string().optional().describe('next_cursor from a previous answer, to list the next orders (repeat the same other arguments).'),
  aggregate: z.union([z.boolean(), z.string()]).optional().describe('true (default): figures by the cheapest plan; false: only the listed orders and overall meta; "walk": sum every page ourselves and cross-check against Posiflora\'s meta.'),
  response_format: responseFormatField('the figures and the listed orders', 'every day row, plan notes'),
});

const money = z.string().describe('Roubles as a decimal string, e.g. "12345.67"');
const sums = { orders: z.number().int(), total_amount: money, payments_amount: money, outstanding_amount: money };
const maybeSums = { orders: z.number().int(), total_amount: money.nullable(), payments_amount: money.nullable(), outstanding_amount: money.nullable() };

const output = z.object({
  source: z.literal('posiflora'),
  currency: z.literal('RUB'),
  period: z.object({ from: z.string(), to: z.string(), tz: z.string(), date_field: z.string() }),
  filters: z.object({
    statuses: z.array(z.string()).nullable(),
    stores: z.array(z.object({ id: z.string(), name: z.string() })).nullable(),
    search: z.string().nullable(),
    delivery: z.boolean().nullable(),
    amount_min: z.number().nullable(),
    amount_max: z.number().nullable(),
    customer: z.string().nullable(),
  }),
  plan: z.enum(['meta', 'meta-per-group', 'walk', 'rows']).describe('How the figures were obtained'),
  upstream_requests: z.number().int().describe('Data requests sent to Posiflora for this answer'),
  session_requests: z.number().int().describe('Login/refresh requests sent for this answer'),
  totals: z.object({ ...sums, orders_without_amount: z.number().int() }),
  by_status: z.array(z.object({ status: z.string(), ...maybeSums })).describe('Sums are null when only counts were asked for'),
  by_store: z.array(z.object({ store_id: z.string(), store: z.string(), ...sums })).nullable(),
  by_day: z.object({ unit: z.enum(['day', 'week']), rows: z.array(z.object({ date: z.string(), ...sums })) }).nullable(),
  delivery: z.object({ orders: z.number().int(), total_amount: money, share_percent: z.string().nullable() }).nullable(),
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
  next_cursor: z.string().nullable().describe('Pass as cursor to list the next orders; null when none remain'),
  cross_check: z.object({ checked: z.boolean(), matches: z.boolean().nullable(), notes: z.array(z.string()) }),
});

function aggregateOf(value: boolean | string | undefined): true | false | 'walk' {
  if (value === undefined || value === true) return true;
  if (value === false) return false;
  const v = value.trim().toLowerCase();
  if (v === 'walk') return 'walk';
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ToolInputError('aggregate', `"${value}" is not accepted. Use true, false or "walk".`);
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
  title: 'Posiflora orders: totals, breakdowns and listing',
  description:
    'Use for questions about Posiflora (flower shop) orders: how many orders and how much money in a period, ' +
    'by status, store, day or week, how much is still unpaid, delivery share, or to list recent/largest orders. ' +
    'Filters: period or dates (by created/updated/due/posted/payment_posted date), statuses, stores (names or ids), search, delivery, amount range, customer. ' +
    'Returns exact rouble figures (total, paid, outstanding) and a short table of orders with next_cursor for more. ' +
    'Cheapest first: overall figures and status counts cost one request; per-day figures and "largest" walk every page.',
  input,
  output,
  annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: true },
  source: 'posiflora',
  async run(args, ctx) {
    // Everything the model could get wrong is checked before any request.
    const tz = ctx.runtime.config.tz;
    const periodDefaulted = args.period === undefined && args.date_from === undefined && args.date_to === undefined;
    const period = resolvePeriod(args, tz, ctx.runtime.now(), 'last_30_days');
    const dateField = oneOf<DateField>('date_field', args.date_field, Object.keys(DATE_FIELDS) as DateField[], 'created');
    const statuses = listOf('statuses', args.statuses, ORDER_STATUSES);
    let groupBy: GroupBy[] = args.group_by === undefined ? ['status'] : (listOf('group_by', args.group_by, GROUPS) ?? []);
    // Per-day rows over long periods would flood the answer: weeks instead.
    if (groupBy.includes('day') && periodDays(period) > 92) groupBy = [...new Set(groupBy.map((g) => (g === 'day' ? 'week' : g)))];
    const sort = oneOf('sort', args.sort, ['recent', 'largest'] as const, 'recent');
    const aggregate = aggregateOf(args.aggregate);
    const detailed = responseFormat(args.response_format) === 'detailed';
    const limit = args.limit ?? 20;
    if (args.amount_min !== undefined && args.amount_max !== undefined && args.amount_min > args.amount_max) {
      throw new ToolInputError('amount_min', `${args.amount_min} is above amount_max ${args.amount_max}; swap them.`);
    }
    const search = args.search?.trim() || undefined;
    const customer = args.customer?.trim() || undefined;

    const client = PosifloraClient.for(ctx.runtime);
    const tally = newTally();
    const needsStoreList = (args.stores?.some((s) => !UUID.test(s.trim())) ?? false) || groupBy.includes('store');
    const storeList = needsStoreList ? await client.stores(tally, ctx.signal) : undefined;
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
      amountMin: args.amount_min,
      amountMax: args.amount_max,
      customer,
    };
    const hash = createHash('sha256')
      .update(JSON.stringify([query.dateField, query.from, query.to, statuses ?? [], [...(query.storeIds ?? [])].sort(), search, args.delivery, args.amount_min, args.amount_max, customer, sort]))
      .digest('hex')
      .slice(0, 16);
    const offset = args.cursor ? decodeCursor(args.cursor, hash) : 0;
    if (sort === 'largest' && offset + limit > MAX_LARGEST_DEPTH) {
      throw new ToolInputError('cursor', `the largest-orders listing goes ${MAX_LARGEST_DEPTH} orders deep; narrow the period or add amount_min to see more.`);
    }

    const options: RunOptions = {
      client,
      query,
      groupBy,
      limit,
      offset,
      sort,
      tally,
      signal: ctx.signal,
      concurrency: ctx.runtime.config.posiflora.limit.maxConcurrent ?? 3,
      storesForGroups: async () => stores?.map((s) => s.id) ?? (storeList ?? (await client.stores(tally, ctx.signal))).map((s) => s.id),
      progress: (done, total) => void ctx.progress(done, total, `Posiflora: page ${done} of ${total}`),
    };
    const walk = aggregate === 'walk' || groupBy.includes('day') || groupBy.includes('week') || sort === 'largest';
    const rowsOnly = !walk && (aggregate === false || args.cursor !== undefined);
    const report = walk ? await runWalk(options) : await runMetaPlan(options, rowsOnly);
    for (const s of storeList ?? []) if (!report.storeNames.has(s.id)) report.storeNames.set(s.id, s.title);
    for (const s of stores ?? []) if (s.name && !report.storeNames.has(s.id)) report.storeNames.set(s.id, s.name);

    const nextOffset = offset + report.rows.length;
    const nextCursor = limit > 0 && report.rows.length > 0 && nextOffset < report.matching ? encodeCursor({ v: 1, h: hash, o: nextOffset }) : null;
    const summaryInput = {
      report,
      period,
      dateField,
      filters: { statuses, stores, search, delivery: args.delivery, amount_min: args.amount_min, amount_max: args.amount_max, customer },
      offset,
      limit,
      sort,
      nextCursor,
      tally,
      detailed,
      periodDefaulted,
    };
    const structured = buildStructured(summaryInput);
    return { text: buildText(summaryInput, structured), structured };
  },
});
