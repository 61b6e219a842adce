import { Pool } from 'undici';
import type { HttpSettings } from '../src/config.js';
import { Upstream } from '../src/http/upstream.js';
import { SimServer } from '../src/sim/framework.js';
import type { Bench } from './types.js';

/**
 * What the upstream layer (limiter, retry wrapper, gates, size cap, error mapping) costs per request
 * compared with a bare undici Pool against the same loopback server, and whether a configured rate limit
 * is held under a burst (measured rate / configured rate must not exceed 1).
 */

const http: HttpSettings = {
  connectTimeoutMs: 5000,
  headersTimeoutMs: 5000,
  bodyTimeoutMs: 5000,
  maxResponseBytes: 32 * 1024 * 1024,
  retries: 2,
  deadlineMs: 30_000,
  backoffMs: 100,
  rateMarginMs: 30,
};

async function timeSequential(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await fn(); // warm-up: connections, JIT
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - t0) * 1000) / n;
}

async function timeConcurrent(n: number, concurrency: number, fn: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) await fn();
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

const bench: Bench = {
  name: 'http-overhead',
  about: 'upstream layer vs bare undici on loopback; rate limit held under a burst',
  async run() {
    const sim = new SimServer({
      name: 'bench',
      routes: [{ method: 'GET', pattern: '/ok', handler: () => ({ status: 200, body: { data: [{ total: 631.0, cash: 630.0 }], total: 1 } }) }],
    });
    const base = await sim.start();
    const pool = new Pool(base, { connections: 16 });
    const raw = async () => {
      const res = await pool.request({ method: 'GET', path: '/ok', headers: { accept: 'application/json' } });
      return res.body.json();
    };
    const up = new Upstream({ source: 'ofd', baseUrl: base, http, limit: { maxConcurrent: 16 } });
    const layered = () => up.request({ method: 'GET', path: '/ok' });

    const n = 3000;
    const rawUs = await timeSequential(n, raw);
    const upUs = await timeSequential(n, layered);
    const rawRps = await timeConcurrent(n, 16, raw);
    const upRps = await timeConcurrent(n, 16, layered);

    const limited = new Upstream({ source: 'ofd', baseUrl: base, http, limit: { count: 50, intervalMs: 1000, maxConcurrent: 8 } });
    const burst = 150;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: burst }, () => limited.request({ method: 'GET', path: '/ok' })));
    const seconds = (performance.now() - t0) / 1000;
    // The first window's 50 go at once, so 150 requests need two refills: rate = (150 - 50) / elapsed.
    const heldRate = (burst - 50) / seconds;

    await pool.close();
    await sim.close();
    return {
      'sequential, bare undici (µs/request)': rawUs.toFixed(0),
      'sequential, upstream layer (µs/request)': upUs.toFixed(0),
      'sequential overhead ratio (layer / bare)': (upUs / rawUs).toFixed(2),
      '16 concurrent, bare undici (requests/s)': rawRps.toFixed(0),
      '16 concurrent, upstream layer (requests/s)': upRps.toFixed(0),
      'concurrent throughput ratio (layer / bare)': (upRps / rawRps).toFixed(2),
      'limit 50/s, burst of 150: sustained rate (requests/s)': heldRate.toFixed(1),
      'sustained / configured rate (must be ≤ 1.00)': (heldRate / 50).toFixed(2),
    };
  },
};

export default bench;
