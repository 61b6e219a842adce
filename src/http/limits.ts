import type Bottleneck from 'bottleneck';
import { onFirstUse } from '../lazy.js';
import type { LimitSpec } from '../config.js';

/** bottleneck with clustering (Redis, cluster.ts), loaded with the first shared limiter, not at start-up. */
export const bottleneck = onFirstUse<typeof Bottleneck>('bottleneck');
/**
 * bottleneck's own build without clustering (the package's `light.js`, same version, same classes): the
 * default build's async functions are transpiled to generators, which costs twice the CPU per job.
 */
export const bottleneckLight = onFirstUse<typeof Bottleneck>('bottleneck/light.js');

/**
 * A limiter kept in this process. Its datastore yields to the event loop at every step of a job (register,
 * submit, free) by `setTimeout(0)`, which Node turns into a 1 ms timer: 3-4 sleeps and wake-ups per job,
 * most of the layer's CPU per request and a cap of ~400 jobs/s (bench/README.md "overhead"). The yield is
 * kept but made with `setImmediate`, so I/O still runs between steps; every scheduling rule (reservoir,
 * minTime, maxConcurrent, the queue) is bottleneck's own. Only the 2.x local datastore has this method; if
 * a later bottleneck lacks it the limiter is used as it is.
 */
export function localLimiter(options: Bottleneck.ConstructorOptions): Bottleneck {
  const limiter = new (bottleneckLight())(options);
  const store = (limiter as unknown as { _store?: { yieldLoop?: (t?: number) => Promise<void> } })._store;
  if (typeof store?.yieldLoop === 'function') store.yieldLoop = yieldToLoop;
  return limiter;
}

function yieldToLoop(ms = 0): Promise<void> {
  return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}

/**
 * A source's (or one method's) rate limit: a bottleneck limiter configured so that `count` per
 * `intervalMs` holds in every sliding window as the upstream sees it, not only in windows anchored here.
 *
 * Every request takes one slot of a reservoir of `count`. The slot comes back `intervalMs + marginMs`
 * after that request actually left (`sent`), or at once if it never left (`unsent`: cancelled or timed out
 * while queued). So any `count + 1` requests leave more than `intervalMs + marginMs` apart, and still
 * arrive more than `intervalMs` apart while network jitter stays under the margin. Nothing is anchored at
 * construction or refilled by a heartbeat: a quota first used late (Market's "1 generate per 2 min")
 * waits its whole interval from that use. Timing from the send rather than from bottleneck's registration
 * also keeps its timer hops and a loaded event loop out of the guarantee. For windows of a second or less
 * `minTime` spreads requests evenly instead of bursting the window at once.
 */
/** A rate-limit slot held by one request, told whether the request went out. */
export interface Slot {
  sent(): void;
  unsent(): Promise<void>;
}

/** When a queued job stops waiting: the call's abort signal and overall deadline. */
export interface Waiting {
  signal: AbortSignal;
  deadlineAt: number;
}

/** A limit the HTTP layer queues behind: this process's own `Quota`, or one shared over Redis (cluster.ts). */
export interface Limit {
  /** Run `job` once a slot is free; the job reports through the slot whether its request went out. */
  schedule<T>(job: (slot: Slot) => Promise<T>, waiting: Waiting): Promise<T>;
  /** Requests waiting and running behind this limit in this process. */
  counts(): { queued: number; running: number };
}

export class Quota implements Limit, Slot {
  readonly limiter: Bottleneck;
  readonly #windowMs: number | undefined;

  constructor(
    spec: LimitSpec,
    marginMs: number,
  ) {
    const { count, intervalMs } = spec;
    const windowed = count && intervalMs ? { reservoir: count, minTime: intervalMs <= 1000 ? intervalMs / count : 0 } : {};
    this.limiter = localLimiter({ maxConcurrent: spec.maxConcurrent ?? null, ...windowed });
    this.#windowMs = count && intervalMs ? intervalMs + marginMs : undefined;
  }

  /**
   * The caller has the job's outcome as soon as the job ends. bottleneck resolves its own promise only after
   * freeing the slot, one more datastore step later; that bookkeeping goes on without the caller (a job waiting
   * for the slot still waits for it).
   */
  schedule<T>(job: (slot: Slot) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.limiter
        .schedule(() => {
          const done = job(this);
          done.then(resolve, reject);
          return done.catch(() => undefined);
        })
        .catch(reject);
    });
  }

  counts(): { queued: number; running: number } {
    const c = this.limiter.counts();
    return { queued: c.RECEIVED + c.QUEUED, running: c.RUNNING + c.EXECUTING };
  }

  /** The job holding a slot sent its request now: the slot is free again one window later. */
  sent(): void {
    if (this.#windowMs === undefined) return;
    // Not unref'd: a caller queued for this slot has nothing else keeping the process up (the CLI exits
    // explicitly when done).
    setTimeout(() => void this.#giveBack(), this.#windowMs);
  }

  /** The job holding a slot ended without sending: the slot is free at once. */
  async unsent(): Promise<void> {
    if (this.#windowMs !== undefined) await this.#giveBack();
  }

  async #giveBack(): Promise<void> {
    await this.limiter.incrementReservoir(1);
  }
}

/** Retry-After: delta-seconds or an HTTP date. Returns the epoch ms at which to retry. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return now + Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : at;
}

/** X-RateLimit-Resource-Until: an RFC 822 date (Yandex Market). */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const at = Date.parse(value.trim());
  return Number.isNaN(at) ? undefined : at;
}
