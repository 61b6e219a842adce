import { UpstreamError } from '../../http/errors.js';
import { untilAborted } from '../../http/gate.js';
import type { Upstream } from '../../http/upstream.js';
import type { LifeposConfig } from '../../config.js';
import { log } from '../../log.js';
import { Secret } from '../../secret.js';
import { apiWords } from './errors.js';
import { SignInSchema } from './schemas.js';

/**
 * How long a refused LIFEPOS_TOKEN is left alone when there is no phone login to fall back on. Then it is
 * tried again: a long-running server recovers once the token is reinstated (or the outage ends), without
 * hammering the API with a token it just refused.
 */
export const STATIC_TOKEN_RETRY_MS = 60_000;

export interface LifeposAuthOptions {
  /** Milliseconds clock (tests use a fake one). */
  now?: () => number;
  staticRetryMs?: number;
}

/**
 * Where the bearer token comes from: LIFEPOS_TOKEN as given, or a phone sign-in whose token is kept in
 * memory for the life of the process. Concurrent callers share one sign-in. A token the API refused
 * (401) is dropped; the caller may then get one fresh token and must give up after that. A refused
 * LIFEPOS_TOKEN with no phone login is retried after a cooldown (STATIC_TOKEN_RETRY_MS).
 */
export class LifeposAuth {
  #session: string | undefined;
  #pending: Promise<string> | undefined;
  /** When LIFEPOS_TOKEN was last refused (clock ms); undefined while it is believed good. */
  #staticRefusedAt: number | undefined;
  readonly #now: () => number;
  readonly #staticRetryMs: number;
  /** How many sign-ins this process made (for logs and tests). */
  signIns = 0;

  constructor(
    private readonly config: LifeposConfig,
    private readonly upstream: Upstream,
    private readonly headers: () => Record<string, string>,
    options: LifeposAuthOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#staticRetryMs = options.staticRetryMs ?? STATIC_TOKEN_RETRY_MS;
  }

  /** LIFEPOS_TOKEN may be used: never refused, or refused with no sign-in to fall back on and the cooldown over. */
  #staticUsable(): boolean {
    if (!this.config.token) return false;
    if (this.#staticRefusedAt === undefined) return true;
    if (this.canSignIn) return false;
    return this.#now() - this.#staticRefusedAt >= this.#staticRetryMs;
  }

  get canSignIn(): boolean {
    return Boolean(this.config.phone && this.config.password);
  }

  /** `signal` releases only this caller: the shared sign-in goes on for the others. */
  async token(signal?: AbortSignal): Promise<string> {
    if (this.#staticUsable()) return this.config.token!.reveal();
    if (this.#session) return this.#session;
    if (!this.canSignIn) {
      const wait = this.#staticRefusedAt === undefined ? 0 : Math.ceil((this.#staticRetryMs - (this.#now() - this.#staticRefusedAt)) / 1000);
      throw new UpstreamError({
        source: 'lifepos',
        status: 401,
        code: 'Unauthorized',
        retryable: false,
        message:
          `LIFE POS refused LIFEPOS_TOKEN (401 Unauthorized); it will be tried again in ${Math.max(1, wait)} s. ` +
          'Set a valid LIFEPOS_TOKEN, or LIFEPOS_PHONE and LIFEPOS_PASSWORD so revenue-mcp can sign in.',
      });
    }
    // One sign-in for everyone waiting; not tied to any one caller's signal, so a cancelled call does
    // not fail the others.
    this.#pending ??= this.#signIn().finally(() => (this.#pending = undefined));
    return untilAborted(this.#pending, signal, () =>
      new UpstreamError({ source: 'lifepos', code: 'aborted', retryable: false, message: 'LIFE POS: the call was cancelled.' }),
    );
  }

  /**
   * The API answered 401 to `token`: forget it. Answers whether a fresh token can be had (a sign-in);
   * a token someone else already replaced counts as refreshed.
   */
  refused(token: string): boolean {
    if (this.config.token && token === this.config.token.reveal()) {
      this.#staticRefusedAt = this.#now();
      if (this.canSignIn) log('warning', 'LIFE POS refused LIFEPOS_TOKEN (401); signing in with LIFEPOS_PHONE instead');
      return this.canSignIn;
    }
    if (this.#session === token) this.#session = undefined;
    return this.canSignIn;
  }

  async #signIn(): Promise<string> {
    this.signIns += 1;
    log('info', 'LIFE POS: signing in by phone');
    let res;
    try {
      res = await this.upstream.request<unknown>({
        method: 'POST',
        path: '/auth/sign-in-by-phone',
        headers: this.headers(),
        json: { phone: this.config.phone!.reveal(), password: this.config.password!.reveal() },
        // Signing in changes nothing on the server: safe to repeat after a network error.
        idempotent: true,
        what: 'POST /auth/sign-in-by-phone',
      });
    } catch (err) {
      if (err instanceof UpstreamError && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 429) {
        throw new UpstreamError({
          source: 'lifepos',
          status: err.status,
          code: err.code,
          retryable: false,
          body: err.body,
          message: `LIFE POS refused the sign-in with LIFEPOS_PHONE and LIFEPOS_PASSWORD (${err.status}, ${apiWords(err)}). Check both values (phone as +7…, password 6–32 characters).`,
        });
      }
      throw err;
    }
    const token = SignInSchema.safeParse(res.body).data?.token;
    if (!token) {
      throw new UpstreamError({ source: 'lifepos', status: res.status, code: 'bad_response', retryable: false, message: 'LIFE POS signed in but sent no token. Try again later, or set LIFEPOS_TOKEN.' });
    }
    // Registered as a secret so that no log line or error text can ever show it.
    this.#session = new Secret(token, { rotating: true }).reveal();
    return token;
  }
}
