import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { unzipSync } from 'fflate';
import type { RecordedRequest, SimServer } from '../src/sim/framework.js';
import { startLifeposSim } from '../src/sim/lifepos/index.js';
import { seedOrders, startMarketSim } from '../src/sim/market/index.js';
import { startOfdPublicSim } from '../src/sim/ofd-public/index.js';
import { startPosifloraSim } from '../src/sim/posiflora/index.js';
import { benchClient } from './proc.js';
import { row, type Bench, type Row } from './types.js';

/**
 * Tokens a model reads per answer: each tool's concise result against the raw upstream JSON of the same
 * question, i.e. what an agent calling the API itself would read. Raw bodies are got by replaying, against
 * the simulator, the data requests the server sent for that question (for a listing whose default answer
 * needs one request, the requests of walking every page); a report's raw JSON is its unzipped file.
 * Tokens are estimated as chars/4 and, since Cyrillic takes two UTF-8 bytes a letter, as bytes/4 too.
 * The text content is held to the target: it is what hosts put in the model's context. structuredContent
 * is printed beside it, alone and with the text, without a target (see bench/README.md, "tokens").
 * The server runs on the real clock and the simulators on a fixed one, so questions name their dates.
 */

const NOW = new Date('2026-05-20T09:00:00Z');

type Kind = 'listing' | 'report' | 'single object';
const TARGET: Record<Kind, string> = { listing: '≥ 200×', report: '≥ 50×', 'single object': '≤ raw and ≤ 300 tokens' };

interface Measured {
  tool: string;
  kind: Kind;
  size: string;
  /** The concise result: its text content, and its structuredContent as JSON. */
  result: { text: string; structured: string };
  raw: string;
}

const tokens = (s: string) => ({ chars: s.length / 4, bytes: Buffer.byteLength(s, 'utf8') / 4 });

/**
 * Replay recorded requests against the simulator that received them: the bodies it answers, as text.
 * An error status fails the benchmark unless `errorsAreAnswers` (a check that expects a 404 reads its body too).
 */
async function replay(server: SimServer, requests: RecordedRequest[], errorsAreAnswers = false): Promise<string> {
  const bodies: string[] = [];
  for (const r of requests) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !['host', 'content-length', 'connection'].includes(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const query = r.query.toString();
    const res = await fetch(`${server.url}${r.path}${query ? `?${query}` : ''}`, { method: r.method, headers, body: r.method === 'GET' ? undefined : r.text });
    if (!res.ok && !errorsAreAnswers) throw new Error(`replay ${r.method} ${r.path}: HTTP ${res.status}`);
    if ((res.headers.get('content-type') ?? '').includes('zip')) {
      for (const file of Object.values(unzipSync(new Uint8Array(await res.arrayBuffer())))) bodies.push(Buffer.from(file).toString('utf8'));
    } else bodies.push(await res.text());
  }
  return bodies.join('\n');
}

