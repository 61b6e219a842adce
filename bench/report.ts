import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { writeFileSync } from 'node:fs';
import { buildSheets, encodeReport, rowCount } from '../src/sim/market/reports.js';
import { seedOrders, startMarketSim, type MarketSim, type SimOrder } from '../src/sim/market/index.js';
import { serverArgs } from './profile.js';
import { benchClient, cpuMs, MAIN, procKb } from './proc.js';
import { row, type Bench, type Row } from './types.js';

/**
 * `await_market_report` on a big united-orders report, as JSON zip and as CSV zip. The report is generated
 * by one server process; a fresh one then resumes it by id, so the measured call downloads, unzips, parses
 * and summarises the whole file. Own time = the server's CPU time during that call (/proc/PID/stat), which
 * leaves out the simulator building the ZIP in this process; wall time is shown beside it. Peak RSS growth
 * is VmHWM after the call − VmRSS before it, the peak reset through clear_refs (Linux), as in big-list.
 */

const FROM = '2026-10-01';
const TO = '2026-10-31';



const connect = (sim: MarketSim) => benchClient({ ...sim.env, MARKET_GENERATE_ORDERS_INTERVAL_MS: '10' }, serverArgs(MAIN));

type Result = { isError?: boolean; structuredContent?: any; content: Array<{ text?: string }> };
const call = async (client: Client, args: Record<string, unknown>) => {
  const res = (await client.callTool({ name: 'await_market_report', arguments: args }, CallToolResultSchema, { timeout: 300_000 })) as Result;
  if (res.isError) throw new Error(res.content[0]?.text ?? 'tool failed');
  return res;
};

async function measure(sim: MarketSim, format: 'JSON' | 'CSV'): Promise<{ wallMs: number; ownMs: number; growthMb: number; fileMb: number; orders: number }> {
  const first = await connect(sim);
  let reportId: string;
  try {
    reportId = (await call(first.client, { report: { type: 'united-orders', date_from: FROM, date_to: TO, format }, max_wait_seconds: 120 })).structuredContent.report_id;
  } finally {
    await first.client.close();
  }
  const { client, pid } = await connect(sim);
  try {
    // Warm the tool's code paths with a one-day report of the same format (not measured).
    await call(client, { report: { type: 'united-orders', date_from: FROM, date_to: '2026-10-01', format }, max_wait_seconds: 120 });
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const rss0 = procKb(pid, 'VmRSS');
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    const res = await call(client, { report_id: reportId });
    const wallMs = performance.now() - t0;
    const ownMs = cpuMs(pid) - cpu0;
    const growthMb = (procKb(pid, 'VmHWM') - rss0) / 1024;
    return { wallMs, ownMs, growthMb, fileMb: Number(res.structuredContent.file?.bytes ?? 0) / 1024 / 1024, orders: Number(res.structuredContent.orders?.all_statuses?.orders ?? 0) };
  } finally {
    await client.close();
  }
}

const bench: Bench = {
  id: 'report',
  about: 'await_market_report on a big united-orders report (JSON zip, CSV zip): server CPU, peak RSS growth',
  async run({ smoke }) {
    const campaignIds = [21_000_101];
    // Seeded orders per day vary a lot: raise the mean until the month's report holds the rows asked for.
    const wanted = smoke ? 2_000 : 50_000;
    const shop = { businessId: 0, shopName: '', inn: '' };
    const sheetsFor = (orders: SimOrder[]) => buildSheets(orders, { type: 'united-orders', dateFrom: FROM, dateTo: TO, language: 'RU' }, shop);
    let perDay = smoke ? 30 : 600;
    let orders = seedOrders({ from: FROM, days: 31, ordersPerDay: perDay, campaignIds });
    while (rowCount(sheetsFor(orders)) < wanted) orders = seedOrders({ from: FROM, days: 31, ordersPerDay: (perDay += Math.ceil(perDay / 20)), campaignIds });
    const sim = await startMarketSim({ orders, campaignIds, generationMs: 100, clock: Date.now, maxRows: 10_000_000, quotas: { 'generate.united-orders': { limit: 100, windowMs: 60_000 }, 'reports.info': { limit: 10_000, windowMs: 60_000 } } });
    try {
      const sheets = sheetsFor(orders);
      const rows = rowCount(sheets);
      const rowsOut: Row[] = [];
      for (const format of ['JSON', 'CSV'] as const) {
        const zipMb = encodeReport(sheets, format).length / 1024 / 1024;
        const m = await measure(sim, format);
        rowsOut.push(
          row('report', `${format} zip, ${rows} rows (${m.orders} orders, ${zipMb.toFixed(1)} MB zipped): own time, server CPU (ms)`, m.ownMs.toFixed(0), '≤ 2000', m.ownMs <= 2000),
          row('report', `${format} zip: wall of the resumed call, download included (ms)`, m.wallMs.toFixed(0)),
          row('report', `${format} zip: server peak RSS growth (MB)`, m.growthMb.toFixed(1), '≤ 150', m.growthMb <= 150),
        );
      }
      return rowsOut;
    } finally {
      await sim.close();
    }
  },
};

export default bench;
