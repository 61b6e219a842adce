import type { QueryValue } from '../../http/upstream.js';
import type { Window } from './widget-query.js';

/**
 * ListSale (`GET /orgs/{org}/deals/sales`) query. The enum values are documented; the parameter names are
 * what working public clients send [I], and the page size limit is not documented at all [U]. They live
 * here and nowhere else, so a correction is one edit (README "Assumptions").
 */
export const SALES_PARAMS = {
  from: 'opened_at_from',
  to: 'opened_at_to',
  orderBy: 'order_by',
  selection: 'selection',
  search: 'query',
  state: 'state',
  paymentStatus: 'payment_status',
  shippingStatus: 'shipping_status',
  pageToken: 'page_token',
  pageSize: 'items_per_page',
  withTotal: 'include_items_total',
} as const;

/** Largest page asked for [U]: public clients use 100; a smaller page from the API is followed as it comes. */
export const SALES_PAGE_SIZE = 100;
/** The documented search length limit. */
export const SALES_SEARCH_MAX = 64;

export interface SalesFilter {
  window: Window;
  states?: readonly string[];
  paymentStatuses?: readonly string[];
  shippingStatuses?: readonly string[];
  search?: string;
}

export function salesQuery(filter: SalesFilter, page: { token?: string; size: number; withTotal?: boolean }): Record<string, QueryValue> {
  const list = (v: readonly string[] | undefined) => (v && v.length ? v : undefined);
  return {
    presentation: 'compact',
    [SALES_PARAMS.from]: filter.window.from.toISOString(),
    [SALES_PARAMS.to]: filter.window.to.toISOString(),
    [SALES_PARAMS.orderBy]: 'opened_at_desc',
    [SALES_PARAMS.selection]: 'alive_only',
    [SALES_PARAMS.search]: filter.search,
    [SALES_PARAMS.state]: list(filter.states),
    [SALES_PARAMS.paymentStatus]: list(filter.paymentStatuses),
    [SALES_PARAMS.shippingStatus]: list(filter.shippingStatuses),
    [SALES_PARAMS.pageToken]: page.token,
    [SALES_PARAMS.pageSize]: page.size,
    [SALES_PARAMS.withTotal]: page.withTotal ? 'true' : undefined,
  };
}
