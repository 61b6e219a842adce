import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLifeposSim } from '../src/sim/lifepos/index.js';
import { startMarketSim } from '../src/sim/market/index.js';
import { startOfdPublicSim } from '../src/sim/ofd-public/index.js';
import { startPosifloraSim } from '../src/sim/posiflora/index.js';
import { MAIN, whenListening, type ListeningServer } from './proc.js';
import { row, type Bench } from './types.js';

/**
 * Load: `clients` MCP clients (the SDK Client over Streamable HTTP), each with its own session, share
 * `calls` tool calls against the built server (`--http 0`, a child process) whose sources are the
 * simulators, run in this process. Every tool with a source takes its turn. Reports failures, latency
 * percentiles and the server's RSS before (after a warm-up round) and after (sessions closed, given a few
 * seconds to settle). Used at full size by `npm run bench` and reduced by test/reliability/load.test.ts.
 */


export interface LoadResult {
  calls: number;
  clients: number;
  failures: number;
  /** The first few failures, as text. */
  failureSamples: string[];
  p50Ms: number;
  p99Ms: number;
  seconds: number;
  /**
   * Server RSS right after the warm-up round; after it settled (as quiet as `rssAfterMb`, the before of the
   * target); at most during the calls; and after sessions closed and settling.
   */
  rssWarmMb: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  /** Calls and median latency (ms) per tool name under load, and the median of a few calls made alone. */
  perTool: Record<string, { calls: number; p50Ms: number; aloneP50Ms: number }>;
  /** Per source, the most upstream requests seen waiting in its limiter and running at once (/readyz). */
  limiters: Record<string, { queued: number; running: number }>;
}

/** Resident set of a process in MB (Linux /proc, else `ps`). */
export function rssMb(pid: number): number {
  try {
    const status = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    if (m) return Number(m[1]) / 1024;
  } catch {
    /* not Linux */
  }
  const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return Number(ps) / 1024;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

/** Calls per tool made alone (one client, one at a time) before the load. */
const ALONE_ROUNDS = 3;
/** How long RSS is given to settle, before and after the calls: longer than the server's quiet spell before it collects. */
const SETTLE_MS = 20_000;

/** RSS once it stops falling: sampled every 0.5 s for `ms`, the lowest reading. */
async function settledRss(pid: number, ms: number): Promise<number> {
  let low = rssMb(pid);
  for (let waited = 0; waited < ms; waited += 500) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    low = Math.min(low, rssMb(pid));
  }
  return low;
}

/** Each source's limiter state from the server's /readyz (empty when it cannot be read). */
async function readyz(url: string): Promise<Record<string, { queued: number; running: number }>> {
  try {
    const res = await fetch(`${url}/readyz`);
    return ((await res.json()) as { sources?: Record<string, { queued: number; running: number }> }).sources ?? {};
  } catch {
    return {};
  }
}

