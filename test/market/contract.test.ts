import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { loadConfig } from '../../src/config.js';
import { Runtime } from '../../src/runtime.js';
import { MarketClient } from '../../src/sources/market/client.js';
import { startMarketSim, type MarketSim } from '../../src/sim/market/index.js';
import type { RecordedRequest } from '../../src/sim/framework.js';
import tool, { buildRequest } from '../../tools/await_market_report.js';
import type { ToolContext } from '../../src/tool.js';

/**
 * Contract: every request the tool builds and the Market client sends, and every answer of the simulator
 * (success and error), validates against the official Partner API spec (the subset vendored in ./spec, see its
 * SOURCES.md; paths not vendored are left out of the root before bundling). Ajv runs on the bundled
 * document with its $refs (a dereferenced copy overflows on recursive schemas) and unicodeRegExp off
 * (one pattern in the spec is not a valid Unicode regexp).
 */

const SPEC = fileURLToPath(new URL('./spec/openapi/openapi.yaml', import.meta.url));

/** The vendored root with only the paths whose file is vendored, bundled with their references. */
async function loadSpec(): Promise<Json> {
  const root = (await SwaggerParser.parse(SPEC)) as Json;
  const vendored = Object.entries(root.paths as Record<string, { $ref: string }>).filter(([, item]) => existsSync(join(dirname(SPEC), item.$ref)));
  return (await SwaggerParser.bundle(SPEC, { ...root, paths: Object.fromEntries(vendored) } as never, {})) as Json;
}

type Json = Record<string, any>;
let doc: Json;
let ajv: Ajv;
let sim: MarketSim;
let runtime: Runtime;
let client: MarketClient;
const compiled = new Map<string, ValidateFunction>();

const escape = (s: string) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));
const pointerOf = (...segments: string[]) => `/${segments.map(escape).join('/')}`;

function at(pointer: string): Json {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((node: Json, key) => node?.[key], doc);
}

/** Follow object-level $refs (responses, parameters) to the pointer of the real object. */
function resolvePointer(pointer: string): string {
  let p = pointer;
  for (let i = 0; i < 10; i++) {
    const node = at(p);
    if (node && typeof node.$ref === 'string' && node.$ref.startsWith('#')) {
      p = node.$ref.slice(1).split('/').map((s: string) => encodeURIComponent(decodeURIComponent(s))).join('/');
    } else return p;
  }
  return p;
}

function validator(pointer: string): ValidateFunction {
  let v = compiled.get(pointer);
  if (!v) {
    v = ajv.compile({ $ref: `spec#${pointer}` });
    compiled.set(pointer, v);
  }
  return v;
}

function check(pointer: string, value: unknown, what: string): void {
  const v = validator(pointer);
  const ok = v(value);
  expect(ok, `${what}: ${JSON.stringify(v.errors)}`).toBe(true);
}

