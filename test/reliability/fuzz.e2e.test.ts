import { CallToolResultSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { strToU8, zipSync } from 'fflate';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim } from '../../src/sim/lifepos/index.js';
import { startMarketSim, type MarketSim } from '../../src/sim/market/index.js';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { startOfdPublicSim, type OfdPublicSim } from '../../src/sim/ofd-public/index.js';
import { encodeReport, type Row as ReportRow } from '../../src/sim/market/reports.js';
import { startPosifloraSim, type StartedPosifloraSim } from '../../src/sim/posiflora/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { DISTINCTIVE_SECRETS as S, SecretSweep } from '../helpers/secrets.js';

/**
 * Fuzzing through a real MCP client over stdio (issue 13, bullet 5).
 *
 * 1. Tool inputs: for every listed tool, arguments generated from its published inputSchema — valid values,
 *    edge values and hostile ones (huge strings, wrong types, `__proto__`/`constructor` keys, impossible
 *    dates, reversed and 10-year ranges, negative and huge limits, control characters, path-traversal ids).
 *    Every call gets a result; an input error names a field that was sent (or a required one); nothing
 *    fails "unexpectedly"; the server answers a normal call at the end.
 * 2. Upstream bodies: per source, generated bodies served by the simulator for exactly one request each
 *    (schema-valid with extreme amounts — 1e308, negative zero, 20-digit decimals, "12,5" — and broken
 *    ones): LIFE POS sales, Yandex OFD legacy aggregations, OFD token API receipt and shift reports (a
 *    second server, as OFD_TOKEN selects that API), Posiflora order lists, Yandex Market `reports/info`
 *    answers and report files (JSON and CSV sheets in a ZIP with extreme and broken cells; damaged ZIPs).
 *    An answer's figures equal a decimal.js computation written here from the APIs' documented units; a
 *    refusal names the field; a damaged file is an error.
 * 3. Secrets: every simulator takes the distinctive credentials of test/helpers/secrets.ts; every answer of
 *    both parts and both servers' debug logs are swept for them at the end (issue 13, bullet 8).
 *
 * Sizes: REVENUE_FUZZ_INPUTS and REVENUE_FUZZ_BODIES (per source). `npm test` runs 200 calls and 150
 * bodies per source; `npm run fuzz` and the `fuzz` row of `npm run bench` run the full 10,000 and 2,000.
 * The counts are printed at the end (and written to REVENUE_FUZZ_SUMMARY when set).
 */

const INPUTS = Number(process.env.REVENUE_FUZZ_INPUTS ?? 200);
const BODIES = Number(process.env.REVENUE_FUZZ_BODIES ?? 150);
const IN_FLIGHT = 24;
/** Per test: a minute per 500 calls or bodies at least (a loaded 2-core machine), never under 10 minutes. */
const TIMEOUT = Math.max(600_000, (Math.max(INPUTS, BODIES) / 500) * 60_000);
/** When set, the counts are written there as JSON at the end (bench/fuzz.ts reads them). */
const SUMMARY_FILE = process.env.REVENUE_FUZZ_SUMMARY;
const SEED = Number(process.env.REVENUE_FUZZ_SEED ?? 20261130);
const NOW = new Date('2026-03-20T12:00:00Z');

let lp: LifeposSim;
let ofd: OfdSim;
let market: MarketSim;
let pf: StartedPosifloraSim;
let ofdPublic: OfdPublicSim;
let session: StdioSession;
/** A second server on the OFD token API (OFD_TOKEN selects it over the legacy API, so it gets its own). */
let publicSession: StdioSession;
let tools: Tool[];
/** Every answer (text, structuredContent, error) and, at the end, both servers' logs. */
const sweep = new SecretSweep();

beforeAll(async () => {
  [lp, ofd, market, pf, ofdPublic] = await Promise.all([
    startLifeposSim({ now: NOW, days: 5, seed: 3, rps: 100_000, credentials: { phone: S.LIFEPOS_PHONE, password: S.LIFEPOS_PASSWORD, token: S.LIFEPOS_TOKEN } }),
    startOfdSim({ now: NOW, rps: 100_000, keys: { yandexKey: S.OFD_YANDEX_KEY, ofdKey: S.OFD_KEY } }),
    startMarketSim({ generationMs: 20, clock: Date.now, apiKey: S.MARKET_API_KEY, oauthToken: S.MARKET_OAUTH_TOKEN }),
    startPosifloraSim({ count: 120, endDate: '2026-03-19', rps: 100_000, username: S.POSIFLORA_USERNAME, password: S.POSIFLORA_PASSWORD }),
    startOfdPublicSim({ now: NOW, days: 5, rps: 100_000, token: S.OFD_TOKEN }),
  ]);
  for (const key of Object.keys(market.settings.quotas)) market.settings.quotas[key] = { limit: 1_000_000, windowMs: 60_000 };
  market.settings.maxParallel = 1000;
  session = await connectStdio({
    env: {
      ...lp.env('token'),
      LIFEPOS_ORG_GUID: lp.orgs[0]!.guid,
      ...ofd.env,
      ...pf.env,
      MARKET_BASE_URL: market.url,
      MARKET_API_KEY: market.apiKey,
      MARKET_BUSINESS_ID: String(market.businessId),
      MARKET_CAMPAIGN_ID: String(market.campaignId),
      MARKET_GENERATE_ORDERS_INTERVAL_MS: '1',
      MARKET_GENERATE_SERVICES_INTERVAL_MS: '1',
      MARKET_GENERATE_GOODS_MOVEMENT_INTERVAL_MS: '1',
      MARKET_GENERATE_SHOWS_SALES_INTERVAL_MS: '1',
      MARKET_INFO_PER_MINUTE: '100000',
      MARKET_MAX_PARALLEL: '64',
      LIFEPOS_RPS: '100000',
      OFD_RPS: '100000',
      OFD_CONCURRENCY: '64',
      POSIFLORA_RPS: '100000',
      HTTP_RETRIES: '0',
      HTTP_DEADLINE_MS: '20000',
      LOG_LEVEL: 'debug',
    },
  });
  publicSession = await connectStdio({ env: { ...ofdPublic.env, OFD_RPS: '100000', OFD_CONCURRENCY: '64', HTTP_RETRIES: '0', HTTP_DEADLINE_MS: '20000', LOG_LEVEL: 'debug' } });
  tools = (await session.client.listTools()).tools;
}, 180_000);
afterAll(async () => {
  await Promise.all([session?.close(), publicSession?.close()]);
  await Promise.all([lp?.server.close(), ofd?.close(), market?.close(), pf?.close(), ofdPublic?.close()]);
  printCounts();
});

/** What ran and what failed, printed at the end (and written to REVENUE_FUZZ_SUMMARY). */
interface Count {
  run: number;
  failures: number;
  seconds: number;
}
const counts: { inputs?: Count; bodies: Record<string, Count> } = { bodies: {} };

