import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimServer, type SimReply, type SimRequest } from '../../src/sim/framework.js';
import { connectStdio, runCli, startHttpServer, textOf, type StdioSession } from '../helpers/mcp.js';
import { CREDENTIAL_VARIABLES, DISTINCTIVE_SECRETS, SecretSweep, scanForSecrets } from '../helpers/secrets.js';
import { allSourcesEnv, MARKET_FROM, MARKET_TO, startSims, type Sims } from '../reliability/fault-rigs.js';

/**
 * The secrets sweep: a distinctive value for every credential the server reads (CONFIG_VARIABLES), every
 * tool run end to end at LOG_LEVEL=debug with the on-disk cache on, over stdio, Streamable HTTP and the
 * CLI, plus an upstream that echoes every credential it receives back in its error bodies (the worst case).
 * Then every tool result, resource, prompt, MCP log notification, stderr line, CLI output, cache file and
 * snapshot under test/ is scanned for each secret, as is and JSON-escaped, URL-encoded and base64: zero
 * hits. The fault matrix (test/reliability/faults.test.ts) sweeps its own results and logs the same way.
 */

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));
/** Every snapshot directory under test/. */
const snapshotDirs = () => readdirSync(TEST_DIR, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('__snapshots__')).map((p) => join(TEST_DIR, p));
const ECHOED = ['x-yandex-key', 'x-ofd-key', 'x-yandex-ofd-token', 'authorization', 'api-key'];

const sweep = new SecretSweep();
let sims: Sims;
let cacheDir: string;

/** Every source configured against its simulator with the distinctive credentials, the disk cache on. */
function env(omit: readonly string[] = [], extra: Record<string, string> = {}): Record<string, string> {
  return allSourcesEnv(sims, omit, {
    HTTP_HEADERS_TIMEOUT_MS: '10000',
    HTTP_BODY_TIMEOUT_MS: '10000',
    MCP_HTTP_TOKEN: DISTINCTIVE_SECRETS.MCP_HTTP_TOKEN!,
    REVENUE_CACHE_DIR: cacheDir,
    OFD_CACHE_SETTLE_DAYS: '0',
    ...extra,
  });
}

