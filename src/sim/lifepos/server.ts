import { randomBytes } from 'node:crypto';
import { RateWindow, SimServer, header, type SimReply, type SimRequest } from '../framework.js';
import type { SimData, SimOrg } from './data.js';
import { errorBody, orgJson, saleJson, type MoneyUnit, type SaleStyle } from './wire.js';
import { instantOf, revenueWidget, type Window, type WidgetStyle } from './widget.js';
import { PERIOD_TYPES, revenuePeriods, type PeriodType } from './periods.js';
import { listSales } from './sales.js';

/**
 * LIFE POS v6 on the other side of the wire (api-facts §1): phone sign-in issuing bearer tokens, a static
 * API token, the required X-LP-* headers (422 RequestIsNotValid without them), a per-second limit
 * (429 TooManyRequests), `{code, message, info}` error bodies, `/orgs` with cursor paging, the revenue
 * widget computed from the seeded ledger for any window, revenue split by period (periods.ts), sales by guid in
 * the documented shape, the sales list (ListSale: filters, ordering and cursor paging, `sales.ts`) and the
 * outlets with their names.
 */

export interface LifeposServerOptions {
  data: SimData;
  moneyUnit: MoneyUnit;
  widget: WidgetStyle;
  sale: SaleStyle;
  /** The simulator's clock (ms): its "today" for the widget's default window and token expiry. */
  clock: () => number;
  phone: string;
  password: string;
  /** Accepted as is (a long-lived key), with or without `Bearer`. */
  apiToken: string;
  /** Lifetime of a signed-in session token. */
  tokenTtlMs: number;
  rps: number;
  orgsPageSize: number;
  /** Behave as if the widget's period parameters had other names: always report the default window. */
  ignorePeriodParams: boolean;
  /** Items per page of reports/revenue/periods. */
  periodsPageSize: number;
  /** Headers this instance requires besides the documented three (to exercise the 422 path end to end). */
  extraRequiredHeaders: string[];
}

