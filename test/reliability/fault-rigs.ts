import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { request } from 'undici';
import { expect } from 'vitest';
import { SimServer, type Fault, type SimReply, type SimRequest } from '../../src/sim/framework.js';
import { startLifeposSim, type LifeposSim } from '../../src/sim/lifepos/index.js';
import { startMarketSim, type MarketSim } from '../../src/sim/market/index.js';
import { startOfdPublicSim, type OfdPublicSim } from '../../src/sim/ofd-public/index.js';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { startPosifloraSim, type StartedPosifloraSim } from '../../src/sim/posiflora/index.js';
import { expectedSummary, moscowDays } from '../lifepos/expected.js';
import { expectedOrders } from '../market/expected.js';
import { figures, s2, select } from '../ofd/expected.js';
import { expected as posifloraExpected } from '../posiflora/expected.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { DISTINCTIVE_SECRETS } from '../helpers/secrets.js';

/**
 * One rig per upstream for the fault matrix: its simulator (seeded with the distinctive secrets of
 * test/helpers/secrets.ts), one server process over stdio reused by every case, one tool call whose figures
 * are computed here from the simulator's own data, and what a fault is aimed at (the call's data requests).
 */

/** Short timeouts so that every fault ends in well under a second per attempt. */
export const FAULT_HTTP_ENV = {
  HTTP_CONNECT_TIMEOUT_MS: '400',
  // Long enough for a busy test machine to answer, short enough to keep the matrix quick.
  HTTP_HEADERS_TIMEOUT_MS: '2000',
  HTTP_BODY_TIMEOUT_MS: '2000',
  HTTP_RETRIES: '2',
  HTTP_BACKOFF_MS: '20',
  HTTP_DEADLINE_MS: '8000',
  HTTP_MAX_PAUSE_SECONDS: '5',
  LOG_LEVEL: 'debug',
  REVENUE_TZ: 'Europe/Moscow',
};

export interface Rig {
  name: string;
  /** The source's name as errors give it. */
  label: string;
  /** The simulator the faults go to. */
  sim: SimServer;
  session: StdioSession;
  /** The requests of the call that faults are aimed at. */
  target(req: SimRequest): boolean;
  /** The credentials this upstream may see: header names and the secret variables. */
  credentialHeaders: readonly string[];
  ownSecrets: readonly string[];
  /** A 401 as the API words it when a static credential is refused; absent for session sources. */
  refused?: SimReply;
  /** Session sources: make the sessions issued so far expire, as after their lifetime. */
  expireSessions?: () => void;
  /** Longest a call may take with retries (ms). */
  deadlineMs: number;
  call(): Promise<CallToolResult>;
  /** Throws unless the result carries exactly the figures the simulator's data gives. */
  expectFigures(result: CallToolResult): void;
  close(): Promise<void>;
}

/** Every distinctive credential, minus those that would change which API a source uses. */
function allCredentials(omit: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(DISTINCTIVE_SECRETS)) if (!omit.includes(k) && k !== 'MCP_HTTP_TOKEN') env[k] = v;
  return env;
}

const S = DISTINCTIVE_SECRETS;

export interface Sims {
  lifepos: LifeposSim;
  ofd: OfdSim;
  ofdPublic: OfdPublicSim;
  market: MarketSim;
  posiflora: StartedPosifloraSim;
  /** A host that belongs to no source: records everything; proxies Market report files when asked. */
  foreign: SimServer;
  close(): Promise<void>;
}

const OFD_NOW = new Date('2026-03-20T12:00:00Z');

export async function startSims(): Promise<Sims> {
  const [lifepos, ofd, ofdPublic, market, posiflora] = await Promise.all([
    startLifeposSim({ now: new Date('2026-11-25T09:00:00Z'), days: 30, seed: 4242, rps: 1000, credentials: { phone: S.LIFEPOS_PHONE, password: S.LIFEPOS_PASSWORD, token: S.LIFEPOS_TOKEN } }),
    startOfdSim({ now: OFD_NOW, days: 40, rps: 1000, keys: { yandexKey: S.OFD_YANDEX_KEY, ofdKey: S.OFD_KEY } }),
    startOfdPublicSim({ now: OFD_NOW, days: 40, rps: 1000, token: S.OFD_TOKEN }),
    startMarketSim({ generationMs: 150, clock: Date.now, apiKey: S.MARKET_API_KEY, oauthToken: S.MARKET_OAUTH_TOKEN }),
    startPosifloraSim({ count: 3000, endDate: '2026-06-30', days: 120, username: S.POSIFLORA_USERNAME, password: S.POSIFLORA_PASSWORD }),
  ]);
  market.settings.quotas['generate.united-orders'] = { limit: 1000, windowMs: 60_000 };
  market.settings.quotas['reports.info'] = { limit: 1000, windowMs: 60_000 };
  const foreign = new SimServer({
    name: 'foreign',
    routes: [],
    before: async (req) => {
      if (!req.path.startsWith('/files/')) return { status: 200, body: { foreign: true } };
      // A report link on another host: serve the real file, so the call can still succeed.
      const res = await request(`${market.url}${req.path}`);
      return { status: res.statusCode, headers: { 'content-type': String(res.headers['content-type'] ?? 'application/zip') }, body: Buffer.from(await res.body.arrayBuffer()) };
    },
  });
  await foreign.start();
  return {
    lifepos,
    ofd,
    ofdPublic,
    market,
    posiflora,
    foreign,
    close: async () => {
      await Promise.all([lifepos.close(), ofd.close(), ofdPublic.close(), market.close(), posiflora.close(), foreign.close()]);
    },
  };
}