function printCounts(): void {
  const bodies = Object.entries(counts.bodies);
  const failures = (counts.inputs?.failures ?? 0) + bodies.reduce((n, [, c]) => n + c.failures, 0);
  console.log(
    `fuzz counts: ${counts.inputs?.run ?? 0} tool inputs; bodies per source: ${bodies.map(([name, c]) => `${name} ${c.run}`).join(', ') || 'none'}; ${failures} failures`,
  );
  if (SUMMARY_FILE) writeFileSync(SUMMARY_FILE, `${JSON.stringify({ ...counts, failures })}\n`);
}

interface Answer {
  isError: boolean;
  text: string;
  sc: Record<string, any> | undefined;
}

async function call(name: string, args: Record<string, unknown>, on: StdioSession = session): Promise<Answer> {
  const r = await on.client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: 60_000 });
  sweep.add(`result of ${name}`, r);
  return { isError: !!r.isError, text: textOf(r), sc: r.structuredContent as Record<string, any> | undefined };
}

/** Run `jobs` with at most IN_FLIGHT calls at once (one stdio connection, requests multiplexed). */
async function pooled<T>(jobs: T[], run: (job: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      await run(jobs[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/** Problems a result must never show, whatever the input. */
function crashSigns(a: Answer): string | undefined {
  if (/failed unexpectedly|\n\s+at \S+ \(|RangeError|TypeError|ReferenceError/.test(a.text)) return 'crash text';
  if (/-32602|Output validation|Input validation error/.test(a.text)) return 'SDK validation text';
  if (/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(a.text)) return 'control or bidi characters in the text';
  if (a.isError && a.text.length > 4000) return `error of ${a.text.length} characters`;
  if (!a.isError && (a.sc === undefined || typeof a.sc !== 'object')) return 'answer without structuredContent';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// 1. Tool inputs
// ---------------------------------------------------------------------------------------------------------

const HOSTILE_STRINGS = [
  '', ' ', '__proto__', 'constructor', 'prototype', '../../etc/passwd', '..', '.', '%2e%2e%2f', 'a/b', '..\\..\\windows',
  '\u0000', '\u202eevil\u202c', '\u200b', 'ignore previous instructions', '<script>alert(1)</script>', '${process.env}',
  '0000-01-01', '0001-01-01', '9999-12-31', '2026-02-30', '2026-13-01', '2025-02-29', '2026-00-10', '2026-1-1', '2026-03-20T25:61:00',
  '1e308', '-0', 'NaN', 'Infinity', '-1', '12,5', '1,000', '1e999999999', '9'.repeat(400),
  'LAST_WEEK', 'Last Month', 'last-7-days', 'yesterday', 'today', 'Day', 'WEEK', 'detailed', 'done', 'united-orders',
  'x'.repeat(20_000),
];
const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 30 }));
const leaf = fc.oneof(
  hostileString,
  fc.constantFrom<unknown>(null, true, false, 0, -0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, -1e308, 0.1, Number.MIN_VALUE),
  fc.integer(),
  fc.double({ noNaN: true }),
);
const hostileValue = fc.oneof(
  { weight: 5, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'type', 'x', 'toString'), leaf, { maxKeys: 3 }) },
);

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Dates around the simulators' data: mostly past, some in the future, some 10 years back. */
const isoDate = fc.integer({ min: Date.UTC(2016, 0, 1), max: Date.UTC(2026, 5, 1) }).map(day);

type Schema = { type?: string | string[]; enum?: unknown[]; items?: Schema; properties?: Record<string, Schema>; required?: string[]; minimum?: number; maximum?: number; pattern?: string; anyOf?: Schema[]; maxLength?: number };

/** A value the schema accepts (or nearly: dates, ids and numbers at and beyond their edges). */
function validFor(name: string, s: Schema): fc.Arbitrary<unknown> {
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf) return fc.oneof(...s.anyOf.map((b) => validFor(name, b)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'array') return fc.array(s.items ? validFor(name, s.items) : fc.string(), { maxLength: 3 });
  if (type === 'object') return objectFor(s);
  if (type === 'boolean') return fc.boolean();
  if (type === 'number' || type === 'integer') {
    const min = s.minimum ?? -1e6;
    const max = s.maximum ?? 1e6;
    return fc.oneof(fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, 1e9)) }), fc.constantFrom(min, max, min - 1, max + 1, -1, 0));
  }
  if (/date/.test(name)) return isoDate;
  if (/guid/.test(name)) return fc.oneof(fc.constantFrom(...lp.sales.slice(0, 5).map((x) => x.guid), lp.orgs[0]!.guid), fc.uuid());
  if (name === 'report_id') return fc.oneof(fc.constantFrom('..', '.', 'a/b', 'nope'), fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/));
  if (s.pattern === '^\\d+$') return fc.oneof(fc.constantFrom(String(market.businessId), String(market.campaignId)), fc.stringMatching(/^\d{1,12}$/));
  return fc.oneof(fc.constantFrom('1001', '5001', '301', 'Флора Центр', 'done'), fc.string({ maxLength: 12 }));
}

/** Arguments for one object schema: each property absent, valid or hostile; sometimes extra keys. */
function objectFor(s: Schema): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(s.properties ?? {});
  const fields = props.map(([name, p]) =>
    fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 4, arbitrary: validFor(name, p) }, { weight: 1, arbitrary: hostileValue }).map((v) => [name, v] as const),
  );
  const extra = fc.oneof(
    { weight: 8, arbitrary: fc.constant([] as Array<[string, unknown]>) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'perod', 'limit ', 'PERIOD', 'x'.repeat(300)), leaf), { maxLength: 2 }) },
  );
  return fc.tuple(fc.tuple(...fields), extra).map(([pairs, more]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of [...pairs, ...more]) if (v !== undefined) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
    return out;
  });
}

/** Every field an answer's input error names must be one the call sent, or a required one. */
function namesAField(a: Answer, args: Record<string, unknown>, schema: Schema): string | undefined {
  if (!a.isError || !a.text.startsWith('Invalid input')) return undefined;
  const sent = new Set(Object.keys(args));
  for (const k of Object.keys(args)) {
    const v = args[k];
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const n of Object.keys(v)) sent.add(`${k}.${n}`);
  }
  const known = new Set([...Object.keys(schema.properties ?? {}), ...(schema.required ?? [])]);
  for (const line of a.text.split('\n').filter((l) => l.startsWith('Invalid input'))) {
    const m = /^Invalid input, ([^:]+):/.exec(line);
    if (!m) return `no field named: ${line.slice(0, 200)}`;
    const field = m[1]!;
    const root = field.split('.')[0]!;
    if (!sent.has(field) && !sent.has(root) && !known.has(root)) return `names ${field}, which was not sent: ${line.slice(0, 200)}`;
  }
  return undefined;
}

