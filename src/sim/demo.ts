import type { SimServer } from './framework.js';
import { startMarketDemo } from './market/index.js';
import { startLifeposSim } from './lifepos/index.js';
import { startOfdSim } from './ofd/index.js';
import { startOfdPublicSim } from './ofd-public/index.js';
import { startPosifloraSim } from './posiflora/index.js';

/**
 * Demo mode: every simulator started in-process with seeded data. Each entry starts one simulator and
 * returns the environment that points the server at it (base URL and the simulator's demo credentials).
 */
export interface DemoSim {
  source: string;
  server: SimServer;
  env: Record<string, string>;
}

type Starter = () => Promise<DemoSim>;

/** One clock for both OFD simulators, so they serve the very same receipts. */
const demoNow = new Date();

/**
 * Keyed by the server's source names (config.ts), so a one-tool run can start only its own. The demo sets
 * OFD_TOKEN, so 'ofd' is the public token API; 'ofd-legacy' names no source and starts with them all, or for
 * a one-tool run in place of 'ofd' when REVENUE_DEMO_OFD=legacy (main.ts).
 */
const starters: Record<string, Starter> = {
  lifepos: async () => {
    const lifepos = await startLifeposSim();
    return { source: 'LIFE POS', server: lifepos.server, env: lifepos.env('phone') };
  },
  'ofd-legacy': async () => {
    // Legacy keys (OFD_BASE_URL, OFD_YANDEX_KEY, OFD_KEY) stay reachable for comparison.
    const ofd = await startOfdSim({ now: demoNow });
    return { source: 'Yandex OFD (legacy keys)', server: ofd.server, env: ofd.env };
  },
  ofd: async () => {
    // What a new user has: a token for the public API (OFD_TOKEN wins over legacy keys). Same receipts.
    const ofd = await startOfdPublicSim({ now: demoNow });
    return { source: 'Yandex OFD (token)', server: ofd.server, env: ofd.env };
  },
  market: startMarketDemo,
  posiflora: async () => {
    // Orders up to today, so named periods (yesterday, last_week …) have data.
    const posiflora = await startPosifloraSim({ endDate: new Date().toISOString().slice(0, 10) });
    return { source: 'Posiflora', server: posiflora.server, env: posiflora.env };
  },
};

/** Start the simulators of `sources` (all when omitted). */
export async function startDemoSims(sources?: readonly string[]): Promise<{ sims: DemoSim[]; env: Record<string, string>; close(): Promise<void> }> {
  const chosen = Object.entries(starters).filter(([source]) => !sources || sources.includes(source));
  const sims = await Promise.all(chosen.map(([, start]) => start()));
  return {
    sims,
    env: Object.assign({}, ...sims.map((s) => s.env)) as Record<string, string>,
    close: async () => {
      await Promise.all(sims.map((s) => s.server.close()));
    },
  };
}
