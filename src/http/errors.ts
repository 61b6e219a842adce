import { SOURCE_LABEL, type SourceName } from '../config.js';
import { redact } from '../secret.js';

/**
 * Every failure of an upstream call ends as an UpstreamError. Its message is built for a person or a
 * model to act on and never holds a secret (it passes through `redact`).
 *
 * Codes of our own: network, timeout, deadline, aborted, too_large, bad_response, rate_limited;
 * otherwise the upstream's own error code (e.g. `TooManyRequests`, `1`, `NOT_FOUND`) or `http_<status>`.
 */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly source: SourceName;
  readonly status: number | undefined;
  readonly code: string;
  readonly retryable: boolean;
  /** When a rate limit lifts, if the upstream said so. */
  readonly resetAt: Date | undefined;
  /** The parsed error body, for source clients that map codes to advice. */
  readonly body: unknown;
  /** How many times the request went out before this failure (retries included); set by Upstream. */
  attempts = 0;

  constructor(init: {
    source: SourceName;
    status?: number;
    code: string;
    message: string;
    retryable: boolean;
    resetAt?: Date;
    body?: unknown;
  }) {
    super(redact(init.message));
    this.source = init.source;
    this.status = init.status;
    this.code = init.code;
    this.retryable = init.retryable;
    this.resetAt = init.resetAt;
    // Error bodies may echo what was sent (keys included): keep only a scrubbed copy.
    this.body = init.body === undefined ? undefined : (JSON.parse(redact(JSON.stringify(init.body))) as unknown);
  }

  get label(): string {
    return SOURCE_LABEL[this.source];
  }
}

/** Statuses worth another attempt when the request is safe to repeat. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 420 || status === 429 || status === 499 || (status >= 500 && status <= 599);
}

/** 420 (Yandex Market "Enhance Your Calm") and 429 mean the request was refused before any work was done. */
export function isRateLimitStatus(status: number): boolean {
  return status === 420 || status === 429;
}
