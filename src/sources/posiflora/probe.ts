import type { QueryValue } from '../../http/upstream.js';
import { asRecord, failedCheck, keysOf, statusText, typedKeys, type AccessCheck } from '../../probe.js';
import type { Runtime } from '../../runtime.js';
import { newTally } from './auth.js';
import { PosifloraClient } from './client.js';

/**
 * Posiflora for check_sources and `revenue-mcp probe posiflora`. The check is a login and one store-list
 * request. The probe settles the open questions a cheap call can (api-facts, open question 6): the
 * largest page size the API honours, and how it reads a multi-value filter (comma-separated, repeated key
 * or `key[]`), judged by meta.total against the single-value counts. Counts and verdicts only.
 */

const count = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
};

export async function checkPosiflora(runtime: Runtime, signal: AbortSignal): Promise<AccessCheck> {
  const client = PosifloraClient.for(runtime);
  const api = 'v1 JSON:API with POSIFLORA_USERNAME/PASSWORD';
  try {
    const body = asRecord(await client.get('/v1/stores', { 'page[number]': 1, 'page[size]': 1 }, newTally(), signal));
    const stores = count(asRecord(body.meta).total);
    return { credentials: 'valid', api, message: `login accepted; ${stores === undefined ? 'the store list answered' : `${stores} store${stores === 1 ? '' : 's'}`}.` };
  } catch (err) {
    return failedCheck(err, api);
  }
}

export async function probePosiflora(runtime: Runtime, signal: AbortSignal): Promise<string[]> {
  const client = PosifloraClient.for(runtime);
  const out: string[] = [];
  const tally = newTally();
  const get = async (path: string, query: Record<string, QueryValue>) => {
    try {
      return { status: 200, body: asRecord(await client.get(path, query, tally, signal)) };
    } catch (err) {
      return { status: (err as { status?: number }).status ?? 0, body: {} as Record<string, unknown>, failed: (err as Error).message.slice(0, 160) };
    }
  };

  // 1. Page size: ask for far more than any account's stores; meta.page.size says what was honoured.
  const big = await get('/v1/stores', { 'page[number]': 1, 'page[size]': 1000 });
  const meta = asRecord(big.body.meta);
  const honoured = count(asRecord(meta.page).size);
  const rows = Array.isArray(big.body.data) ? big.body.data.length : 0;
  out.push(`1. GET /v1/stores page[size]=1000: ${statusText(big)}; meta keys: ${keysOf(meta)}; meta.page: ${typedKeys(meta.page)}; ${rows} rows of meta.total ${count(meta.total) ?? '?'}`);
  const max = honoured !== undefined && honoured < 1000 ? honoured : undefined;
  out.push(
    `   verdict: ${
      max !== undefined
        ? `largest page size ${max}${runtime.config.posiflora.pageSize > max ? ` — POSIFLORA_PAGE_SIZE=${runtime.config.posiflora.pageSize} is above it (the client adapts, but set it to ${max})` : ''}`
        : honoured === 1000
          ? 'page[size] 1000 accepted as asked'
          : 'not settled (meta.page.size not sent)'
    }`,
  );

  // 2. Multi-value filters: two statuses, each alone and together in three spellings, over 30 days.
  const to = runtime.now();
  const instant = (d: Date) => `${d.toISOString().slice(0, 19)}+00:00`;
  const window = { 'filter[createdAt][from]': instant(new Date(to.getTime() - 30 * 86_400_000)), 'filter[createdAt][to]': instant(to), 'filter[withReturned]': true, 'page[number]': 1, 'page[size]': 1 };
  const total = async (query: Record<string, QueryValue>) => {
    const r = await get('/v1/orders', { ...window, ...query });
    return { status: r.status, failed: r.failed, total: count(asRecord(r.body.meta).total) };
  };
  const one = await total({ 'filter[statuses]': 'new' });
  const other = await total({ 'filter[statuses]': 'done' });
  const forms = {
    'comma "new,done"': await total({ 'filter[statuses]': 'new,done' }),
    'repeated key': await total({ 'filter[statuses]': ['new', 'done'] }),
    'key[]': await total({ 'filter[statuses][]': ['new', 'done'] }),
  };
  out.push(`2. GET /v1/orders, 30 days, page[size]=1: status new alone ${statusText(one)}, done alone ${statusText(other)}`);
  const both = one.total !== undefined && other.total !== undefined ? one.total + other.total : undefined;
  const judged = Object.entries(forms).map(([form, r]) => {
    if (r.total === undefined || both === undefined) return `${form}: ${statusText(r)}, not settled`;
    if (one.total === other.total) return `${form}: ${statusText(r)}, not settled (both statuses have the same count)`;
    const verdict = r.total === both ? 'both values read' : r.total === one.total || r.total === other.total ? 'ONE value read' : 'neither count';
    return `${form}: ${statusText(r)}, ${verdict}`;
  });
  for (const line of judged) out.push(`   ${line}`);
  out.push(`   verdict: the client sends comma-separated values — ${judged[0]!.includes('both values read') ? 'honoured' : 'NOT confirmed; please report this'}`);
  out.push(`Requests made: ${tally.requests + tally.sessionRequests}`);
  return out;
}