function startServer(main: string, env: Record<string, string>): Promise<ListeningServer> {
  const child = spawn(process.execPath, [main, '--http', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return whenListening(child, { keepChars: 100_000 });
}

export async function runLoad(options: { clients: number; calls: number; main?: string }): Promise<LoadResult> {
  const { clients, calls } = options;
  // The simulators answer as fast as they can: the server's own limits are not what is measured here.
  const lifepos = await startLifeposSim({ rps: 100_000 });
  const ofd = await startOfdPublicSim({ rps: 100_000 });
  const posiflora = await startPosifloraSim({ endDate: new Date().toISOString().slice(0, 10), count: 3_000, days: 60, rps: 100_000 });
  const market = await startMarketSim({ generationMs: 200, clock: Date.now, quotas: { 'reports.info': { limit: 1_000_000, windowMs: 60_000 }, 'generate.united-orders': { limit: 100, windowMs: 60_000 } } });
  const cacheDir = mkdtempSync(join(tmpdir(), 'revenue-mcp-load-'));
  // A test importing the source passes the built entry (MAIN is beside this file in dist/).
  const server = await startServer(options.main ?? MAIN, {
    PATH: process.env.PATH ?? '',
    ...lifepos.env('phone'),
    ...ofd.env,
    ...posiflora.env,
    ...market.env,
    MARKET_INFO_PER_MINUTE: '1000000',
    MARKET_GENERATE_ORDERS_INTERVAL_MS: '10',
    LIFEPOS_RPS: '10000',
    OFD_RPS: '10000',
    POSIFLORA_RPS: '10000',
    // The on-disk cache of closed OFD days is on by default in production; here in a temporary directory.
    REVENUE_CACHE_DIR: cacheDir,
    REVENUE_TZ: 'Europe/Moscow',
    // Every client connects from 127.0.0.1, so per-client caps (16 in flight, 50 sessions) would count the
    // 50 clients as one: raise them as an operator behind one proxy address would.
    MCP_MAX_CONCURRENT_PER_CLIENT: String(clients + 16),
    MCP_MAX_SESSIONS_PER_CLIENT: String(clients + 16),
    LOG_LEVEL: 'error',
  });
  const pid = server.child.pid!;
  const sessions: Array<{ client: Client; transport: StreamableHTTPClientTransport }> = [];
  try {
    // One Market report generated up front; the load resumes it by id (generations are scarce upstream).
    const opener = new Client({ name: 'load-setup', version: '1.0.0' });
    const openerTransport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`));
    await opener.connect(openerTransport);
    const generated = await opener.callTool({ name: 'await_market_report', arguments: { report: { type: 'united-orders', period: 'last_month' }, max_wait_seconds: 30 } }, CallToolResultSchema, { timeout: 60_000 });
    const reportId = (generated.structuredContent as { report_id?: string } | undefined)?.report_id;
    if (generated.isError || !reportId) throw new Error(`setup: no Market report: ${JSON.stringify(generated.content).slice(0, 300)}`);
    await openerTransport.terminateSession();
    await opener.close();

    const sales = lifepos.sales.filter((s) => !s.deleted_at);
    const closedTo = new Date(Date.now() - 4 * 86_400_000).toISOString().slice(0, 10);
    const closedFrom = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    const mix: Array<(i: number) => { name: string; arguments: Record<string, unknown> }> = [
      () => ({ name: 'get_revenue_widget', arguments: { period: 'yesterday' } }),
      (i) => ({ name: 'get_sale', arguments: { deal_guid: sales[i % sales.length]!.guid } }),
      () => ({ name: 'get_sales_aggregation', arguments: { date_from: closedFrom, date_to: closedTo } }),
      () => ({ name: 'list_posiflora_orders', arguments: { period: 'last_week', group_by: ['status'] } }),
      () => ({ name: 'await_market_report', arguments: { report_id: reportId } }),
    ];

    for (let c = 0; c < clients; c++) {
      const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`));
      const client = new Client({ name: `load-${c}`, version: '1.0.0' });
      await client.connect(transport);
      sessions.push({ client, transport });
    }

    const latencies: number[] = [];
    const failureSamples: string[] = [];
    const byTool: Record<string, number[]> = {};
    let failures = 0;
    let next = 0;
    const one = async (client: Client, i: number, record: boolean) => {
      const call = mix[i % mix.length]!(Math.floor(i / mix.length));
      const t0 = performance.now();
      try {
        const res = await client.callTool(call, CallToolResultSchema, { timeout: 120_000 });
        if (res.isError) throw new Error((res.content as Array<{ text?: string }>).map((c) => c.text).join(' '));
      } catch (err) {
        failures += 1;
        if (failureSamples.length < 5) failureSamples.push(`${call.name}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300));
      }
      if (record) {
        latencies.push(performance.now() - t0);
        (byTool[call.name] ??= []).push(performance.now() - t0);
      }
    };

    // Warm-up: each client once (fills connections, the login, the OFD cache), not counted.
    await Promise.all(sessions.map(({ client }, c) => one(client, c, false)));
    if (failures > 0) throw new Error(`warm-up failed: ${failureSamples.join('; ')}`);
    // Each tool alone, a few calls in a row from one client: what a call costs when nothing else waits.
    const alone: Record<string, number[]> = {};
    for (let i = 0; i < ALONE_ROUNDS * mix.length; i++) {
      const call = mix[i % mix.length]!(i);
      const t0 = performance.now();
      const res = await sessions[0]!.client.callTool(call, CallToolResultSchema, { timeout: 120_000 });
      if (res.isError) throw new Error(`${call.name} alone failed: ${JSON.stringify(res.content).slice(0, 300)}`);
      (alone[call.name] ??= []).push(performance.now() - t0);
    }
    // "Before" is read as settled as "after" will be: the warm-up's garbage given the same quiet spell.
    const rssWarmMb = rssMb(pid);
    const rssBeforeMb = await settledRss(pid, SETTLE_MS);
    let rssPeakMb = rssBeforeMb;
    const limiters: LoadResult['limiters'] = {};
    const sampler = setInterval(() => {
      rssPeakMb = Math.max(rssPeakMb, rssMb(pid));
      void readyz(server.url).then((sources) => {
        for (const [source, s] of Object.entries(sources)) {
          const seen = (limiters[source] ??= { queued: 0, running: 0 });
          seen.queued = Math.max(seen.queued, s.queued);
          seen.running = Math.max(seen.running, s.running);
        }
      });
    }, 500);

    const t0 = performance.now();
    await Promise.all(
      sessions.map(async ({ client }) => {
        while (next < calls) await one(client, next++, true);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    rssPeakMb = Math.max(rssPeakMb, rssMb(pid));

    // Clients leave as well-behaved ones do (DELETE /mcp), then the server gets a few seconds to settle.
    for (const { client, transport } of sessions.splice(0)) {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }
    const rssAfterMb = await settledRss(pid, SETTLE_MS);
    latencies.sort((a, b) => a - b);
    const median = (ms: number[] = []) => percentile(ms.sort((a, b) => a - b), 50);
    const perTool = Object.fromEntries(Object.entries(byTool).map(([name, ms]) => [name, { calls: ms.length, p50Ms: median(ms), aloneP50Ms: median(alone[name]) }]));
    return { calls: latencies.length, clients, failures, failureSamples, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), seconds, rssWarmMb, rssBeforeMb, rssPeakMb, rssAfterMb, perTool, limiters };
  } finally {
    await Promise.all(sessions.map(({ client }) => client.close().catch(() => undefined)));
    await server.stop();
    await Promise.all([lifepos.close(), ofd.close(), posiflora.close(), market.close()]);
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

const bench: Bench = {
  id: 'load',
  about: '50 concurrent MCP clients over Streamable HTTP, tool calls against the simulators',
  async run({ smoke }) {
    const r = await runLoad({ clients: 50, calls: smoke ? 100 : 10_000 });
    const growth = r.rssAfterMb - r.rssBeforeMb;
    return [
      row('load', `${r.calls} calls from ${r.clients} clients: failures`, r.failures, '0', r.failures === 0),
      row('load', 'latency p50 / p99 (ms)', `${r.p50Ms.toFixed(0)} / ${r.p99Ms.toFixed(0)}`),
      row('load', 'throughput (calls/s)', (r.calls / r.seconds).toFixed(0)),
      row('load', 'latency p50 per tool under load / alone (ms)', Object.entries(r.perTool).map(([name, t]) => `${name} ${t.p50Ms.toFixed(0)} / ${t.aloneP50Ms.toFixed(0)}`).join(', ')),
      row('load', 'upstream requests waiting / running at most, per source limiter', Object.entries(r.limiters).filter(([, l]) => l.running > 0).map(([source, l]) => `${source} ${l.queued} / ${l.running}`).join(', ')),
      row('load', 'server RSS after warm-up / settled before / peak / settled after (MB)', `${r.rssWarmMb.toFixed(0)} / ${r.rssBeforeMb.toFixed(0)} / ${r.rssPeakMb.toFixed(0)} / ${r.rssAfterMb.toFixed(0)}`),
      row('load', 'server RSS settled after − settled before (MB)', growth.toFixed(1), '≤ 30', growth <= 30),
    ];
  },
};

export default bench;