/**
 * Counterexamples of full-size runs, kept as fixed cases: the caller's own value came back in the error with
 * its control and bidi characters (a guid, OFD ids named in a 403, a list or object given for a choice).
 */
const INPUT_REGRESSIONS: Array<{ tool: string; args: Record<string, unknown> }> = [
  { tool: 'get_sale', args: { deal_guid: '\u{10fffb}\u{2cdec}\u000b\u{a1618}鴱\u0003' } },
  { tool: 'get_sales_aggregation', args: { date_from: '2021-07-04', company_ids: '\u{e22aa}\u0001\u{e6c91}\u0005\u000f', precision: 'exact', response_format: 'detailed' } },
  { tool: 'get_sales_aggregation', args: { date_from: '2017-07-13', retail_point_ids: '\u0000', orders: [] } },
  { tool: 'await_market_report', args: { report_id: '9O_c', max_wait_seconds: -1, response_format: ['\u202eevil\u202c', 5e-324, '"{L\\d/y', -1] } },
  { tool: 'list_posiflora_orders', args: { date_field: ['\u202eevil\u202c', 'P^', -1], sort: 'largest', compare_previous: true } },
  { tool: 'revenue_overview', args: { period: { type: '\u202eevil\u202c', x: -1.7565800127132177e-28, constructor: '2026-00-10' }, date_to: '2026-05-31', sources: ['ofd', 'market', 'posiflora'] } },
];

describe('fuzzing tool inputs through a real MCP client', () => {
  it(`${INPUTS} generated calls across every tool: no crash, every input error names a sent field`, async () => {
    const started = Date.now();
    const perTool = Math.ceil(INPUTS / tools.length);
    const generated = tools.flatMap((t, n) => fc.sample(objectFor(t.inputSchema as Schema), { numRuns: perTool, seed: SEED + n }).map((args) => ({ tool: t, args })));
    const jobs = [...INPUT_REGRESSIONS.map(({ tool, args }) => ({ tool: tools.find((t) => t.name === tool)!, args })), ...generated];
    const failures: string[] = [];
    const tally = { calls: 0, answers: 0, inputErrors: 0, otherErrors: 0 };
    const slowest: Record<string, { ms: number; total: number; args: string }> = {};
    await pooled(jobs, async ({ tool, args }) => {
      let a: Answer;
      const t0 = Date.now();
      try {
        a = await call(tool.name, args);
        const ms = Date.now() - t0;
        const s = (slowest[tool.name] ??= { ms: 0, total: 0, args: '' });
        s.total += ms;
        if (ms > s.ms) Object.assign(s, { ms, args: JSON.stringify(args).slice(0, 200) });
      } catch (err) {
        failures.push(`${tool.name} ${JSON.stringify(args).slice(0, 200)} threw ${String(err).slice(0, 200)}`);
        return;
      }
      tally.calls++;
      if (!a.isError) tally.answers++;
      else if (a.text.startsWith('Invalid input')) tally.inputErrors++;
      else tally.otherErrors++;
      const problem = crashSigns(a) ?? namesAField(a, args, tool.inputSchema as Schema);
      if (problem) failures.push(`${tool.name} ${JSON.stringify(args).slice(0, 300)}: ${problem}\n${a.text.slice(0, 300)}`);
    });
    const seconds = (Date.now() - started) / 1000;
    counts.inputs = { run: jobs.length, failures: failures.length, seconds };
    console.log(Object.entries(slowest).map(([n, x]) => `${n}: total ${(x.total / 1000).toFixed(0)} s, slowest ${x.ms} ms ${x.args}`).join('\n'));
    for (const f of failures.slice(0, 20)) console.log(`fuzz input failure: ${f}`);
    console.log(`fuzz inputs: ${jobs.length} calls over ${tools.length} tools in ${seconds.toFixed(1)} s — ${tally.answers} answers, ${tally.inputErrors} input errors, ${tally.otherErrors} other errors, ${failures.length} failures`);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(jobs.length).toBeGreaterThanOrEqual(INPUTS);
    // Still serving, with no unexpected failure logged.
    const after = await call('get_sales_aggregation', { date_from: '2026-02-02', date_to: '2026-02-08', compare_previous: false });
    expect(after.isError, after.text).toBe(false);
    expect(session.stderr()).not.toMatch(/failed: \w*Error|Unhandled|uncaught/i);
  }, TIMEOUT);
});

// ---------------------------------------------------------------------------------------------------------
// 2. Upstream bodies
// ---------------------------------------------------------------------------------------------------------

/** The oracles compute without rounding (decimal.js rounds to 20 significant digits by default). */
const Exact = Decimal.clone({ precision: 1_000 });

/**
 * The oracle for one upstream amount, from the APIs' documented forms (not the client's code): a JSON number
 * or a plain decimal string (exponent allowed, ≤ 40 characters); in `minor` units divided by 100; refused
 * when |amount| ≥ 10^15 roubles or it has more than 20 decimal places. Anything else is refused.
 */
function expectedAmount(v: unknown, minor = false): Decimal | 'refused' | 'absent' {
  if (v === null || v === undefined || v === '') return 'absent';
  let d: Decimal;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'refused';
    d = new Exact(String(v));
  } else if (typeof v === 'string' && v.length <= 40 && /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v.trim())) {
    d = new Exact(v.trim());
  } else return 'refused';
  if (minor) d = d.div(100);
  return d.abs().gte('1e15') || d.decimalPlaces() > 20 ? 'refused' : d;
}

const amount = fc.oneof(
  fc.constantFrom<unknown>(1e308, -1e308, -0, 0, 0.1, 0.30000000000000004, 150.29999999999998, 1e15, 999999999999999.9, 1e-7, 5e-324, '12,5', '1,000', '12.5', '-0', '0.00', '1e3', '1e999999999', '', ' ', null, true, [], {}, 'NaN', 'Infinity', '12345678901234567890', '1234567890.12345678901234567890', '0.123456789012345678901'),
  fc.integer({ min: -1e12, max: 1e12 }),
  fc.double({ min: -1e16, max: 1e16, noNaN: true }),
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.nat(99)).map(([i, f]) => `${i}.${String(f).padStart(2, '0')}`),
  fc.tuple(fc.stringMatching(/^\d{1,15}$/), fc.stringMatching(/^\d{1,20}$/)).map(([i, f]) => `${i}.${f}`),
);
/** A broken body: not JSON, cut short, or JSON of the wrong shape. */
const broken = fc.constantFrom<unknown>('{"data": [ {"oops": ', 'not json at all', '<html><body>Bad gateway</body></html>', '', 'null', '[]', '"a string"', '{}', '{"data":null}', '{"total_sum":"x"}', '{"meta":{"total":-1}}', '\u0000\u0001');

