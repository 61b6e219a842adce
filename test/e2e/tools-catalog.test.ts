import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { liveCatalog, type CatalogEntry } from '../../src/catalog.js';
import { readConfig, SOURCE_LABEL, type SourceName } from '../../src/config.js';
import { Runtime } from '../../src/runtime.js';
import { buildServer } from '../../src/server.js';
import { selectTools } from '../../src/toolset.js';
import { loadTools } from '../../tools/index.js';
import { connectStdio, runCli, type StdioSession } from '../helpers/mcp.js';

/**
 * The server lists tools and their resources from the catalog the build writes (dist/src/tools-list.json,
 * src/catalog.ts) and loads a tool's module on its first call; `revenue-mcp tools` prints the catalog without
 * starting a server. Neither can drift from the tools' modules: for every selection — each set of configured
 * sources, with and without --all-tools, and REVENUE_TOOLS naming each source and each tool — the catalog
 * filtered as the CLI filters it equals the tools/list answer of a server built from the modules, byte for
 * byte as JSON, and a server built from the catalog answers tools/list, resources/list and
 * resources/templates/list exactly as that one does.
 */

const BUILT = fileURLToPath(new URL('../../dist/src/tools-list.json', import.meta.url));
const catalog = (JSON.parse(readFileSync(BUILT, 'utf8')) as { tools: CatalogEntry[] }).tools;
/** The same catalog made from the tools' modules (what a tsc-only build falls back to). */
const live = await liveCatalog();
const TOOLS = await loadTools();

/** Credentials that make each source count as configured. */
const CREDENTIALS: Record<SourceName, Record<string, string>> = {
  lifepos: { LIFEPOS_TOKEN: 'lp-token-1234' },
  ofd: { OFD_TOKEN: 'ofd-token-1234' },
  market: { MARKET_API_KEY: 'market-key-1234', MARKET_BUSINESS_ID: '1', MARKET_CAMPAIGN_ID: '2' },
  posiflora: { POSIFLORA_ACCOUNT: 'shop', POSIFLORA_USERNAME: 'user', POSIFLORA_PASSWORD: 'secret' },
};
const SOURCES = Object.keys(SOURCE_LABEL) as SourceName[];

const LISTS = ['tools/list', 'resources/list', 'resources/templates/list'] as const;

/** A server's answers to LISTS, as raw JSON-RPC (what goes over the wire). */
async function lists(runtime: Runtime, entries: readonly CatalogEntry[]): Promise<Record<(typeof LISTS)[number], unknown>> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = buildServer(runtime, entries);
  await server.connect(serverSide);
  const waiting = new Map<number, (answer: unknown) => void>();
  clientSide.onmessage = (m) => {
    if ('id' in m && typeof m.id === 'number') waiting.get(m.id)?.('result' in m ? m.result : m);
  };
  await clientSide.start();
  const ask = async (id: number, method: string, params: Record<string, unknown>) => {
    const answer = new Promise((resolve) => waiting.set(id, resolve));
    await clientSide.send({ jsonrpc: '2.0', id, method, params });
    return answer;
  };
  await ask(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'catalog-test', version: '1' } });
  await clientSide.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const answers = Object.fromEntries(await Promise.all(LISTS.map(async (method, i) => [method, await ask(2 + i, method, {})] as const)));
  await clientSide.close();
  await server.close();
  return JSON.parse(JSON.stringify(answers)) as Record<(typeof LISTS)[number], unknown>;
}

