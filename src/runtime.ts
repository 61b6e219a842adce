import { SOURCE_LABEL, type Config, type SourceName } from './config.js';
import { Upstream, type UpstreamOptions } from './http/upstream.js';
import { closeAllPools, undici } from './http/pools.js';
import { bottleneck, bottleneckLight } from './http/limits.js';
import { credentialFingerprint, SharedLimits, type LimitsState } from './http/cluster.js';
import { Secret } from './secret.js';

/**
 * What lives as long as the process: config, one Upstream per source (so every session and every tool
 * shares one limiter per source), and source clients with their login state.
 */
export class Runtime {
  readonly #shared = new Map<string, unknown>();
  readonly #stopping = new AbortController();
  #sharedLimits?: SharedLimits;

  constructor(
    readonly config: Config,
    /** The clock tools resolve named periods against; tests pin it. */
    readonly now: () => Date = () => new Date(),
  ) {}

  /** One instance per key for the life of the runtime (source clients, caches). */
  shared<T>(key: string, create: () => T): T {
    if (!this.#shared.has(key)) this.#shared.set(key, create());
    return this.#shared.get(key) as T;
  }

  /** The Upstream of a source, built from config the first time it is asked for. */
  upstream(source: SourceName, extra: Pick<UpstreamOptions, 'parseError'> = {}): Upstream {
    return this.shared(`upstream:${source}`, () => {
      const sc = this.config[source];
      return new Upstream({
        source,
        baseUrl: sc.baseUrl,
        http: this.config.http,
        limit: sc.limit,
        methodLimits: 'methodLimits' in sc ? sc.methodLimits : undefined,
        shared: this.#limitsHub()?.scope(source, credentialFingerprint([sc.baseUrl, ...Object.values(sc).filter((v) => v instanceof Secret)])),
        ...extra,
      });
    });
  }

  /** With REDIS_URL, the connection that shares limits between instances; opened with the first Upstream. */
  #limitsHub(): SharedLimits | undefined {
    const { redisUrl, instances } = this.config.sharing;
    if (!redisUrl) return undefined;
    this.#sharedLimits ??= new SharedLimits(redisUrl, { instances, marginMs: this.config.http.rateMarginMs, deadlineMs: this.config.http.deadlineMs });
    return this.#sharedLimits;
  }

  /**
   * Whether upstream limits are shared over Redis, or this instance runs on its share of them (what /readyz
   * and check_sources show). Read-only.
   */
  limitsState(): LimitsState {
    const { redisUrl, instances } = this.config.sharing;
    if (!redisUrl) return { mode: 'local', redis: null, instances, since: null, error: null };
    return this.#limitsHub()!.state();
  }

  /**
   * Load the HTTP layer's libraries (undici, bottleneck: loaded on first use, src/lazy.ts) now, so that the
   * first tool call does not wait for them: the HTTP transport at start, stdio once its client has initialized.
   */
  preloadHttp(): void {
    undici();
    bottleneckLight();
    if (this.config.sharing.redisUrl) bottleneck();
  }

  /** Aborted when the server shuts down: every tool call still running ends with an error it can report. */
  get stopping(): AbortSignal {
    return this.#stopping.signal;
  }

  /** The Upstreams built so far (a source no call has used yet has none). */
  upstreams(): Upstream[] {
    return [...this.#shared.entries()].filter(([key]) => key.startsWith('upstream:')).map(([, u]) => u as Upstream);
  }

  /** Env vars still missing for a source, as one sentence; undefined when configured. */
  missing(source: SourceName): string | undefined {
    const missing = this.config[source].missing;
    if (missing.length === 0) return undefined;
    return `${SOURCE_LABEL[source]} is not configured. Set ${missing.join(', ')} in the server's environment (see the README, "Configuration"), or start the server with --demo to try it on simulated data.`;
  }

  /** Cancel every tool call still running (each answers with ShutdownError's message). */
  stop(): void {
    if (!this.#stopping.signal.aborted) this.#stopping.abort(new ShutdownError());
  }

  async close(): Promise<void> {
    this.stop();
    await closeAllPools();
    await this.#sharedLimits?.close();
  }
}

/** The reason tool calls are cancelled when the server stops. */
export class ShutdownError extends Error {
  override name = 'ShutdownError';
  constructor() {
    super('The server is shutting down; nothing was changed. Call again in a moment (against the restarted server).');
  }
}
