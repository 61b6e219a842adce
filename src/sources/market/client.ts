import type { z } from 'zod';
import { log } from '../../log.js';
import { cleanText, ID_MAX } from '../../untrusted.js';
import { UpstreamError } from '../../http/errors.js';
import type { Upstream } from '../../http/upstream.js';
import type { Runtime } from '../../runtime.js';
import { ErrorBody, GenerateReportResponse, ReportInfoResponse, type ReportInfo } from './schemas.js';
import { REPORT_TYPE_INFO, limitKeyOf, type ReportFormat, type ReportLanguage, type ReportType } from './report-types.js';

/**
 * Yandex Market Partner API, report methods only: start a generation, read its status, fetch the file.
 * Every call goes through the source's Upstream (4 in flight per business; `reports.info` and each
 * generator on their own quota keys, paused on 420 / X-RateLimit-Resource-Remaining: 0).
 */

/** The API's own error code and message from `{status, errors:[{code, message}]}`; judged by HTTP status. */
export function parseMarketError(_status: number, body: unknown): { code?: string; message?: string } | undefined {
  const parsed = ErrorBody.safeParse(body);
  const first = parsed.success ? parsed.data.errors?.[0] : undefined;
  if (!first) return undefined;
  return { code: first.code, message: first.message };
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Give up (with `deadline` / `rate_limited`) rather than wait past this many ms. */
  deadlineMs?: number;
}

export type Download = { ok: true; bytes: Buffer } | { ok: false; status: number };

export class MarketClient {
  readonly upstream: Upstream;

  constructor(private readonly runtime: Runtime) {
    this.upstream = runtime.upstream('market', { parseError: parseMarketError });
  }

