import type { LifeposConfig } from '../../config.js';
import { UpstreamError } from '../../http/errors.js';
import type { QueryValue, Upstream } from '../../http/upstream.js';
import { log } from '../../log.js';
import type { Runtime } from '../../runtime.js';
import { ToolInputError } from '../../tool.js';
import { cleanText, quoted, shownId } from '../../untrusted.js';
import { LifeposAuth } from './auth.js';
import { explain, parseLifeposError, type ErrorContext } from './errors.js';
import { toSale, type Sale } from './sale.js';
import { OrgListSchema, OutletListSchema, RevenueWidgetSchema, SaleListSchema, SaleSchema } from './schemas.js';
import { salesQuery, type SalesFilter } from './sales-query.js';
import { toRevenueWidget, type RevenueWidget } from './widget.js';
import { widgetQuery, type Window } from './widget-query.js';
import { daysOf, MAX_PERIOD_PAGES, periodsQuery, PeriodsShapeError, RevenuePeriodsSchema, type DayRevenue } from './revenue-periods.js';

/**
 * LIFE POS v6 for the tools: required headers on every call, bearer auth with one re-login on 401,
 * organization resolution, and parsed answers with amounts already in roubles.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Model extensions we can show; the API returns extensions only when the client declares them [I]. */
const SALE_EXTENSIONS = 'discounts,payment_methods,payment_recipients';
const ORGS_TTL_MS = 10 * 60_000;
const MAX_ORG_PAGES = 20;
const OUTLETS_TTL_MS = 60 * 60_000;

/** One page of ListSale: sales that did not parse are counted, not dropped silently. */
export interface SalesPage {
  sales: Sale[];
  unreadable: number;
  next: string | undefined;
  /** items_total, when asked for and sent. */
  total: number | undefined;
}

export interface Org {
  guid: string;
  name?: string;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** `"Лавка" (1f0c…)`, the name quoted as upstream text, or the bare guid. */
export function orgLabel(org: Org): string {
  return org.name ? `${quoted(org.name)} (${org.guid})` : org.guid;
}

export class LifeposClient {
  readonly config: LifeposConfig;
  readonly auth: LifeposAuth;
  readonly #upstream: Upstream;
  #orgs: { at: number; list: Org[] } | undefined;
  readonly #outlets = new Map<string, { at: number; names: Map<string, string> }>();

  constructor(runtime: Runtime) {
    this.config = runtime.config.lifepos;
    this.#upstream = runtime.upstream('lifepos', { parseError: parseLifeposError });
    this.auth = new LifeposAuth(this.config, this.#upstream, () => this.#headers(), { now: () => runtime.now().getTime() });
  }

  static for(runtime: Runtime): LifeposClient {
    return runtime.shared('lifepos:client', () => new LifeposClient(runtime));
  }

  /** Headers the API requires on every call (422 RequestIsNotValid without them). */
  #headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      'x-lp-client-identifier': this.config.clientId,
      'x-lp-client-type': 'Service',
      'x-lp-client-name': 'revenue-mcp',
      'accept-language': this.config.language,
      ...extra,
    };
  }

