import { Decimal } from 'decimal.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOfdPublicSim } from '../src/sim/ofd-public/index.js';
import { startPosifloraSim, type PosifloraData } from '../src/sim/posiflora/index.js';
import { benchClient } from './proc.js';
import { row, type Bench, type Row } from './types.js';

/**
 * Upstream requests one question costs, against walking every page: Posiflora totals by status and by
 * store for a month of 100 k orders (checked to the kopeck against the simulator's orders); Yandex OFD through the new token API for a 30-day month at ~300
 * receipts a day, cold (empty on-disk cache) and asked again (warm). Counted in the simulators' logs.
 */

const PAGE = 100;

const bench: Bench = {
  id: 'requests',
  about: 'requests per question vs walking every page',
  async run({ smoke }) {
    return [...(await posiflora(smoke)), ...(await ofd())];
  },
};

async function posiflora(smoke: boolean): Promise<Row[]> {
  const count = smoke ? 5_000 : 100_000;
  const pf = await startPosifloraSim({ count, endDate: '2026-06-30', days: 30, rps: 10_000 });
  const { client } = await benchClient({ ...pf.env, POSIFLORA_RPS: '50' });
  try {
    pf.server.clearRequests();
    const res = (await client.callTool({
      name: 'list_posiflora_orders',
      arguments: { date_from: '2026-06-01', date_to: '2026-06-30', group_by: ['status', 'store'], aggregate: true, limit: 0 },
    })) as { isError?: boolean; structuredContent?: any; content: Array<{ text?: string }> };
    if (res.isError) throw new Error(res.content[0]?.text ?? 'tool failed');
    const data = pf.server.requests.filter((r) => r.path === '/v1/orders').length;
    const s = res.structuredContent;
    const orders = Number(s?.totals?.orders);
    const stores = pf.stores.length;
    const want = june(pf.data);
    const got = canonical({
      orders: s.totals.orders,
      total: s.totals.total_amount,
      paid: s.totals.payments_amount,
      statuses: Object.fromEntries(s.by_status.map((b: any) => [b.status, b.orders])),
      stores: Object.fromEntries(s.by_store.map((b: any) => [b.store_id, { orders: b.orders, total: b.total_amount, paid: b.payments_amount, statuses: b.orders_by_status }])),
    });
    const exact = got === canonical(want);
    return [
      row('requests', `Posiflora totals by status and store, a month of ${orders} orders: data requests (walking every page: ${Math.ceil(orders / PAGE)})`, data, `≤ ${1 + stores} (1 + stores)`, data <= 1 + stores),
      row('requests', 'Posiflora: counts by status, overall and per store; sums overall and per store, vs the simulator\'s orders', exact ? 'exact' : 'differs', 'exact', exact),
    ];
  } finally {
    await client.close();
    await pf.close();
  }
}

/** JSON with every object's keys sorted: figures compared whatever order rows come in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

/** June 2026 in Moscow (UTC+3 all year) straight from the simulator's orders, with plain decimal.js. */
function june(data: PosifloraData) {
  const from = Date.parse('2026-06-01T00:00:00+03:00');
  const to = Date.parse('2026-07-01T00:00:00+03:00');
  const kop = (n: number) => new Decimal(n).div(100);
  const overall = { orders: 0, total: new Decimal(0), paid: new Decimal(0) };
  const statuses = new Map<string, number>();
  const stores = new Map<string, { orders: number; total: Decimal; paid: Decimal; statuses: Map<string, number> }>();
  for (const o of data.all()) {
    const t = Date.parse(o.createdAt);
    if (t < from || t >= to) continue;
    overall.orders += 1;
    overall.total = overall.total.plus(kop(o.totalKop));
    overall.paid = overall.paid.plus(kop(o.paymentsKop));
    statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
    const st = stores.get(o.storeId) ?? { orders: 0, total: new Decimal(0), paid: new Decimal(0), statuses: new Map<string, number>() };
    st.orders += 1;
    st.total = st.total.plus(kop(o.totalKop));
    st.paid = st.paid.plus(kop(o.paymentsKop));
    st.statuses.set(o.status, (st.statuses.get(o.status) ?? 0) + 1);
    stores.set(o.storeId, st);
  }
  return {
    orders: overall.orders,
    total: overall.total.toFixed(2),
    paid: overall.paid.toFixed(2),
    statuses: Object.fromEntries(statuses),
    stores: Object.fromEntries([...stores].map(([id, st]) => [id, { orders: st.orders, total: st.total.toFixed(2), paid: st.paid.toFixed(2), statuses: Object.fromEntries(st.statuses) }])),
  };
}

/** The OFD token API, a 30-day month of settled days at ~300 receipts a day, the cache in a temp directory. */
async function ofd(): Promise<Row[]> {
  const sim = await startOfdPublicSim({ now: new Date('2026-05-20T12:00:00Z'), days: 60, traffic: 3.3, rps: 10_000 });
  const cacheDir = mkdtempSync(join(tmpdir(), 'revenue-mcp-bench-'));
  const { client } = await benchClient({ ...sim.env, OFD_RPS: '100', REVENUE_CACHE_DIR: cacheDir });
  try {
    const from = '2026-04-01';
    const to = '2026-04-30';
    const ask = async () => {
      const before = sim.server.requests.length;
      const res = (await client.callTool({ name: 'get_sales_aggregation', arguments: { date_from: from, date_to: to, compare_previous: false } }, undefined, { timeout: 300_000 })) as {
        isError?: boolean;
        structuredContent?: any;
        content: Array<{ text?: string }>;
      };
      if (res.isError) throw new Error(res.content[0]?.text ?? 'tool failed');
      return { requests: sim.server.requests.length - before, receipts: Number(res.structuredContent?.totals?.receipts) };
    };
    const cold = await ask();
    const warm = await ask();
    const perDay = (cold.receipts / 30).toFixed(0);
    return [
      row('requests', `OFD token API, April (30 days, ${perDay} receipts/day): requests, cold cache`, cold.requests, '≤ 15', cold.requests <= 15),
      row('requests', 'OFD token API, the same month asked again: requests, warm cache', warm.requests, '0', warm.requests === 0),
    ];
  } finally {
    await client.close();
    await sim.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

export default bench;