type Case = { kind: 'amounts'; values: unknown[] } | { kind: 'broken'; body: unknown };
/** Amounts a well-behaved upstream sends: for bodies that sum several, so that many add up to an answer. */
const plainAmount = fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.tuple(fc.stringMatching(/^\d{1,9}$/), fc.stringMatching(/^\d{1,4}$/)).map(([i, f]) => `${i}.${f}`));
const threeAmounts = fc.array(amount, { minLength: 3, maxLength: 3 });
const cases = (n: number, seed: number, values: fc.Arbitrary<unknown[]> = threeAmounts) =>
  fc.sample(fc.oneof({ weight: 6, arbitrary: values.map((v): Case => ({ kind: 'amounts', values: v })) }, { weight: 1, arbitrary: broken.map((body): Case => ({ kind: 'broken', body })) }), { numRuns: n, seed });

/** The reply a broken case serves: raw text or JSON as given. */
function brokenReply(body: unknown) {
  return typeof body === 'string' ? { kind: 'status' as const, status: 200, headers: { 'content-type': 'application/json' }, body } : { kind: 'status' as const, status: 200, body };
}

function report(source: string, n: number, tally: Record<string, number>, failures: string[], seconds: number) {
  counts.bodies[source] = { run: n, failures: failures.length, seconds };
  console.log(`fuzz bodies ${source}: ${n} bodies in ${seconds.toFixed(1)} s — ${tally.answers} answers checked against decimal.js, ${tally.refused} refusals naming the field, ${tally.broken} broken bodies refused${tally.absent ? `, ${tally.absent} with sums absent (no oracle: a walk)` : ''}, ${failures.length} failures`);
}

// ---- Yandex Market: report status answers and report files ----

/** One row of the orders report's transactions sheet, with the cells the summary reads. */
interface OrderLine {
  orderId: number;
  offerStatus: string;
  shopSku: string;
  billingPrice: unknown;
  transferredForDelivery: unknown;
  buyerPaymentAmount: unknown;
}
type MarketCase =
  | { kind: 'info'; body: unknown }
  | { kind: 'file'; format: 'JSON' | 'CSV'; rows: OrderLine[] }
  | { kind: 'damaged'; damage: 'flip' | 'cut' | 'not a zip' | 'no sheet' | 'bad json'; bytes: Buffer; original: { format: 'JSON' | 'CSV'; rows: OrderLine[] } };

/** Statuses as the report writes them, and whether the goods were sold (revenue) by the report docs' meaning. */
const STATUS_SOLD: Record<string, boolean> = {
  'Доставлен': true, 'Передан в доставку': true, 'Delivered': true, '': true,
  'Отменён': false, 'Отменен при обработке': false, 'Возврат': false, 'Невыкуп': false, 'CANCELLED': false, 'Returned': false,
};
const cellValue = fc.oneof(
  { weight: 2, arbitrary: amount },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('1 000,50', '−5', '12.5 ₽', '12,5₽', 'abc', '1e3', '9'.repeat(250), `1${'0'.repeat(14)}.5`, '0.000000000000000000001', '99999999999999.99999999999999999999', false) },
);
const units = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 50 }) }, { weight: 1, arbitrary: cellValue });
const orderLine: fc.Arbitrary<OrderLine> = fc.record({
  orderId: fc.integer({ min: 1000, max: 1003 }),
  offerStatus: fc.constantFrom(...Object.keys(STATUS_SOLD)),
  shopSku: fc.constantFrom('rose-51', 'tulip-9', 'box'),
  billingPrice: cellValue,
  transferredForDelivery: units,
  buyerPaymentAmount: cellValue,
});
const reportFile = fc.record({ format: fc.constantFrom<'JSON' | 'CSV'>('JSON', 'CSV'), rows: fc.array(orderLine, { minLength: 1, maxLength: 6 }) });

const SHEET = 'orders_and_offers_transactions';
/** The file as Market sends it (the simulator's encoder: one JSON or CSV per sheet, zipped). */
const reportZip = (f: { format: 'JSON' | 'CSV'; rows: OrderLine[] }) => encodeReport({ [SHEET]: f.rows as unknown as ReportRow[] }, f.format);

const infoBody = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        status: fc.oneof({ weight: 4, arbitrary: fc.constantFrom<unknown>('PENDING', 'PROCESSING', 'FAILED', 'DONE') }, { weight: 1, arbitrary: fc.constantFrom<unknown>('pending', 'READY', '', null, 42, [], '__proto__') }),
        subStatus: fc.constantFrom<unknown>(undefined, null, 'NO_DATA', 'TOO_LARGE', 'RESOURCE_NOT_FOUND', 'x'.repeat(500), '\u202eevil', 7),
        estimatedGenerationTime: fc.oneof(fc.constantFrom<unknown>(undefined, null, -9007199254740991, 9007199254740991, 1e308, -0, 0, -1, 5000, 86_400_000, 86_400_001, '5000', '12,5', 'soon', NaN, [], {}), fc.integer()),
        generationRequestedAt: fc.constantFrom<unknown>(undefined, null, '2026-03-19T10:00:00Z', '9999-99-99', 'yesterday', 12),
      },
      { requiredKeys: [] },
    ).map((result) => ({ status: 'OK', result })),
  },
  { weight: 1, arbitrary: broken },
);

/** A damaged copy of a good file. */
const damagedFile = fc.tuple(reportFile, fc.constantFrom('flip', 'cut', 'not a zip', 'no sheet', 'bad json') as fc.Arbitrary<'flip' | 'cut' | 'not a zip' | 'no sheet' | 'bad json'>, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.nat(7)).map(([original, damage, at, bit]): MarketCase => {
  const good = reportZip(original);
  let bytes: Buffer;
  if (damage === 'flip') {
    bytes = Buffer.from(good);
    bytes[Math.floor(at * bytes.length)]! ^= 1 << bit;
  } else if (damage === 'cut') bytes = good.subarray(0, Math.floor(at * good.length));
  else if (damage === 'not a zip') bytes = Buffer.from('<html><body>Service unavailable</body></html>');
  else if (damage === 'no sheet') bytes = Buffer.from(zipSync({ 'readme.txt': strToU8('nothing here') }));
  else bytes = Buffer.from(zipSync({ [`${SHEET}.json`]: strToU8('{"rows": [{"orderId": 1,') }));
  return { kind: 'damaged', damage, bytes, original };
});

const marketCase: fc.Arbitrary<MarketCase> = fc.oneof(
  { weight: 2, arbitrary: infoBody.map((body): MarketCase => ({ kind: 'info', body })) },
  { weight: 5, arbitrary: reportFile.map((f): MarketCase => ({ kind: 'file', ...f })) },
  { weight: 1, arbitrary: damagedFile },
);

/**
 * A report cell as a number, from the report docs' forms (not the client's code): a JSON number; or text
 * that is a plain decimal once spaces, a trailing "₽" and a leading "−" are dropped, with a lone comma
 * read as the decimal point (Russian sheets). Exponents, words and amounts beyond 10^15 or 20 decimal
 * places are not numbers. CSV carries every cell as text (a number as JavaScript prints it).
 */