/** The spec path template matching a concrete path, with its parameters. */
function matchPath(path: string): { template: string; params: Record<string, string> } | undefined {
  for (const template of Object.keys(doc.paths)) {
    const keys: string[] = [];
    const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, k) => (keys.push(k), '([^/]+)'))}$`);
    const m = re.exec(path);
    if (m) return { template, params: Object.fromEntries(keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)])) };
  }
  return undefined;
}

/** Validate one recorded request: known path and method, declared query/path parameters, auth header, body. */
function checkRequest(r: RecordedRequest): { template: string; method: string } {
  const match = matchPath(r.path);
  expect(match, `${r.method} ${r.path} is a path of the spec`).toBeDefined();
  const method = r.method.toLowerCase();
  const opPointer = pointerOf('paths', match!.template, method);
  const op = at(opPointer);
  expect(op, `${r.method} ${match!.template} is an operation of the spec`).toBeDefined();
  const params: Json[] = (op.parameters ?? []).map((_p: Json, i: number) => ({ pointer: resolvePointer(`${opPointer}/parameters/${i}`) }));
  const declared = new Set<string>();
  for (const { pointer } of params) {
    const p = at(pointer);
    declared.add(`${p.in}:${p.name}`);
    const raw = p.in === 'path' ? match!.params[p.name] : p.in === 'query' ? (r.query.get(p.name) ?? undefined) : undefined;
    if (p.required) expect(raw, `${p.name} is required`).toBeDefined();
    if (raw !== undefined && p.in !== 'header') check(`${pointer}/schema`, raw, `${r.method} ${r.path} parameter ${p.name}`);
  }
  for (const key of r.query.keys()) expect(declared.has(`query:${key}`), `query ${key} is declared for ${match!.template}`).toBe(true);
  // Security: ApiKey (Api-Key header) or OAuth (Authorization).
  expect(r.headers['api-key'] ?? r.headers.authorization, 'credentials sent').toBeDefined();
  if (op.requestBody) {
    const bodyPointer = resolvePointer(`${opPointer}/requestBody`);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    check(`${bodyPointer}/content/${escape('application/json')}/schema`, r.json, `${r.method} ${r.path} body`);
  }
  return { template: match!.template, method };
}

/** Validate an answer by status against the operation's declared response. */
function checkResponse(template: string, method: string, status: number, body: unknown): void {
  const responses = at(pointerOf('paths', template, method, 'responses'));
  expect(responses[String(status)], `${status} is a declared response of ${method.toUpperCase()} ${template}`).toBeDefined();
  const pointer = resolvePointer(pointerOf('paths', template, method, 'responses', String(status)));
  check(`${pointer}/content/${escape('application/json')}/schema`, body, `${method.toUpperCase()} ${template} → ${status}`);
}

async function raw(r: { method: string; path: string; query?: URLSearchParams; headers?: Record<string, string>; body?: string }) {
  const qs = r.query && [...r.query.keys()].length > 0 ? `?${r.query}` : '';
  const res = await fetch(`${sim.url}${r.path}${qs}`, { method: r.method, headers: r.headers, body: r.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  doc = await loadSpec();
  ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, validateFormats: true });
  addFormats.default(ajv);
  for (const f of ['int32', 'int64', 'float', 'double']) ajv.addFormat(f, true);
  ajv.addSchema(doc, 'spec');
  sim = await startMarketSim({ generationMs: 80, quotas: { 'generate.united-orders': { limit: 50, windowMs: 60_000 }, 'generate.united-marketplace-services': { limit: 50, windowMs: 60_000 }, 'generate.shows-sales': { limit: 50, windowMs: 60_000 }, 'generate.goods-movement': { limit: 50, windowMs: 60_000 } } });
  const config = loadConfig({
    MARKET_BASE_URL: sim.url,
    MARKET_API_KEY: sim.apiKey,
    MARKET_BUSINESS_ID: String(sim.businessId),
    MARKET_GENERATE_ORDERS_INTERVAL_MS: '1',
    MARKET_GENERATE_SERVICES_INTERVAL_MS: '1',
    MARKET_GENERATE_SHOWS_SALES_INTERVAL_MS: '1',
    MARKET_GENERATE_GOODS_MOVEMENT_INTERVAL_MS: '1',
  });
  runtime = new Runtime(config);
  client = new MarketClient(runtime);
});

afterAll(async () => {
  await runtime?.close();
  await sim?.close();
});

/** Tool inputs covering every report type and every optional body field the tool can send. */
const TOOL_REPORTS: Array<Record<string, unknown>> = [
  { type: 'united-orders', period: 'last_month', campaign_ids: ['21000101'], promo_id: 'PROMO-1', language: 'en' },
  { type: 'United Orders', period: 'this_month', format: 'csv' },
  { type: 'united-marketplace-services', period: 'last_30_days', placement_programs: ['fbs', 'FBY'], inns: ['7701234567'], campaign_ids: [21000101, 21000102] },
  { type: 'shows-sales', period: 'last_month', grouping: 'categories', campaign_id: 21000101 },
  { type: 'shows_sales', period: 'this_week', business_id: '7710001' },
  { type: 'goods-movement', period: 'last_month', campaign_id: 21000101, shop_sku: 'ROSE-RED-51', format: 'CSV' },
];

/** The tool, in process, with a context that records progress. */
function toolContext(signal = new AbortController().signal): ToolContext {
  return { runtime, signal, progress: async () => undefined, log: () => undefined };
}

describe('Yandex Market contract (official spec)', () => {
  it('the validators are not vacuous: they reject what the spec forbids', () => {
    const info = resolvePointer(pointerOf('paths', '/v2/reports/info/{reportId}', 'get', 'responses', '200'));
    const schema = `${info}/content/${escape('application/json')}/schema`;
    expect(validator(schema)({ status: 'OK', result: { status: 'DONE', generationRequestedAt: '2026-10-01T10:00:00Z' } })).toBe(true);
    expect(validator(schema)({ status: 'OK', result: { status: 'READY', generationRequestedAt: '2026-10-01T10:00:00Z' } })).toBe(false);
    expect(validator(schema)({ status: 'OK', result: { status: 'DONE' } })).toBe(false);
    const body = resolvePointer(pointerOf('paths', '/v2/reports/united-orders/generate', 'post', 'requestBody'));
    const bodySchema = `${body}/content/${escape('application/json')}/schema`;
    expect(validator(bodySchema)({ businessId: 1, dateFrom: '2026-10-01', dateTo: '2026-10-31' })).toBe(true);
    expect(validator(bodySchema)({ businessId: 1, dateFrom: '2026-10-01' })).toBe(false);
    expect(validator(bodySchema)({ businessId: 1, dateFrom: '01.10.2026', dateTo: '2026-10-31' })).toBe(false);
    const err = resolvePointer(pointerOf('paths', '/v2/reports/info/{reportId}', 'get', 'responses', '420'));
    expect(validator(`${err}/content/${escape('application/json')}/schema`)({ status: 'ERROR', errors: [] })).toBe(false);
  });

  it('the generate body and query the TOOL builds validate for every report type and option', () => {
    for (const report of TOOL_REPORTS) {
      const req = buildRequest(tool.input.shape.report.parse(report)!, runtime);
      const template = `/v2/reports/${req.type}/generate`;
      const opPointer = pointerOf('paths', template, 'post');
      const bodyPointer = resolvePointer(`${opPointer}/requestBody`);
      check(`${bodyPointer}/content/${escape('application/json')}/schema`, req.body, `${req.type} body from ${JSON.stringify(report)}`);
      // Query parameters as the client sends them: format always, language only where declared.
      const declared = new Map<string, string>();
      (at(opPointer).parameters ?? []).forEach((_p: Json, i: number) => {
        const pointer = resolvePointer(`${opPointer}/parameters/${i}`);
        if (at(pointer).in === 'query') declared.set(at(pointer).name, pointer);
      });
      check(`${declared.get('format')}/schema`, req.format, `${req.type} format`);
      if (declared.has('language')) check(`${declared.get('language')}/schema`, req.language, `${req.type} language`);
    }
    // shows-sales: exactly one of businessId / campaignId, as the spec's oneOf demands.
    const bodies = TOOL_REPORTS.filter((r) => /shows/.test(String(r.type))).map((r) => buildRequest(tool.input.shape.report.parse(r)!, runtime).body);
    expect(bodies.map((b) => Object.keys(b).filter((k) => k === 'businessId' || k === 'campaignId'))).toEqual([['campaignId'], ['businessId']]);
  });

  it('an end-to-end run of the tool for all four report types: every request sent and every simulator answer validate', async () => {
    const firstRequest = sim.server.requests.length;
    const firstExchange = sim.exchanges.length;
    for (const report of TOOL_REPORTS) {
      const args = tool.input.parse({ report, max_wait_seconds: 20 });
      const result = await tool.run(args, toolContext());
      const type = String(report.type).toLowerCase().replace(/[\s_]+/g, '-');
      expect(result.structured.status, JSON.stringify(report)).toMatch(/DONE|FAILED/);
      // The seeded orders cover the last 120 days, so last month always has data.
      if (report.period === 'last_month') expect(result.structured.ready, JSON.stringify(report)).toBe(true);
      expect(result.structured.report_type).toBe(type);
      // Only the orders report gets the orders headline; the services report gets its charges.
      expect(result.structured.orders !== undefined, type).toBe(type === 'united-orders' && result.structured.ready);
      if (type === 'united-marketplace-services' && result.structured.ready) expect(result.structured.service_charges).toBeDefined();
      expect(tool.output.safeParse(result.structured).success).toBe(true);
    }
    const sent = sim.server.requests.slice(firstRequest).filter((r) => r.path.startsWith('/v2/'));
    const generates = sent.filter((r) => r.path.endsWith('/generate'));
    expect(generates).toHaveLength(TOOL_REPORTS.length);
    expect(sent.length).toBeGreaterThan(TOOL_REPORTS.length);
    for (const r of sent) checkRequest(r);
    // The bodies on the wire carry the options the tool was given.
    expect(generates.map((g) => Object.keys(g.json as Json).sort())).toEqual([
      ['businessId', 'campaignIds', 'dateFrom', 'dateTo', 'promoId'],
      ['businessId', 'dateFrom', 'dateTo'],
      ['businessId', 'campaignIds', 'dateFrom', 'dateTo', 'inns', 'placementPrograms'],
      ['campaignId', 'dateFrom', 'dateTo', 'grouping'],
      ['businessId', 'dateFrom', 'dateTo', 'grouping'],
      ['campaignId', 'dateFrom', 'dateTo', 'shopSku'],
    ]);
    expect(generates.map((g) => g.query.get('language'))).toEqual(['EN', 'RU', 'RU', null, null, null]);
    // The simulator's side of the same run: every answer by its status against the operation's responses.
    const answers = sim.exchanges.slice(firstExchange);
    expect(answers).toHaveLength(sent.length);
    for (const [i, a] of answers.entries()) {
      const match = checkRequest(sent[i]!);
      expect(a.path).toBe(sent[i]!.path);
      checkResponse(match.template, match.method, a.status, a.body);
      for (const h of ['X-RateLimit-Resource-Limit', 'X-RateLimit-Resource-Remaining', 'X-RateLimit-Resource-Until']) expect(a.headers[h], h).toBeDefined();
      expect(Number.isNaN(Date.parse(a.headers['X-RateLimit-Resource-Until']!))).toBe(false);
    }
    // The file link is fetched without credentials (it is pre-signed).
    const downloads = sim.server.requests.slice(firstRequest).filter((r) => r.path.startsWith('/files/'));
    expect(downloads.length).toBeGreaterThan(0);
    for (const d of downloads) expect(d.headers['api-key'] ?? d.headers.authorization).toBeUndefined();
  });

  it('error answers (400, 401, 403, 404, 420) have the spec error bodies', async () => {
    const key = { 'api-key': sim.apiKey, 'content-type': 'application/json' };
    const gen = '/v2/reports/united-orders/generate';
    const good = JSON.stringify({ businessId: sim.businessId, dateFrom: '2026-10-01', dateTo: '2026-10-31' });
    const cases = [
      { template: gen, method: 'post', res: await raw({ method: 'POST', path: gen, query: new URLSearchParams('format=JSON'), headers: key, body: JSON.stringify({ businessId: sim.businessId }) }), status: 400 },
      { template: gen, method: 'post', res: await raw({ method: 'POST', path: gen, query: new URLSearchParams('format=JSON'), headers: { 'content-type': 'application/json' }, body: good }), status: 401 },
      { template: gen, method: 'post', res: await raw({ method: 'POST', path: gen, query: new URLSearchParams('format=JSON'), headers: { ...key, 'api-key': 'ACMA:not-a-key' }, body: good }), status: 403 },
      { template: gen, method: 'post', res: await raw({ method: 'POST', path: gen, headers: key, body: JSON.stringify({ businessId: sim.businessId + 1, dateFrom: '2026-10-01', dateTo: '2026-10-31' }) }), status: 403 },
      { template: '/v2/reports/info/{reportId}', method: 'get', res: await raw({ method: 'GET', path: '/v2/reports/info/nope', headers: key }), status: 404 },
    ];
    for (const c of cases) {
      expect(c.res.status).toBe(c.status);
      checkResponse(c.template, c.method, c.res.status, c.res.body);
      expect(c.res.body.status).toBe('ERROR');
    }

    // 420 beyond 4 parallel requests.
    sim.settings.latencyMs = 150;
    const burst = await Promise.all(Array.from({ length: 6 }, () => raw({ method: 'GET', path: '/v2/reports/info/nope', headers: key })));
    sim.settings.latencyMs = 0;
    const limited = burst.filter((b) => b.status === 420);
    expect(limited.length).toBe(2);
    for (const b of limited) {
      checkResponse('/v2/reports/info/{reportId}', 'get', 420, b.body);
      expect(b.body.errors[0].message).toMatch(/4 parallel requests/);
    }

    // 420 when a resource quota is spent, with Remaining 0 and Until.
    sim.settings.quotas['generate.shows-sales'] = { limit: 1, windowMs: 60_000 };
    const body = JSON.stringify({ businessId: sim.businessId, dateFrom: '2026-10-01', dateTo: '2026-10-31', grouping: 'CATEGORIES' });
    const path = '/v2/reports/shows-sales/generate';
    const first = await raw({ method: 'POST', path, headers: key, body });
    const second = await raw({ method: 'POST', path, headers: key, body });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-resource-remaining')).toBe('0');
    expect(second.status).toBe(420);
    checkResponse('/v2/reports/shows-sales/generate', 'post', 420, second.body);
    expect(Date.parse(second.headers.get('x-ratelimit-resource-until')!)).toBeGreaterThan(Date.now());
  });

  it('sends the deprecated OAuth token in Authorization when no Api-Key is configured', async () => {
    const oauthRuntime = new Runtime(loadConfig({ MARKET_BASE_URL: sim.url, MARKET_OAUTH_TOKEN: sim.oauthToken }));
    const before = sim.server.requests.length;
    await expect(new MarketClient(oauthRuntime).info('nope')).rejects.toMatchObject({ status: 404 });
    const sent = sim.server.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${sim.oauthToken}`);
    expect(sent[0]!.headers['api-key']).toBeUndefined();
    checkRequest(sent[0]!);
  });

  it('the client pauses a method (not the whole source) when X-RateLimit-Resource-Remaining hits 0', async () => {
    sim.settings.quotas['generate.goods-movement'] = { limit: 1, windowMs: 60_000 };
    const body = { campaignId: sim.campaignId, dateFrom: '2026-10-01', dateTo: '2026-10-31' };
    // The previous test's window may still be open: a fresh resource name is not possible, so use a fresh window.
    await client.generate('goods-movement', body, 'JSON', undefined).catch(() => undefined);
    const until = client.upstream.pausedUntil('generate.goods-movement');
    expect(until).toBeGreaterThan(Date.now() + 30_000);
    expect(client.upstream.pausedUntil('reports.info')).toBe(0);
    expect(client.upstream.pausedUntil()).toBe(0);
    // A second generation within a short deadline is refused locally, without a request.
    const before = sim.server.requests.length;
    await expect(client.generate('goods-movement', body, 'JSON', undefined, { deadlineMs: 1_000 })).rejects.toMatchObject({ code: 'rate_limited' });
    expect(sim.server.requests.length).toBe(before);
  });
});
