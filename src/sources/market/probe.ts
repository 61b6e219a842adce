import { addDays, todayIn } from '../../period.js';
import { failedCheck, keysOf, maskedShape, typedKeys, type AccessCheck } from '../../probe.js';
import type { Runtime } from '../../runtime.js';
import { marketClient } from './client.js';
import { GeneratedReports, ReportCache } from './report-cache.js';
import { REPORT_STATUSES } from './schemas.js';

/**
 * Yandex Market for check_sources and `revenue-mcp probe market`. The check is one reports/info call for
 * a report id that cannot exist: a valid key gets 404, a refused one 401/403 — no generation quota spent.
 * The probe shows the shape of reports/info for a real report: the newest this process knows, else one
 * united-orders report for yesterday is generated (it takes that type's generation slot for its interval).
 */

const MADE_UP_ID = 'revenue-mcp-check';

function credentialName(runtime: Runtime): string {
  return runtime.config.market.apiKey ? 'MARKET_API_KEY' : 'MARKET_OAUTH_TOKEN';
}

export async function checkMarket(runtime: Runtime, signal: AbortSignal): Promise<AccessCheck> {
  const { market } = runtime.config;
  const api = `Partner API v2 with ${credentialName(runtime)}${market.apiKey ? '' : ' (deprecated; prefer MARKET_API_KEY)'}`;
  try {
    const { status } = await marketClient(runtime).rawInfo(MADE_UP_ID, signal);
    const ids = [market.businessId ? '' : 'MARKET_BUSINESS_ID is not set (united-orders and united-marketplace-services need it)', market.campaignId ? '' : 'MARKET_CAMPAIGN_ID is not set (goods-movement needs it)'].filter(Boolean);
    const note = ids.length > 0 ? `; ${ids.join('; ')}` : '';
    if (status === 404) return { credentials: 'valid', api, message: `key accepted (reports/info answered 404 for a made-up report id, as it should)${note}.` };
    if (status === 401 || status === 403) {
      return {
        credentials: 'rejected',
        api,
        message: `Yandex Market refused ${credentialName(runtime)} (HTTP ${status}). Check the key in the seller cabinet (Settings → API); a read-only scope such as all-methods:read-only or finance-and-accounting is enough.`,
      };
    }
    return { credentials: 'unknown', api, message: `reports/info answered HTTP ${status} for a made-up report id (404 expected); the key could not be judged.` };
  } catch (err) {
    return failedCheck(err, api);
  }
}

export async function probeMarket(runtime: Runtime, signal: AbortSignal): Promise<string[]> {
  const client = marketClient(runtime);
  const out: string[] = [];
  const made = await client.rawInfo(MADE_UP_ID, signal).catch((err: Error) => ({ status: 0, body: undefined, failed: err.message.slice(0, 160) }));
  const errors = (made.body as { errors?: unknown[] } | undefined)?.errors;
  out.push(`1. reports/info of a made-up id: HTTP ${made.status || `failed (${(made as { failed?: string }).failed})`}; body keys: ${keysOf(made.body)}; errors[0]: ${typedKeys(Array.isArray(errors) ? errors[0] : undefined)}`);

  const generated = runtime.shared('market:generated-reports', () => new GeneratedReports());
  const cached = runtime.shared('market:report-cache', () => new ReportCache()).list();
  let reportId = generated.latest('united-orders') ?? cached.at(-1)?.reportId;
  if (reportId) out.push('2. a report this process already has is used (no generation)');
  else if (!runtime.config.market.businessId) {
    out.push('2. reports/info of a real report: skipped (no report known and MARKET_BUSINESS_ID not set to generate one)');
    return out;
  } else {
    const day = addDays(todayIn(runtime.config.tz, runtime.now()), -1);
    try {
      const started = await client.generate('united-orders', { businessId: runtime.config.market.businessId, dateFrom: day, dateTo: day }, 'JSON', 'RU', { signal });
      reportId = started.reportId;
      generated.remember(reportId, 'united-orders', 'JSON');
      out.push(`2. generated one united-orders report for yesterday (its generation slot is used for the configured interval); estimate ${started.estimatedMs === undefined ? 'absent or implausible' : 'given'}`);
    } catch (err) {
      out.push(`2. generating a united-orders report for yesterday failed: ${(err as Error).message.slice(0, 200)}`);
      return out;
    }
  }
  const info = await client.rawInfo(reportId, signal).catch((err: Error) => ({ status: 0, body: undefined, failed: err.message.slice(0, 160) }));
  const result = (info.body as { result?: Record<string, unknown> } | undefined)?.result;
  out.push(`   reports/info: HTTP ${info.status}; top keys: ${keysOf(info.body)}; result: ${typedKeys(result)}`);
  const status = result?.status;
  out.push(`   status ${typeof status === 'string' && (REPORT_STATUSES as readonly string[]).includes(status) ? `"${status}" (a known value)` : `NOT one of ${REPORT_STATUSES.join(', ')}`}; generationRequestedAt shape ${maskedShape(result?.generationRequestedAt)}; file ${result?.file === undefined ? 'absent' : typeof result.file === 'string' && /^https?:\/\//.test(result.file) ? 'an http(s) link' : 'NOT a link'}`);
  return out;
}