beforeAll(async () => {
  sims = await startSims();
  cacheDir = mkdtempSync(join(tmpdir(), 'revenue-secrets-'));
}, 60_000);
afterAll(async () => {
  await sims?.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

/** A stdio session whose results, log notifications and stderr all go to the sweep. */
async function session(name: string, sessionEnv: Record<string, string>): Promise<StdioSession & { call(tool: string, args: Record<string, unknown>): Promise<ReturnType<typeof textOf>> }> {
  const s = await connectStdio({ env: sessionEnv });
  s.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => sweep.add(`${name}: log notification`, n.params));
  return {
    ...s,
    async call(tool, args) {
      const result = await s.client.callTool({ name: tool, arguments: args }, CallToolResultSchema, { timeout: 60_000, onprogress: (p) => sweep.add(`${name}: progress`, p) });
      sweep.add(`${name}: ${tool} result`, result);
      return textOf(result);
    },
    async close() {
      sweep.add(`${name}: stderr`, s.stderr());
      await s.close();
    },
  };
}

describe('secrets sweep: no credential in anything the server produces', () => {
  it('every credential the server reads has a distinctive value, and the scanner finds each in every form', () => {
    expect(CREDENTIAL_VARIABLES.length).toBeGreaterThanOrEqual(10);
    for (const name of CREDENTIAL_VARIABLES) expect(DISTINCTIVE_SECRETS, name).toHaveProperty(name);
    for (const [name, value] of Object.entries(DISTINCTIVE_SECRETS)) {
      const planted = [
        JSON.stringify({ message: `echo ${value}` }),
        JSON.stringify(JSON.stringify({ key: value })),
        `GET /x?key=${encodeURIComponent(value)}`,
        `Authorization: Basic ${Buffer.from(value).toString('base64')}`,
      ];
      for (const text of planted) expect(scanForSecrets([{ where: 'planted', text }]).map((h) => h.secret), `${name} in ${text}`).toContain(name);
    }
  });

  it('every tool, resource and prompt over stdio, with every source configured', async () => {
    // Phone sign-in for LIFE POS and the legacy OFD keys here; LIFEPOS_TOKEN and OFD_TOKEN in the next session.
    const s = await session('stdio', env(['LIFEPOS_TOKEN', 'OFD_TOKEN']));
    try {
      const sale = sims.lifepos.sales.find((x) => x.org_guid === sims.lifepos.orgs[0]!.guid)!;
      const texts = [
        await s.call('get_revenue_widget', { date_from: '2026-11-16', date_to: '2026-11-22' }),
        await s.call('get_sale', { deal_guid: sale.guid, response_format: 'detailed' }),
        await s.call('get_sale', { deal_guid: '00000000-0000-4000-8000-000000000000' }),
        await s.call('get_sales_aggregation', { date_from: '2026-03-02', date_to: '2026-03-08', response_format: 'detailed' }),
        await s.call('list_posiflora_orders', { date_from: '2026-05-01', date_to: '2026-05-31', group_by: ['status'], response_format: 'detailed', limit: 5 }),
        await s.call('list_posiflora_orders', { date_from: '2026-05-01', date_to: '2026-05-31', perod: 'x' }),
      ];
      const report = await s.client.callTool(
        { name: 'await_market_report', arguments: { report: { type: 'united-orders', date_from: MARKET_FROM, date_to: MARKET_TO }, max_wait_seconds: 30 } },
        CallToolResultSchema,
        { timeout: 60_000 },
      );
      sweep.add('stdio: await_market_report result', report);
      expect(report.isError, textOf(report)).toBeFalsy();
      const reportId = (report.structuredContent as { report_id: string }).report_id;
      sweep.add('stdio: market-report resource', await s.client.readResource({ uri: `market-report://${reportId}` }));
      sweep.add('stdio: resumed report', await s.call('await_market_report', { report_id: reportId }));
      sweep.add('stdio: tools/list', await s.client.listTools());
      sweep.add('stdio: resources/list', await s.client.listResources());
      for (const prompt of (await s.client.listPrompts()).prompts) {
        sweep.add(`stdio: prompt ${prompt.name}`, await s.client.getPrompt({ name: prompt.name, arguments: { period: 'last_week' } }));
      }
      expect(texts.every((t) => t.length > 0)).toBe(true);
    } finally {
      await s.close();
    }
    // The token variants: LIFE POS with LIFEPOS_TOKEN only, Yandex OFD through OFD_TOKEN, Market by OAuth.
    const t = await session('stdio tokens', env(['LIFEPOS_PHONE', 'LIFEPOS_PASSWORD', 'MARKET_API_KEY']));
    try {
      await t.call('get_revenue_widget', { date_from: '2026-11-16', date_to: '2026-11-22' });
      await t.call('get_sales_aggregation', { date_from: '2026-03-02', date_to: '2026-03-15', interval: 'week', precision: 'exact' });
      // Cached days read back from disk.
      await t.call('get_sales_aggregation', { date_from: '2026-03-02', date_to: '2026-03-15', interval: 'week', precision: 'exact' });
    } finally {
      await t.close();
    }
    expect(sims.ofdPublic.server.requests.some((r) => r.headers['x-yandex-ofd-token'] === DISTINCTIVE_SECRETS.OFD_TOKEN)).toBe(true);
    expect(sims.lifepos.server.requests.some((r) => r.headers.authorization === `Bearer ${DISTINCTIVE_SECRETS.LIFEPOS_TOKEN}`)).toBe(true);
    expect(sweep.addFiles('cache', cacheDir)).toBeGreaterThan(0);
  }, 120_000);

  it('an upstream echoing every credential it receives, through retries and errors', async () => {
    let calls = 0;
    const echo = new SimServer({
      name: 'echo',
      routes: [],
      before: (req: SimRequest): SimReply => {
        calls += 1;
        const seen = ECHOED.map((h) => `${h}=${req.headers[h] ?? ''}`).join(' ');
        // First a 503 carrying the secrets (retried, logged), then a 401 carrying them, and the body sent.
        return { status: calls % 2 === 1 ? 503 : 401, body: { code: 1, message: `rejected: ${seen} ${req.text}`, errors: [{ code: 'X', message: seen, detail: req.text }], echo: seen } };
      },
    });
    const url = await echo.start();
    try {
      const everywhere = {
        LIFEPOS_BASE_URL: url,
        OFD_BASE_URL: url,
        OFD_PUBLIC_BASE_URL: url,
        MARKET_BASE_URL: url,
        POSIFLORA_URL: url,
        HTTP_RETRIES: '1',
      };
      for (const [label, omit] of [
        ['echo legacy', ['OFD_TOKEN', 'LIFEPOS_TOKEN']],
        ['echo tokens', ['LIFEPOS_PHONE', 'LIFEPOS_PASSWORD', 'MARKET_API_KEY']],
      ] as const) {
        const s = await session(label, env(omit, everywhere));
        try {
          for (const [tool, args] of [
            ['get_revenue_widget', { period: 'last_week' }],
            ['get_sale', { deal_guid: '7564edaa-27bd-4f16-aa8a-6b1d0fecf4d0' }],
            ['get_sales_aggregation', { period: 'last_week' }],
            ['await_market_report', { report: { type: 'united-orders', period: 'last_month' }, max_wait_seconds: 5 }],
            ['list_posiflora_orders', { period: 'last_week' }],
          ] as const) {
            expect(await s.call(tool, args)).not.toBe('');
          }
        } finally {
          await s.close();
        }
      }
      // The upstream really received (and echoed) the credentials.
      for (const [header, value] of [
        ['x-yandex-key', DISTINCTIVE_SECRETS.OFD_YANDEX_KEY],
        ['x-yandex-ofd-token', DISTINCTIVE_SECRETS.OFD_TOKEN],
        ['api-key', DISTINCTIVE_SECRETS.MARKET_API_KEY],
        ['authorization', `Bearer ${DISTINCTIVE_SECRETS.LIFEPOS_TOKEN}`],
      ] as const) {
        expect(echo.requests.some((r) => r.headers[header] === value), header).toBe(true);
      }
      expect(echo.requests.some((r) => r.text.includes(JSON.stringify(DISTINCTIVE_SECRETS.POSIFLORA_PASSWORD)))).toBe(true);

      const cli = await runCli(['call', 'get_sales_aggregation', '{"period":"yesterday"}', '--json'], env(['OFD_TOKEN'], everywhere));
      expect(cli.code).toBe(1);
      sweep.add('cli stdout', cli.stdout);
      sweep.add('cli stderr', cli.stderr);
      // What the upstream echoed did reach the output, scrubbed.
      expect(sweep.texts.filter((t) => t.where.startsWith('echo') && t.text.includes('***')).length).toBeGreaterThan(0);
    } finally {
      await echo.close();
    }
  }, 120_000);

  it('over Streamable HTTP with MCP_HTTP_TOKEN, refused and accepted requests alike', async () => {
    const server = await startHttpServer({ env: env(['LIFEPOS_TOKEN', 'OFD_TOKEN']) });
    try {
      const token = DISTINCTIVE_SECRETS.MCP_HTTP_TOKEN;
      const wrong = await fetch(`${server.url}/mcp`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}x` } });
      const headers: string[] = [];
      wrong.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
      sweep.add('http: wrong token', `${wrong.status} ${headers.join('\n')} ${await wrong.text()}`);
      expect(wrong.status).toBe(401);
      const client = new Client({ name: 'secrets-sweep', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      const result = await client.callTool({ name: 'get_sales_aggregation', arguments: { date_from: '2026-03-02', date_to: '2026-03-08' } });
      sweep.add('http: result', result);
      expect(result.isError, textOf(result)).toBeFalsy();
      await client.close();
      const ready = await fetch(`${server.url}/readyz`, { headers: { authorization: `Bearer ${token}` } });
      sweep.add('http: readyz', await ready.text());
    } finally {
      await server.stop();
      sweep.add('http: stderr', server.stderr());
    }
  }, 60_000);

  it('zero hits in results, logs, stderr, CLI output, cache files and snapshots', () => {
    const snapshots = snapshotDirs().reduce((n, dir) => n + sweep.addFiles(dir, dir), 0);
    expect(snapshots).toBeGreaterThan(0);
    expect(sweep.size).toBeGreaterThan(50_000);
    expect(sweep.hits()).toEqual([]);
  });
});