/** Every source configured (each pointing at its own simulator), so a credential could leak to any of them. */
export function allSourcesEnv(sims: Sims, omit: readonly string[] = [], extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...FAULT_HTTP_ENV,
    ...allCredentials(omit),
    LIFEPOS_BASE_URL: sims.lifepos.url,
    LIFEPOS_ORG_GUID: sims.lifepos.orgs[0]!.guid,
    OFD_BASE_URL: sims.ofd.url,
    OFD_PUBLIC_BASE_URL: sims.ofdPublic.env.OFD_PUBLIC_BASE_URL!,
    OFD_RPS: '100',
    MARKET_BASE_URL: sims.market.url,
    MARKET_BUSINESS_ID: String(sims.market.businessId),
    MARKET_CAMPAIGN_ID: String(sims.market.campaignId),
    MARKET_PROGRESS_INTERVAL_MS: '500',
    MARKET_GENERATE_ORDERS_INTERVAL_MS: '10',
    POSIFLORA_URL: sims.posiflora.env.POSIFLORA_URL!,
    POSIFLORA_RPS: '100',
    ...extra,
  };
}

async function connect(env: Record<string, string>): Promise<StdioSession> {
  return connectStdio({ env });
}

const callWith = (session: StdioSession, name: string, args: Record<string, unknown>) =>
  session.client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: 60_000 }) as Promise<CallToolResult>;

const structured = (result: CallToolResult) => {
  expect(result.isError, textOf(result)).toBeFalsy();
  return result.structuredContent as Record<string, any>;
};

export async function lifeposRig(sims: Sims): Promise<Rig> {
  const sim = sims.lifepos;
  // Phone sign-in: the token is a session that can expire. LIFEPOS_TOKEN is not set here (it would win).
  const session = await connect(allSourcesEnv(sims, ['LIFEPOS_TOKEN']));
  const org = sim.orgs[0]!.guid;
  const want = expectedSummary(sim.data, org, moscowDays('2026-11-16', '2026-11-22'));
  return {
    name: 'LIFE POS',
    label: 'LIFE POS',
    sim: sim.server,
    session,
    target: (req) => req.path.endsWith('/widgets/revenue'),
    credentialHeaders: ['authorization'],
    ownSecrets: ['LIFEPOS_PHONE', 'LIFEPOS_PASSWORD', 'LIFEPOS_TOKEN'],
    expireSessions: () => sim.state.expireSessions(),
    deadlineMs: 15_000,
    call: () => callWith(session, 'get_revenue_widget', { date_from: '2026-11-16', date_to: '2026-11-22' }),
    expectFigures(result) {
      const cur = structured(result).current;
      expect([cur.payments.count, cur.payments.sum, cur.refunds.sum, cur.total.sum]).toEqual([want.payments.count, want.payments.sum, want.refunds.sum, want.total.sum]);
    },
    close: () => session.close(),
  };
}

function ofdFigures(receipts: OfdSim['receipts'], companies: readonly string[]) {
  const e = figures(select(receipts, { from: OFD_FROM, to: OFD_TO }, companies));
  return [s2(e.gross), s2(e.refunds), s2(e.net), e.receipts, s2(e.income.cash), s2(e.income.electronic)];
}
const OFD_FROM = '2026-03-02';
const OFD_TO = '2026-03-08';
const ofdArgs = { date_from: OFD_FROM, date_to: OFD_TO, interval: 'day', compare_previous: false, precision: 'exact' };
const ofdActual = (result: CallToolResult) => {
  const t = structured(result).totals;
  return [t.gross_sales, t.refunds, t.net_sales, t.receipts, t.payments.cash, t.payments.electronic];
};

