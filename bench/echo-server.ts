import { SimServer, type SimReply } from '../src/sim/framework.js';

/**
 * A loopback upstream in its own process, so the bench process's CPU is the client's alone: GET /ok
 * answers a small JSON body and is stamped on arrival; GET /arrivals returns and clears those stamps.
 * Prints its base URL on stdout.
 */
const sim: SimServer = new SimServer({
  name: 'bench-echo',
  routes: [
    { method: 'GET', pattern: '/ok', handler: () => ({ status: 200, body: { data: [{ total: 631.0, cash: 630.0 }], total: 1 } }) },
    {
      method: 'GET',
      pattern: '/arrivals',
      handler: (): SimReply => {
        const at = sim.requests.filter((r) => r.path !== '/arrivals').map((r) => ({ path: r.path, at: r.at }));
        sim.clearRequests();
        return { status: 200, body: at };
      },
    },
  ],
});
process.stdout.write(`${await sim.start()}\n`);
