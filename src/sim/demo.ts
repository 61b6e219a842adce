import type { SimServer } from './framework.js';
import { shopStory } from './story/index.js';

/**
 * Demo mode: every simulator started in-process on one story (src/sim/story): the same shop's counter
 * sales, their fiscal receipts, florist orders and Market orders over the last 400 days. Each entry starts one simulator and
 * returns the environment that points the server at it (base URL and the simulator's demo credentials).
 */
export interface DemoSim {
  source: string;
  server: SimServer;
  env: Record<string, string>;
}

type Starter = () => Promise<DemoSim>;

/** One clock for every simulator: one story, generated once (shopStory keeps it) when the first one starts. */
const demoNow = new Date();
const story = () => shopStory({ now: demoNow });

/**
 * Keyed by the server's source names (config.ts), so a one-tool run can start only its own. The demo sets
 * OFD_TOKEN, so 'ofd' is the public token API; 'ofd-legacy' names no source and starts with them all, or for
 * a one-tool run in place of 'ofd' when REVENUE_DEMO_OFD=legacy (main.ts).
 */
// Each simulator's module loads with it: a one-tool run loads one.
const starters: Record<string, Starter> = {
  lifepos: async () => {
    const { startLifeposSim } = await import('./lifepos/index.js');
    const lifepos = await startLifeposSim({ story: story() });
    return { source: 'LIFE POS', server: lifepos.server, env: lifepos.env('phone') };
  },
  'ofd-legacy': async () => {
    // Legacy keys (OFD_BASE_URL, OFD_YANDEX_KEY, OFD_KEY) stay reachable for comparison.
    const { startOfdSim } = await import('./ofd/index.js');
    const ofd = await startOfdSim({ story: story() });
    return { source: 'Yandex OFD (legacy keys)', server: ofd.server, env: ofd.env };
  },
  ofd: async () => {
    // What a new user has: a token for the public API (OFD_TOKEN wins over legacy keys). Same receipts.
    const { startOfdPublicSim } = await import('./ofd-public/index.js');
    const ofd = await startOfdPublicSim({ story: story() });
    return { source: 'Yandex OFD (token)', server: ofd.server, env: ofd.env };
  },
  market: async () => {
    const { startMarketDemo } = await import('./market/index.js');
    return startMarketDemo(story());
  },
  posiflora: async () => {
    const { startPosifloraSim } = await import('./posiflora/index.js');
    const posiflora = await startPosifloraSim({ story: story() });
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
