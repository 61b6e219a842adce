import { PosifloraSim, type PosifloraSimOptions } from './server.js';

export { PosifloraSim, JSON_API, jsonApiError, type PosifloraSimOptions, type RecordedReply } from './server.js';
export { PosifloraData, ORDER_STATUSES, type SimOrder, type SimOrderStatus, type SimStore, type SimCustomer } from './data.js';

export interface StartedPosifloraSim {
  sim: PosifloraSim;
  server: PosifloraSim['server'];
  url: string;
  /** Environment that points revenue-mcp at this simulator with its demo credentials. */
  env: Record<string, string>;
  stores: PosifloraSim['data']['stores'];
  /** The deterministic order generator, for computing expected figures independently. */
  data: PosifloraSim['data'];
  close(): Promise<void>;
}

/** Start a Posiflora simulator on 127.0.0.1 (any free port). */
export async function startPosifloraSim(options: PosifloraSimOptions = {}): Promise<StartedPosifloraSim> {
  const sim = new PosifloraSim(options);
  const url = await sim.server.start();
  return {
    sim,
    server: sim.server,
    url,
    env: { POSIFLORA_URL: url, POSIFLORA_USERNAME: sim.username, POSIFLORA_PASSWORD: sim.password },
    stores: sim.data.stores,
    data: sim.data,
    close: () => sim.server.close(),
  };
}
