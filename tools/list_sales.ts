import { createHash } from 'node:crypto';
import { z } from 'zod';
import { cleanText, quotedCell, shownId, UNTRUSTED_NOTE } from '../src/untrusted.js';
import { counted, Decimal, formatPercent, formatRub, percentChange, sum } from '../src/money.js';
import { comparisonText, periodsOut, periodsShape, previousPeriod, resolvePeriod, toInstant, toLocal, type Period } from '../src/period.js';
import { defineTool, shownInput, ToolInputError } from '../src/tool.js';
import { LifeposClient, orgLabel } from '../src/sources/lifepos/client.js';
import type { Sale } from '../src/sources/lifepos/sale.js';
import { SALES_PAGE_SIZE, SALES_SEARCH_MAX, type SalesFilter } from '../src/sources/lifepos/sales-query.js';
import { PAYMENT_STATUSES, SALE_STATES, SHIPPING_STATUSES } from '../src/sources/lifepos/schemas.js';
import { exactMoney } from '../src/sources/lifepos/units.js';
import type { Window } from '../src/sources/lifepos/widget-query.js';
import { choice, choices, periodFields, wholeNumber } from './inputs.js';

/**
 * list_sales: LIFE POS sales of a period (ListSale), newest first or largest first, a screenful of concise
 * rows with the deal_guid get_sale takes, totals of every sale read, and a cursor for the rest. LIFE POS
 * sorts by time or number only, so "largest" walks every page of the period (bounded) and sorts here.
 */

const SORTS = ['newest', 'largest'] as const;
const MAX_LIMIT = 100;
/** "largest" reads at most this many pages (5,000 sales at 100 a page) before it answers from what it read. */
const MAX_WALK_PAGES = 50;

const input = z.strictObject({
  ...periodFields('yesterday'),
  org_guid: z.string().optional().describe('Default LIFEPOS_ORG_GUID.'),
  states: choices(SALE_STATES).optional().describe('e.g. ["Completed"].'),
  payment_statuses: choices(PAYMENT_STATUSES).optional().describe('e.g. ["Paid"].'),
  shipping_statuses: choices(SHIPPING_STATUSES).optional().describe('e.g. ["Shipped"].'),
  search: z.string().optional().describe(`1–${SALES_SEARCH_MAX} chars.`),
  sort: choice(SORTS).optional().describe('Default newest.'),
  limit: wholeNumber(1, MAX_LIMIT).optional().describe('Rows; default 20.'),
  cursor: z.string().optional().describe('next_cursor of the last answer.'),
});

const money = z.string().nullable();
const row = z.object({
  deal_guid: z.string(),
  number: z.string().nullable(),
  opened_at: z.string().nullable(),
  total: money,
  state: z.string().nullable(),
  payment_status: z.string().nullable(),
  outlet_guid: z.string().nullable(),
  outlet: z.string().nullable(),
});

const output = z.object({
  source: z.literal('lifepos'),
  org_guid: z.string(),
  periods: periodsShape,
  sort: z.enum(SORTS),
  /** Sales LIFE POS counts in the period with these filters (items_total), when it says. */
  matching: z.number().int().nullable(),
  previous_matching: z.number().int().nullable(),
  /** Every sale read in this call (the pages walked), not only the rows shown. */
  read: z.object({
    sales: z.number().int(),
    total: money,
    complete: z.boolean(),
    by_payment_status: z.array(z.object({ status: z.string(), sales: z.number().int(), total: money })),
  }),
  requests: z.number().int(),
  rows: z.array(row),
  offset: z.number().int(),
  next_cursor: z.string().nullable(),
  notes: z.array(z.string()),
});
type Out = z.infer<typeof output>;

/** A continuation: newest keeps LIFE POS's page token and the rows already shown of that page. */
interface Cursor {
  v: 1;
  h: string;
  /** Rows already shown. */
  o: number;
  /** newest: the page token (null = first page) and rows to skip in it. */
  t?: string | null;
  s?: number;
}

