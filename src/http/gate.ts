import { UpstreamError } from './errors.js';
import type { SourceName } from '../config.js';

/**
 * A pause shared by every request behind it: when an upstream says "too many requests until T",
 * nobody behind this gate is sent before T. Waiting honours an AbortSignal and a deadline.
 */
export const DEFAULT_MAX_PAUSE_MS = 15 * 60_000;

export class PauseGate {
  #until = 0;

  constructor(
    private readonly source: SourceName,
    private readonly what: string,
    /** A pause is never longer than this (HTTP_MAX_PAUSE_SECONDS): after it the source is probed again. */
    private readonly maxPauseMs = DEFAULT_MAX_PAUSE_MS,
  ) {}

  get pausedUntil(): number {
    return this.#until;
  }

  /** Told of every pause this process applies (cluster.ts passes it on to the other instances). */
  onPause?: (until: number) => void;

  /** Pause until `when`, or for the longest pause allowed; returns the moment actually applied. */
  pauseUntil(when: number): number {
    const before = this.#until;
    const capped = this.adopt(when);
    if (this.#until > before) this.onPause?.(this.#until);
    return capped;
  }

  /** Apply a pause without passing it on (one another instance applied); returns the moment applied. */
  adopt(when: number): number {
    const capped = Math.min(when, Date.now() + this.maxPauseMs);
    if (capped > this.#until) this.#until = capped;
    return capped;
  }

  async wait(signal: AbortSignal, deadlineAt: number): Promise<void> {
    const ms = this.#until - Date.now();
    if (ms <= 0) return;
    if (this.#until > deadlineAt) {
      const resetAt = new Date(this.#until);
      throw new UpstreamError({
        source: this.source,
        code: 'rate_limited',
        retryable: false,
        resetAt,
        message: `${this.what} is rate-limited until ${momentText(this.#until)}, later than this call may wait. Try again after that time.`,
      });
    }
    await sleep(ms, signal);
  }
}

/** "14:05:00 UTC" today, "2026-12-01 14:05:00 UTC" on another day: a bare time of day misleads. */
export function momentText(at: number, now = Date.now()): string {
  const iso = new Date(at).toISOString();
  const day = iso.slice(0, 10);
  return `${day === new Date(now).toISOString().slice(0, 10) ? '' : `${day} `}${iso.slice(11, 19)} UTC`;
}

/**
 * `promise`, unless `signal` aborts first: then this waiter is released at once with `reason()` (default:
 * the signal's reason), while the work itself goes on for whoever else waits for it (a shared login, a
 * queued limiter job).
 */
export function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal, reason: () => unknown = () => signal?.reason): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(reason());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** setTimeout as a promise that rejects with the signal's reason on abort. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
