import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import type Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';
import type { LimitSpec } from '../config.js';
import { log } from '../log.js';
import { redact, type Secret } from '../secret.js';
import { momentText, sleep, untilAborted, type PauseGate } from './gate.js';
import { bottleneck, Quota, type Limit, type Slot, type Waiting } from './limits.js';

/**
 * Limits shared by every instance over Redis (REDIS_URL). bottleneck's clustering mode over ioredis does the
 * limiting; this file only decides which limiter a request queues behind, so that the promise of limits.ts
 * ("no window at the upstream ever holds more than the limit") holds across instances and across a Redis
 * outage.
 *
 * - N requests per window are N slots of a clustered limiter (maxConcurrent N, minTime as in Quota; both kept
 *   in Redis). A slot is held by a job that ends one window plus the margin after its request went out, at
 *   once if it never did: the same sliding rule as Quota, counted over every instance. Each hold carries
 *   bottleneck's `expiration` (the call's deadline plus the window), so the slots of an instance that dies
 *   come back by themselves instead of leaking, which a reservoir given back by a timer could not do.
 * - Requests in flight: a second clustered limiter with the source's maxConcurrent.
 * - A 420/429 pause is published to every instance and kept in a key that a (re)joining instance reads.
 * - Redis unreachable, at start or later: every limit runs on a local Quota at its share (1/REVENUE_INSTANCES,
 *   whole requests per window), and requests still queued for Redis move there. No local request leaves
 *   until a window after Redis was lost, so requests Redis granted and local ones never share a window. When
 *   Redis is back, requests queue there again, and none leaves until a window after the last local one here,
 *   plus the reconnect skew between instances (each retries every RECONNECT_MS).
 */

const RECONNECT_MS = 250;
/** How much later than this one another instance may notice that Redis is back. */
const SKEW_MS = 2 * RECONNECT_MS;
/** A call waits at most this long at start for the first connection attempt to succeed or fail. */
const FIRST_CONNECT_MS = 2500;
const FALLBACK_LOG_MS = 60_000;
const PREFIX = 'revenue-mcp';
const PAUSES_CHANNEL = `${PREFIX}:pauses`;
/** Raise a pause key, never lower it; it expires when the pause ends. */
const RAISE_PAUSE = `local current = tonumber(redis.call('get', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`;

/** What /readyz and check_sources show about shared limits. */
export interface LimitsState {
  /** `local`: no REDIS_URL; `shared`: every limit and pause is held in Redis; `fallback`: Redis is unreachable, each limit runs here at its share. */
  mode: 'local' | 'shared' | 'fallback';
  /** host:port of Redis (never its password), null without REDIS_URL. */
  redis: string | null;
  /** REVENUE_INSTANCES: in fallback each instance keeps 1/instances of every limit. */
  instances: number;
  /** When the current mode began (ISO), null without REDIS_URL. */
  since: string | null;
  /** The last connection error, in fallback. */
  error: string | null;
}

/** How one source's Upstream gets its limits and shares its pauses. */
export interface LimitScope {
  /** The limit of the whole source (`key` undefined) or of one method. */
  limit(key: string | undefined, spec: LimitSpec): Limit;
  /** Pauses of this gate reach every instance, and theirs reach it. */
  shareGate(key: string | undefined, gate: PauseGate): void;
}

/** A hash naming one set of credentials in Redis keys: equal credentials share limits, the secret stays here. */
export function credentialFingerprint(parts: ReadonlyArray<string | number | Secret | undefined>): string {
  const text = JSON.stringify(parts.map((p) => (p === undefined ? null : typeof p === 'object' ? p.reveal() : String(p))));
  return createHash('sha256').update(`revenue-mcp limits\0${text}`).digest('hex').slice(0, 16);
}

/**
 * An instance's share of a limit: whole requests per window, so that the instances together never exceed
 * the limit in any window (5/s over 3 instances is 1/s each); a limit smaller than the number of instances
 * becomes one request per several windows. Requests in flight: at least one.
 */