describe('tools catalog', () => {
  it('holds every tool, in order, with its source, always-listed flag and resources', () => {
    expect(catalog.map((e) => [e.name, e.source, e.alwaysListed ?? false])).toEqual(TOOLS.map((t) => [t.name, t.source, t.alwaysListed ?? false]));
    expect(catalog).toEqual(live);
    expect(catalog.flatMap((e) => (e.resources ?? []).map((r) => `${e.name}: ${r.name}`))).toEqual(['await_market_report: market-report', 'check_sources: sources']);
  });

  it('filtered as the CLI filters it, equals the tools/list of a server built from the modules, and a server built from it lists the same, for every selection', async () => {
    const selections: Array<{ only?: string[]; all?: boolean }> = [
      {},
      { all: true },
      ...SOURCES.map((s) => ({ only: [s] })),
      ...TOOLS.map((t) => ({ only: [t.name] })),
      { only: ['ofd', 'get_sale'] },
    ];
    let compared = 0;
    for (let mask = 0; mask < 1 << SOURCES.length; mask++) {
      const configured = SOURCES.filter((_, i) => mask & (1 << i));
      const env = Object.assign({}, ...configured.map((s) => CREDENTIALS[s])) as Record<string, string>;
      for (const { only, all } of selections) {
        const { config, problems } = readConfig(env);
        expect(problems).toEqual([]);
        config.tools.only = only;
        config.tools.all = all ?? false;
        const printed = { tools: selectTools(config, catalog).listed.map((e) => e.tool) };
        const runtime = new Runtime(config);
        const why = `${configured.join('+') || 'nothing'} configured, ${JSON.stringify({ only, all })}`;
        const fromModules = await lists(runtime, live);
        expect(printed, why).toEqual(fromModules['tools/list']);
        expect(await lists(runtime, catalog), why).toEqual(fromModules);
        await runtime.close();
        compared++;
      }
    }
    expect(compared).toBe(16 * (2 + SOURCES.length + TOOLS.length + 1));
  });

  it('`revenue-mcp tools --json` prints what a client lists from the server under the same configuration', async () => {
    const cases: Array<{ env: Record<string, string>; args: string[] }> = [
      { env: {}, args: [] },
      { env: { ...CREDENTIALS.ofd, ...CREDENTIALS.posiflora }, args: [] },
      { env: CREDENTIALS.lifepos, args: ['--tools', 'market,get_sale'] },
    ];
    await Promise.all(
      cases.map(async ({ env, args }) => {
        const [cli, s] = await Promise.all([runCli(['tools', '--json', ...args], env), connectStdio({ env, args })]);
        try {
          expect(cli.code, cli.stderr).toBe(0);
          expect(JSON.parse(cli.stdout)).toEqual(await s.client.listTools());
        } finally {
          await s.close();
        }
      }),
    );
  });

  it('without it (a tsc-only build) or with one older than the tools, the server lists and answers from the modules', async () => {
    // A copy of the build, beside the repository's node_modules.
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'revenue-mcp-catalog-'));
    for (const part of ['dist/src', 'dist/tools', 'dist/app', 'package.json']) cpSync(join(root, part), join(dir, part), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const copied = join(dir, 'dist/src/tools-list.json');
    /** What a client sees: the lists, and a call refused for an unknown argument. */
    const seen = async (s: StdioSession) => [
      await s.client.listTools(),
      await s.client.listResources(),
      await s.client.listResourceTemplates(),
      await s.client.callTool({ name: 'get_sale', arguments: { deal_guid: 'x', no_such_argument: 1 } }),
    ];
    const reference = await connectStdio();
    try {
      const expected = await seen(reference);
      rmSync(copied);
      const missing = await connectStdio({ main: join(dir, 'dist/src/main.js') });
      expect(await seen(missing).finally(() => missing.close())).toEqual(expected);
      // A catalog older than the tools' modules (tsc rebuilt them) is not read, whatever it says.
      writeFileSync(copied, JSON.stringify({ tools: catalog.map((e) => ({ ...e, tool: { ...e.tool, description: 'stale' } })) }));
      utimesSync(copied, new Date(2000, 0, 1), new Date(2000, 0, 1));
      const stale = await connectStdio({ main: join(dir, 'dist/src/main.js') });
      expect(await seen(stale).finally(() => stale.close())).toEqual(expected);
    } finally {
      await reference.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
