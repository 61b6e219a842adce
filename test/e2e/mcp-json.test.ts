import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, SOURCE_LABEL, loadConfig } from '../../src/config.js';
import { loadTools } from '../../tools/index.js';
import { MAIN, cleanEnv, runCli, textOf } from '../helpers/mcp.js';

const TOOLS = await loadTools();

/**
 * A config pasted into a desktop client just works: mcp.json and `revenue-mcp config claude` name only
 * real flags and variables, and with every placeholder left in the server starts, lists every tool, and
 * each tool answers with what to set.
 */

interface Entry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}
const MCP_JSON = JSON.parse(readFileSync(new URL('../../mcp.json', import.meta.url), 'utf8')) as { mcpServers: Record<string, Entry> };

/** Arguments each tool accepts, so the call reaches the "not configured" answer rather than input checks. */
const ARGS: Record<string, Record<string, unknown>> = {
  get_revenue_widget: { period: 'yesterday' },
  get_sale: { deal_guid: '3f2a8c1e-5b7d-4e9a-8c10-2d4f6a8b0c12' },
  get_sales_aggregation: { period: 'yesterday' },
  await_market_report: { report: { type: 'united-orders', period: 'last_month' } },
  list_posiflora_orders: { period: 'yesterday' },
  list_sales: { period: 'yesterday' },
};

async function connect(command: string, args: string[], env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({ command, args, env: cleanEnv(env), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'mcp-json-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

/** With nothing configured: every tool listed, each call an isError naming its source and what to set. */
async function expectEveryToolSaysWhatToSet(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.name).sort());
  const unconfigured = loadConfig({});
  // Tools of one source say what to set; check_sources says it for every source, in one answer.
  const sources = await client.callTool({ name: 'check_sources', arguments: {} });
  expect(sources.isError).toBeFalsy();
  for (const s of (sources.structuredContent as { sources: Array<{ credentials: string }> }).sources) expect(s.credentials).toBe('not_configured');
  for (const spec of TOOLS.filter((t) => t.source)) {
    const res = await client.callTool({ name: spec.name, arguments: ARGS[spec.name] ?? {} });
    expect(res.isError, spec.name).toBe(true);
    const firstVariable = unconfigured[spec.source!].missing[0]!.split(' ')[0]!;
    expect(textOf(res), spec.name).toContain(`${SOURCE_LABEL[spec.source!]} is not configured. Set ${firstVariable}`);
  }
}

describe('mcp.json', () => {
  it('uses only flags the CLI accepts and variables the server reads', async () => {
    const entries = Object.entries(MCP_JSON.mcpServers);
    expect(entries.map(([name]) => name)).toEqual(['revenue', 'revenue-demo']);
    for (const [name, entry] of entries) {
      expect(entry.command, name).toBe('revenue-mcp');
      // parseArgs is strict: an unknown flag fails before --help is honoured.
      const res = await runCli([...entry.args, '--help']);
      expect(res.code, `${name}: ${res.stderr}`).toBe(0);
      for (const key of Object.keys(entry.env ?? {})) expect(CONFIG_VARIABLES, `${name}: ${key}`).toContain(key);
    }
  });

  it('the revenue entry with every placeholder left in starts, lists every tool, and each says what to set', async () => {
    const entry = MCP_JSON.mcpServers.revenue!;
    const s = await connect(process.execPath, [MAIN, ...entry.args], entry.env);
    try {
      await expectEveryToolSaysWhatToSet(s.client);
      const placeholders = Object.entries(entry.env!).filter(([, v]) => v.startsWith('<')).map(([k]) => k);
      const warning = s.stderr().split('\n').filter((l) => l.includes('treated as unset'));
      expect(warning).toHaveLength(1);
      for (const name of placeholders) expect(warning[0]).toContain(name);
      const { prompts } = await s.client.listPrompts();
      expect(prompts.map((p) => p.name)).toContain('daily_revenue_report');
    } finally {
      await s.client.close();
    }
  });
});

describe('revenue-mcp config claude', () => {
  it('prints an entry with this node and this main.js, the same variables as mcp.json, and it starts', async () => {
    const res = await runCli(['config', 'claude']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/claude_desktop_config\.json/);
    const printed = JSON.parse(res.stdout) as { mcpServers: Record<string, Entry> };
    const entry = printed.mcpServers.revenue!;
    expect(Object.keys(printed.mcpServers)).toEqual(['revenue']);
    expect(entry.command).toBe(process.execPath);
    expect(isAbsolute(entry.args[0]!)).toBe(true);
    expect(entry.args).toEqual([MAIN]);
    expect(Object.keys(entry.env!)).toEqual(Object.keys(MCP_JSON.mcpServers.revenue!.env!));

    // What Claude Desktop does with the pasted entry: spawn exactly that command, args and env.
    const s = await connect(entry.command, entry.args, entry.env);
    try {
      await expectEveryToolSaysWhatToSet(s.client);
    } finally {
      await s.client.close();
    }
  });

  it('--demo prints a credential-free entry that serves demo data', async () => {
    const res = await runCli(['config', 'claude', '--demo']);
    expect(res.code, res.stderr).toBe(0);
    const entry = (JSON.parse(res.stdout) as { mcpServers: Record<string, Entry> }).mcpServers['revenue-demo']!;
    expect(entry).toEqual({ command: process.execPath, args: [MAIN, '--demo'] });
    const s = await connect(entry.command, entry.args);
    try {
      const call = await s.client.callTool({ name: 'get_sales_aggregation', arguments: { period: 'last_week' } });
      expect(call.isError, textOf(call)).toBeFalsy();
      expect(textOf(call)).toMatch(/₽/);
    } finally {
      await s.client.close();
    }
  });

  it('a wrong client name is a usage error', async () => {
    const res = await runCli(['config', 'cursor']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/revenue-mcp config claude/);
  });
});