export function shareOf(spec: LimitSpec, instances: number): LimitSpec {
  if (instances <= 1) return spec;
  const maxConcurrent = spec.maxConcurrent === undefined ? undefined : Math.max(1, Math.floor(spec.maxConcurrent / instances));
  if (!spec.count || !spec.intervalMs) return { maxConcurrent };
  const count = Math.floor(spec.count / instances);
  if (count >= 1) return { maxConcurrent, count, intervalMs: spec.intervalMs };
  return { maxConcurrent, count: 1, intervalMs: Math.ceil((spec.intervalMs * instances) / spec.count) };
}

/** A queued step given up because the call was cancelled or Redis went away; the request goes elsewhere. */
class Abandoned extends Error {}

/** A stretch of time in one mode; `ended` fires when the mode changes. */
interface Epoch {
  shared: boolean;
  since: number;
  ended: AbortSignal;
  /** Shared again after a fallback: instances may have sent on their shares until just now. */
  rejoined: boolean;
}

export class SharedLimits {
  readonly instances: number;
  readonly marginMs: number;
  readonly #deadlineMs: number;
  readonly #where: string;
  readonly #client: Redis;
  /** bottleneck's subscriber connection (its capacity messages), which also carries our pause messages. */
  readonly #bus: Redis;
  readonly connection: Bottleneck.IORedisConnection;
  readonly #gates = new Map<string, PauseGate>();
  readonly #clustered: Bottleneck[] = [];
  #epoch: Epoch;
  #endEpoch: AbortController;
  #connecting = true;
  #settled!: () => void;
  readonly #firstAttempt = new Promise<void>((resolve) => (this.#settled = resolve));
  #error: string | null = null;
  #fallbackLog?: NodeJS.Timeout;
  #closed = false;

