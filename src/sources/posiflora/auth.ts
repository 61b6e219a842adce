import type { PosifloraConfig } from '../../config.js';
import { UpstreamError } from '../../http/errors.js';
import { untilAborted } from '../../http/gate.js';
import type { Upstream } from '../../http/upstream.js';
import { log } from '../../log.js';
import { Secret } from '../../secret.js';
import { JSON_API, firstError, sessionSchema } from './schemas.js';

/**
 * Posiflora sessions: POST /v1/sessions logs in, PATCH /v1/sessions trades the refresh token for a new
 * pair. Tokens are renewed ahead of `expireAt`; the newest refresh token is always the one kept (it may
 * be single-use). All callers share one renewal in flight, so concurrent tool calls never stampede.
 */

interface Session {
  access: Secret;
  refresh: Secret | undefined;
  expireAt: number;
  refreshExpireAt: number;
  /** Renew this early: a tenth of the lifetime, between 1 s and 60 s. */
  aheadMs: number;
}

/** Counts what a tool call cost upstream, for its summary. */
export interface Tally {
  requests: number;
  sessionRequests: number;
}

export const newTally = (): Tally => ({ requests: 0, sessionRequests: 0 });

const cancelled = () => new UpstreamError({ source: 'posiflora', code: 'aborted', retryable: false, message: 'Posiflora: the call was cancelled.' });

export class PosifloraAuth {
  #session: Session | undefined;
  #pending: Promise<Session> | undefined;

  constructor(
    private readonly upstream: Upstream,
    private readonly config: PosifloraConfig,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A valid access token, renewing (refresh, else login) when it is about to expire. */
  async accessToken(tally: Tally, signal?: AbortSignal): Promise<Secret> {
    const s = this.#session;
    if (s && this.clock() < s.expireAt - s.aheadMs) return s.access;
    return (await this.#renew(s ? 'refresh' : 'login', tally, signal)).access;
  }

  /**
   * The API refused `rejected` (401). Renew by `mode` unless another caller already replaced that token,
   * in which case the replacement is used (one renewal for many callers).
   */
  async recover(rejected: Secret, mode: 'refresh' | 'login', tally: Tally, signal?: AbortSignal): Promise<Secret> {
    if (this.#pending) {
      const s = await untilAborted(this.#pending, signal, cancelled);
      if (s.access !== rejected) return s.access;
    }
    if (this.#session && this.#session.access !== rejected) return this.#session.access;
    return (await this.#renew(mode, tally, signal)).access;
  }

  /**
   * The renewal is shared, so it runs under no caller's signal: one caller giving up must not cancel the
   * login the others wait for. Each caller only stops waiting on its own signal (the upstream deadline
   * still bounds the renewal itself).
   */
  #renew(mode: 'refresh' | 'login', tally: Tally, signal?: AbortSignal): Promise<Session> {
    if (!this.#pending) {
      const pending = this.#obtain(mode, tally).finally(() => {
        this.#pending = undefined;
      });
      // Every waiter may have gone; a failure is then nobody's to handle, and must not crash the process.
      pending.catch(() => undefined);
      this.#pending = pending;
    }
    return untilAborted(this.#pending, signal, cancelled);
  }

  async #obtain(mode: 'refresh' | 'login', tally: Tally): Promise<Session> {
    const s = this.#session;
    if (mode === 'refresh' && s?.refresh && this.clock() < s.refreshExpireAt) {
      try {
        this.#session = await this.#call('PATCH', { refreshToken: s.refresh.reveal() }, tally);
        log('debug', 'Posiflora: session refreshed');
        return this.#session;
      } catch (err) {
        if (err instanceof UpstreamError && err.code === 'aborted') throw err;
        log('info', `Posiflora: refreshing the session failed (${err instanceof Error ? err.message : String(err)}); logging in again`);
      }
    }
    this.#session = undefined;
    const username = this.config.username?.reveal() ?? '';
    const password = this.config.password?.reveal() ?? '';
    this.#session = await this.#call('POST', { username, password }, tally);
    log('debug', 'Posiflora: logged in');
    return this.#session;
  }

  async #call(method: 'POST' | 'PATCH', attributes: Record<string, string>, tally: Tally): Promise<Session> {
    const what = `${method} /v1/sessions`;
    let body: unknown;
    try {
      const res = await this.upstream.request({
        method,
        path: '/v1/sessions',
        headers: { accept: JSON_API, 'content-type': JSON_API },
        json: { data: { type: 'sessions', attributes } },
        // A second login is harmless; a refresh token may be single-use, so a refresh is never resent.
        idempotent: method === 'POST',
        what,
      });
      tally.sessionRequests += res.attempts;
      body = res.body;
    } catch (err) {
      // A failure does not say how many attempts it took: at least one went out.
      tally.sessionRequests += 1;
      if (method === 'POST' && err instanceof UpstreamError && err.status !== undefined && [400, 401, 403, 404, 422].includes(err.status)) {
        const e = firstError(err.body);
        throw new UpstreamError({
          source: 'posiflora',
          status: err.status,
          code: 'credentials',
          retryable: false,
          body: err.body,
          message: `Posiflora rejected the login (HTTP ${err.status}${e?.detail ? `: ${e.detail}` : ''}). Check POSIFLORA_USERNAME and POSIFLORA_PASSWORD, and that POSIFLORA_URL (or POSIFLORA_ACCOUNT) names your account.`,
        });
      }
      throw err;
    }
    const parsed = sessionSchema.safeParse(body);
    if (!parsed.success) {
      throw new UpstreamError({ source: 'posiflora', code: 'bad_response', retryable: false, message: `Posiflora answered ${what} without an access token; try again later.` });
    }
    const a = parsed.data.data.attributes;
    const now = this.clock();
    const expireAt = Date.parse(a.expireAt ?? '') || now + 3_600_000;
    const refreshExpireAt = Date.parse(a.refreshExpireAt ?? '') || now + 29 * 86_400_000;
    const lifetime = Math.max(0, expireAt - now);
    return {
      access: new Secret(a.accessToken, { rotating: true }),
      // Keep the newest refresh token; keep the old one only if the answer carried none.
      refresh: a.refreshToken ? new Secret(a.refreshToken, { rotating: true }) : this.#session?.refresh,
      expireAt,
      refreshExpireAt,
      aheadMs: Math.min(60_000, Math.max(1000, Math.floor(lifetime / 10))),
    };
  }
}
