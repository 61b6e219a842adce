import { UpstreamError } from '../../http/errors.js';
import type { Upstream } from '../../http/upstream.js';
import type { Runtime } from '../../runtime.js';
import { explainOfdError, parseOfdError } from './errors.js';
import { parseAggregation, ResponseShapeError, type AggregationPage, type Figures, type IntervalFigures, type SalesAggregationBody } from './schemas.js';

/**
 * Client of the legacy Yandex OFD API (`X-Yandex-Key` + `X-OFD-Key`). One request builder, one pager,
 * one place that maps errors to advice. Shared per process through `runtime.shared`.
 */

export const SALES_PATH = '/v1/docs/aggregations/sales';
/** Intervals per page: public client code caps `limit` at 100 on the aggregation endpoints. */
export const PAGE_SIZE = 100;
/** At most this many intervals are read per call (10 pages); `full` still covers the whole period. */
export const MAX_INTERVALS = 1000;

/** The id and kind filters, passed through to the body under their documented names. */
export type AggregationFilters = Pick<
  SalesAggregationBody,
  'company_ids' | 'retail_point_ids' | 'cashbox_ids' | 'document_types' | 'operation_types' | 'taxation_types'
>;

export interface AggregationQuery extends AggregationFilters {
  /** Local wall-clock bounds in the shop's zone, `YYYY-MM-DDTHH:mm:ss`, both inclusive. */
  start: string;
  end: string;
  interval: 'day' | 'week' | 'month';
  orders?: string[];
}

export interface AggregationResult {
  intervals: IntervalFigures[];
  full?: Figures;
  /** Intervals the upstream says the period has. */
  total: number;
  /** True when MAX_INTERVALS stopped the paging before `total` intervals were read. */
  capped: boolean;
  requests: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  onPage?: (read: number, total: number) => void | Promise<void>;
}

/** `2026-11-16T00:00:00` → `2026-11-16 00:00:00`: the documented format, always with an explicit time. */
export function ofdDateTime(local: string): string {
  return local.replace('T', ' ').slice(0, 19);
}

export class OfdClient {
  readonly #runtime: Runtime;
  readonly #upstream: Upstream;

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
    this.#upstream = runtime.upstream('ofd', { parseError: parseOfdError });
  }

  static for(runtime: Runtime): OfdClient {
    return runtime.shared('ofd:client', () => new OfdClient(runtime));
  }

  body(q: AggregationQuery, limit: number, offset: number): SalesAggregationBody {
    const body: SalesAggregationBody = { date_from: ofdDateTime(q.start), date_to: ofdDateTime(q.end), limit, offset, interval: q.interval };
    for (const key of ['company_ids', 'retail_point_ids', 'cashbox_ids', 'document_types', 'operation_types', 'taxation_types', 'orders'] as const) {
      const v = q[key];
      if (v && v.length > 0) body[key] = v;
    }
    return body;
  }

  async #page(body: SalesAggregationBody, signal: AbortSignal | undefined): Promise<AggregationPage> {
    const cfg = this.#runtime.config.ofd;
    try {
      const res = await this.#upstream.request({
        method: 'POST',
        path: SALES_PATH,
        headers: { 'X-Yandex-Key': cfg.yandexKey!.reveal(), 'X-OFD-Key': cfg.ofdKey!.reveal(), 'Content-Type': 'application/json' },
        json: body,
        // A read-only report: safe to send again after a timeout or 5xx.
        idempotent: true,
        signal,
        what: `POST ${SALES_PATH}`,
      });
      return parseAggregation(res.body);
    } catch (err) {
      if (err instanceof UpstreamError) throw explainOfdError(err, body);
      if (err instanceof ResponseShapeError) {
        throw new UpstreamError({
          source: 'ofd',
          code: 'bad_response',
          retryable: false,
          message: `Yandex OFD sent a sales aggregation in an unexpected shape (${err.message}); no figures were produced rather than wrong ones. Try again later.`,
        });
      }
      throw err;
    }
  }

  /**
   * Every interval of the period (up to MAX_INTERVALS), walking limit/offset until `total` are read. When the
   * cap stops the walk, the intervals kept are the first in `q.orders`: pass ['-date'] to keep the newest.
   */
  async aggregate(q: AggregationQuery, options: CallOptions = {}): Promise<AggregationResult> {
    const intervals: IntervalFigures[] = [];
    let full: Figures | undefined;
    let total: number | undefined;
    let requests = 0;
    for (;;) {
      const limit = Math.min(PAGE_SIZE, MAX_INTERVALS - intervals.length);
      const page = await this.#page(this.body(q, limit, intervals.length), options.signal);
      requests += 1;
      full ??= page.full;
      total = page.total ?? total;
      intervals.push(...page.data);
      const known = total ?? intervals.length;
      await options.onPage?.(intervals.length, known);
      // An empty page ends the walk even if `total` is overstated; without `total`, so does a short one.
      if (page.data.length === 0 || intervals.length >= known) break;
      if (total === undefined && page.data.length < limit) break;
      if (intervals.length >= MAX_INTERVALS) break;
    }
    const upstreamTotal = total ?? intervals.length;
    return { intervals, full, total: upstreamTotal, capped: intervals.length < upstreamTotal, requests };
  }

  /** Only the whole-period figures (`full`): one request with limit 1. */
  async totals(q: AggregationQuery, options: CallOptions = {}): Promise<{ full?: Figures; total?: number }> {
    const page = await this.#page(this.body(q, 1, 0), options.signal);
    return { full: page.full, total: page.total };
  }
}
