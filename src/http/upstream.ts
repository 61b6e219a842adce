import pRetry from 'p-retry';
import { SOURCE_LABEL, type HttpSettings, type LimitSpec, type SourceName } from '../config.js';
import { log } from '../log.js';
import { cleanText, ID_MAX, quoted, shownId } from '../untrusted.js';
import { UpstreamError, isRateLimitStatus, isRetryableStatus } from './errors.js';
import { momentText, PauseGate, untilAborted } from './gate.js';
import type { LimitScope } from './cluster.js';
import { Quota, parseHttpDate, parseRetryAfter, type Limit, type Slot } from './limits.js';
import { send, undici, type WireResponse } from './pools.js';

/**
 * The one way the server talks to an upstream: a keep-alive pool per origin, a bottleneck limiter per
 * source (and per method key where the API has per-method quotas), retries with backoff and jitter,
 * a shared pause on 420/429, timeouts, a response size cap, an overall deadline, and AbortSignal
 * reaching every wait. Knows nothing about tools.
 */

export type QueryValue = string | number | boolean | undefined | null | ReadonlyArray<string | number>;

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path relative to the source's base URL, or an absolute http(s) URL (e.g. a report file link). */
  path: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** JSON body (serialised, Content-Type set unless given). */
  json?: unknown;
  /** Safe to send again after a network error, timeout or 5xx. Default: true for GET. */
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Per-method quota key (e.g. `reports.info`); must be one of the source's methodLimits. */
  limitKey?: string;
  responseType?: 'json' | 'text' | 'buffer';
  /** Statuses handed back to the caller instead of raising (e.g. 401 to trigger a re-login). */
  passStatuses?: readonly number[];
  deadlineMs?: number;
  maxBytes?: number;
  /** Words that name this call in logs and errors, e.g. "POST /v1/docs/aggregations/sales". */
  what?: string;
}

export interface UpstreamResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
  attempts: number;
}

export interface LimiterState {
  queued: number;
  running: number;
  /** Epoch ms of the latest pause of the source or any method; 0 or past when not paused. */
  pausedUntil: number;
  /** Per-method pauses still running (e.g. `generate.united-orders`), epoch ms. */
  methodPauses: Record<string, number>;
}

export interface UpstreamOptions {
  source: SourceName;
  baseUrl: string;
  http: HttpSettings;
  limit: LimitSpec;
  methodLimits?: Record<string, LimitSpec>;
  /** Limits and pauses shared with other instances over Redis (REDIS_URL); without it, this process's own. */
  shared?: LimitScope;
  /** Pull the API's own code and message out of an error body. */
  parseError?: (status: number, body: unknown) => { code?: string; message?: string } | undefined;
}

function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** A body as JSON when it parses (BOM dropped), else as text: for replies whose shape is not promised. */
function jsonOrText(raw: Buffer): unknown {
  const text = raw.toString('utf8').replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** Which wait ran out, in words (HTTP_CONNECT_TIMEOUT_MS, HTTP_HEADERS_TIMEOUT_MS, HTTP_BODY_TIMEOUT_MS). */
const TIMEOUT_STAGE: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'could not be connected to in time',
  UND_ERR_HEADERS_TIMEOUT: 'did not start answering in time',
  UND_ERR_BODY_TIMEOUT: 'stopped sending its answer midway',
};