function decodeCursor(raw: string, hash: string): Cursor {
  let c: Partial<Cursor> | undefined;
  try {
    c = raw.length <= 2000 ? (JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor>) : undefined;
  } catch {
    c = undefined;
  }
  const count = (n: unknown) => n === undefined || (typeof n === 'number' && Number.isInteger(n) && n >= 0);
  if (!c || c.v !== 1 || typeof c.h !== 'string' || !count(c.s) || c.o === undefined || !count(c.o) || (c.t !== undefined && c.t !== null && typeof c.t !== 'string')) {
    throw new ToolInputError('cursor', `${shownInput(raw, 40)} is not a cursor from list_sales; pass next_cursor exactly as returned, or drop it to start over.`);
  }
  if (c.h !== hash) throw new ToolInputError('cursor', 'belongs to another query; repeat the period, filters and sort of the call that returned it, or drop cursor.');
  return c as Cursor;
}
const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

/** The inclusive local bounds as instants; the end second is inclusive up to its last millisecond. */
const windowOf = (p: Period): Window => ({ from: toInstant(p.start, p.tz), to: new Date(toInstant(p.end, p.tz).getTime() + 999) });

const STATUS_WORDS: Record<string, string> = { NotPaid: 'not paid', Paid: 'paid', PartiallyPaid: 'partly paid', Refunded: 'refunded', PartiallyRefunded: 'partly refunded' };
const STATE_WORDS: Record<string, string> = { New: 'new', InProgress: 'in progress', Completed: 'completed', Cancelled: 'cancelled' };
const salesWord = (n: number) => counted(n, 'sale');
const cell = (s: string) => s.replace(/[|\r\n\t\u0000-\u001f]/g, ' ').slice(0, 60);

