import { Pool } from 'undici';
import type { HttpSettings } from '../config.js';

/** One keep-alive undici Pool per upstream origin, shared by every client of that origin. */
const pools = new Map<string, Pool>();

export function poolFor(origin: string, http: HttpSettings): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, {
      connections: 8,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      connect: { timeout: http.connectTimeoutMs },
      headersTimeout: http.headersTimeoutMs,
      bodyTimeout: http.bodyTimeoutMs,
    });
    pools.set(origin, pool);
  }
  return pool;
}

/**
 * Close every pool; requests still running after `graceMs` (a hung login nobody waits for any more) are
 * cut, so a shutdown never waits for an upstream's headers timeout.
 */
export async function closeAllPools(graceMs = 1000): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.allSettled(
    all.map(async (pool) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
      const outcome = await Promise.race([pool.close().then(() => 'closed' as const), late]);
      clearTimeout(timer);
      if (outcome === 'late') await pool.destroy();
    }),
  );
}
