import type { SimServer } from '../framework.js';
import { localDateTime, seedReceipts, type SimReceipt } from '../ofd/data.js';
import type { OfdSimOptions } from '../ofd/index.js';
import { receiptsFromStory } from '../ofd/story.js';
import { enrich, itemsOf, type Item } from './rows.js';
import { API_PREFIX, DEFAULT_WIRE, createOfdPublicSim, type RowFault, type WireOptions } from './server.js';

/**
 * Start the simulator of the new Yandex OFD public API on 127.0.0.1. It serves the very receipts the
 * legacy OFD simulator aggregates for the same options (seed, days, now, tz, traffic), so a test can
 * compare the two paths figure by figure.
 */

export { DEFAULT_WIRE, MAX_LIMIT, DEFAULT_LIMIT, type RowFault, type WireOptions } from './server.js';
export { CASHBOX_NAMES, DOC_NAME_CODES, OPERATION_CODES, TAXATION_CODES, type Item } from './rows.js';

/** The legacy simulator's seeding options (same options, same receipts), its rate limit and float sums. */
export interface OfdPublicSimOptions extends Pick<OfdSimOptions, 'story' | 'seed' | 'days' | 'now' | 'tz' | 'traffic' | 'rps' | 'floatArtefacts'> {
  token?: string;
  /** Switches for what the research note marks inferred or unknown; see `DEFAULT_WIRE`. */
  wire?: Partial<WireOptions>;
}

export interface OfdPublicSim {
  server: SimServer;
  /** The server's origin; the API base (what `OFD_PUBLIC_BASE_URL` takes) is `baseUrl`. */
  url: string;
  baseUrl: string;
  token: string;
  /** A token the cabinet revoked: answered with 403. */
  revokedToken: string;
  /** Every seeded document in time order, including company 303's, which the token cannot read. */
  receipts: readonly SimReceipt[];
  /** Companies the token can read. */
  companies: readonly string[];
  /** Line items of a receipt as the report's item rows carry them (they add up to its total). */
  items(receipt: SimReceipt): Item[];
  counters: { rateLimited: number; served: number };
  /** The current wire switches; `setWire` changes them while running. */
  wire: WireOptions;
  setWire(wire: Partial<WireOptions>): void;
  setRps(rps: number): void;
  /** Spoil the next `times` served receipt pages: a receipt row loses its amounts, or carries garbage. */
  injectRowFault(fault: RowFault, times?: number): void;
  /** Every request to `/reports/receipts` (answered or not), with its query as a plain object. */
  receiptRequests(): { query: Record<string, string | string[]>; at: number }[];
  /** Environment for revenue-mcp pointing at this simulator. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export const DEMO_TOKEN = 'demo-ofd-token-5c2e91d04b7a';
const REVOKED_TOKEN = 'demo-ofd-token-revoked-0000';

function plain(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const all = query.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

export async function startOfdPublicSim(options: OfdPublicSimOptions = {}): Promise<OfdPublicSim> {
  const seed = options.seed ?? 20_240_601;
  const tz = options.story?.tz ?? options.tz ?? process.env.REVENUE_TZ ?? 'Europe/Moscow';
  const now = options.story ? new Date(options.story.now) : (options.now ?? new Date());
  const receipts = options.story ? receiptsFromStory(options.story) : seedReceipts({ seed, days: options.days, now, tz, traffic: options.traffic });
  const token = options.token ?? DEMO_TOKEN;
  const companies = ['301', '302'];
  const cfg = {
    receipts,
    seed,
    token,
    revokedToken: REVOKED_TOKEN,
    companies,
    nowLocal: localDateTime(now, tz),
    rps: options.rps ?? 10,
    floatArtefacts: options.floatArtefacts ?? true,
    wire: { ...DEFAULT_WIRE, ...options.wire },
  };
  const { server, state } = createOfdPublicSim(cfg, enrich(receipts));
  const url = await server.start();
  const baseUrl = `${url}${API_PREFIX}`;
  return {
    server,
    url,
    baseUrl,
    token,
    revokedToken: REVOKED_TOKEN,
    receipts,
    companies,
    items: (receipt) => itemsOf(receipt, seed),
    counters: state.counters,
    get wire() {
      return { ...cfg.wire };
    },
    setWire: (wire) => Object.assign(cfg.wire, wire),
    setRps: (rps) => {
      state.rate.limit = rps;
      state.rate.reset();
    },
    injectRowFault: (fault, times = 1) => {
      for (let i = 0; i < times; i++) state.rowFaults.push(fault);
    },
    receiptRequests: () =>
      server.requests.filter((r) => r.path.replace(/\/+$/, '') === `${API_PREFIX}/reports/receipts`).map((r) => ({ query: plain(r.query), at: r.at })),
    env: { OFD_PUBLIC_BASE_URL: baseUrl, OFD_TOKEN: token },
    close: () => server.close(),
  };
}