export default defineTool({
  name: 'list_sales',
  title: 'LIFE POS sales list',
  description:
    'Use for finding LIFE POS sales (newest or largest, by status or search) and the deal_guid get_sale takes. Example: {"period":"yesterday","sort":"largest","limit":5}',
  input,
  output,
  annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: true },
  source: 'lifepos',
  async run(args, ctx) {
    const tz = ctx.runtime.config.tz;
    const period = resolvePeriod(args, tz, ctx.runtime.now(), 'yesterday');
    const search = args.search?.trim();
    if (args.search !== undefined && (!search || search.length > SALES_SEARCH_MAX)) {
      throw new ToolInputError('search', `${shownInput(args.search, 40)} must be 1–${SALES_SEARCH_MAX} characters (LIFE POS searches number, comment and meta); shorten it or leave search out.`);
    }
    const sort = args.sort ?? 'newest';
    const limit = args.limit ?? 20;
    const filter: SalesFilter = { window: windowOf(period), states: args.states, paymentStatuses: args.payment_statuses, shippingStatuses: args.shipping_statuses, search };
    const hash = createHash('sha256')
      .update(JSON.stringify([period.start, period.end, args.states ?? [], args.payment_statuses ?? [], args.shipping_statuses ?? [], search ?? '', sort]))
      .digest('hex')
      .slice(0, 16);
    const cursor = args.cursor === undefined ? undefined : decodeCursor(args.cursor, hash);

    const client = LifeposClient.for(ctx.runtime);
    const org = await client.resolveOrg(args.org_guid, ctx.signal);
    let requests = 0;
    const read: Sale[] = [];
    let matching: number | undefined;
    let shown: Sale[] = [];
    let next: Cursor | undefined;
    let complete = true;
    const notes: string[] = [];
    let unreadable = 0;
    const page = async (token: string | undefined, first: boolean) => {
      requests++;
      const p = await client.salesPage(org, filter, { token, size: SALES_PAGE_SIZE, withTotal: first }, ctx.signal);
      unreadable += p.unreadable;
      read.push(...p.sales);
      if (first && p.total !== undefined) matching = p.total;
      return p;
    };

    // The previous period's count costs one request (a page of one with items_total); only in a first answer.
    const previous = cursor ? undefined : previousPeriod(period);
    const previousCount = previous
      ? client.salesPage(org, { ...filter, window: windowOf(previous) }, { size: 1, withTotal: true }, ctx.signal).then((p) => {
          requests++;
          return p.total;
        })
      : Promise.resolve(undefined);
    // Awaited after the walk; if the walk fails first, this rejection must not go unhandled (it ends the process).
    previousCount.catch(() => {});

    if (sort === 'newest') {
      let token = cursor?.t ?? undefined;
      let skip = cursor?.s ?? 0;
      for (let n = 0; ; n++) {
        const p = await page(token, n === 0);
        const take = p.sales.slice(skip, skip + (limit - shown.length));
        shown.push(...take);
        if (shown.length >= limit) {
          const used = skip + take.length;
          const o = (cursor?.o ?? 0) + shown.length;
          if (used < p.sales.length) next = { v: 1, h: hash, o, t: token ?? null, s: used };
          else if (p.next) next = { v: 1, h: hash, o, t: p.next, s: 0 };
          break;
        }
        if (!p.next) break;
        token = p.next;
        skip = 0;
        void ctx.progress(read.length, matching, `LIFE POS: ${salesWord(read.length)} read`);
      }
      // Totals cover the whole period only when one call read it all.
      complete = !cursor && !next;
    } else {
      let token: string | undefined;
      for (let n = 0; ; n++) {
        const p = await page(token, n === 0);
        if (!p.next) break;
        if (n + 1 >= MAX_WALK_PAGES) {
          complete = false;
          notes.push(`Stopped after ${MAX_WALK_PAGES} pages (${salesWord(read.length)}${matching !== undefined ? ` of ${matching}` : ''}): the largest are among those read. Narrow the period or add filters for an exact answer.`);
          break;
        }
        token = p.next;
        void ctx.progress(read.length, matching, `LIFE POS: ${salesWord(read.length)} read`);
      }
      const ranked = [...read].sort((a, b) => (b.total ?? new Decimal(-Infinity)).comparedTo(a.total ?? new Decimal(-Infinity)));
      const offset = cursor?.o ?? 0;
      shown = ranked.slice(offset, offset + limit);
      if (offset + limit < ranked.length) next = { v: 1, h: hash, o: offset + limit };
    }
    if (complete && matching === undefined) matching = read.length;
    const prevMatching = await previousCount;
    const outlets = shown.some((s) => s.outletGuid) ? await client.outletNames(org, ctx.signal) : { names: new Map<string, string>(), requests: 0 };
    requests += outlets.requests;
    if (unreadable) notes.push(`${salesWord(unreadable)} in LIFE POS's answer could not be read and are left out of rows and totals.`);
    if (shown.some((s) => s.outletGuid) && outlets.names.size === 0) notes.push('Outlet names could not be read from LIFE POS; outlets are shown by guid.');

    const offset = cursor?.o ?? 0;
    const byStatus = new Map<string, Sale[]>();
    for (const s of read) byStatus.set(s.paymentStatus ?? 'unknown', [...(byStatus.get(s.paymentStatus ?? 'unknown') ?? []), s]);
    const totalOf = (list: Sale[]) => (list.some((s) => s.total === undefined) ? null : exactMoney(sum(list.map((s) => s.total!))));
    const o: Out = {
      source: 'lifepos',
      org_guid: org.guid,
      periods: periodsOut(period, previous !== undefined && prevMatching !== undefined),
      sort,
      matching: matching ?? null,
      previous_matching: prevMatching ?? null,
      read: {
        sales: read.length,
        total: totalOf(read),
        complete,
        by_payment_status: [...byStatus].map(([status, list]) => ({ status, sales: list.length, total: totalOf(list) })),
      },
      requests,
      rows: shown.map((s) => ({
        deal_guid: s.guid ?? '',
        number: s.number ?? null,
        opened_at: s.openedAt ? toLocal(s.openedAt, tz) : null,
        total: exactMoney(s.total),
        state: s.state ?? null,
        payment_status: s.paymentStatus ?? null,
        outlet_guid: s.outletGuid ?? null,
        outlet: s.outletGuid && outlets.names.has(s.outletGuid.toLowerCase()) ? cleanText(outlets.names.get(s.outletGuid.toLowerCase())) : null,
      })),
      offset,
      next_cursor: next ? encodeCursor(next) : null,
      notes,
    };
    return { text: render(o, period, previous, orgLabel(org)), structured: o };
  },
});

