import type { SimData, SimSale } from './data.js';
import { instantOf } from './widget.js';

/**
 * ListSale (`GET /orgs/{org}/deals/sales`, api-facts §1.5, research A4) over the seeded sales. The enum
 * values are documented [C]; the parameter names are those working public clients send [I]:
 * `opened_at_from`/`opened_at_to` (ISO, inclusive), `order_by`, `selection`, `query` (1–64 characters,
 * searched in number, comment and meta), `state`/`payment_status`/`shipping_status` (repeatable, or
 * comma-separated), `page_token` (opaque cursor), `items_per_page`, `include_items_total=true`.
 * The answer is the documented list envelope; `next_page_token` is absent on the last page.
 */

export const ORDER_BY = ['created_at_asc', 'created_at_desc', 'updated_at_asc', 'updated_at_desc', 'opened_at_asc', 'opened_at_desc', 'number_asc', 'number_desc'] as const;
const SELECTIONS = ['alive_only', 'archived_only', 'all'] as const;
const STATUS_VALUES: Record<'state' | 'payment_status' | 'shipping_status', readonly string[]> = {
  state: ['New', 'InProgress', 'Completed', 'Cancelled'],
  payment_status: ['NotPaid', 'Paid', 'PartiallyPaid', 'Refunded', 'PartiallyRefunded'],
  shipping_status: ['NotShipped', 'Shipped', 'PartiallyShipped', 'Returned', 'PartiallyReturned'],
};
/** The simulator's page size limits (the vendor's are undocumented). */
export const SALES_PAGE = { default: 20, max: 100 };
const QUERY_MAX = 64;

export type ListResult = { ok: true; page: { items: SimSale[]; next?: string; pageNumber: number; pagesTotal: number; size: number; total?: number } } | { ok: false; info: string };

const tokenOf = (offset: number) => Buffer.from(`sales:${offset}`).toString('base64url');
function offsetOf(token: string): number | undefined {
  const m = /^sales:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

function values(query: URLSearchParams, name: string): string[] {
  return query.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function sortKey(sale: SimSale, field: string): string | number {
  if (field === 'number') return sale.number.padStart(36, '0');
  const iso = field === 'created_at' ? sale.created_at : field === 'updated_at' ? sale.updated_at : sale.opened_at;
  return instantOf(iso);
}

export function listSales(data: SimData, org: string, query: URLSearchParams): ListResult {
  const orderBy = query.get('order_by') ?? 'created_at_desc';
  if (!(ORDER_BY as readonly string[]).includes(orderBy)) return { ok: false, info: `order_by must be one of ${ORDER_BY.join(', ')}` };
  const selection = query.get('selection') ?? 'alive_only';
  if (!(SELECTIONS as readonly string[]).includes(selection)) return { ok: false, info: `selection must be one of ${SELECTIONS.join(', ')}` };
  const filters: Array<[keyof typeof STATUS_VALUES, Set<string>]> = [];
  for (const name of Object.keys(STATUS_VALUES) as Array<keyof typeof STATUS_VALUES>) {
    const given = values(query, name);
    const bad = given.find((v) => !STATUS_VALUES[name].includes(v));
    if (bad !== undefined) return { ok: false, info: `${name} "${bad}" is not one of ${STATUS_VALUES[name].join(', ')}` };
    if (given.length) filters.push([name, new Set(given)]);
  }
  const text = query.get('query');
  if (text !== null && (text.length < 1 || text.length > QUERY_MAX)) return { ok: false, info: `query must be 1–${QUERY_MAX} characters` };
  const bound = (name: string): number | undefined | null => {
    const raw = query.get(name);
    if (raw === null || raw === '') return undefined;
    const t = instantOf(raw);
    return Number.isFinite(t) ? t : null;
  };
  const from = bound('opened_at_from');
  const to = bound('opened_at_to');
  if (from === null || to === null) return { ok: false, info: 'opened_at_from/opened_at_to must be ISO date-times' };
  const sizeRaw = query.get('items_per_page');
  const size = sizeRaw === null ? SALES_PAGE.default : Number(sizeRaw);
  if (!Number.isInteger(size) || size < 1 || size > SALES_PAGE.max) return { ok: false, info: `items_per_page must be 1–${SALES_PAGE.max}` };
  const tokenRaw = query.get('page_token');
  const start = tokenRaw === null || tokenRaw === '' ? 0 : offsetOf(tokenRaw);
  if (start === undefined) return { ok: false, info: 'page_token is not valid' };

  const needle = text?.toLowerCase();
  const matching = data.sales.filter((s) => {
    if (s.org_guid !== org) return false;
    if (selection === 'alive_only' && s.deleted_at) return false;
    if (selection === 'archived_only' && !s.deleted_at) return false;
    const at = instantOf(s.opened_at);
    if ((from !== undefined && at < from) || (to !== undefined && at > to)) return false;
    if (filters.some(([name, set]) => !set.has(s[name]))) return false;
    if (needle !== undefined && ![s.number, s.comment ?? '', s.meta ?? ''].some((f) => f.toLowerCase().includes(needle))) return false;
    return true;
  });
  const field = orderBy.replace(/_(asc|desc)$/, '');
  const sign = orderBy.endsWith('_desc') ? -1 : 1;
  matching.sort((a, b) => {
    const ka = sortKey(a, field);
    const kb = sortKey(b, field);
    return ka === kb ? a.guid.localeCompare(b.guid) : ka < kb ? -sign : sign;
  });
  const items = matching.slice(start, start + size);
  const next = start + size < matching.length ? tokenOf(start + size) : undefined;
  return {
    ok: true,
    page: {
      items,
      next,
      pageNumber: Math.floor(start / size) + 1,
      pagesTotal: Math.max(1, Math.ceil(matching.length / size)),
      size,
      total: query.get('include_items_total') === 'true' ? matching.length : undefined,
    },
  };
}
