import type { Dispatcher, Pool } from 'undici';
import { onFirstUse } from '../lazy.js';
import type { HttpSettings } from '../config.js';

/** Request options plus a callback run the moment the request's headers are written to a socket. */
export type WrittenRequestOptions = Dispatcher.RequestOptions & { onWritten?: () => void };

/**
 * Calls `onWritten` right before undici writes the request on a connected socket (after any connection
 * set-up and queueing in the pool): the closest this process gets to the moment the upstream sees it.
 */
const reportWritten: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
  const onWritten = (opts as WrittenRequestOptions).onWritten;
  if (onWritten) {
    // Legacy handlers (what Pool.request passes) start with onConnect, new-style ones with onRequestStart.
    const h = handler as Dispatcher.DispatchHandler & { onConnect?: (...args: unknown[]) => unknown };
    const key = typeof h.onRequestStart === 'function' ? 'onRequestStart' : 'onConnect';
    const start = h[key] as ((...args: unknown[]) => unknown) | undefined;
    (h as Record<string, unknown>)[key] = (...args: unknown[]) => {
      onWritten();
      return start?.apply(h, args);
    };
  }
  return dispatch(opts, handler);
};

/** undici, loaded with the first pool (the first upstream request), not at start-up. */
export const undici = onFirstUse<typeof import('undici')>('undici');

/** One keep-alive undici Pool per upstream origin, shared by every client of that origin. */
const pools = new Map<string, { pool: Pool; dispatcher: Dispatcher }>();

export function poolFor(origin: string, http: HttpSettings): Dispatcher {
  let entry = pools.get(origin);
  if (!entry) {
    const pool = new (undici().Pool)(origin, {
      connections: 8,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      connect: { timeout: http.connectTimeoutMs },
      headersTimeout: http.headersTimeoutMs,
      bodyTimeout: http.bodyTimeoutMs,
    });
    entry = { pool, dispatcher: pool.compose(reportWritten) };
    pools.set(origin, entry);
  }
  return entry.dispatcher;
}

/**
 * Close every pool; requests still running after `graceMs` (a hung login nobody waits for any more) are
 * cut, so a shutdown never waits for an upstream's headers timeout.
 */
export async function closeAllPools(graceMs = 1000): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.allSettled(
    all.map(async ({ pool }) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
      const outcome = await Promise.race([pool.close().then(() => 'closed' as const), late]);
      clearTimeout(timer);
      if (outcome === 'late') await pool.destroy();
    }),
  );
}
