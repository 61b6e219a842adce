import Bottleneck from 'bottleneck';
import { Pool } from 'undici';
import { localLimiter } from '../src/http/limits.js';
import { Upstream } from '../src/http/upstream.js';
import { HTTP, startEcho } from './echo.js';
import { row, type Bench, type Row } from './types.js';

/**
 * What the upstream layer costs per request beyond bare undici with the same connections (both warm),
 * against a loopback server in another process, split into bottleneck's own scheduling (an empty job
 * through a limiter, measured in the same run) and everything else; and the client's CPU per request.
 * The bare request run as a bottleneck job shows undici and bottleneck together, so that the layer's own
 * code is seen apart from what the two cost when combined.
 */

async function sequential(n: number, fn: () => Promise<unknown>): Promise<Cost> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { us: (wall * 1000) / n, cpuUs: (cpu.user + cpu.system) / n };
}

async function concurrent(n: number, width: number, fn: () => Promise<unknown>): Promise<Cost> {
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

type Cost = { us: number; cpuUs: number };
const ROUNDS = 5;

/** Per-request means over ROUNDS rounds of `measure` for each of `fns`. */
async function rounds(fns: Array<() => Promise<unknown>>, measure: (fn: () => Promise<unknown>) => Promise<Cost>): Promise<Cost[]> {
  const sums = fns.map(() => ({ us: 0, cpuUs: 0 }));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, fn] of fns.entries()) {
      const got = await measure(fn);
      sums[i]!.us += got.us / ROUNDS;
      sums[i]!.cpuUs += got.cpuUs / ROUNDS;
    }
  }
  return sums;
}

const bench: Bench = {
  id: 'overhead',
  about: 'upstream layer vs warm bare undici (8 connections each); bottleneck empty-job floor; the bare request as a bottleneck job',
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
      // The floor is an empty job through a limiter made as the layer makes its own (limits.ts); bottleneck's
      // stock limiter is measured too, to show what that choice saves.
      const limiter = localLimiter({ maxConcurrent: 16 });
      const empty = () => limiter.schedule(() => Promise.resolve());
      const stockLimiter = new Bottleneck({ maxConcurrent: 16 });
      const stockEmpty = () => stockLimiter.schedule(() => Promise.resolve());
      // The bare request as a job of the same limiter, its caller released when the job ends as the layer's
      // are (limits.ts): undici and bottleneck together with no code of ours, so layer − this is our code.
      const bareJob = () =>
        new Promise((resolve, reject) =>
          void limiter.schedule(() => {
            const done = bare();
            done.then(resolve, reject);
            return done.catch(() => undefined);
          }),
        );

      const n = smoke ? 100 : 1000;
      for (const fn of [bare, layered, empty, bareJob, stockEmpty]) await concurrent(smoke ? 50 : 300, 16, fn); // warm: connections, JIT
      const rows: Row[] = [];
      for (const [mode, measure] of [
        ['sequential', (fn: () => Promise<unknown>) => sequential(n / ROUNDS, fn)],
        ['16 concurrent', (fn: () => Promise<unknown>) => concurrent(n / ROUNDS, 16, fn)],
      ] as const) {
        // In rounds, each of the four in turn, so that a change in the machine's load reaches all four alike.
        const [b, l, floor, job, stock] = (await rounds([bare, layered, empty, bareJob, stockEmpty], measure)) as [Cost, Cost, Cost, Cost, Cost];
        const rest = l.us - b.us - floor.us;
        const own = l.us - job.us;
        const each = (f: (m: Cost) => number) => [b, l, floor, job].map((m) => f(m).toFixed(0)).join(' / ');
        rows.push(row('overhead', `${mode}: wall, bare undici / layer / bottleneck empty job / bare request as a bottleneck job (µs each)`, each((m) => m.us)));
        rows.push(row('overhead', `${mode}: rest of the layer (layer − bare − floor, µs)`, rest.toFixed(0), '≤ 300', rest <= 300));
        rows.push(row('overhead', `${mode}: the layer's own code (layer − bare request as a bottleneck job, µs)`, own.toFixed(0), '≤ 300', own <= 300));
        // The same split for CPU: what the layer's own code costs beside undici's and bottleneck's.
        rows.push(row('overhead', `${mode}: client CPU, bare undici / layer / bottleneck empty job / bare request as a bottleneck job (µs each)`, each((m) => m.cpuUs)));
        rows.push(row('overhead', `${mode}: client CPU, rest of the layer (layer − bare − floor, µs)`, (l.cpuUs - b.cpuUs - floor.cpuUs).toFixed(0)));
        rows.push(row('overhead', `${mode}: client CPU, the layer's own code (layer − bare request as a bottleneck job, µs)`, (l.cpuUs - job.cpuUs).toFixed(0)));
        rows.push(row('overhead', `${mode}: bottleneck's stock limiter, empty job: wall / client CPU (µs each)`, `${stock.us.toFixed(0)} / ${stock.cpuUs.toFixed(0)}`));
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
