import { quoted } from '../../untrusted.js';
import type { Runtime } from '../../runtime.js';
import { ToolInputError } from '../../tool.js';
import type { AggregationFilters, AggregationQuery, AggregationResult, CallOptions } from '../ofd/client.js';
import { RECEIPT_DOCUMENT_TYPES, type Figures } from '../ofd/schemas.js';
import { CostlyRequestError, OfdPublicClient } from './client.js';

/**
 * get_sales_aggregation over the new API: the period and its previous period, exact from receipts or
 * approximate from shift totals, with retail point and cashbox names resolved to ids first.
 */

export interface PublicSales {
  result: AggregationResult;
  previous?: { full?: Figures; total?: number };
  requests: number;
  precision: 'exact' | 'shifts';
  /** "Кофейня (1003)" per id given, for the summary. */
  labels: Record<string, string>;
  notes: string[];
  filters: AggregationFilters;
}

function precisionOf(raw: string | undefined): 'auto' | 'exact' | 'shifts' {
  const v = raw?.trim().toLowerCase();
  if (v === undefined || v === '') return 'auto';
  if (v === 'exact' || v === 'shifts') return v;
  throw new ToolInputError('precision', `${quoted(raw, 40)} is not accepted. Use "exact" (every receipt added up) or "shifts" (approximate, from shift totals, about one request).`);
}

export async function salesFromPublicApi(
  runtime: Runtime,
  query: AggregationQuery,
  prevQuery: AggregationQuery | undefined,
  rawPrecision: string | undefined,
  options: CallOptions,
): Promise<PublicSales> {
  const precision = precisionOf(rawPrecision);
  const client = OfdPublicClient.for(runtime);
  const { filters, labels, requests: lookups } = await client.resolveFilters(query, options.signal);
  const q = { ...query, ...filters };
  const pq = prevQuery && { ...prevQuery, ...filters };

  if (precision === 'shifts') {
    // Shift totals are per shift, not per receipt: only the id filters apply to them.
    const local = (['operation_types', 'taxation_types'] as const).filter((k) => q[k]?.length);
    if (local.length > 0) throw new ToolInputError('precision', `shift totals cannot be narrowed by ${local.join(' or ')}; leave ${local.join(' and ')} out, or use precision "exact".`);
    // Shift totals add up every receipt kind at once: a narrower document_types would be silently ignored.
    const docs = new Set(q.document_types ?? RECEIPT_DOCUMENT_TYPES);
    if (docs.size !== RECEIPT_DOCUMENT_TYPES.length || RECEIPT_DOCUMENT_TYPES.some((t) => !docs.has(t))) {
      throw new ToolInputError('document_types', `shift totals count all receipt documents together (${RECEIPT_DOCUMENT_TYPES.join(', ')}) and cannot be narrowed; leave document_types out, or use precision "exact".`);
    }
    const [result, previous] = await Promise.all([client.shifts(q, options), pq ? client.shifts(pq, { signal: options.signal }) : undefined]);
    return {
      result,
      previous,
      requests: lookups + result.requests + (previous?.requests ?? 0),
      precision: 'shifts',
      labels,
      filters,
      notes: [
        'APPROXIMATE: figures come from shift totals, each shift counted on the day it closed (a shift past midnight moves its evening to the next day); income and refunds only, no outcome blocks; receipt counts are shift counters. Ask again without precision "shifts" for exact figures from every receipt.',
      ],
    };
  }

  try {
    // Both periods' uncached days count toward the estimate, so the offer comes before any receipt is read.
    const estimate = precision === 'auto' ? await client.checkCost(pq ? [q, pq] : [q], options.signal) : 0;
    const [result, previous] = await Promise.all([client.aggregate(q, options), pq ? client.totals(pq, { signal: options.signal }) : undefined]);
    const days = result.cachedDays + result.fetchedDays;
    const notes = result.cachedDays > 0 ? [`${result.cachedDays} of ${days} days came from the on-disk cache (closed days are kept; REVENUE_CACHE=off turns it off).`] : [];
    return { result, previous, requests: lookups + estimate + result.requests + (previous?.requests ?? 0), precision: 'exact', labels, filters, notes };
  } catch (err) {
    if (err instanceof CostlyRequestError) {
      throw new ToolInputError(
        'precision',
        `exact figures for this period would take about ${err.estimate} requests to Yandex OFD (about ${err.receipts} receipts over ${err.days} days not yet cached; the new API has no aggregation endpoint). ` +
          'Pass precision "shifts" for an approximate answer from shift totals in about one request, or ask for a shorter period (fetched days are cached, so later questions are cheap), or pass precision "exact" to fetch every receipt anyway.',
      );
    }
    throw err;
  }
}