const bench: Bench = {
  id: 'tokens',
  about: 'concise result vs the raw upstream JSON of the same question, per tool',
  async run({ smoke }) {
    const size = smoke ? 200 : 1_000;
    // ~100 sales a day (2 outlets × 50), so a fortnight of list_sales is over 1,000 sales.
    const lifepos = await startLifeposSim({ now: NOW, rps: 10_000, salesPerDay: 50 });
    // ~300 receipts a day (traffic 4 × ~75); the question covers enough closed days for `size` receipts.
    const ofd = await startOfdPublicSim({ now: NOW, days: 40, traffic: 4, rps: 10_000 });
    const posiflora = await startPosifloraSim({ count: size, endDate: '2026-05-10', days: 30, rps: 10_000 });
    const marketOrders = seedOrders({ from: '2026-04-01', days: 30, ordersPerDay: Math.ceil(size / 30), campaignIds: [21_000_101] });
    const market = await startMarketSim({ orders: marketOrders, campaignIds: [21_000_101], generationMs: 50, clock: Date.now });
    const { client } = await benchClient({ ...lifepos.env('phone'), ...ofd.env, ...posiflora.env, ...market.env, LIFEPOS_RPS: '1000', OFD_RPS: '1000', POSIFLORA_RPS: '1000', REVENUE_CACHE: 'off' });
    try {
      const call = async (name: string, args: Record<string, unknown>) => {
        const res = await client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: 300_000 });
        const text = (res.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
        if (res.isError) throw new Error(`${name}: ${text}`);
        return { text, structured: JSON.stringify(res.structuredContent ?? {}) };
      };
      /** The requests `server` received while `fn` ran, those matching `data` only. */
      const during = async <T>(server: SimServer, data: RegExp, fn: () => Promise<T>): Promise<{ value: T; requests: RecordedRequest[] }> => {
        const from = server.requests.length;
        const value = await fn();
        return { value, requests: server.requests.slice(from).filter((r) => data.test(r.path)) };
      };

      // Closed days with about `size` receipts between them.
      const perDay = ofd.receipts.length / 40;
      const ofdDays = Math.max(1, Math.round(size / perDay));
      const ofdTo = '2026-05-10';
      const ofdFrom = new Date(Date.parse(`${ofdTo}T00:00:00Z`) - (ofdDays - 1) * 86_400_000).toISOString().slice(0, 10);
      // A typical sale: the median number of positions.
      const live = lifepos.sales.filter((s) => !s.deleted_at).sort((a, b) => a.positions.length - b.positions.length);
      const sale = live[Math.floor(live.length / 2)]!;

      const questions: Record<string, () => Promise<Measured>> = {
        get_revenue_widget: async () => {
          // Last week as of the simulator's NOW (Wednesday 2026-05-20) against the week before.
          const { value, requests } = await during(lifepos.server, /\/widgets\/revenue$/, () => call('get_revenue_widget', { date_from: '2026-05-11', date_to: '2026-05-17' }));
          return { tool: 'get_revenue_widget', kind: 'single object', size: 'a week vs the week before', result: value, raw: await replay(lifepos.server, requests) };
        },
        get_sale: async () => {
          const { value, requests } = await during(lifepos.server, /\/deals\/sales\//, () => call('get_sale', { deal_guid: sale.guid }));
          return { tool: 'get_sale', kind: 'single object', size: `a sale of ${sale.positions.length} positions`, result: value, raw: await replay(lifepos.server, requests) };
        },
        list_sales: async () => {
          // The largest sales of a fortnight: the server reads every ListSale page of it, the model 20 rows.
          const args = { date_from: '2026-05-04', date_to: '2026-05-17', sort: 'largest' };
          const { value, requests } = await during(lifepos.server, /\/deals\/sales$/, () => call('list_sales', args));
          const read = JSON.parse(value.structured).read?.sales;
          return { tool: 'list_sales', kind: 'listing', size: `${read} sales, the 20 largest`, result: value, raw: await replay(lifepos.server, requests) };
        },
        revenue_overview: async () => {
          // April across every source, Market from the report await_market_report left in the cache (so no
          // Market body counts: the raw side is smaller than an agent would read). Raw: every GET the server
          // sent to LIFE POS, Yandex OFD and Posiflora for it (sign-ins and sessions left out).
          const sims = [lifepos.server, ofd.server, posiflora.server];
          const from = sims.map((x) => x.requests.length);
          const value = await call('revenue_overview', { date_from: '2026-04-01', date_to: '2026-04-30' });
          const raw = await Promise.all(sims.map((x, i) => replay(x, x.requests.slice(from[i]).filter((r) => r.method === 'GET'))));
          return { tool: 'revenue_overview', kind: 'report', size: 'April, 3 sources by day + a cached Market report', result: value, raw: raw.join('\n') };
        },
        check_sources: async () => {
          // One live call per source; raw: what those calls answered (sign-ins included: they are the check).
          const sims = [lifepos.server, ofd.server, posiflora.server, market.server];
          const from = sims.map((x) => x.requests.length);
          const value = await call('check_sources', {});
          const raw = await Promise.all(sims.map((x, i) => replay(x, x.requests.slice(from[i]), true)));
          return { tool: 'check_sources', kind: 'single object', size: '4 sources checked live', result: value, raw: raw.join('\n') };
        },
        get_sales_aggregation: async () => {
          const args = { date_from: ofdFrom, date_to: ofdTo, compare_previous: false };
          const { value, requests } = await during(ofd.server, /\/reports\/receipts$/, () => call('get_sales_aggregation', args));
          const receipts = JSON.parse(value.structured).totals?.receipts;
          return { tool: 'get_sales_aggregation', kind: 'listing', size: `${receipts} receipts over ${ofdDays} days`, result: value, raw: await replay(ofd.server, requests) };
        },
        await_market_report: async () => {
          const report = { type: 'united-orders', date_from: '2026-04-01', date_to: '2026-04-30' };
          const { value, requests } = await during(market.server, /^\/files\//, () => call('await_market_report', { report, max_wait_seconds: 60 }));
          return { tool: 'await_market_report', kind: 'report', size: `united-orders, ${marketOrders.length} orders`, result: value, raw: await replay(market.server, requests) };
        },
        list_posiflora_orders: async () => {
          const question = { date_from: '2026-04-11', date_to: '2026-05-10', group_by: ['status'] };
          const result = await call('list_posiflora_orders', question);
          // The raw listing of the same question: every page of its orders.
          const { requests } = await during(posiflora.server, /^\/v1\/orders$/, () => call('list_posiflora_orders', { ...question, aggregate: 'walk' }));
          return { tool: 'list_posiflora_orders', kind: 'listing', size: `${size} orders`, result, raw: await replay(posiflora.server, requests) };
        },
      };

      const { tools } = await client.listTools();
      const rows: Row[] = [];
      for (const { name } of tools) {
        const question = questions[name];
        if (!question) {
          rows.push(row('tokens', `${name}: no question defined in bench/tokens.ts`, 'not measured', 'measured', false));
          continue;
        }
        const m = await question();
        const raw = tokens(m.raw);
        const text = tokens(m.result.text);
        const ratio = { chars: raw.chars / text.chars, bytes: raw.bytes / text.bytes };
        const pass =
          m.kind === 'listing' ? ratio.chars >= 200 && ratio.bytes >= 200 : m.kind === 'report' ? ratio.chars >= 50 && ratio.bytes >= 50 : text.chars <= raw.chars && text.bytes <= raw.bytes && Math.max(text.chars, text.bytes) <= 300;
        const single = m.kind === 'single object';
        const figure = (t: { chars: number; bytes: number }) =>
          single ? `${t.chars.toFixed(0)} / ${raw.chars.toFixed(0)} (bytes/4: ${t.bytes.toFixed(0)} / ${raw.bytes.toFixed(0)})` : `${(raw.chars / t.chars).toFixed(0)}× (bytes/4: ${(raw.bytes / t.bytes).toFixed(0)}×): ${t.chars.toFixed(0)} vs ${raw.chars.toFixed(0)}`;
        const what = single ? 'result / raw tokens' : 'raw / result';
        rows.push(row('tokens', `${m.tool} (${m.kind}: ${m.size}), text: ${what}, chars/4`, figure(text), TARGET[m.kind], pass));
        // Hosts give the model the text, or some structuredContent instead (never both, by the spec's guidance):
        // printed for those, and with the text for hosts that forward both, without a target.
        const structured = tokens(m.result.structured);
        const both = tokens(`${m.result.text}\n${m.result.structured}`);
        rows.push(row('tokens', `${m.tool}, structuredContent alone; with the text`, `${figure(structured)}; ${figure(both)}`));
      }
      return rows;
    } finally {
      await client.close();
      await Promise.all([lifepos.close(), ofd.close(), posiflora.close(), market.close()]);
    }
  },
};

export default bench;
