import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startPosifloraSim } from '../src/sim/posiflora/index.js';
import type { Bench } from './types.js';

/**
 * A full walk over at least 100,000 Posiflora orders (101,000 seeded over a year; the period's time-zone edges leave out a few dozen) through the built server (a child process, over stdio),
 * measuring the server's peak RSS growth from /proc (VmHWM − VmRSS before the walk, with the peak reset
 * just before it through clear_refs). The simulator runs
 * in this process so its own memory does not count.
 */

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

const bench: Bench = {
  name: 'posiflora-listing',
  about: 'list_posiflora_orders walking ≥ 100,000 orders (aggregate "walk", by status/store/week): time, requests, server peak RSS growth',
  async run() {
    const pf = await startPosifloraSim({ count: Number(process.env.PF_BENCH_COUNT ?? 101_000), endDate: '2026-06-30', days: 365, rps: 10_000 });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MAIN],
      env: { PATH: process.env.PATH ?? '', ...pf.env, POSIFLORA_RPS: '1000', REVENUE_TZ: 'Europe/Moscow', LOG_LEVEL: 'warning', ...(process.env.PF_NODE_OPTIONS ? { NODE_OPTIONS: process.env.PF_NODE_OPTIONS } : {}) },
      stderr: 'ignore',
    });
    const client = new Client({ name: 'bench', version: '1.0.0' });
    await client.connect(transport);
    const pid = transport.pid!;
    try {
      const args = { date_from: '2025-07-01', date_to: '2026-06-30', group_by: ['status', 'store', 'day'], aggregate: 'walk', limit: 20 };
      // Warm up code paths and the session with a one-request question, then measure the walk.
      await client.callTool({ name: 'list_posiflora_orders', arguments: { ...args, aggregate: true, group_by: [], limit: 0 } });
      // VmHWM is the all-time peak, start-up included: reset it so the peak measured is the walk's.
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      const baseline = procKb(pid, 'VmRSS');
      const started = Date.now();
      const res = (await client.callTool({ name: 'list_posiflora_orders', arguments: args }, undefined, { timeout: 600_000 })) as { isError?: boolean; structuredContent?: any; content: Array<{ text?: string }> };
      const seconds = (Date.now() - started) / 1000;
      if (res.isError) throw new Error(res.content[0]?.text ?? 'tool failed');
      const peak = procKb(pid, 'VmHWM');
      const s = res.structuredContent;
      return {
        orders: s.totals.orders,
        upstream_requests: s.upstream_requests,
        seconds: seconds.toFixed(1),
        orders_per_second: Math.round(s.totals.orders / seconds),
        baseline_rss_mb: (baseline / 1024).toFixed(1),
        peak_rss_growth_mb: (Math.max(0, peak - baseline) / 1024).toFixed(1),
        target_mb: 100,
        cross_check: s.cross_check.matches ? 'matches meta' : `differs: ${s.cross_check.notes.join('; ')}`,
      };
    } finally {
      await client.close();
      await pf.close();
    }
  },
};

export default bench;
