import { Upstream } from '../src/http/upstream.js';
import { HTTP, startEcho } from './echo.js';
import { row, type Bench, type Row } from './types.js';

/**
 * Requests through the upstream layer at a per-second limit, stamped on arrival by a server in another
 * process: how full the limit is used and whether any sliding second ever holds more than the limit.
 * Then a 1-per-3 s quota first used 2.5 s after the limiter was built (Market's generate quota, shortened).
 */

/** Windows [t, t + windowMs) that hold more than `limit` arrivals (one per offending arrival). */
export function windowsOver(times: number[], limit: number, windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let over = 0;
  for (let i = limit; i < sorted.length; i++) if (sorted[i]! - sorted[i - limit]! < windowMs) over++;
  return over;
}

const bench: Bench = {
  id: 'limit-use',
  about: 'per-second limits used full, never exceeded at the upstream; long quotas slide',
  async run({ smoke }) {
    const echo = await startEcho();
    const rows: Row[] = [];
    try {
      const n = smoke ? 12 : 200;
      for (const limit of [5, 50]) {
        const up = new Upstream({ source: 'ofd', baseUrl: echo.url, http: HTTP, limit: { count: limit, intervalMs: 1000, maxConcurrent: 8 } });
        await echo.arrivals();
        await Promise.all(Array.from({ length: n }, () => up.request({ method: 'GET', path: '/ok' })));
        const times = (await echo.arrivals()).map((a) => a.at).sort((a, b) => a - b);
        const wall = (times.at(-1)! - times[0]!) / 1000;
        // n arrivals span n − 1 gaps: at exactly the limit, (n − 1) / wall = N.
        const bound = (n - 1) / limit;
        const over = windowsOver(times, limit, 1000);
        rows.push(row('limit-use', `N=${limit}/s, ${n} requests: wall (s)`, wall.toFixed(2), `≤ ${(1.05 * bound).toFixed(2)} (1.05 × (n−1)/N)`, wall <= 1.05 * bound));
        rows.push(row('limit-use', `N=${limit}/s: use of the limit ((n−1)/wall/N)`, ((n - 1) / wall / limit).toFixed(3), '≥ 0.95', (n - 1) / wall / limit >= 0.95));
        rows.push(row('limit-use', `N=${limit}/s: sliding 1 s windows over N`, over, '0', over === 0));
      }

      const intervalMs = 3000;
      const market = new Upstream({ source: 'market', baseUrl: echo.url, http: HTTP, limit: { maxConcurrent: 4 }, methodLimits: { generate: { count: 1, intervalMs } } });
      await new Promise((resolve) => setTimeout(resolve, intervalMs - 500));
      await echo.arrivals();
      const generates = smoke ? 2 : 3;
      await Promise.all(Array.from({ length: generates }, () => market.request({ method: 'GET', path: '/ok', limitKey: 'generate' })));
      const times = (await echo.arrivals()).map((a) => a.at).sort((a, b) => a - b);
      const closest = Math.min(...times.slice(1).map((t, i) => t - times[i]!));
      rows.push(row('limit-use', `1 per 3 s quota first used 2.5 s after start: closest two of ${generates} (ms)`, closest, `≥ ${intervalMs}`, closest >= intervalMs));
    } finally {
      echo.close();
    }
    return rows;
  },
};

export default bench;