/** A, B, … Z, then AA, AB …: short enough for a table cell, never mistaken for a sale number. */
function outletLetter(n: number): string {
  return n < 26 ? String.fromCharCode(65 + n) : `${outletLetter(Math.floor(n / 26) - 1)}${String.fromCharCode(65 + (n % 26))}`;
}

function render(o: Out, period: Period, previous: Period | undefined, org: string): string {
  const lines: string[] = [];
  const notCompared = previous ? undefined : 'not compared in a continuation: the first answer has it';
  lines.push(`**LIFE POS sales — ${org}: ${comparisonText(period, notCompared)}** (${period.tz}, ${o.sort} first)`);
  if (previous) {
    const count = o.matching === null ? 'LIFE POS did not count the sales of the period' : salesWord(o.matching);
    const prev = o.previous_matching === null ? 'LIFE POS did not count the previous period' : `${salesWord(o.previous_matching)} before`;
    const change = o.matching !== null && o.previous_matching !== null ? percentChange(new Decimal(o.matching), new Decimal(o.previous_matching)) : undefined;
    const pct = change === undefined ? '' : ` (${formatPercent(change)})`;
    lines.push(`${count} vs ${prev}${pct}.`);
  }
  const whole = o.read.complete ? 'every sale of the period' : 'not every sale of the period';
  const total = o.read.total === null ? 'total unknown (some sales came without one)' : formatRub(new Decimal(o.read.total));
  lines.push(`Read ${salesWord(o.read.sales)} (${whole}) in ${counted(o.requests, 'request')}: ${total}, of which ${o.read.by_payment_status.map((b) => `${STATUS_WORDS[b.status] ?? b.status} ${b.sales}${b.total === null ? '' : ` · ${formatRub(new Decimal(b.total))}`}`).join('; ') || 'none'}.`);
  if (o.rows.length) {
    // Outlet names are long and repeat row after row: each is named once and the rows carry its letter.
    const letters = new Map<string, string>();
    for (const r of o.rows) if (r.outlet && !letters.has(r.outlet)) letters.set(r.outlet, outletLetter(letters.size));
    lines.push('');
    if (letters.size > 0) lines.push(`Outlets: ${[...letters].map(([name, letter]) => `${letter} ${quotedCell(name, 60)}`).join(' · ')}`);
    lines.push('| № | opened | total | status | outlet | deal_guid |', '|---|---|---|---|---|---|');
    for (const r of o.rows) {
      const status = [r.payment_status && (STATUS_WORDS[r.payment_status] ?? r.payment_status), r.state && (STATE_WORDS[r.state] ?? r.state)].filter(Boolean).join(', ') || '—';
      lines.push(`| ${r.number ? shownId(r.number).replace(/\|/g, '\\|') : '—'} | ${r.opened_at?.slice(0, 16).replace('T', ' ') ?? '—'} | ${r.total === null ? '—' : formatRub(new Decimal(r.total))} | ${status} | ${r.outlet ? letters.get(r.outlet) : cell(r.outlet_guid ?? '—')} | ${r.deal_guid} |`);
    }
  } else lines.push('No sales match.');
  if (o.next_cursor) {
    const left = o.sort === 'largest' ? o.read.sales - o.offset - o.rows.length : o.matching === null ? undefined : o.matching - o.rows.length - o.offset;
    lines.push(`${left === undefined ? 'More' : `${left} more`} — pass cursor "${o.next_cursor}" with the same arguments for the next ${o.rows.length}; get_sale {"deal_guid": …} opens one sale.`);
  } else if (o.rows.length) lines.push('get_sale {"deal_guid": …} opens one sale in full.');
  for (const n of o.notes) lines.push(`⚠ ${n}`);
  if (o.rows.some((r) => r.outlet)) lines.push(UNTRUSTED_NOTE);
  return lines.join('\n');
}
