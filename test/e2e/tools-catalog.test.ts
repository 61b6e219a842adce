import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../../src/catalog.js';
import { readConfig, SOURCE_LABEL, type SourceName } from '../../src/config.js';
import { Runtime } from '../../src/runtime.js';
import { buildServer } from '../../src/server.js';
import { selectTools } from '../../src/toolset.js';
import { TOOLS } from '../../tools/index.js';
import { connectStdio, runCli } from '../helpers/mcp.js';

/**
 * `revenue-mcp tools` prints the catalog the build writes (dist/src/tools-list.json, src/catalog.ts) instead of
 * starting a server. It can never drift from the server: for every selection — each set of configured
 * sources, with and without --all-tools, and REVENUE_TOOLS naming each source and each tool — the catalog
 * filtered as the CLI filters it equals the live server's tools/list answer, byte for byte as JSON.
 */

const BUILT = fileURLToPath(new URL('../../dist/src/tools-list.json', import.meta.url));
const catalog = (JSON.parse(readFileSync(BUILT, 'utf8')) as { tools: CatalogEntry[] }).tools;

/** Credentials that make each source count as configured. */
const CREDENTIALS: Record<SourceName, Record<string, string>> = {
  lifepos: { LIFEPOS_TOKEN: 'lp-token-1234' },
  ofd: { OFD_TOKEN: 'ofd-token-1234' },
  market: { MARKET_API_KEY: 'market-key-1234', MARKET_BUSINESS_ID: '1', MARKET_CAMPAIGN_ID: '2' },
  posiflora: { POSIFLORA_ACCOUNT: 'shop', POSIFLORA_USERNAME: 'user', POSIFLORA_PASSWORD: 'secret' },
};
const SOURCES = Object.keys(SOURCE_LABEL) as SourceName[];

/** The live server's tools/list result, as raw JSON-RPC (what goes over the wire). */
async function liveList(runtime: Runtime): Promise<unknown> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = buildServer(runtime);
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
  const list = await ask(2, 'tools/list', {});
  await clientSide.close();
  await server.close();
  return JSON.parse(JSON.stringify(list));
}

describe('tools catalog', () => {
  it('holds every tool, in order, with its source and always-listed flag', () => {
    expect(catalog.map((e) => [e.name, e.source, e.alwaysListed ?? false])).toEqual(TOOLS.map((t) => [t.name, t.source, t.alwaysListed ?? false]));
  });

  it('filtered as the CLI filters it, equals the live tools/list for every selection', async () => {
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
        expect(printed, `${configured.join('+') || 'nothing'} configured, ${JSON.stringify({ only, all })}`).toEqual(await liveList(runtime));
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
});