const CLIENT_TYPES = new Set(['Unknown', 'App', 'WebApp', 'Service', 'Android']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOUR = 3_600_000;
/** Moscow has no DST: the simulator's "today" is a Moscow calendar day. */
const MSK = 3 * HOUR;

/** Parameter names of the widget window (the sibling reports' revenue filter model, api-facts §1.5). */
const PARAMS = {
  from: 'processed_at_from',
  to: 'processed_at_to',
  comparisonFrom: 'comparison_processed_at_from',
  comparisonTo: 'comparison_processed_at_to',
  outlet: 'outlet_guid',
} as const;

export class LifeposSimState {
  readonly sessions = new Map<string, number>();
  /** Requests answered 429 because they came over the per-second limit. */
  throttled = 0;
  /** When set, signed-in tokens are refused at once (a broken session service). */
  rejectSessions = false;

  /** Every session token stops working, as after expiry. */
  expireSessions(): void {
    this.sessions.clear();
  }
}

const reply = (status: number, code: string, message: string, info = ''): SimReply => ({ status, body: errorBody(code, message, info) });

export function createLifeposServer(options: LifeposServerOptions, state = new LifeposSimState()): SimServer {
  const { data } = options;
  const limiter = new RateWindow(options.rps, 1000);
  const visible = new Map(data.orgs.map((o) => [o.guid, o]));

  const bearer = (req: SimRequest): string | undefined => {
    const raw = header(req, 'authorization');
    if (!raw) return undefined;
    return raw.replace(/^Bearer\s+/i, '').trim();
  };

  const before = (req: SimRequest): SimReply | undefined => {
    if (!limiter.take().ok) {
      state.throttled += 1;
      return reply(429, 'TooManyRequests', 'Превышен лимит запросов в секунду', 'per-second request limit exceeded');
    }

    const id = header(req, 'x-lp-client-identifier');
    if (!id || !UUID.test(id)) return reply(422, 'RequestIsNotValid', 'Request is not valid', 'Header X-LP-Client-Identifier is required and must be a UUID');
    const type = header(req, 'x-lp-client-type');
    if (!type || !CLIENT_TYPES.has(type)) {
      return reply(422, 'RequestIsNotValid', 'Request is not valid', `Header X-LP-Client-Type is required: one of ${[...CLIENT_TYPES].join(', ')}`);
    }
    if (!header(req, 'accept-language')) return reply(422, 'RequestIsNotValid', 'Request is not valid', 'Header Accept-Language is required, e.g. ru-RU');
    for (const name of options.extraRequiredHeaders) {
      if (!header(req, name)) return reply(422, 'RequestIsNotValid', 'Request is not valid', `Header ${name} is required`);
    }

    if (req.method === 'POST' && req.path === '/auth/sign-in-by-phone') return undefined;
    const token = bearer(req);
    if (!token) return reply(401, 'Unauthorized', 'Authorization is required');
    if (token === options.apiToken) return undefined;
    const expires = state.sessions.get(token);
    if (expires === undefined || expires < options.clock() || state.rejectSessions) {
      state.sessions.delete(token);
      return reply(401, 'Unauthorized', 'Token is invalid or expired');
    }
    return undefined;
  };

  const orgOf = (req: SimRequest): SimOrg | SimReply => {
    const guid = req.params.org ?? '';
    if (!UUID.test(guid)) return reply(422, 'RequestIsNotValid', 'Request is not valid', `org_guid "${guid}" is not a UUID`);
    const org = visible.get(guid.toLowerCase());
    if (org) return org;
    if (guid.toLowerCase() === data.foreignOrg.guid) return reply(403, 'NoPermissions', 'Нет прав на организацию', 'The user has no access to this organization');
    return reply(404, 'NotFound', 'Организация не найдена', `Organization ${guid} was not found`);
  };

  const signIn = (req: SimRequest): SimReply => {
    const body = (req.json ?? {}) as { phone?: unknown; password?: unknown };
    const phone = typeof body.phone === 'string' ? body.phone : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (phone.length < 10 || phone.length > 18 || password.length < 6 || password.length > 32) {
      return reply(422, 'RequestIsNotValid', 'Request is not valid', 'phone must be 10–18 characters and password 6–32');
    }
    const digits = (s: string) => s.replace(/\D/g, '').replace(/^8/, '7');
    if (digits(phone) !== digits(options.phone) || password !== options.password) {
      return reply(401, 'WrongUsernameOrPassword', 'Неверный логин или пароль');
    }
    const token = randomBytes(24).toString('base64url');
    state.sessions.set(token, options.clock() + options.tokenTtlMs);
    return { status: 200, body: { token } };
  };

  const listOrgs = (req: SimRequest): SimReply => {
    const size = Number(req.query.get('items_per_page') ?? options.orgsPageSize) || options.orgsPageSize;
    const start = Number(req.query.get('page_token') ?? 0);
    if (!Number.isInteger(start) || start < 0) return reply(422, 'RequestIsNotValid', 'Request is not valid', 'page_token is not valid');
    const items = data.orgs.slice(start, start + size).map(orgJson);
    const next = start + size < data.orgs.length ? String(start + size) : undefined;
    return {
      status: 200,
      body: {
        items,
        ...(next ? { next_page_token: next } : {}),
        page_number: Math.floor(start / size) + 1,
        pages_total: Math.ceil(data.orgs.length / size),
        items_per_page: size,
        items_total: data.orgs.length,
        type_of: 'OrganizationList',
      },
    };
  };

  const instantParam = (req: SimRequest, name: string): number | undefined | SimReply => {
    const raw = req.query.get(name);
    if (raw === null || raw === '') return undefined;
    const t = instantOf(raw);
    if (!Number.isFinite(t)) return reply(422, 'RequestIsNotValid', 'Request is not valid', `${name} must be an ISO date-time`);
    return t;
  };
  const isReply = (v: unknown): v is SimReply => typeof v === 'object' && v !== null && 'status' in v;

  const widget = (req: SimRequest): SimReply => {
    const org = orgOf(req);
    if (isReply(org)) return org;
    const now = options.clock();
    const todayStart = Math.floor((now + MSK) / (24 * HOUR)) * 24 * HOUR - MSK;
    const read = (name: string) => (options.ignorePeriodParams ? undefined : instantParam(req, name));
    const from = read(PARAMS.from);
    const to = read(PARAMS.to);
    const cFrom = read(PARAMS.comparisonFrom);
    const cTo = read(PARAMS.comparisonTo);
    for (const v of [from, to, cFrom, cTo]) if (isReply(v)) return v;
    const current: Window = { from: (from as number | undefined) ?? todayStart, to: (to as number | undefined) ?? now };
    if (current.from > current.to) return reply(422, 'RequestIsNotValid', 'Request is not valid', `${PARAMS.from} is after ${PARAMS.to}`);
    const length = current.to - current.from;
    const previous: Window = {
      from: (cFrom as number | undefined) ?? current.from - length - 1,
      to: (cTo as number | undefined) ?? current.from - 1,
    };
    const outlet = options.ignorePeriodParams ? undefined : (req.query.get(PARAMS.outlet) ?? undefined);
    if (outlet !== undefined && !org.outlets.some((o) => o.guid === outlet.toLowerCase())) {
      return reply(404, 'NotFound', 'Торговая точка не найдена', `Outlet ${outlet} was not found in organization ${org.guid}`);
    }
    return { status: 200, body: revenueWidget(data, org.guid, outlet?.toLowerCase(), current, previous, options.moneyUnit, options.widget) };
  };

  const periods = (req: SimRequest): SimReply => {
    const org = orgOf(req);
    if (isReply(org)) return org;
    const type = req.query.get('revenueByPeriodsType') ?? '';
    if (!(PERIOD_TYPES as readonly string[]).includes(type)) {
      return reply(422, 'RequestIsNotValid', 'Request is not valid', `revenueByPeriodsType is required: one of ${PERIOD_TYPES.join(', ')}`);
    }
    const from = instantParam(req, PARAMS.from);
    const to = instantParam(req, PARAMS.to);
    if (isReply(from)) return from;
    if (isReply(to)) return to;
    const now = options.clock();
    const window: Window = { from: from ?? Math.floor((now + MSK) / (24 * HOUR)) * 24 * HOUR - MSK, to: to ?? now };
    if (window.from > window.to) return reply(422, 'RequestIsNotValid', 'Request is not valid', `${PARAMS.from} is after ${PARAMS.to}`);
    const outlet = req.query.get(PARAMS.outlet)?.toLowerCase() || undefined;
    if (outlet !== undefined && !org.outlets.some((o) => o.guid === outlet)) {
      return reply(404, 'NotFound', 'Торговая точка не найдена', `Outlet ${outlet} was not found in organization ${org.guid}`);
    }
    const offset = Number(req.query.get('page_token') ?? 0);
    if (!Number.isInteger(offset) || offset < 0) return reply(422, 'RequestIsNotValid', 'Request is not valid', 'page_token is not valid');
    const query = { org: org.guid, outlet, window, type: type as PeriodType, offset, pageSize: options.periodsPageSize };
    return { status: 200, body: revenuePeriods(data, query, options.moneyUnit) };
  };

  const sale = (req: SimRequest): SimReply => {
    const org = orgOf(req);
    if (isReply(org)) return org;
    const guid = (req.params.deal ?? '').toLowerCase();
    if (!UUID.test(guid)) return reply(422, 'RequestIsNotValid', 'Request is not valid', `deal_guid "${req.params.deal}" is not a UUID`);
    const found = data.sales.find((s) => s.guid === guid && s.org_guid === org.guid);
    if (!found) return reply(404, 'NotFound', 'Продажа не найдена', `Sale ${guid} was not found`);
    const declared = new Set((header(req, 'x-lp-client-extensions') ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    const full = req.query.get('presentation') === 'full';
    return { status: 200, body: saleJson(found, options.moneyUnit, declared, full, options.sale) };
  };

  const sales = (req: SimRequest): SimReply => {
    const org = orgOf(req);
    if (isReply(org)) return org;
    const listed = listSales(data, org.guid, req.query);
    if (!listed.ok) return reply(422, 'RequestIsNotValid', 'Request is not valid', listed.info);
    const { page } = listed;
    const full = req.query.get('presentation') === 'full';
    return {
      status: 200,
      body: {
        items: page.items.map((s) => saleJson(s, options.moneyUnit, new Set(), full, options.sale)),
        ...(page.next ? { next_page_token: page.next } : {}),
        page_number: page.pageNumber,
        pages_total: page.pagesTotal,
        items_per_page: page.size,
        ...(page.total !== undefined ? { items_total: page.total } : {}),
        type_of: 'SaleList',
      },
    };
  };

  /** Outlets with their names (ListOutlet; the path follows the v6 pattern [I]). */
  const outlets = (req: SimRequest): SimReply => {
    const org = orgOf(req);
    if (isReply(org)) return org;
    const items = org.outlets.map((o) => ({ name: o.name, guid: o.guid, type_of: 'Outlet' }));
    return { status: 200, body: { items, page_number: 1, pages_total: 1, items_per_page: items.length, items_total: items.length, type_of: 'OutletList' } };
  };

  return new SimServer({
    name: 'lifepos',
    before,
    routes: [
      { method: 'POST', pattern: '/auth/sign-in-by-phone', handler: signIn },
      { method: 'GET', pattern: '/orgs', handler: listOrgs },
      { method: 'GET', pattern: '/orgs/:org/widgets/revenue', handler: widget },
      { method: 'GET', pattern: '/orgs/:org/reports/revenue/periods', handler: periods },
      { method: 'GET', pattern: '/orgs/:org/deals/sales', handler: sales },
      { method: 'GET', pattern: '/orgs/:org/deals/sales/:deal', handler: sale },
      { method: 'GET', pattern: '/orgs/:org/outlets', handler: outlets },
    ],
    notFound: (req) => reply(404, 'NotFound', 'Not found', `${req.method} ${req.path}`),
  });
}
