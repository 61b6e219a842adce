import Bottleneck from 'bottleneck';
import type { LimitSpec } from '../config.js';

/** A bottleneck limiter from a LimitSpec: a reservoir refilled every interval, plus a concurrency cap. */
export function limiterFrom(spec: LimitSpec): Bottleneck {
  const windowed =
    spec.count && spec.intervalMs
      ? {
          reservoir: spec.count,
          reservoirRefreshAmount: spec.count,
          reservoirRefreshInterval: spec.intervalMs,
          // Spread per-second limits evenly instead of bursting the whole window at once.
          minTime: spec.intervalMs <= 1000 ? Math.floor(spec.intervalMs / spec.count) : 0,
        }
      : {};
  return new Bottleneck({ maxConcurrent: spec.maxConcurrent ?? null, ...windowed });
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