  /** An authorized GET: on 401 the token is dropped and the call is made once more with a fresh one. */
  async #get(path: string, query: Record<string, QueryValue>, signal: AbortSignal, err: ErrorContext, extraHeaders?: Record<string, string>): Promise<unknown> {
    let renewed = false;
    for (;;) {
      const token = await this.#token(signal);
      let res;
      try {
        res = await this.#upstream.request<unknown>({
          method: 'GET',
          path,
          query,
          signal,
          headers: this.#headers({ ...extraHeaders, authorization: `Bearer ${token}` }),
          passStatuses: [401],
          what: `GET ${path.replace(/[0-9a-f-]{36}/gi, '{guid}')}`,
        });
      } catch (e) {
        throw explain(e, err);
      }
      if (res.status !== 401) return res.body;
      const canRenew = this.auth.refused(token);
      if (!canRenew || renewed) {
        throw new UpstreamError({
          source: 'lifepos',
          status: 401,
          code: parseLifeposError(401, res.body)?.code ?? 'Unauthorized',
          retryable: false,
          body: res.body,
          message: renewed
            ? `LIFE POS refused a freshly issued token for ${err.what} (401, after one re-login). The account may be blocked or lack API access; check LIFEPOS_PHONE and LIFEPOS_PASSWORD in the LIFE POS back office.`
            : `LIFE POS refused LIFEPOS_TOKEN for ${err.what} (401 Unauthorized). Set a valid LIFEPOS_TOKEN, or LIFEPOS_PHONE and LIFEPOS_PASSWORD so revenue-mcp can sign in.`,
        });
      }
      renewed = true;
      log('info', `LIFE POS: token refused (401) on ${err.what}; signing in again, once`);
    }
  }

  /** The current token; sign-in failures other than bad credentials get the generic explanations. */
  async #token(signal?: AbortSignal): Promise<string> {
    try {
      return await this.auth.token(signal);
    } catch (e) {
      if (e instanceof UpstreamError && (e.status === 429 || (e.status ?? 0) >= 500)) throw explain(e, { what: 'the sign-in' });
      throw e;
    }
  }

  /** An authorized GET whose body is handed back unread: probes (probe.ts) look at its shape. */
  raw(path: string, query: Record<string, QueryValue>, signal: AbortSignal, what: string): Promise<unknown> {
    return this.#get(path, query, signal, { what });
  }

  /** Organizations this token sees (all pages), cached for a few minutes unless `fresh`. */
  async organizations(signal: AbortSignal, options: { fresh?: boolean } = {}): Promise<Org[]> {
    if (!options.fresh && this.#orgs && Date.now() - this.#orgs.at < ORGS_TTL_MS) return this.#orgs.list;
    const list: Org[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_ORG_PAGES; page++) {
      const body = await this.#get('/orgs', { presentation: 'full', page_token: pageToken }, signal, { what: 'the list of organizations' });
      const parsed = OrgListSchema.safeParse(body);
      if (!parsed.success) throw badResponse('the list of organizations', parsed.error);
      for (const item of parsed.data.items ?? []) list.push({ guid: item.guid.toLowerCase(), name: item.name ? cleanText(item.name) : undefined });
      const next = parsed.data.next_page_token;
      if (next === undefined || next === null || next === '') break;
      pageToken = String(next);
    }
    this.#orgs = { at: Date.now(), list };
    return list;
  }

  /**
   * The organization a call is about: the tool's `org_guid`, else LIFEPOS_ORG_GUID, else the only
   * organization the token sees. Several organizations and no choice is an input error listing them.
   */
  async resolveOrg(input: string | undefined, signal: AbortSignal): Promise<Org> {
    const given = input?.trim() || undefined;
    if (given !== undefined) {
      if (!isUuid(given)) throw new ToolInputError('org_guid', `"${input}" is not an organization guid. Give a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6, or leave org_guid out to use the default organization.`);
      return this.#named(given.toLowerCase());
    }
    if (this.config.orgGuid) return this.#named(this.config.orgGuid.toLowerCase());
    const orgs = await this.organizations(signal);
    if (orgs.length === 1) return orgs[0]!;
    if (orgs.length === 0) {
      throw new ToolInputError('org_guid', 'This LIFE POS account sees no organizations. Pass org_guid explicitly, or check that the account belongs to an organization.');
    }
    throw new ToolInputError(
      'org_guid',
      `This LIFE POS account sees ${orgs.length} organizations; say which one with org_guid (or set LIFEPOS_ORG_GUID): ${orgs.map(orgLabel).join('; ')}.`,
    );
  }

  /** Add the name when the organization list is already known; never fetch it just for a name. */
  #named(guid: string): Org {
    return this.#orgs?.list.find((o) => o.guid === guid) ?? { guid };
  }

  async revenueWidget(org: Org, current: Window, previous: Window, outletGuid: string | undefined, signal: AbortSignal): Promise<RevenueWidget> {
    const what = 'the revenue widget';
    const body = await this.#get(`/orgs/${org.guid}/widgets/revenue`, widgetQuery(current, previous, outletGuid), signal, {
      what,
      org: orgLabel(org),
      notFound: `LIFE POS found no organization ${orgLabel(org)}${outletGuid ? ` or no outlet ${outletGuid} in it` : ''}; check org_guid${outletGuid ? ' and outlet_guid' : ''}`,
    });
    const parsed = RevenueWidgetSchema.safeParse(body);
    if (!parsed.success) throw badResponse(what, parsed.error);
    return toRevenueWidget(parsed.data, this.config.moneyUnit);
  }

  /**
   * Revenue per local day from reports/revenue/periods (Day), every page. A body that does not read as one
   * row per day (revenue-periods.ts) is a PeriodsShapeError, so the caller can fall back to the widget.
   */
  async revenueByDay(org: Org, window: Window, tz: string, signal: AbortSignal): Promise<{ days: Map<string, DayRevenue>; requests: number }> {
    const days = new Map<string, DayRevenue>();
    let pageToken: string | undefined;
    for (let page = 1; page <= MAX_PERIOD_PAGES; page++) {
      const body = await this.#get(`/orgs/${org.guid}/reports/revenue/periods`, periodsQuery(window, pageToken), signal, {
        what: 'the revenue report by periods',
        org: orgLabel(org),
        notFound: `LIFE POS found no organization ${orgLabel(org)} (or no revenue report by periods)`,
      });
      const parsed = RevenuePeriodsSchema.safeParse(body);
      if (!parsed.success) throw new PeriodsShapeError('the answer has no items list');
      daysOf(parsed.data, this.config.moneyUnit, tz, days);
      const next = parsed.data.next_page_token;
      if (next === undefined || next === null || next === '') return { days, requests: page };
      pageToken = String(next);
    }
    throw new PeriodsShapeError(`more than ${MAX_PERIOD_PAGES} pages`);
  }

  /** One page of sales in a window, newest first (ListSale). */
  async salesPage(org: Org, filter: SalesFilter, page: { token?: string; size: number; withTotal?: boolean }, signal: AbortSignal): Promise<SalesPage> {
    const what = 'the list of sales';
    const body = await this.#get(`/orgs/${org.guid}/deals/sales`, salesQuery(filter, page), signal, {
      what,
      org: orgLabel(org),
      notFound: `LIFE POS found no organization ${orgLabel(org)}; check org_guid`,
    });
    const parsed = SaleListSchema.safeParse(body);
    if (!parsed.success) throw badResponse(what, parsed.error);
    const sales: Sale[] = [];
    let unreadable = 0;
    for (const item of parsed.data.items ?? []) {
      const sale = SaleSchema.safeParse(item);
      if (sale.success) sales.push(toSale(sale.data, this.config.moneyUnit));
      else unreadable++;
    }
    const next = parsed.data.next_page_token;
    return { sales, unreadable, next: next === undefined || next === null || next === '' ? undefined : String(next), total: parsed.data.items_total ?? undefined };
  }

  /**
   * Outlet names by guid (ListOutlet, path by the v6 pattern [I]), kept for an hour. Names are a courtesy:
   * when the list cannot be read the answer shows guids (an empty map, not cached).
   */
  async outletNames(org: Org, signal: AbortSignal): Promise<{ names: Map<string, string>; requests: number }> {
    const cached = this.#outlets.get(org.guid);
    if (cached && Date.now() - cached.at < OUTLETS_TTL_MS) return { names: cached.names, requests: 0 };
    const names = new Map<string, string>();
    try {
      const body = await this.#get(`/orgs/${org.guid}/outlets`, { presentation: 'compact' }, signal, { what: 'the list of outlets', org: orgLabel(org) });
      const parsed = OutletListSchema.safeParse(body);
      for (const item of parsed.success ? (parsed.data.items ?? []) : []) if (item.name) names.set(item.guid.toLowerCase(), cleanText(item.name));
      this.#outlets.set(org.guid, { at: Date.now(), names });
    } catch (e) {
      if (signal.aborted) throw e;
      log('info', `LIFE POS: outlet names unavailable (${e instanceof Error ? e.message : String(e)}); showing guids`);
    }
    return { names, requests: 1 };
  }

  async sale(org: Org, dealGuid: string, signal: AbortSignal): Promise<Sale> {
    const what = `sale ${dealGuid}`;
    const body = await this.#get(
      `/orgs/${org.guid}/deals/sales/${dealGuid}`,
      { presentation: 'full' },
      signal,
      { what, org: orgLabel(org), notFound: `No sale ${dealGuid} in organization ${orgLabel(org)}; check the guid and org` },
      { 'x-lp-client-extensions': SALE_EXTENSIONS },
    );
    const parsed = SaleSchema.safeParse(body);
    if (!parsed.success) throw badResponse(what, parsed.error);
    // Every field is optional in the lenient schema, but a sale with neither guid nor total is no sale ({} or an error envelope).
    if (parsed.data.guid == null && parsed.data.total_sum == null) throw badResponse(what, { issues: [{ path: ['guid'] }] });
    return toSale(parsed.data, this.config.moneyUnit);
  }
}

/** A body off the documented shape, naming the first field that is off (e.g. `total_sum.value`). */
function badResponse(what: string, error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }> }): UpstreamError {
  const field = error.issues[0]?.path.map(String).join('.');
  return new UpstreamError({
    source: 'lifepos',
    code: 'bad_response',
    retryable: false,
    message: `LIFE POS answered ${what} with a body revenue-mcp cannot read (${field ? `field ${shownId(field)} is` : 'it is'} not the documented shape). No figures were produced rather than wrong ones; try again later or report it.`,
  });
}
