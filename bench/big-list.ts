import { writeFileSync } from 'node:fs';
import { startPosifloraSim } from '../src/sim/posiflora/index.js';
import { benchClient, procKb } from './proc.js';
import { row, type Bench, type Row } from './types.js';

/**
 * `list_posiflora_orders` walking every order of a year (aggregate "walk", by status/store/day) through
 * the built server (a child process, over stdio) at POSIFLORA_RPS=50: exact against the simulator's meta,
 * wall time against the limit's bound, and the server's peak RSS growth from /proc (VmHWM after the walk
 * minus VmRSS before it, the peak reset through clear_refs just before). The simulator runs in this
 * process so its memory does not count. Run at 100 k and at 10 k orders to see memory does not grow
 * with the order count.
 */

const RPS = 50;


async function walk(count: number): Promise<{ orders: number; expected: number; requests: number; seconds: number; growthMb: number; peakMb: number; matches: boolean }> {
  const pf = await startPosifloraSim({ count, endDate: '2026-06-30', days: 365, rps: 10_000 });
  const { client, pid } = await benchClient({ ...pf.env, POSIFLORA_RPS: String(RPS), LOG_LEVEL: 'warning' });
  try {
    const args = { date_from: '2025-07-01', date_to: '2026-06-30', group_by: ['status', 'store', 'day'], aggregate: 'walk', limit: 20 };
    // Warm up code paths and the session with a one-request question; its meta total is the expected count.
    const first = (await client.callTool({ name: 'list_posiflora_orders', arguments: { ...args, aggregate: true, group_by: [], limit: 0 } })) as { structuredContent?: any };
    const expected = Number(first.structuredContent?.totals?.orders);
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const baseline = procKb(pid, 'VmRSS');
    await new Promise((resolve) => setTimeout(resolve, 1000 / RPS + 50)); // the warm-up's slot is free again
    pf.server.clearRequests();
    const started = Date.now();
    const res = (await client.callTool({ name: 'list_posiflora_orders', arguments: args }, undefined, { timeout: 600_000 })) as { isError?: boolean; structuredContent?: any; content: Array<{ text?: string }> };
    const seconds = (Date.now() - started) / 1000;
    if (res.isError) throw new Error(res.content[0]?.text ?? 'tool failed');
    const peak = procKb(pid, 'VmHWM');
    const s = res.structuredContent;
    return { orders: s.totals.orders, expected, requests: pf.server.requests.length, seconds, growthMb: Math.max(0, peak - baseline) / 1024, peakMb: peak / 1024, matches: Boolean(s.cross_check?.matches) };
  } finally {
    await client.close();
    await pf.close();
  }
}

const bench: Bench = {
  id: 'big-list',
  about: `list_posiflora_orders aggregate walk over a year of orders at POSIFLORA_RPS ${RPS}: exact, wall vs bound, server peak RSS growth`,
  async run({ smoke }) {
    const [small, big] = smoke ? [1_000, 3_000] : [10_000, 101_000];
    const s = await walk(small);
    const b = await walk(big);
    const bound = (b.requests - 1) / RPS;
    const rows: Row[] = [
      row('big-list', `${b.orders} orders walked (meta says ${b.expected})`, b.matches && b.orders === b.expected ? 'exact' : 'differs', 'exact', b.matches && b.orders === b.expected),
      row('big-list', `wall (s), ${b.requests} requests`, b.seconds.toFixed(1), `≤ ${(1.1 * bound).toFixed(1)} (1.10 × (requests−1)/${RPS})`, b.seconds <= 1.1 * bound),
      row('big-list', `peak RSS growth, ${b.orders} orders (MB)`, b.growthMb.toFixed(1), '≤ 100', b.growthMb <= 100),
      row('big-list', `peak RSS growth, ${s.orders} orders (MB)`, s.growthMb.toFixed(1)),
      row('big-list', `server peak RSS, ${b.orders} / ${s.orders} orders (MB)`, `${b.peakMb.toFixed(0)} / ${s.peakMb.toFixed(0)}`),
      row('big-list', `peak RSS ratio ${big / 1000} k / ${small / 1000} k orders`, (b.peakMb / s.peakMb).toFixed(2), '< 2', b.peakMb / s.peakMb < 2),
    ];
    return rows;
  },
};

export default bench;
