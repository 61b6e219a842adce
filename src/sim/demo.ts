import type { SimServer } from './framework.js';

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

const starters: Starter[] = [];

export async function startDemoSims(): Promise<{ sims: DemoSim[]; env: Record<string, string>; close(): Promise<void> }> {
  const sims = await Promise.all(starters.map((start) => start()));
  return {
    sims,
    env: Object.assign({}, ...sims.map((s) => s.env)) as Record<string, string>,
    close: async () => {
      await Promise.all(sims.map((s) => s.server.close()));
    },
  };
}