  /** Api-Key (preferred) or the deprecated OAuth token in Authorization. */
  #auth(): Record<string, string> {
    const { apiKey, oauthToken } = this.runtime.config.market;
    if (apiKey) return { 'Api-Key': apiKey.reveal() };
    if (oauthToken) return { Authorization: `Bearer ${oauthToken.reveal()}` };
    return {};
  }

  /** When each generator was last called from this process (epoch ms): Market counts 2xx and 4xx answers. */
  readonly #lastGenerateAt = new Map<ReportType, number>();

  /** When the generator of `type` may be called again, as far as this process knows; 0 when free. */
  generatePausedUntil(type: ReportType): number {
    return this.upstream.pausedUntil(limitKeyOf(type));
  }

  /** The configured generate quota of `type`: `count` calls per `intervalMs`. */
  generateQuota(type: ReportType): { count: number; intervalMs: number } {
    const spec = this.runtime.config.market.methodLimits[limitKeyOf(type)];
    return { count: spec?.count ?? 1, intervalMs: spec?.intervalMs ?? 120_000 };
  }

  /**
   * Epoch ms of the next free generate slot for `type` (0 when free now): the later of Market's own
   * X-RateLimit-Resource-Until pause and, for a one-per-window quota, the last call + the window.
   */
  nextGenerateAt(type: ReportType): number {
    const paused = this.generatePausedUntil(type);
    const last = this.#lastGenerateAt.get(type);
    const quota = this.generateQuota(type);
    const own = last !== undefined && quota.count === 1 ? last + quota.intervalMs + this.runtime.config.http.rateMarginMs : 0;
    const next = Math.max(paused, own);
    return next > Date.now() ? next : 0;
  }

  async generate(type: ReportType, body: Record<string, unknown>, format: ReportFormat, language: ReportLanguage | undefined, options: CallOptions = {}): Promise<{ reportId: string; estimatedMs?: number }> {
    const res = await this.#generateRequest(type, body, format, language, options);
    const parsed = GenerateReportResponse.safeParse(res.body);
    if (!parsed.success) throw this.#badResponse(`generate ${type}`, parsed.error);
    return { reportId: parsed.data.result.reportId, estimatedMs: estimateMs(parsed.data.result.estimatedGenerationTime) };
  }

  async #generateRequest(type: ReportType, body: Record<string, unknown>, format: ReportFormat, language: ReportLanguage | undefined, options: CallOptions) {
    try {
      const res = await this.#sendGenerate(type, body, format, language, options);
      this.#lastGenerateAt.set(type, Date.now());
      return res;
    } catch (err) {
      // An answered request (4xx included) used the quota; one that never got an answer did not.
      if (err instanceof UpstreamError && err.status !== undefined && err.status < 500 && err.status !== 420) this.#lastGenerateAt.set(type, Date.now());
      throw err;
    }
  }

  #sendGenerate(type: ReportType, body: Record<string, unknown>, format: ReportFormat, language: ReportLanguage | undefined, options: CallOptions) {
    return this.upstream.request({
      method: 'POST',
      path: `/v2/reports/${type}/generate`,
      query: { format, language: REPORT_TYPE_INFO[type].language ? language : undefined },
      headers: this.#auth(),
      json: body,
      // A repeated POST would start a second report and spend another generation from the quota.
      idempotent: false,
      limitKey: limitKeyOf(type),
      signal: options.signal,
      deadlineMs: options.deadlineMs,
      what: `POST /v2/reports/${type}/generate`,
    });
  }

  async info(reportId: string, options: CallOptions = {}): Promise<ReportInfo> {
    const res = await this.upstream.request({
      method: 'GET',
      path: `/v2/reports/info/${encodeURIComponent(reportId)}`,
      headers: this.#auth(),
      limitKey: 'reports.info',
      signal: options.signal,
      deadlineMs: options.deadlineMs,
      what: 'GET /v2/reports/info',
    });
    const parsed = ReportInfoResponse.safeParse(res.body);
    if (!parsed.success) throw this.#badResponse('reports/info', parsed.error);
    const r = parsed.data.result;
    const subStatus = optionalText(r, 'subStatus');
    return {
      status: r.status,
      subStatus: subStatus ? cleanText(subStatus, ID_MAX) : undefined,
      generationRequestedAt: optionalText(r, 'generationRequestedAt'),
      generationFinishedAt: optionalText(r, 'generationFinishedAt'),
      file: optionalText(r, 'file'),
      estimatedMs: estimateMs(r.estimatedGenerationTime),
    };
  }

  /** reports/info as sent, refusals included (status and body unread): probes (probe.ts) look at its shape. */
  async rawInfo(reportId: string, signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
    const res = await this.upstream.request({
      method: 'GET',
      path: `/v2/reports/info/${encodeURIComponent(reportId)}`,
      headers: this.#auth(),
      limitKey: 'reports.info',
      passStatuses: [400, 401, 403, 404],
      signal,
      what: 'GET /v2/reports/info',
    });
    return { status: res.status, body: res.body };
  }

  /**
   * A plain GET of the report link (pre-signed: no Api-Key goes to the file host). A refused link
   * (401/403/404/410: expired or already invalid) comes back as `{ok:false}` so the caller can ask
   * reports/info for a fresh one.
   */
  async download(url: string, maxBytes: number, options: CallOptions = {}): Promise<Download> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw this.#badResponse('reports/info (file link is not a URL)');
    }
    if (target.protocol !== 'https:' && target.protocol !== 'http:') throw this.#badResponse('reports/info (file link is not http)');
    const res = await this.upstream.request<Buffer>({
      method: 'GET',
      path: target.toString(),
      headers: { accept: '*/*' },
      responseType: 'buffer',
      passStatuses: [401, 403, 404, 410],
      maxBytes,
      signal: options.signal,
      deadlineMs: options.deadlineMs,
      what: 'download of the report file',
    });
    if (res.status >= 400) return { ok: false, status: res.status };
    return { ok: true, bytes: res.body };
  }

  /** `error`: the schema's complaint, so the message names the field that was wrong (never its value). */
  #badResponse(what: string, error?: z.ZodError): UpstreamError {
    const issue = error?.issues[0];
    const field = issue ? ` (${issue.path.length > 0 ? issue.path.join('.') : 'the body'}: ${cleanText(issue.message, 120)})` : '';
    return new UpstreamError({
      source: 'market',
      code: 'bad_response',
      retryable: false,
      message: `Yandex Market answered ${what} in an unexpected shape${field}; no figures were produced. Try again later.`,
    });
  }
}

export function marketClient(runtime: Runtime): MarketClient {
  return runtime.shared('market:client', () => new MarketClient(runtime));
}

/** An optional text field of reports/info; another type is ignored with a note in the log (a missing file link is then an error of its own). */
function optionalText(result: Record<string, unknown>, field: string): string | undefined {
  const v = result[field];
  if (v === undefined || v === null || typeof v === 'string') return v ?? undefined;
  log('info', `Yandex Market sent reports/info ${field} of type ${Array.isArray(v) ? 'array' : typeof v}, not text; ignored.`);
  return undefined;
}

/** Longest estimate taken at its word: a day. */
const MAX_ESTIMATE_MS = 24 * 3_600_000;

/** Market's `estimatedGenerationTime` (ms) when it makes sense; otherwise absent, with a note in the log. */
function estimateMs(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= MAX_ESTIMATE_MS) return n;
  log('info', `Yandex Market sent estimatedGenerationTime ${String(value).slice(0, 40)}, which is not a plausible duration; ignored (the wait goes on by polling).`);
  return undefined;
}