/** An error page as words: markup, scripts and styles dropped, so no upstream HTML reaches an error text. */
function plainText(body: string): string {
  if (!/<[a-z!/]/i.test(body)) return body;
  return body
    .slice(0, 100_000)
    .replace(/<(script|style)\b[\s\S]*?(<\/\1\s*>|$)/gi, ' ')
    .replace(/<[^>]*>?/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A 420/429 whose pause ends after `deadlineAt`. */
function liftsAfter(err: unknown, deadlineAt: number): boolean {
  return err instanceof UpstreamError && err.status !== undefined && isRateLimitStatus(err.status) && (err.resetAt?.getTime() ?? 0) > deadlineAt;
}

export class Upstream {
  readonly source: SourceName;
  readonly baseUrl: string;
  readonly #options: UpstreamOptions;
  readonly #quota: Limit;
  readonly #methodQuotas = new Map<string, Limit>();
  readonly #gate: PauseGate;
  readonly #methodGates = new Map<string, PauseGate>();

  constructor(options: UpstreamOptions) {
    this.source = options.source;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#options = options;
    const { shared } = options;
    const limit = (key: string | undefined, spec: LimitSpec) => shared?.limit(key, spec) ?? new Quota(spec, options.http.rateMarginMs);
    const gate = (key: string | undefined, what: string) => {
      const g = new PauseGate(options.source, what, options.http.maxPauseMs);
      shared?.shareGate(key, g);
      return g;
    };
    this.#quota = limit(undefined, options.limit);
    this.#gate = gate(undefined, SOURCE_LABEL[options.source]);
    for (const [key, spec] of Object.entries(options.methodLimits ?? {})) {
      this.#methodQuotas.set(key, limit(key, spec));
      this.#methodGates.set(key, gate(key, `${SOURCE_LABEL[options.source]} ${key}`));
    }
  }

  get label(): string {
    return SOURCE_LABEL[this.source];
  }

  /** Epoch ms until which the whole source (or one method) is paused; 0 when not paused. */
  pausedUntil(limitKey?: string): number {
    return (limitKey ? this.#methodGates.get(limitKey) : this.#gate)?.pausedUntil ?? 0;
  }

  /** What /readyz and check_sources show: requests waiting and running behind this source's limiters, pauses. */
  state(): LimiterState {
    const queued = [this.#quota, ...this.#methodQuotas.values()].reduce((n, q) => n + q.counts().queued, 0);
    const pauses = [this.#gate, ...this.#methodGates.values()].map((g) => g.pausedUntil);
    const methodPauses = Object.fromEntries([...this.#methodGates].filter(([, g]) => g.pausedUntil > Date.now()).map(([key, g]) => [key, g.pausedUntil]));
    return { queued, running: this.#quota.counts().running, pausedUntil: Math.max(...pauses), methodPauses };
  }

  async request<T = unknown>(req: UpstreamRequest): Promise<UpstreamResponse<T>> {
    const http = this.#options.http;
    const deadlineAt = Date.now() + (req.deadlineMs ?? http.deadlineMs);
    const what = req.what ?? `${req.method} ${req.path.startsWith('http') ? new URL(req.path).pathname : req.path}`;
    if (req.limitKey && !this.#methodQuotas.has(req.limitKey)) {
      throw new Error(`${this.label}: unknown limit key ${req.limitKey}`);
    }

    // One signal for the caller's abort and the overall deadline; we tell them apart afterwards.
    const controller = new AbortController();
    const deadlineTimer = setTimeout(
      () => controller.abort(new UpstreamError({ source: this.source, code: 'deadline', retryable: false, message: `${this.label} did not answer ${what} within ${Math.round((req.deadlineMs ?? http.deadlineMs) / 1000)} s (including retries). Try again later or narrow the request.` })),
      Math.max(0, deadlineAt - Date.now()),
    );
    const onCallerAbort = () => controller.abort(req.signal!.reason);
    if (req.signal?.aborted) onCallerAbort();
    else req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const signal = controller.signal;

    // Requests that actually went out (a queued attempt that was cancelled does not count).
    const sent = { count: 0 };
    try {
      const res = await pRetry(
        // Decoded inside the attempt, so a garbled or empty 2xx body of a repeatable request is tried again.
        async () => {
          const raw = await this.#scheduled(req, what, signal, deadlineAt, sent);
          return { ...raw, body: this.#decode<T>(raw, req, what) };
        },
        {
          retries: http.retries,
          minTimeout: http.backoffMs,
          factor: 2,
          randomize: true,
          maxTimeout: 10_000,
          maxRetryTime: Math.max(0, deadlineAt - Date.now()),
          signal,
          // A rate limit that lifts after the deadline is not worth a retry: it would only wait in vain.
          shouldRetry: ({ error }) => error instanceof UpstreamError && error.retryable && this.#repeatable(req, error) && !liftsAfter(error, deadlineAt),
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            if (error instanceof UpstreamError && error.retryable && retriesLeft > 0 && this.#repeatable(req, error)) {
              const paused = this.pausedUntil(req.limitKey) - Date.now();
              const wait = paused > 0 ? ` (source paused ${(paused / 1000).toFixed(1)} s)` : '';
              log('warning', `${this.label}: ${what} failed (${error.code}${error.status ? `, HTTP ${error.status}` : ''}), retrying${wait}; attempt ${attemptNumber + 1} of ${http.retries + 1}`);
            }
          },
        },
      );
      return { status: res.status, headers: res.headers, body: res.body, attempts: sent.count };
    } catch (err) {
      const failure = liftsAfter(err, deadlineAt) ? this.#limitedPastDeadline(err as UpstreamError, what) : this.#final(err, req, what);
      failure.attempts = sent.count;
      throw failure;
    } finally {
      clearTimeout(deadlineTimer);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  #limitedPastDeadline(err: UpstreamError, what: string): UpstreamError {
    return new UpstreamError({
      source: this.source,
      status: err.status,
      code: 'rate_limited',
      retryable: false,
      resetAt: err.resetAt,
      body: err.body,
      message: `${this.label} is rate-limited until ${momentText(err.resetAt!.getTime())} (HTTP ${err.status} on ${what}), later than this call may wait. Try again after that time.`,
    });
  }

  /** 420/429 were refused before any work was done, so any method may repeat them. */
  #repeatable(req: UpstreamRequest, error: UpstreamError): boolean {
    if (error.status !== undefined && isRateLimitStatus(error.status)) return true;
    return req.idempotent ?? (req.method === 'GET');
  }

  #final(err: unknown, req: UpstreamRequest, what: string): UpstreamError {
    if (err instanceof UpstreamError) return err;
    if (req.signal?.aborted) {
      return new UpstreamError({ source: this.source, code: 'aborted', retryable: false, message: `${this.label}: ${what} was cancelled.` });
    }
    const message = err instanceof Error ? err.message : String(err);
    return new UpstreamError({ source: this.source, code: 'network', retryable: false, message: `${this.label}: ${what} failed: ${message}` });
  }

  /** Queue behind the method and source limiters, wait out any pause, then send. */
  #scheduled(req: UpstreamRequest, what: string, signal: AbortSignal, deadlineAt: number, counter: { count: number }): Promise<WireResponse> {
    const methodQuota = req.limitKey ? this.#methodQuotas.get(req.limitKey) : undefined;
    const run = async (quotas: Slot[]): Promise<WireResponse> => {
      let written = false;
      try {
        signal.throwIfAborted();
        const methodGate = req.limitKey ? this.#methodGates.get(req.limitKey) : undefined;
        await this.#gate.wait(signal, deadlineAt);
        await methodGate?.wait(signal, deadlineAt);
        signal.throwIfAborted();
        counter.count += 1;
        // The slot's window starts when the request is on the wire, not when it was handed to the pool: a
        // new connection's set-up or a busy event loop must not bring it closer to the next one upstream.
        const onWritten = () => {
          written = true;
          for (const quota of quotas) quota.sent();
        };
        return await this.#send(req, what, signal, onWritten);
      } finally {
        // A job that ends without sending (cancelled or timed out while queued, or no connection) took a
        // quota slot when it started; give it back at once, or the next caller waits a whole window (2-10
        // min for Market reports).
        if (!written) await Promise.all(quotas.map((quota) => quota.unsent()));
      }
    };
    const waiting = { signal, deadlineAt };
    const job = methodQuota
      ? methodQuota.schedule((method) => this.#quota.schedule((source) => run([source, method]), waiting), waiting)
      : this.#quota.schedule((source) => run([source]), waiting);
    // A queued job cannot be pulled out of bottleneck: release the caller at once, and let the job itself
    // see the aborted signal and end without sending.
    return untilAborted(job, signal);
  }

  async #send(req: UpstreamRequest, what: string, signal: AbortSignal, onWritten: () => void): Promise<WireResponse> {
    const http = this.#options.http;
    const target = req.path.startsWith('http://') || req.path.startsWith('https://') ? new URL(req.path) : new URL(`${this.baseUrl}${req.path}`);
    const headers: Record<string, string> = { accept: 'application/json', ...(req.headers ?? {}) };
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const fullPath = `${target.pathname}${target.search ? `${target.search}${buildQuery(req.query).replace('?', '&')}` : buildQuery(req.query)}`;

    const cap = req.maxBytes ?? http.maxResponseBytes;
    let res: WireResponse;
    try {
      res = await send(http, {
        origin: target.origin,
        method: req.method,
        path: fullPath,
        headers,
        body,
        signal,
        maxBytes: cap,
        tooLarge: (status) =>
          new UpstreamError({
            source: this.source,
            status,
            code: 'too_large',
            retryable: false,
            message: `${this.label} answered ${what} with more than ${Math.round(cap / 1024 / 1024)} MiB; narrow the period or filters (HTTP_MAX_RESPONSE_BYTES raises the cap).`,
          }),
        onWritten,
        onHeaders: (_status, resHeaders) => this.#noteQuota(req, resHeaders),
      });
    } catch (err) {
      throw err instanceof UpstreamError ? err : this.#transportError(err, what, signal);
    }

    const ok = res.status >= 200 && res.status < 300;
    if (!ok && !req.passStatuses?.includes(res.status)) throw this.#httpError(res.status, res.headers, res.raw, req, what);
    return res;
  }

  /**
   * Bytes to the requested shape. Done after the limiter hands the response back, so what crosses the
   * limiter's timers is one off-heap Buffer, not an object graph that would live long enough to be
   * promoted to the old generation (which made the heap of long listings balloon).
   */
  #decode<T>(res: WireResponse, req: UpstreamRequest, what: string): T {
    const { raw } = res;
    const type = req.responseType ?? 'json';
    if (type === 'buffer') return raw as T;
    if (type === 'text') return raw.toString('utf8') as T;
    const json = raw.toString('utf8').replace(/^\uFEFF/, '');
    // A status the caller asked to see (e.g. 401 before a re-login) may carry any body, or none.
    if (res.status < 200 || res.status >= 300) return json.trim() === '' ? (undefined as T) : (jsonOrText(raw) as T);
    // No content is an answer; an empty 2xx where JSON was due is a glitch (a proxy, a restart), as is a
    // body that does not parse: both are tried again when the request is safe to repeat.
    if (res.status === 204) return undefined as T;
    const garbled = (problem: string) =>
      new UpstreamError({
        source: this.source,
        status: res.status,
        code: 'bad_response',
        retryable: true,
        message: `${this.label} sent ${problem} to ${what}. The upstream may be having trouble; try again later.`,
      });
    if (json.trim() === '') throw garbled(`an empty reply (HTTP ${res.status})`);
    try {
      return JSON.parse(json) as T;
    } catch {
      throw garbled(`a reply that is not valid JSON (${raw.length} bytes)`);
    }
  }

  /** Yandex Market style quota headers: when nothing remains, pause until the window resets. */
  #noteQuota(req: UpstreamRequest, headers: Record<string, string>): void {
    const remaining = headers['x-ratelimit-resource-remaining'];
    const until = parseHttpDate(headers['x-ratelimit-resource-until']);
    if (remaining !== undefined && Number(remaining) <= 0 && until) this.#gateFor(req).pauseUntil(until);
  }

  /** The pause a per-method quota header applies to: the call's method when it names one, else the source. */
  #gateFor(req: UpstreamRequest): PauseGate {
    return (req.limitKey && this.#methodGates.get(req.limitKey)) || this.#gate;
  }

  #httpError(status: number, headers: Record<string, string>, raw: Buffer, req: UpstreamRequest, what: string): UpstreamError {
    const body = jsonOrText(raw);
    const parsed = this.#options.parseError?.(status, body);
    const code = parsed?.code === undefined ? `http_${status}` : cleanText(parsed.code, ID_MAX);
    // The upstream's words are data, quoted and cleaned (src/untrusted.ts), never instructions.
    const said = parsed?.message ?? (typeof body === 'string' && body.length > 0 ? plainText(body.slice(0, 100_000)) : undefined);
    const detail = said === undefined || said.trim() === '' ? undefined : quoted(said, 300);

    let resetAt: Date | undefined;
    if (isRateLimitStatus(status)) {
      // Pause everyone behind the same limiter, not only this request.
      const resourceUntil = parseHttpDate(headers['x-ratelimit-resource-until']);
      const until = parseRetryAfter(headers['retry-after']) ?? resourceUntil ?? Date.now() + 1000;
      // Retry-After alone means the whole source; a resource header names the method's quota.
      const gate = resourceUntil ? this.#gateFor(req) : this.#gate;
      const applied = gate.pauseUntil(until);
      resetAt = new Date(applied);
      const capped = applied < until ? ` (it asked until ${momentText(until)}; pauses are capped by HTTP_MAX_PAUSE_SECONDS, then the source is tried again)` : '';
      log('warning', `${this.label}: HTTP ${status} on ${what}; ${gate === this.#gate ? 'source' : req.limitKey} paused until ${momentText(applied)}${capped}`);
    }
    const answer = `${this.label} answered ${what} with HTTP ${status}${parsed?.code ? ` ${shownId(code)}` : ''}${detail ? `: ${detail}` : ''}`;
    return new UpstreamError({
      source: this.source,
      status,
      code,
      retryable: isRetryableStatus(status),
      resetAt,
      body,
      message: status >= 300 && status < 400 ? this.#redirected(status, headers.location, what) : `${answer.replace(/[.\s]+$/, '')}. ${this.#advice(status)}`,
    });
  }

  /**
   * Redirects are never followed: the request carries the source's credentials, which must reach no host
   * but the configured one. Only the other host's name is shown (a Location may carry a signed query).
   */
  #redirected(status: number, location: string | undefined, what: string): string {
    let elsewhere = 'another address';
    try {
      if (location) elsewhere = new URL(location, this.baseUrl).host;
    } catch {
      // an unreadable Location stays "another address"
    }
    return `${this.label} redirected ${what} to ${elsewhere} (HTTP ${status}); revenue-mcp does not follow redirects, so that credentials go to the configured address only. Check the ${this.label} base URL (now ${new URL(this.baseUrl).host}) in the server's environment.`;
  }

  /** What to do about a status that no source client explained in its own words. */
  #advice(status: number): string {
    if (status === 401 || status === 403) return `Check the ${this.label} credentials and their permissions in the server's environment.`;
    if (status === 404 || status === 405 || status === 410) return `Check the ${this.label} base URL (now ${new URL(this.baseUrl).host}) and the ids asked for.`;
    if (isRateLimitStatus(status)) return 'Wait a little and try again.';
    if (status >= 500) return `${this.label} is having trouble; try again later.`;
    return 'Check the arguments; if they are right, try again later.';
  }

  #transportError(err: unknown, what: string, signal: AbortSignal): unknown {
    if (signal.aborted) return signal.reason;
    const code = (err as { code?: string })?.code ?? '';
    const host = new URL(this.baseUrl).host;
    const advice = `Check the network and that ${host} is reachable (the ${this.label} base URL), then try again later.`;
    // A failed request has loaded undici already.
    const undiciErrors = undici().errors;
    if (TIMEOUT_CODES.has(code) || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
      const stage = TIMEOUT_STAGE[code] ?? 'timed out';
      return new UpstreamError({ source: this.source, code: 'timeout', retryable: true, message: `${this.label} ${stage} on ${what} (${code}). ${advice}` });
    }
    if (NETWORK_CODES.has(code) || err instanceof undiciErrors.SocketError) {
      return new UpstreamError({ source: this.source, code: 'network', retryable: true, message: `${this.label}: connection problem on ${what} (${code || 'socket closed'}). ${advice}` });
    }
    const message = err instanceof Error ? err.message : String(err);
    return new UpstreamError({ source: this.source, code: 'network', retryable: true, message: `${this.label}: ${what} failed: ${message}. ${advice}` });
  }
}