function reportNumber(raw: unknown, format: 'JSON' | 'CSV'): Decimal | undefined {
  const v = written(raw, format);
  let d: Decimal;
  if (typeof v === 'number') d = new Exact(String(v));
  else if (typeof v === 'string') {
    if (v.length > 200) return undefined; // cells are cut there, so the text is no longer the number
    let s = v.trim().replace(/[\s\u00a0\u202f]/g, '').replace(/₽$/, '').replace(/^−/, '-');
    if (!s.includes('.') && s.split(',').length === 2) s = s.replace(',', '.');
    if (!/^[+-]?\d+(\.\d+)?$/.test(s)) return undefined;
    d = new Exact(s);
  } else return undefined;
  return d.abs().gte('1e15') || d.decimalPlaces() > 20 ? undefined : d;
}

/** A cell as the file carries it: JSON as encoded (-0 → 0, no NaN), CSV as text ("" for null and []). */
function written(v: unknown, format: 'JSON' | 'CSV'): unknown {
  if (format === 'JSON') return JSON.parse(JSON.stringify(v ?? null));
  const text = v === null || v === undefined ? '' : String(v);
  return text === '' ? null : text;
}

const blank = (raw: unknown, format: 'JSON' | 'CSV') => {
  const v = written(raw, format);
  return v === null || (typeof v === 'string' && v.trim() === '');
};
const money2 = (d: Decimal) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
const sameMoney = (got: unknown, want: Decimal) => typeof got === 'string' && /^-?\d+\.\d{2}$/.test(got) && new Exact(got).eq(money2(want));

/** The orders headline and the buyer-payment sum of a file, computed here; undefined when it all matches. */
function checkSummary(f: { format: 'JSON' | 'CSV'; rows: OrderLine[] }, a: Answer): string | undefined {
  const o = a.sc?.orders;
  if (!o) return `no orders headline: ${a.text.slice(0, 200)}`;
  let revenue = new Exact(0);
  let everything = new Exact(0);
  let items = new Exact(0);
  let without = 0;
  const soldOrders = new Set<number>();
  const allOrders = new Set<number>();
  for (const r of f.rows) {
    const price = reportNumber(r.billingPrice, f.format);
    const n = reportNumber(r.transferredForDelivery, f.format);
    const line = price && n ? price.times(n) : undefined;
    if (!line) without++;
    everything = everything.plus(line ?? 0);
    allOrders.add(r.orderId);
    if (!STATUS_SOLD[r.offerStatus]) continue;
    soldOrders.add(r.orderId);
    revenue = revenue.plus(line ?? 0);
    if (n) items = items.plus(n);
  }
  const got = { revenue: o.revenue?.amount, all: o.all_statuses?.amount, without: o.rows_without_amount, orders: o.revenue?.orders, allOrders: o.all_statuses?.orders, items: o.revenue?.items };
  if (!sameMoney(got.revenue, revenue) || !sameMoney(got.all, everything) || got.without !== without || got.orders !== soldOrders.size || got.allOrders !== allOrders.size || !(typeof got.items === 'string' && new Exact(got.items).eq(items))) {
    return `expected revenue ${money2(revenue)} (all ${money2(everything)}, ${without} rows without amount, ${soldOrders.size}/${allOrders.size} orders, ${items} items), got ${JSON.stringify(got)}`;
  }
  // The buyer-payment column is summed only when every non-empty cell in it is a number.
  const cells = f.rows.map((r) => r.buyerPaymentAmount).filter((v) => !blank(v, f.format));
  const numbers = cells.map((v) => reportNumber(v, f.format));
  const want = cells.length > 0 && numbers.every((d) => d !== undefined) ? numbers.reduce((s, d) => s.plus(d!), new Exact(0)) : undefined;
  const sums = (a.sc?.sheets?.[0]?.sums ?? []) as Array<{ column: string; total: string }>;
  const sum = sums.find((s) => s.column.replace(/_/g, '').toLowerCase() === 'buyerpaymentamount');
  if (want === undefined ? sum !== undefined : !sum || !sameMoney(sum.total, want)) return `buyerPaymentAmount: expected ${want === undefined ? 'no sum' : money2(want)}, got ${JSON.stringify(sum)}`;
  return undefined;
}

/** What a reports/info answer must give: its status, or an error naming what was wrong in it. */
function checkInfo(body: unknown, a: Answer): string | undefined {
  const result = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { result?: Record<string, unknown> }).result : undefined;
  const status = result?.status;
  if (!result || !['PENDING', 'PROCESSING', 'FAILED', 'DONE'].includes(status as string)) {
    if (!a.isError) return 'a status answer without a known status gave an answer';
    if (result && !/status/.test(a.text)) return 'the refusal does not name the status field';
    return undefined;
  }
  if (status === 'DONE') return a.isError && /file/i.test(a.text) ? undefined : 'DONE without a file link is not refused naming the link';
  if (status === 'FAILED') return a.isError || a.sc?.status === 'FAILED' ? undefined : 'FAILED not reported';
  if (a.isError) return 'a pending report was refused';
  if (a.sc?.status !== status || a.sc?.ready !== false) return `status ${String(status)} answered as ${a.sc?.status}`;
  // An estimate that is no plausible duration (negative, over a day, not a number) is ignored, never shown.
  const e = result.estimatedGenerationTime;
  const n = typeof e === 'string' && e.trim() !== '' ? Number(e) : e;
  const plausible = typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 86_400_000;
  const left = a.sc?.estimated_seconds_left;
  if (!plausible && left !== undefined) return `implausible estimate ${String(e)} shown as ${left} s`;
  if (left !== undefined && !(typeof left === 'number' && left >= 0 && left <= 86_400)) return `estimated_seconds_left ${left}`;
  return undefined;
}

// ---- Counterexamples found by full-size runs, kept as fixed cases ----

/** Kopecks to roubles past 20 significant digits: decimal.js's default precision cut the last digits off. */
const LIFEPOS_REGRESSIONS: Case[] = [
  { kind: 'amounts', values: ['195853217841.689104562833', 0, 0] },
  { kind: 'amounts', values: ['1234567890.12345678901234567890', 0, 0] },
];

/** meta.total beyond 2^53 together with an amount beyond 10^15: the refusal names either (it named ordersAmount). */
const POSIFLORA_REGRESSIONS: Case[] = [
  { kind: 'amounts', values: [1e308, 0.1, 9999999999999998] },
  { kind: 'amounts', values: ['12345678901234567890', true, 7] },
];

