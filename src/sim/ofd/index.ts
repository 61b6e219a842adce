import type { SimServer } from '../framework.js';
import { DIRECTORY, seedReceipts, type SimReceipt } from './data.js';
import { createOfdSim, type OfdSimCounters, type OfdSimKeys } from './server.js';
import { receiptsFromStory } from './story.js';
import type { ShopStory } from '../story/index.js';

/**
 * Start the Yandex OFD simulator on 127.0.0.1 with seeded receipts. Tests get the receipts back so they
 * can compute expected figures on their own; demo mode gets the env that points the server at it.
 */

export { DIRECTORY, type SimReceipt } from './data.js';
export { intervalBounds, type Interval } from './aggregate.js';

export interface OfdSimOptions {
  /** Serve the demo shop's receipts (then seed, days, now, tz and traffic are ignored). */
  story?: ShopStory;
  seed?: number;
  /** Days of history ending today (local). Default 430. */
  days?: number;
  /** The simulator's clock; receipts stop at this instant. Default: now. */
  now?: Date;
  /** Wall-clock zone of receipt times. Default REVENUE_TZ or Europe/Moscow. */
  tz?: string;
  /** Multiplies the daily receipt traffic (1 ≈ 75 readable receipts a day). Default 1. */
  traffic?: number;
  /** Requests per second per X-Yandex-Key before 429. Default 10. */
  rps?: number;
  /** Send naive float sums (with binary artefacts). Default true. */
  floatArtefacts?: boolean;
  keys?: Partial<OfdSimKeys>;
}

export interface OfdSim {
  server: SimServer;
  url: string;
  keys: OfdSimKeys;
  /** A valid-looking X-OFD-Key whose user is not linked to a client. */
  unlinkedOfdKey: string;
  /** Every seeded document, sorted by time, including those of company 303 the keys cannot read. */
  receipts: readonly SimReceipt[];
  /** Companies the keys can read. */
  companies: readonly string[];
  counters: OfdSimCounters;
  /** Change the per-second limit while running. */
  setRps(rps: number): void;
  /** Environment for revenue-mcp pointing at this simulator. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export const DEMO_KEYS: OfdSimKeys = {
  yandexKey: 'demo-yandex-key-7f3c21aa',
  ofdKey: 'demo-ofd-key-b17eae90',
};

export async function startOfdSim(options: OfdSimOptions = {}): Promise<OfdSim> {
  const keys: OfdSimKeys = { ...DEMO_KEYS, ...options.keys };
  const unlinkedOfdKey = 'demo-ofd-key-unlinked-0000';
  const receipts = options.story
    ? receiptsFromStory(options.story)
    : seedReceipts({ seed: options.seed, days: options.days, now: options.now, traffic: options.traffic, tz: options.tz ?? process.env.REVENUE_TZ ?? 'Europe/Moscow' });
  const companies = ['301', '302'];
  const { server, counters, rate } = createOfdSim({
    receipts,
    keys,
    unlinkedOfdKey,
    companies,
    rps: options.rps ?? 10,
    floatArtefacts: options.floatArtefacts ?? true,
  });
  const url = await server.start();
  return {
    server,
    url,
    keys,
    unlinkedOfdKey,
    receipts,
    companies,
    counters,
    setRps: (rps) => {
      rate.limit = rps;
      rate.reset();
    },
    env: { OFD_BASE_URL: url, OFD_YANDEX_KEY: keys.yandexKey, OFD_KEY: keys.ofdKey },
    close: () => server.close(),
  };
}

/** Companies, retail points and cashboxes of the seeded data (for docs and tests). */
export const OFD_DIRECTORY = DIRECTORY;
