import Bottleneck from 'bottleneck';
import { Pool } from 'undici';
import { Upstream } from '../src/http/upstream.js';
import { HTTP, startEcho } from './echo.js';
import { row, type Bench, type Row } from './types.js';

/**
 * What the upstream layer costs per request beyond bare undici with the same connections (both warm),
 * against a loopback server in another process, split into bottleneck's own scheduling (an empty job
 * through a limiter, measured in the same run) and everything else; and the client's CPU per request.
 */

async function sequential(n: number, fn: () => Promise<unknown>): Promise<{ us: number; cpuUs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { us: (wall * 1000) / n, cpuUs: (cpu.user + cpu.system) / n };
}

async function concurrent(n: number, width: number, fn: () => Promise<unknown>): Promise<{ us: number; cpuUs: number }> {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next++ < n) await fn();
    }),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { us: (wall * 1000) / n, cpuUs: (cpu.user + cpu.system) / n };
}

const bench: Bench = {
  id: 'overhead',
  about: 'upstream layer vs warm bare undici (8 connections each); bottleneck empty-job floor',
  async run({ smoke }) {
    const echo = await startEcho();
    const pool = new Pool(echo.url, { connections: 8 });
    try {
      const bare = async () => {
        const res = await pool.request({ method: 'GET', path: '/ok', headers: { accept: 'application/json' } });
        return res.body.json();
      };
      const up = new Upstream({ source: 'ofd', baseUrl: echo.url, http: HTTP, limit: { maxConcurrent: 16 } });
      const layered = () => up.request({ method: 'GET', path: '/ok' });
      const limiter = new Bottleneck({ maxConcurrent: 16 });
      const empty = () => limiter.schedule(() => Promise.resolve());
      // The same empty job with the caller released when the job runs, as the layer releases its callers
      // (limits.ts): the part of bottleneck's scheduling a layered request actually waits for.
      const emptyRuns = () => new Promise<void>((resolve) => void limiter.schedule(() => Promise.resolve(resolve())));

      const n = smoke ? 100 : 1000;
      for (const fn of [bare, layered, empty, emptyRuns]) await concurrent(smoke ? 50 : 300, 16, fn); // warm: connections, JIT
      const rows: Row[] = [];
      for (const [mode, measure] of [
        ['sequential', (fn: () => Promise<unknown>) => sequential(n, fn)],
        ['16 concurrent', (fn: () => Promise<unknown>) => concurrent(n, 16, fn)],
      ] as const) {
        const b = await measure(bare);
        const l = await measure(layered);
        const floor = await measure(empty);
        const runs = await measure(emptyRuns);
        const rest = l.us - b.us - floor.us;
        const restStrict = l.us - b.us - runs.us;
        const each = (f: (m: { us: number; cpuUs: number }) => number) => [b, l, floor, runs].map((m) => f(m).toFixed(0)).join(' / ');
        rows.push(row('overhead', `${mode}: wall, bare undici / layer / bottleneck empty job / empty job until it runs (µs each)`, each((m) => m.us)));
        rows.push(row('overhead', `${mode}: rest of the layer (layer − bare − floor, µs)`, rest.toFixed(0), '≤ 300', rest <= 300));
        rows.push(row('overhead', `${mode}: rest of the layer against the floor it waits for (layer − bare − empty job until it runs, µs)`, restStrict.toFixed(0), '≤ 300', restStrict <= 300));
        // The same split for CPU: what the layer's own code costs beside undici's and bottleneck's.
        rows.push(row('overhead', `${mode}: client CPU, bare undici / layer / bottleneck empty job / empty job until it runs (µs each)`, each((m) => m.cpuUs)));
        rows.push(row('overhead', `${mode}: client CPU, rest of the layer (layer − bare − floor, µs)`, (l.cpuUs - b.cpuUs - floor.cpuUs).toFixed(0)));
        // What the layer would cost if its own code cost nothing: tells a miss of the target below apart from the layer's own cost.
        rows.push(row('overhead', `${mode}: client CPU, bare undici + empty job until it runs (µs, the layer's own code aside)`, (b.cpuUs + runs.cpuUs).toFixed(0)));
        rows.push(row('overhead', `${mode}: client CPU, layer (µs/request)`, l.cpuUs.toFixed(0), '≤ 1000', l.cpuUs <= 1000));
      }
      return rows;
    } finally {
      await pool.close();
      echo.close();
    }
  },
};

export default bench;