const MARKET_REGRESSIONS: MarketCase[] = [
  // reports/info with optional fields of another type (subStatus 7, generationRequestedAt 12) was refused whole.
  { kind: 'info', body: { status: 'OK', result: { status: 'PENDING', subStatus: 7 } } },
  { kind: 'info', body: { status: 'OK', result: { status: 'PROCESSING', estimatedGenerationTime: 5000, generationRequestedAt: 12 } } },
  { kind: 'info', body: { status: 'OK', result: { status: 'DONE', subStatus: 7, estimatedGenerationTime: {} } } },
  // Price × units past 20 significant digits: decimal.js's default precision printed …415.40 for …415.36.
  { kind: 'file', format: 'JSON', rows: [{ orderId: 1000, offerStatus: 'Доставлен', shopSku: 'box', billingPrice: '12345678901234.56', transferredForDelivery: 123456, buyerPaymentAmount: '1524157875019052415.36' }] },
  { kind: 'file', format: 'CSV', rows: [{ orderId: 1000, offerStatus: '', shopSku: 'box', billingPrice: '99999999999999.99999999999999999999', transferredForDelivery: '22862962751497.02', buyerPaymentAmount: 1e308 }] },
];

describe('fuzzing upstream bodies through the real client', () => {
  it(`LIFE POS: ${BODIES} sale bodies — total_sum in kopecks read exactly, or refused naming total_sum`, async () => {
    let template: Record<string, any> | undefined;
    lp.server.rewriteJson((b) => ((template ??= JSON.parse(JSON.stringify(b))), b));
    const sale = lp.sales[0]!;
    expect((await call('get_sale', { deal_guid: sale.guid })).isError).toBe(false);
    lp.server.clearRewrites();
    const started = Date.now();
    const failures: string[] = [];
    const tally = { answers: 0, refused: 0, broken: 0 };
    const all = [...LIFEPOS_REGRESSIONS, ...cases(BODIES, SEED + 100)];
    await pooled(all, async (c, i) => {
      const guid = `${String(i).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const body = c.kind === 'broken' ? c.body : { ...template!, guid, total_sum: { ...template!.total_sum, value: c.values[0] } };
      lp.server.inject(brokenReply(body), { times: 1, match: (req) => req.path.includes(guid) });
      const a = await call('get_sale', { deal_guid: guid });
      const crash = crashSigns(a);
      if (crash) return void failures.push(`${JSON.stringify(body).slice(0, 200)}: ${crash} ${a.text.slice(0, 200)}`);
      if (c.kind === 'broken') {
        if (!a.isError) failures.push(`broken ${JSON.stringify(body).slice(0, 80)} answered: ${a.text.slice(0, 200)}`);
        else tally.broken++;
        return;
      }
      const want = expectedAmount(c.values[0], true);
      if (want === 'refused') {
        if (a.isError && /total_sum/.test(a.text)) tally.refused++;
        else failures.push(`total_sum ${JSON.stringify(c.values[0])} not refused by name: ${a.text.slice(0, 200)}`);
      } else if (a.isError) failures.push(`total_sum ${JSON.stringify(c.values[0])} refused: ${a.text.slice(0, 200)}`);
      else if (want === 'absent' ? a.sc?.total !== null : !(a.sc?.total !== null && new Decimal(a.sc!.total).eq(want))) {
        failures.push(`total_sum ${JSON.stringify(c.values[0])}: expected ${String(want)}, got ${a.sc?.total}`);
      } else tally.answers++;
    });
    report('LIFE POS', all.length, tally, failures, (Date.now() - started) / 1000);
    expect(failures.slice(0, 10)).toEqual([]);
  }, TIMEOUT);

  it(`Yandex OFD (legacy): ${BODIES} aggregation bodies — gross sales rounded to kopecks from income.total, or refused naming it`, async () => {
    let template: Record<string, any> | undefined;
    ofd.server.rewriteJson((b) => ((template ??= JSON.parse(JSON.stringify(b))), b));
    expect((await call('get_sales_aggregation', { date_from: '2026-02-02', date_to: '2026-02-02', compare_previous: false, interval: 'day' })).isError).toBe(false);
    ofd.server.clearRewrites();
    const started = Date.now();
    const failures: string[] = [];
    const tally = { answers: 0, refused: 0, broken: 0 };
    const all = cases(BODIES, SEED + 200);
    /** The same income total everywhere the body carries one (the period and its only day). */
    const withIncome = (node: unknown, v: unknown): unknown => {
      if (node === null || typeof node !== 'object') return node;
      if (Array.isArray(node)) return node.map((x) => withIncome(x, v));
      return Object.fromEntries(Object.entries(node).map(([k, x]) => [k, k === 'income' && x && typeof x === 'object' ? { ...(x as object), total: v } : withIncome(x, v)]));
    };
    await pooled(all, async (c, i) => {
      const date = day(Date.UTC(2019, 0, 1) + i * 86_400_000);
      const body = c.kind === 'broken' ? c.body : withIncome(JSON.parse(JSON.stringify(template).replaceAll('2026-02-02', date)), c.values[0]);
      ofd.server.inject(brokenReply(body), { times: 1, match: (req) => JSON.stringify(req.json ?? '').includes(date) });
      const a = await call('get_sales_aggregation', { date_from: date, date_to: date, compare_previous: false, interval: 'day' });
      const crash = crashSigns(a);
      if (crash) return void failures.push(`${JSON.stringify(body).slice(0, 200)}: ${crash} ${a.text.slice(0, 200)}`);
      if (c.kind === 'broken') {
        // A JSON object without interval rows reads as the API's empty answer ("no fiscal documents"), said so.
        const readAsEmpty = /No fiscal documents in this period/.test(a.text);
        if (!a.isError && !readAsEmpty) failures.push(`broken ${JSON.stringify(body).slice(0, 80)} gave figures: ${a.text.slice(0, 200)}`);
        else tally.broken++;
        return;
      }
      const want = expectedAmount(c.values[0]);
      const gross = a.sc?.totals?.gross_sales;
      if (want === 'refused') {
        if (a.isError && /income\.total/.test(a.text)) tally.refused++;
        else failures.push(`income.total ${JSON.stringify(c.values[0])} not refused by name: ${a.text.slice(0, 200)}`);
      } else if (a.isError) failures.push(`income.total ${JSON.stringify(c.values[0])} refused: ${a.text.slice(0, 300)}`);
      else if (want === 'absent' ? gross !== null : !(typeof gross === 'string' && new Decimal(gross).eq(want.toDecimalPlaces(2, Decimal.ROUND_HALF_UP)))) {
        failures.push(`income.total ${JSON.stringify(c.values[0])}: expected ${String(want)}, got ${gross}`);
      } else tally.answers++;
    });
    report('Yandex OFD legacy', all.length, tally, failures, (Date.now() - started) / 1000);
    expect(failures.slice(0, 10)).toEqual([]);
  }, TIMEOUT);

  it(`Posiflora: ${BODIES} order-list bodies — count and sums from meta read exactly, or refused naming the field`, async () => {
    const started = Date.now();
    const failures: string[] = [];
    const tally = { answers: 0, refused: 0, broken: 0, absent: 0 };
    const all = [...POSIFLORA_REGRESSIONS, ...cases(BODIES, SEED + 300)];
    await pooled(all, async (c, i) => {
      // Every other day: a day's query starts at the day before in UTC (Moscow midnight), which must not be
      // another concurrent case's date, or that case's injected reply would answer this one.
      // From 2010, so that 2,000 cases (4,000 days) all lie in the past.
      const date = day(Date.UTC(2010, 0, 1) + i * 2 * 86_400_000);
      const [ordersAmount, paymentsAmount, total] = c.kind === 'amounts' ? c.values : [];
      const count = typeof total === 'number' && Number.isInteger(total) ? Math.abs(total) : 7;
      const body = c.kind === 'broken' ? c.body : { data: [], meta: { total: count, page: { number: 1, size: 20 }, statuses: { done: count }, orders_amounts: { ordersAmount, paymentsAmount } }, included: [] };
      pf.server.inject(brokenReply(body), { times: 1, match: (req) => req.path === '/v1/orders' && req.query.toString().includes(date) });
      const a = await call('list_posiflora_orders', { date_from: date, date_to: date });
      const crash = crashSigns(a);
      if (crash) return void failures.push(`${JSON.stringify(body).slice(0, 200)}: ${crash} ${a.text.slice(0, 200)}`);
      if (c.kind === 'broken') {
        if (!a.isError && a.sc?.totals?.total_amount !== null) failures.push(`broken ${JSON.stringify(body).slice(0, 80)} gave figures: ${a.text.slice(0, 200)}`);
        else tally.broken++;
        return;
      }
      const wantTotal = expectedAmount(ordersAmount);
      const wantPaid = expectedAmount(paymentsAmount);
      // Every wrong field; the refusal names one of them (whichever the client read first).
      const wrong = [
        !Number.isSafeInteger(count) ? /meta\.(total|statuses)/ : undefined,
        wantTotal === 'refused' ? /ordersAmount/ : undefined,
        wantPaid === 'refused' ? /paymentsAmount/ : undefined,
      ].filter((f) => f !== undefined);
      if (wrong.length > 0) {
        if (a.isError && wrong.some((f) => f.test(a.text))) tally.refused++;
        else failures.push(`${JSON.stringify({ count, ordersAmount, paymentsAmount })} not refused naming ${wrong.join(' or ')}: ${a.text.slice(0, 200)}`);
        return;
      }
      // Without Posiflora's own sums the tool plans differently (it walks the pages, served by the simulator):
      // then only the absence of crashes is checked.
      if (wantTotal === 'refused' || wantPaid === 'refused') return; // narrowed above: `wrong` named it
      if (wantTotal === 'absent' || wantPaid === 'absent') return void (a.isError ? failures.push(`absent sums refused: ${a.text.slice(0, 200)}`) : tally.absent++);
      if (a.isError) return void failures.push(`${JSON.stringify(body).slice(0, 200)} refused: ${a.text.slice(0, 300)}`);
      const t = a.sc?.totals;
      // Posiflora's sums are roubles; the answer gives them to the kopeck (half up).
      const same = (got: unknown, want: Decimal) => typeof got === 'string' && new Decimal(got).eq(want.toDecimalPlaces(2, Decimal.ROUND_HALF_UP));
      if (t?.orders !== count || !same(t?.total_amount, wantTotal) || !same(t?.payments_amount, wantPaid)) {
        failures.push(`meta ${JSON.stringify({ count, ordersAmount, paymentsAmount })}: got ${JSON.stringify({ orders: t?.orders, total: t?.total_amount, paid: t?.payments_amount })}`);
      } else tally.answers++;
    });
    report('Posiflora', all.length, tally, failures, (Date.now() - started) / 1000);
    expect(failures.slice(0, 10)).toEqual([]);
  }, TIMEOUT);
  it(`Yandex OFD token API: ${BODIES} receipt-report and shift-report bodies — income summed per receipt or per shift to the kopeck, or refused naming the field`, async () => {
    const started = Date.now();
    const failures: string[] = [];
    const tally = { answers: 0, refused: 0, broken: 0 };
    // Three amounts per body, each extreme a third of the time (all three extreme would almost always be refused).
    const mixed = fc.array(fc.oneof({ weight: 2, arbitrary: plainAmount }, { weight: 1, arbitrary: amount }), { minLength: 3, maxLength: 3 });
    const all = cases(BODIES, SEED + 400, mixed);
    const isPath = (path: string, what: string) => path.replace(/\/+$/, '').endsWith(`/reports/${what}`);
    await pooled(all, async (c, i) => {
      // Half the bodies are receipt reports (precision "exact"), half shift reports (precision "shifts").
      const shifts = i % 2 === 1;
      const date = day(Date.UTC(2012, 0, 1) + i * 86_400_000);
      const receiptRow = (v: unknown, n: number) => ({
        Id: `${i}-${n}`,
        dateTime: `${date} 1${n}:00:00`,
        operationType: 'Приход',
        docName: 'Кассовый чек',
        appliedTaxationType: 'УСН доход',
        totalSum: v,
        // A payment form that is present but null means "not paid this way".
        cashTotalSum: null,
        ecashTotalSum: null,
        prepaidSum: null,
        creditSum: null,
        provisionSum: null,
      });
      const shiftRow = (income: unknown, refunds: unknown, n: number) => ({
        shiftNumber: n + 1,
        openShiftDateTime: `${date} 08:45:00`,
        closeShiftDateTime: `${date} 2${n}:15:00`,
        incomeSum: income,
        incomeReturnSum: refunds,
        incomeCnt: 3,
        incomeReturnCnt: 1,
      });
      const [a0, a1, a2] = c.kind === 'amounts' ? c.values : [];
      const body =
        c.kind === 'broken' ? c.body : shifts ? { data: { outcome: null, rows: [shiftRow(a0, a1, 0), shiftRow(a2, '0', 1)] } } : { data: { outcome: null, rows: [receiptRow(a0, 0), receiptRow(a1, 1), receiptRow(a2, 2)] } };
      // A malformed receipt page is read once more before it is an error: the same body both times.
      ofdPublic.server.inject(brokenReply(body), { times: shifts ? 1 : 2, match: (req) => isPath(req.path, shifts ? 'shifts' : 'receipts') && req.query.get('from') === date });
      const a = await call('get_sales_aggregation', { date_from: date, date_to: date, compare_previous: false, interval: 'day', precision: shifts ? 'shifts' : 'exact' }, publicSession);
      const crash = crashSigns(a);
      const what = `${shifts ? 'shifts' : 'receipts'} ${JSON.stringify(body).slice(0, 200)}`;
      if (crash) return void failures.push(`${what}: ${crash} ${a.text.slice(0, 200)}`);
      const totals = a.sc?.totals;
      if (c.kind === 'broken') {
        // An empty list is the API's answer for a day without documents; anything else is an error.
        const empty = c.body === '[]';
        if (a.isError || (empty && /No fiscal documents/.test(a.text))) tally.broken++;
        else failures.push(`broken ${what} gave figures: ${a.text.slice(0, 200)}`);
        return;
      }
      // Each receipt's or shift's amount is rounded to the kopeck, then added up (half up, as receipts round).
      const fields = shifts
        ? [['incomeSum', a0], ['incomeReturnSum', a1], ['incomeSum', a2]] as const
        : [['totalSum', a0], ['totalSum', a1], ['totalSum', a2]] as const;
      const wants = fields.map(([, v]) => expectedAmount(v));
      const refused = fields.filter((_, n) => wants[n] === 'refused').map(([f]) => f);
      if (refused.length > 0) {
        if (a.isError && refused.some((f) => a.text.includes(f))) tally.refused++;
        else failures.push(`${what}: ${refused.join('/')} not refused by name: ${a.text.slice(0, 300)}`);
        return;
      }
      if (a.isError) return void failures.push(`${what} refused: ${a.text.slice(0, 300)}`);
      const kop = (w: Decimal | 'absent') => (w === 'absent' ? undefined : w.toDecimalPlaces(2, Decimal.ROUND_HALF_UP));
      const plus = (xs: Array<Decimal | undefined>) => (xs.some((x) => x === undefined) ? undefined : xs.reduce<Decimal>((s, x) => s.plus(x!), new Decimal(0)));
      const [k0, k1, k2] = wants.map((w) => kop(w as Decimal | 'absent'));
      const gross = shifts ? plus([k0, k2]) : plus([k0, k1, k2]);
      const refunds = shifts ? k1?.plus(0) : new Decimal(0);
      const same = (got: unknown, want: Decimal | undefined) => (want === undefined ? got === null || got === undefined : typeof got === 'string' && new Decimal(got).eq(want));
      const net = gross !== undefined && refunds !== undefined ? gross.minus(refunds) : undefined;
      if (!same(totals?.gross_sales, gross) || !same(totals?.refunds, refunds) || !same(totals?.net_sales, net)) {
        failures.push(`${what}: expected gross ${gross} refunds ${refunds} net ${net}, got ${JSON.stringify({ gross: totals?.gross_sales, refunds: totals?.refunds, net: totals?.net_sales })}`);
      } else tally.answers++;
    });
    report('Yandex OFD token API', all.length, tally, failures, (Date.now() - started) / 1000);
    expect(failures.slice(0, 10)).toEqual([]);
  }, TIMEOUT);

  it(`Yandex Market: ${BODIES} report bodies — reports/info answers and report files (JSON and CSV sheets in a ZIP) summed exactly, a damaged file an error`, async () => {
    const started = Date.now();
    const failures: string[] = [];
    const tally = { answers: 0, refused: 0, broken: 0 };
    const all = [...MARKET_REGRESSIONS, ...fc.sample(marketCase, { numRuns: BODIES, seed: SEED + 500 })];
    await pooled(all, async (c, i) => {
      const reportId = `fuzz_${i}`;
      const infoPath = `/v2/reports/info/${reportId}`;
      const fileUrl = `${market.url}/files/fuzz${i}/${reportId}.zip`;
      const info = c.kind === 'info' ? c.body : { status: 'OK', result: { status: 'DONE', generationRequestedAt: '2026-03-19T10:00:00Z', generationFinishedAt: '2026-03-19T10:01:00Z', file: fileUrl } };
      // Enough replies for every poll of a pending report's two waits (the call and its one retry below): an
      // estimate of a few ms makes the waiter poll at its shortest spacing (the quota here is 100,000 a
      // minute), which 8 replies did not cover (2 of 2,000 cases at full size found a 404 instead).
      market.server.inject(brokenReply(info), { times: 64, match: (req) => req.path === infoPath });
      if (c.kind !== 'info') {
        const zip = c.kind === 'file' ? reportZip(c) : c.bytes;
        market.server.inject({ kind: 'status', status: 200, headers: { 'content-type': 'application/zip' }, body: zip }, { times: 3, match: (req) => req.path.startsWith(`/files/fuzz${i}/`) });
      }
      // Two seconds: a status check gets time to answer on a loaded machine; a pending report ends the wait.
      const args = { report_id: reportId, max_wait_seconds: 2 };
      let a = await call('await_market_report', args);
      // A status check still unanswered when the wait ends (a loaded machine) leaves the status UNKNOWN: ask
      // once more before judging.
      if (!a.isError && a.sc?.ready === false && a.sc?.status === 'UNKNOWN') a = await call('await_market_report', args);
      const crash = crashSigns(a);
      const what = c.kind === 'info' ? `info ${JSON.stringify(c.body).slice(0, 200)}` : c.kind === 'file' ? `${c.format} rows ${JSON.stringify(c.rows).slice(0, 300)}` : `damaged file (${c.damage})`;
      if (crash) return void failures.push(`${what}: ${crash} ${a.text.slice(0, 200)}`);
      if (c.kind === 'info') {
        const problem = checkInfo(c.body, a);
        if (problem) failures.push(`${what}: ${problem}: ${a.text.slice(0, 300)}`);
        else if (a.isError) tally.refused++;
        else tally.answers++;
        return;
      }
      if (c.kind === 'damaged') {
        // A flipped bit may fall where no check can see it: a header's date (the figures must be the true
        // ones) or a file name, which no CRC covers (then the sheet is not the orders sheet: no headline).
        const renamed = !a.sc?.orders && a.sc?.sheets?.length === 1 && a.sc.sheets[0].name !== SHEET;
        if (a.isError) tally.broken++;
        else if (c.damage === 'flip' && (renamed || !checkSummary(c.original, a))) tally.answers++;
        else failures.push(`${what} gave figures: ${a.text.slice(0, 300)}`);
        return;
      }
      if (a.isError) return void failures.push(`${what} refused: ${a.text.slice(0, 300)}`);
      const problem = checkSummary(c, a);
      if (problem) failures.push(`${what}: ${problem}`);
      else tally.answers++;
    });
    report('Yandex Market', all.length, tally, failures, (Date.now() - started) / 1000);
    expect(failures.slice(0, 10)).toEqual([]);
  }, TIMEOUT);
});

describe('secrets across the fuzz run', () => {
  it('no credential, in any encoding, appears in any answer, error or debug log line of either server', () => {
    sweep.add('stderr', session.stderr());
    sweep.add('stderr of the token-API server', publicSession.stderr());
    console.log(`fuzz secrets sweep: ${sweep.texts.length} texts, ${sweep.size} characters`);
    expect(sweep.texts.length).toBeGreaterThan(INPUTS);
    expect(sweep.hits()).toEqual([]);
  });
});