/** What differs between OFD's two APIs; the call and its figures are the same (one tool answers from either). */
type OfdApi = Pick<Rig, 'name' | 'target' | 'credentialHeaders' | 'ownSecrets' | 'refused' | 'deadlineMs'> & {
  sim: (sims: Sims) => OfdSim | OfdPublicSim;
  /** OFD_TOKEN selects the token API: the legacy rig leaves it out. */
  omit: readonly string[];
};

const OFD_LEGACY: OfdApi = {
  name: 'Yandex OFD legacy',
  sim: (sims) => sims.ofd,
  omit: ['OFD_TOKEN'],
  target: (req) => req.method === 'POST',
  credentialHeaders: ['x-yandex-key', 'x-ofd-key'],
  ownSecrets: ['OFD_YANDEX_KEY', 'OFD_KEY'],
  refused: { status: 401, body: { code: 1, message: 'Invalid X-Yandex-Key' } },
  deadlineMs: 15_000,
};

const OFD_TOKEN_API: OfdApi = {
  name: 'Yandex OFD token API',
  sim: (sims) => sims.ofdPublic,
  omit: [],
  target: (req) => req.path.endsWith('/reports/receipts'),
  credentialHeaders: ['x-yandex-ofd-token'],
  ownSecrets: ['OFD_TOKEN'],
  refused: { status: 401, body: { error: 'unauthorized', message: 'Token is invalid' } },
  deadlineMs: 20_000,
};

async function ofdRig(sims: Sims, api: OfdApi): Promise<Rig> {
  const { omit, sim: simOf, ...rest } = api;
  const sim = simOf(sims);
  const session = await connect(allSourcesEnv(sims, omit));
  const want = ofdFigures(sim.receipts, sim.companies);
  return {
    ...rest,
    label: 'Yandex OFD',
    sim: sim.server,
    session,
    call: () => callWith(session, 'get_sales_aggregation', ofdArgs),
    expectFigures: (result) => expect(ofdActual(result)).toEqual(want),
    close: () => session.close(),
  };
}

export const ofdLegacyRig = (sims: Sims) => ofdRig(sims, OFD_LEGACY);
export const ofdPublicRig = (sims: Sims) => ofdRig(sims, OFD_TOKEN_API);

export const MARKET_FROM = '2026-10-01';
export const MARKET_TO = '2026-10-31';

export async function marketRig(sims: Sims): Promise<Rig> {
  const session = await connect(allSourcesEnv(sims));
  const want = expectedOrders(sims.market.orders, MARKET_FROM, MARKET_TO);
  return {
    name: 'Yandex Market',
    label: 'Yandex Market',
    sim: sims.market.server,
    session,
    target: (req) => req.path.startsWith('/v2/reports/info/'),
    credentialHeaders: ['api-key', 'authorization'],
    ownSecrets: ['MARKET_API_KEY', 'MARKET_OAUTH_TOKEN'],
    refused: { status: 401, body: { status: 'ERROR', errors: [{ code: 'UNAUTHORIZED', message: 'Api-Key is invalid or expired' }] } },
    deadlineMs: 25_000,
    call: () => callWith(session, 'await_market_report', { report: { type: 'united-orders', date_from: MARKET_FROM, date_to: MARKET_TO }, max_wait_seconds: 20 }),
    expectFigures(result) {
      const sc = structured(result);
      expect(sc.orders.revenue).toEqual({ orders: want.revenue.orders, items: String(want.revenue.items), amount: want.revenue.amount });
    },
    close: () => session.close(),
  };
}

const PF_FROM = '2026-05-01';
const PF_TO = '2026-05-31';

export async function posifloraRig(sims: Sims): Promise<Rig> {
  const session = await connect(allSourcesEnv(sims));
  const want = posifloraExpected(sims.posiflora.data, { from: PF_FROM, to: PF_TO, tz: 'Europe/Moscow' }).overall;
  return {
    name: 'Posiflora',
    label: 'Posiflora',
    sim: sims.posiflora.server,
    session,
    target: (req) => req.method === 'GET' && req.path === '/v1/orders',
    credentialHeaders: ['authorization'],
    ownSecrets: ['POSIFLORA_USERNAME', 'POSIFLORA_PASSWORD'],
    expireSessions: () => sims.posiflora.sim.expireAccessTokens(),
    deadlineMs: 15_000,
    call: () => callWith(session, 'list_posiflora_orders', { date_from: PF_FROM, date_to: PF_TO, group_by: [], limit: 0 }),
    expectFigures(result) {
      const t = structured(result).totals;
      expect([t.orders, t.total_amount, t.payments_amount]).toEqual([want.orders, want.total, want.paid]);
    },
    close: () => session.close(),
  };
}

export type { Fault };
