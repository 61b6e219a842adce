import { CallToolResultSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim } from '../../src/sim/lifepos/index.js';
import { startMarketSim, type MarketSim } from '../../src/sim/market/index.js';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { startPosifloraSim, type StartedPosifloraSim } from '../../src/sim/posiflora/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';

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
 *    ones). An answer's figures equal a decimal.js computation written here from the APIs' documented
 *    units; a refusal names the field.
 *
 * Sizes: REVENUE_FUZZ_INPUTS and REVENUE_FUZZ_BODIES (per source). `npm test` runs 300 calls and 400
 * bodies per source (under a minute on a busy 2-core machine); `npm run fuzz` runs the full 10,000 and
 * 2,000 (about 7 minutes there). The counts are printed.
 */

const INPUTS = Number(process.env.REVENUE_FUZZ_INPUTS ?? 300);
const BODIES = Number(process.env.REVENUE_FUZZ_BODIES ?? 400);
const IN_FLIGHT = 24;
const SEED = Number(process.env.REVENUE_FUZZ_SEED ?? 20261130);
const NOW = new Date('2026-03-20T12:00:00Z');

let lp: LifeposSim;
let ofd: OfdSim;
let market: MarketSim;
let pf: StartedPosifloraSim;
let session: StdioSession;
let tools: Tool[];

beforeAll(async () => {
  [lp, ofd, market, pf] = await Promise.all([
    startLifeposSim({ now: NOW, days: 5, seed: 3 }),
    startOfdSim({ now: NOW, rps: 100_000 }),
    startMarketSim({ generationMs: 20, clock: Date.now }),
    startPosifloraSim({ count: 120, endDate: '2026-03-19' }),
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
    },
  });
  tools = (await session.client.listTools()).tools;
}, 60_000);
afterAll(async () => {
  await session?.close();
  await Promise.all([lp?.server.close(), ofd?.close(), market?.close(), pf?.close()]);
});

interface Answer {
  isError: boolean;
  text: string;
  sc: Record<string, any> | undefined;
}

async function call(name: string, args: Record<string, unknown>): Promise<Answer> {
  const r = await session.client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: 60_000 });
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

describe('fuzzing tool inputs through a real MCP client', () => {
  it(`${INPUTS} generated calls across every tool: no crash, every input error names a sent field`, async () => {
    const started = Date.now();
    const perTool = Math.ceil(INPUTS / tools.length);
    const jobs = tools.flatMap((t, n) => fc.sample(objectFor(t.inputSchema as Schema), { numRuns: perTool, seed: SEED + n }).map((args) => ({ tool: t, args })));
    const failures: string[] = [];
    const tally = { calls: 0, answers: 0, inputErrors: 0, otherErrors: 0 };
    await pooled(jobs, async ({ tool, args }) => {
      let a: Answer;
      try {
        a = await call(tool.name, args);
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
    console.log(`fuzz inputs: ${jobs.length} calls over ${tools.length} tools in ${seconds.toFixed(1)} s — ${tally.answers} answers, ${tally.inputErrors} input errors, ${tally.otherErrors} other errors, ${failures.length} failures`);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(jobs.length).toBeGreaterThanOrEqual(INPUTS);
    // Still serving, with no unexpected failure logged.
    const after = await call('get_sales_aggregation', { date_from: '2026-02-02', date_to: '2026-02-08', compare_previous: false });
    expect(after.isError, after.text).toBe(false);
    expect(session.stderr()).not.toMatch(/failed: \w*Error|Unhandled|uncaught/i);
  }, 600_000);
});

// ---------------------------------------------------------------------------------------------------------
// 2. Upstream bodies
// ---------------------------------------------------------------------------------------------------------

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
    d = new Decimal(String(v));
  } else if (typeof v === 'string' && v.length <= 40 && /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v.trim())) {
    d = new Decimal(v.trim());
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
const cases = (n: number, seed: number) =>
  fc.sample(fc.oneof({ weight: 6, arbitrary: fc.array(amount, { minLength: 3, maxLength: 3 }).map((values): Case => ({ kind: 'amounts', values })) }, { weight: 1, arbitrary: broken.map((body): Case => ({ kind: 'broken', body })) }), { numRuns: n, seed });

/** The reply a broken case serves: raw text or JSON as given. */
function brokenReply(body: unknown) {
  return typeof body === 'string' ? { kind: 'status' as const, status: 200, headers: { 'content-type': 'application/json' }, body } : { kind: 'status' as const, status: 200, body };
}

const report = (source: string, n: number, tally: Record<string, number>, failures: string[], seconds: number) =>
  console.log(`fuzz bodies ${source}: ${n} bodies in ${seconds.toFixed(1)} s — ${tally.answers} answers checked against decimal.js, ${tally.refused} refusals naming the field, ${tally.broken} broken bodies refused${tally.absent ? `, ${tally.absent} with sums absent (no oracle: a walk)` : ''}, ${failures.length} failures`);

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
    const all = cases(BODIES, SEED + 100);
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
  }, 600_000);

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
  }, 600_000);

  it(`Posiflora: ${BODIES} order-list bodies — count and sums from meta read exactly, or refused naming the field`, async () => {
    const started = Date.now();
    const failures: string[] = [];
    const tally = { answers: 0, refused: 0, broken: 0, absent: 0 };
    const all = cases(BODIES, SEED + 300);
    await pooled(all, async (c, i) => {
      // Every other day: a day's query starts at the day before in UTC (Moscow midnight), which must not be
      // another concurrent case's date, or that case's injected reply would answer this one.
      const date = day(Date.UTC(2019, 0, 1) + i * 2 * 86_400_000);
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
      if (!Number.isSafeInteger(count)) {
        if (a.isError && /meta\.(total|statuses)/.test(a.text)) tally.refused++;
        else failures.push(`meta.total ${count} not refused by name: ${a.text.slice(0, 200)}`);
        return;
      }
      if (wantTotal === 'refused' || wantPaid === 'refused') {
        const fields = [wantTotal === 'refused' ? 'ordersAmount' : undefined, wantPaid === 'refused' ? 'paymentsAmount' : undefined].filter((f) => f !== undefined);
        if (a.isError && fields.some((f) => a.text.includes(f))) tally.refused++;
        else failures.push(`${fields.join('/')} ${JSON.stringify({ ordersAmount, paymentsAmount })} not refused by name: ${a.text.slice(0, 200)}`);
        return;
      }
      // Without Posiflora's own sums the tool plans differently (it walks the pages, served by the simulator):
      // then only the absence of crashes is checked.
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
  }, 600_000);
});
