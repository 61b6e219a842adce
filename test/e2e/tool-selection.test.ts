import { describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../tools/index.js';
import { connectStdio, runCli, textOf } from '../helpers/mcp.js';

/**
 * Which tools a server lists, through a real MCP client: only those whose source is configured; all of
 * them with --demo, with --all-tools, or when nothing is configured; REVENUE_TOOLS / --tools narrows by
 * tool or source name; check_sources is always listed. The daily_revenue_report prompt and the `tools` / `call` commands follow the same set.
 */

const OFD_ONLY = { OFD_YANDEX_KEY: 'yk-test-1234', OFD_KEY: 'ok-test-5678' };
const ALL = [...TOOL_NAMES].sort();

async function listed(options: Parameters<typeof connectStdio>[0]): Promise<{ names: string[]; prompt: string }> {
  const s = await connectStdio(options);
  try {
    const names = (await s.client.listTools()).tools.map((t) => t.name).sort();
    const p = await s.client.getPrompt({ name: 'daily_revenue_report', arguments: { period: 'last_week' } });
    return { names, prompt: (p.messages[0]!.content as { text: string }).text };
  } finally {
    await s.close();
  }
}

describe('tool selection', () => {
  it('lists only tools whose source is configured (and revenue_overview, which reads whichever are)', async () => {
    const { names, prompt } = await listed({ env: OFD_ONLY });
    expect(names).toEqual(['check_sources', 'get_sales_aggregation', 'revenue_overview']);
    expect(prompt).toContain('get_sales_aggregation {"period":"last_week"}');
  });

  it('--all-tools lists unconfigured ones too, and they say what to set', async () => {
    const s = await connectStdio({ env: OFD_ONLY, args: ['--all-tools'] });
    try {
      expect((await s.client.listTools()).tools.map((t) => t.name).sort()).toEqual(ALL);
      const res = await s.client.callTool({ name: 'get_revenue_widget', arguments: { period: 'yesterday' } });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toMatch(/LIFE POS is not configured\. Set LIFEPOS_TOKEN/);
    } finally {
      await s.close();
    }
  });

  it('--demo lists every tool', async () => {
    expect((await listed({ args: ['--demo'] })).names).toEqual(ALL);
  });

  it('REVENUE_TOOLS narrows by tool and source name, case-insensitively; the prompt follows', async () => {
    const { names, prompt } = await listed({ env: { REVENUE_TOOLS: 'GET_SALE, ofd' }, args: ['--demo'] });
    expect(names).toEqual(['check_sources', 'get_sale', 'get_sales_aggregation']);
    expect(prompt).toContain('get_sales_aggregation');
    expect(prompt).not.toMatch(/get_revenue_widget|list_posiflora_orders|await_market_report/);
  });

  it('--tools overrides REVENUE_TOOLS; a named tool is listed even when its source is not configured', async () => {
    const s = await connectStdio({ env: { ...OFD_ONLY, REVENUE_TOOLS: 'ofd' }, args: ['--tools', 'posiflora'] });
    try {
      expect((await s.client.listTools()).tools.map((t) => t.name)).toEqual(['list_posiflora_orders', 'check_sources']);
      const res = await s.client.callTool({ name: 'list_posiflora_orders', arguments: { period: 'yesterday' } });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toMatch(/Posiflora is not configured\. Set POSIFLORA_URL/);
    } finally {
      await s.close();
    }
  });

  it('an unknown name is a configuration error with the valid names and a did-you-mean', async () => {
    const env = await runCli(['tools'], { REVENUE_TOOLS: 'ofd,get_sael', HTTP_RETRIES: 'lots' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/2 configuration problems/);
    expect(env.stderr).toMatch(/REVENUE_TOOLS names "get_sael", which is neither a tool nor a source — did you mean "get_sale"\? Valid names: .*lifepos, ofd, market, posiflora/);
    expect(env.stderr).toMatch(/HTTP_RETRIES="lots" is invalid/);
    const cli = await runCli(['--tools', 'posiflor', '--demo']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/--tools names "posiflor".*did you mean "posiflora"\?/);
    const far = await runCli(['--tools', 'weather', '--demo']);
    expect(far.stderr).toMatch(/--tools names "weather", which is neither a tool nor a source\. Valid names: /);
  });

  it('the tools and call commands honour the selection and say how to enable a hidden tool', async () => {
    const tools = await runCli(['tools'], OFD_ONLY);
    expect(tools.code).toBe(0);
    expect(tools.stdout).toMatch(/^get_sales_aggregation /);
    expect(tools.stdout).not.toMatch(/get_sale /);
    expect(tools.stderr).toMatch(/get_sale is not listed because LIFE POS is not configured: set LIFEPOS_TOKEN.*--all-tools/);

    const hidden = await runCli(['call', 'get_sale', '{"deal_guid":"3f2a8c1e-5b7d-4e9a-8c10-2d4f6a8b0c12"}'], OFD_ONLY);
    expect(hidden.code).toBe(2);
    expect(hidden.stderr).toMatch(/get_sale is not listed because LIFE POS is not configured.*--all-tools/);

    const narrowed = await runCli(['call', 'get_sales_aggregation', '{"period":"last_week"}', '--demo', '--tools', 'get_sale']);
    expect(narrowed.code).toBe(2);
    expect(narrowed.stderr).toMatch(/get_sales_aggregation is not among the tools chosen by REVENUE_TOOLS or --tools \(get_sale\)/);
  });
});
