import { UpstreamError } from '../../http/errors.js';
import { sleep } from '../../http/gate.js';
import type { MarketClient } from './client.js';
import type { ReportInfo } from './schemas.js';

/**
 * Waiting for a report: the first poll after the estimate the API gave, then polls spaced by the
 * remaining estimate or a growing backoff (never closer than the reports/info quota allows), a progress
 * heartbeat in between, and an end at the caller's budget without losing the report.
 */

export type WaitOutcome =
  | { kind: 'finished'; info: ReportInfo }
  | { kind: 'timeout'; info?: ReportInfo }
  | { kind: 'rate_limited'; info?: ReportInfo; until: Date }
  /** The last status check got no answer (out of time, timed out, connection failed): the status is unknown now. */
  | { kind: 'unanswered'; info?: ReportInfo; error: UpstreamError };

/** Failures in which Market gave no answer at all: the report may be fine, only its status is unknown. */
const NO_ANSWER = new Set(['deadline', 'timeout', 'network']);

export interface WaitOptions {
  client: MarketClient;
  reportId: string;
  /** Delay before the first poll (the estimate from generate; 0 when resuming). */
  firstPollMs: number;
  /** Epoch ms at which to stop waiting. */
  deadlineAt: number;
  /** Shortest spacing of polls, from the reports/info quota. */
  minIntervalMs: number;
  heartbeatMs: number;
  signal: AbortSignal;
  /** Called after every poll and on every heartbeat with the latest known status. */
  onProgress(info: ReportInfo | undefined): void;
}

const MAX_INTERVAL_MS = 15_000;
/** A request started near the end of the budget still gets this long to answer (the budget is overrun by at most this). */
const REQUEST_GRACE_MS = 1_000;

/** Spacing of the next poll: the remaining estimate when the API gives one, else a growing backoff. */
export function nextPollDelay(info: ReportInfo, previousMs: number, minIntervalMs: number): number {
  const backoff = Math.min(Math.max(previousMs * 1.5, 1_000), MAX_INTERVAL_MS);
  const wanted = info.estimatedMs !== undefined && info.estimatedMs > 0 ? Math.min(info.estimatedMs + 100, MAX_INTERVAL_MS) : backoff;
  return Math.max(wanted, minIntervalMs);
}

export async function waitForReport(options: WaitOptions): Promise<WaitOutcome> {
  const { client, reportId, deadlineAt, signal } = options;
  let last: ReportInfo | undefined;
  const heartbeat = setInterval(() => options.onProgress(last), options.heartbeatMs);
  try {
    let delay = options.firstPollMs;
    for (;;) {
      const wake = Math.min(Date.now() + delay, deadlineAt);
      if (wake > Date.now()) await sleep(wake - Date.now(), signal);
      try {
        last = await client.info(reportId, { signal, deadlineMs: Math.max(deadlineAt - Date.now(), REQUEST_GRACE_MS) });
      } catch (err) {
        if (err instanceof UpstreamError && err.code === 'rate_limited' && err.resetAt) return { kind: 'rate_limited', info: last, until: err.resetAt };
        if (err instanceof UpstreamError && NO_ANSWER.has(err.code)) return { kind: 'unanswered', info: last, error: err };
        throw err;
      }
      options.onProgress(last);
      if (last.status === 'DONE' || last.status === 'FAILED') return { kind: 'finished', info: last };
      if (Date.now() >= deadlineAt) return { kind: 'timeout', info: last };
      delay = nextPollDelay(last, delay, options.minIntervalMs);
    }
  } finally {
    clearInterval(heartbeat);
  }
}
