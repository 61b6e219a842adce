import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fileURLToPath } from 'node:url';
import { startPosifloraSim } from '../src/sim/posiflora/index.js';
import { row, type Bench } from './types.js';

/**
 * Upstream requests one question costs, against walking every page: Posiflora totals by status and by
 * store for a month of 100 k orders, counted in the simulator's request log.
 */

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const PAGE = 100;

const bench: Bench = {
  id: 'requests',
  about: 'requests per question vs walking every page',
  async run({ smoke }) {
    const count = smoke ? 5_000 : 100_000;
    const pf = await startPosifloraSim({ count, endDate: '2026-06-30', days: 30, rps: 10_000 });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MAIN],
      env: { PATH: process.env.PATH ?? '', ...pf.env, POSIFLORA_RPS: '50', REVENUE_TZ: 'Europe/Moscow', LOG_LEVEL: 'error' },
      stderr: 'ignore',
    });
    const client = new Client({ name: 'bench', version: '1.0.0' });
    await client.connect(transport);
    try {
      pf.server.clearRequests();
      const res = (await client.callTool({
        name: 'list_posiflora_orders',
        arguments: { date_from: '2026-06-01', date_to: '2026-06-30', group_by: ['status', 'store'], aggregate: true, limit: 0 },
      })) as { isError?: boolean; structuredContent?: any; content: Array<{ text?: string }> };
      if (res.isError) throw new Error(res.content[0]?.text ?? 'tool failed');
      const data = pf.server.requests.filter((r) => r.path === '/v1/orders').length;
      const orders = Number(res.structuredContent?.totals?.orders);
      const stores = pf.stores.length;
      return [
        row('requests', `Posiflora totals by status and store, a month of ${orders} orders: data requests (walking every page: ${Math.ceil(orders / PAGE)})`, data, `≤ ${1 + stores} (1 + stores)`, data <= 1 + stores),
        row('requests', 'OFD month at 300 receipts/day with a new token, cold and warm', 'not yet available: the OFD token API is merged, this measurement is not written yet', '≤ 15 cold, 0 warm', null),
      ];
    } finally {
      await client.close();
      await pf.close();
    }
  },
};

export default bench;