  constructor(url: Secret, options: { instances: number; marginMs: number; deadlineMs: number }) {
    this.instances = options.instances;
    this.marginMs = options.marginMs;
    this.#deadlineMs = options.deadlineMs;
    const parsed = new URL(url.reveal());
    this.#where = `${parsed.hostname}:${parsed.port || '6379'}`;
    // Loaded on first use: a server without REDIS_URL never loads the Redis client.
    const { Redis: Client } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    this.#client = new Client(url.reveal(), {
      // A command while Redis is away fails at once (the request falls back) instead of waiting in a queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Commands cut off by a lost connection fail, rather than run against Redis long after.
      autoResendUnfulfilledCommands: false,
      connectTimeout: 2000,
      retryStrategy: () => RECONNECT_MS,
    });
    this.connection = new (bottleneck().IORedisConnection)({ client: this.#client, Redis: Client });
    this.#bus = (this.connection as unknown as { subscriber: Redis }).subscriber;
    this.#endEpoch = new AbortController();
    setMaxListeners(0, this.#endEpoch.signal);
    this.#epoch = { shared: false, since: Date.now(), ended: this.#endEpoch.signal, rejoined: false };
    for (const conn of [this.#client, this.#bus]) {
      conn.on('ready', () => this.#check());
      conn.on('close', () => this.#check());
      conn.on('error', (err: Error) => {
        this.#error = redact(err.message).slice(0, 200);
      });
    }
    this.#bus.on('ready', () => void this.#bus.subscribe(PAUSES_CHANNEL).catch(() => undefined));
    this.#bus.on('message', (channel: string, message: string) => {
      if (channel !== PAUSES_CHANNEL) return;
      const space = message.indexOf(' ');
      this.#gates.get(message.slice(space + 1))?.adopt(Number(message.slice(0, space)));
    });
  }

  state(): LimitsState {
    return {
      mode: this.#epoch.shared ? 'shared' : 'fallback',
      redis: this.#where,
      instances: this.instances,
      since: new Date(this.#epoch.since).toISOString(),
      error: this.#epoch.shared ? null : this.#error,
    };
  }

  /** The limits and pauses of one source and credential set. */
  scope(source: string, fingerprint: string): LimitScope {
    const base = `${PREFIX}:${source}:${fingerprint}`;
    const id = (key: string | undefined) => (key ? `${base}:${key}` : base);
    return {
      limit: (key, spec) => new SwitchingLimit(this, id(key), spec),
      shareGate: (key, gate) => this.#shareGate(id(key), gate),
    };
  }

  get epoch(): Epoch {
    return this.#epoch;
  }

  /** Resolves once the first connection attempt has succeeded or failed (or the call gives up). */
  async firstAttempt(waiting: Waiting): Promise<void> {
    if (!this.#connecting) return;
    await untilAborted(Promise.race([this.#firstAttempt, sleep(FIRST_CONNECT_MS)]), waiting.signal);
  }

  /** A bottleneck limiter kept in Redis. */
  clustered(id: string, options: Bottleneck.ConstructorOptions, windowMs: number): Bottleneck {
    const limiter = new (bottleneck())({
      ...options,
      id,
      datastore: 'ioredis',
      connection: this.connection,
      clearDatastore: false,
      // Keys of a limit nobody uses expire, but never while a slot may still be held.
      timeout: Math.max(3_600_000, 2 * (this.#deadlineMs + windowMs)),
    });
    // The instance that starts last brings its settings (the README asks every instance to use the same).
    // (typed as returning the limiter, it returns a promise)
    void Promise.resolve(limiter.updateSettings(options) as unknown).catch(() => undefined);
    // Failed heartbeats while Redis is away are expected; the mode switch handles them.
    limiter.on('error', () => undefined);
    this.#clustered.push(limiter);
    return limiter;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#fallbackLog);
    this.#endEpoch.abort();
    await this.connection.disconnect(this.#epoch.shared).catch(() => undefined);
  }

  #check(): void {
    if (this.#closed) return;
    const up = this.#client.status === 'ready' && this.#bus.status === 'ready';
    if (up === this.#epoch.shared && !this.#connecting) return;
    if (!up && this.#connecting && this.#client.status !== 'close' && this.#client.status !== 'reconnecting') return;
    const rejoined = up && !this.#connecting;
    this.#connecting = false;
    this.#endEpoch.abort();
    this.#endEpoch = new AbortController();
    // Every request waiting in this mode listens for its end.
    setMaxListeners(0, this.#endEpoch.signal);
    this.#epoch = { shared: up, since: Date.now(), ended: this.#endEpoch.signal, rejoined };
    this.#settled();
    if (up) {
      clearInterval(this.#fallbackLog);
      this.#fallbackLog = undefined;
      log('info', `shared limits: connected to Redis at ${this.#where}; every upstream limit and pause is shared with the other instances`);
      void this.#readPauses();
    } else {
      this.#logFallback();
      this.#fallbackLog ??= setInterval(() => this.#logFallback(), FALLBACK_LOG_MS);
      this.#fallbackLog.unref();
    }
  }

  #logFallback(): void {
    log(
      'warning',
      `shared limits: Redis at ${this.#where} unreachable since ${momentText(this.#epoch.since)}${this.#error ? ` (${this.#error})` : ''}; ` +
        `each upstream limit runs here at 1/${this.instances} of its value (REVENUE_INSTANCES=${this.instances}) until Redis returns`,
    );
  }

  #shareGate(id: string, gate: PauseGate): void {
    this.#gates.set(id, gate);
    gate.onPause = (until) => {
      if (!this.#epoch.shared) return;
      const ttl = Math.max(1, until - Date.now());
      void this.#client.eval(RAISE_PAUSE, 1, `${id}:paused-until`, String(until), String(ttl)).catch(() => undefined);
      void this.#client.publish(PAUSES_CHANNEL, `${until} ${id}`).catch(() => undefined);
    };
    if (this.#epoch.shared) void this.#readPauses([id]);
  }

  /** Pauses other instances applied while this one was away (or before it started). */
  async #readPauses(ids = [...this.#gates.keys()]): Promise<void> {
    if (ids.length === 0) return;
    try {
      const values = await this.#client.mget(ids.map((id) => `${id}:paused-until`));
      values.forEach((value, i) => value && this.#gates.get(ids[i]!)?.adopt(Number(value)));
    } catch {
      // Redis went away again: the fallback takes over.
    }
  }
}

/**
 * One limit of one source: queued in Redis while it is reachable, on a local Quota at this instance's share
 * while it is not. Requests move between the two only before they start.
 */
class SwitchingLimit implements Limit {
  readonly #hub: SharedLimits;
  readonly #id: string;
  readonly #spec: LimitSpec;
  readonly #local: Quota;
  #cluster?: ClusterLimit;
  /** Window of the rate limit, margin included; 0 for a limit of requests in flight only. */
  readonly #windowMs: number;
  #lastLocalSend = 0;
  #lastSharedSend = 0;

  constructor(hub: SharedLimits, id: string, spec: LimitSpec) {
    this.#hub = hub;
    this.#id = id;
    this.#spec = spec;
    this.#local = new Quota(shareOf(spec, hub.instances), hub.marginMs);
    this.#windowMs = spec.count && spec.intervalMs ? spec.intervalMs + hub.marginMs : 0;
  }

  counts(): { queued: number; running: number } {
    const local = this.#local.counts();
    const shared = this.#cluster?.counts() ?? { queued: 0, running: 0 };
    return { queued: local.queued + shared.queued, running: local.running + shared.running };
  }

  async schedule<T>(job: (slot: Slot) => Promise<T>, waiting: Waiting): Promise<T> {
    await this.#hub.firstAttempt(waiting);
    for (;;) {
      waiting.signal.throwIfAborted();
      const epoch = this.#hub.epoch;
      try {
        return epoch.shared ? await this.#shared(job, waiting, epoch) : await this.#fallback(job, waiting, epoch);
      } catch (err) {
        if (!(err instanceof Abandoned)) throw err;
        // Redis failed a command before the mode switched: give the switch a moment.
        if (this.#hub.epoch === epoch) await sleep(RECONNECT_MS, waiting.signal);
      }
    }
  }

  async #shared<T>(job: (slot: Slot) => Promise<T>, waiting: Waiting, epoch: Epoch): Promise<T> {
    if (this.#windowMs > 0) await this.#holdOff(Math.max(epoch.rejoined ? epoch.since + SKEW_MS : 0, this.#lastLocalSend) + this.#windowMs, waiting, epoch);
    // A limiter whose set-up in Redis failed (Redis went away meanwhile) stays broken: build a new one.
    if (!this.#cluster || this.#cluster.broken) this.#cluster = new ClusterLimit(this.#hub, this.#id, this.#spec, this.#windowMs);
    return this.#cluster.schedule(job, waiting, epoch.ended, () => (this.#lastSharedSend = Date.now()));
  }

  async #fallback<T>(job: (slot: Slot) => Promise<T>, waiting: Waiting, epoch: Epoch): Promise<T> {
    if (this.#windowMs > 0) await this.#holdOff(Math.max(epoch.since, this.#lastSharedSend) + this.#windowMs, waiting, epoch);
    return this.#local.schedule(async (slot) => {
      // Redis came back while this request waited here: it queues there instead.
      if (this.#hub.epoch !== epoch) {
        await slot.unsent();
        throw new Abandoned();
      }
      return job({
        sent: () => {
          this.#lastLocalSend = Date.now();
          slot.sent();
        },
        unsent: () => slot.unsent(),
      });
    });
  }

  /** Wait until `at`, unless the mode changes first (then the request is placed again). */
  async #holdOff(at: number, waiting: Waiting, epoch: Epoch): Promise<void> {
    const ms = at - Date.now();
    if (ms <= 0) return;
    try {
      await untilAborted(sleep(ms, waiting.signal), epoch.ended, () => new Abandoned());
    } catch (err) {
      if (waiting.signal.aborted) throw waiting.signal.reason;
      throw err;
    }
  }
}

/** A limit kept in Redis: slots of the rate limit held for a window after the send, requests in flight. */
class ClusterLimit {
  readonly #rate?: Bottleneck;
  readonly #inflight?: Bottleneck;
  readonly #windowMs: number;
  broken = false;

  constructor(hub: SharedLimits, id: string, spec: LimitSpec, windowMs: number) {
    this.#windowMs = windowMs;
    if (spec.count && spec.intervalMs) {
      // Whole milliseconds: bottleneck's scripts turn minTime into a key expiry, which Redis wants as an integer.
      const minTime = spec.intervalMs <= 1000 ? Math.ceil(spec.intervalMs / spec.count) : 0;
      this.#rate = hub.clustered(`${id}:rate`, { maxConcurrent: spec.count, minTime }, windowMs);
    }
    if (spec.maxConcurrent) this.#inflight = hub.clustered(`${id}:inflight`, { maxConcurrent: spec.maxConcurrent }, windowMs);
    for (const limiter of [this.#rate, this.#inflight]) limiter?.ready().catch(() => (this.broken = true));
  }

  counts(): { queued: number; running: number } {
    const of = (b?: Bottleneck) => b?.counts() ?? { RECEIVED: 0, QUEUED: 0, RUNNING: 0, EXECUTING: 0 };
    const rate = of(this.#rate);
    const inflight = of(this.#inflight);
    return { queued: rate.RECEIVED + rate.QUEUED + inflight.RECEIVED + inflight.QUEUED, running: inflight.RUNNING + inflight.EXECUTING };
  }

  /**
   * Redis lost this limiter's state (restarted empty). bottleneck would set it up again, but it expects the
   * bare error text, which Redis 7 prefixes with "ERR": a new limiter sets it up instead.
   */
  #noted(err: unknown): unknown {
    if (err instanceof Abandoned && /SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT/.test(String((err.cause as Error | undefined)?.message))) this.broken = true;
    return err;
  }

  async schedule<T>(job: (slot: Slot) => Promise<T>, waiting: Waiting, ended: AbortSignal, onSent: () => void): Promise<T> {
    const step = { abandoned: false, started: false };
    // Redis frees a hold by itself this long after it began, should this process never free it.
    const expiration = Math.max(0, waiting.deadlineAt - Date.now()) + this.#windowMs + 1000;
    let release = () => {};
    let slot: Slot = { sent: onSent, unsent: async () => undefined };
    if (this.#rate) {
      const released = new Promise<void>((resolve) => (release = resolve));
      const granted = new Promise<void>((resolve, reject) => {
        this.#rate!.schedule({ expiration }, () => {
          if (step.abandoned) return Promise.resolve();
          resolve();
          return released;
        }).catch(reject);
      });
      try {
        await beforeStart(granted, step, waiting.signal, ended);
      } catch (err) {
        release();
        throw this.#noted(err);
      }
      const windowMs = this.#windowMs;
      slot = {
        sent: () => {
          onSent();
          // Not unref'd, as in Quota: a request queued for this slot may have nothing else keeping the process up.
          setTimeout(release, windowMs);
        },
        unsent: async () => release(),
      };
    }
    let started = () => {};
    const start = new Promise<void>((resolve) => (started = resolve));
    let result!: Promise<T>;
    const run = (): Promise<unknown> => {
      if (step.abandoned) return Promise.resolve();
      step.started = true;
      result = job(slot);
      started();
      // bottleneck only learns when the job ends; the caller gets the result straight from the job, not after
      // bottleneck has told Redis (which may be gone by then).
      return result.catch(() => undefined);
    };
    const work = this.#inflight ? this.#inflight.schedule({ expiration }, run) : run();
    try {
      await beforeStart(Promise.race([start, work]), step, waiting.signal, ended);
    } catch (err) {
      release();
      throw this.#noted(err);
    }
    return result;
  }
}

/**
 * Wait for a queued step of a shared limit. When the call is cancelled or Redis goes away first, the step is
 * abandoned (bottleneck ends it at once when its turn comes) and this throws: the abort reason, or Abandoned
 * so that the request is placed again. A step that has started is never abandoned.
 */
async function beforeStart(step: Promise<unknown>, state: { abandoned: boolean; started: boolean }, signal: AbortSignal, ended: AbortSignal): Promise<void> {
  try {
    await untilAborted(untilAborted(step, signal), ended, () => new Abandoned());
  } catch (err) {
    if (state.started) return;
    state.abandoned = true;
    if (signal.aborted) throw signal.reason;
    throw err instanceof Abandoned ? err : new Abandoned(undefined, { cause: err });
  }
}
