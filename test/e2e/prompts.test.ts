import { describe, expect, it } from 'vitest';
import { connectStdio } from '../helpers/mcp.js';

/** The revenue_report prompt names exactly the tools whose source is configured. */
describe('revenue_report prompt', () => {
  it('with no source configured, asks for configuration instead of tool calls', async () => {
    const s = await connectStdio();
    try {
      const { prompts } = await s.client.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(['revenue_report']);
      expect(prompts[0]!.arguments?.map((a) => a.name)).toEqual(['period']);
      const p = await s.client.getPrompt({ name: 'revenue_report', arguments: {} });
      const text = (p.messages[0]!.content as { text: string }).text;
      expect(text).toMatch(/No revenue source is configured/);
      expect(text).not.toMatch(/get_sales_aggregation/);
    } finally {
      await s.close();
    }
  });

  it('lists one step per configured source, for the requested period', async () => {
    const s = await connectStdio({ args: ['--demo'] });
    try {
      const p = await s.client.getPrompt({ name: 'revenue_report', arguments: { period: 'last_week' } });
      const text = (p.messages[0]!.content as { text: string }).text;
      for (const call of [
        'get_revenue_widget {"period":"last_week"}',
        'get_sales_aggregation {"period":"last_week"}',
        'list_posiflora_orders {"period":"last_week","limit":0}',
        'await_market_report {"report":{"type":"united-orders","period":"last_week"}}',
      ]) {
        expect(text).toContain(call);
      }
      expect(text).toMatch(/Europe\/Moscow/);
      // an unknown period falls back to yesterday rather than failing the prompt
      const q = await s.client.getPrompt({ name: 'revenue_report', arguments: { period: 'fortnight' } });
      expect((q.messages[0]!.content as { text: string }).text).toContain('"period":"yesterday"');
    } finally {
      await s.close();
    }
  });

  it('names only the configured sources', async () => {
    const s = await connectStdio({ env: { OFD_YANDEX_KEY: 'k-1234', OFD_KEY: 'k-5678' } });
    try {
      const p = await s.client.getPrompt({ name: 'revenue_report', arguments: { period: 'yesterday' } });
      const text = (p.messages[0]!.content as { text: string }).text;
      expect(text).toContain('get_sales_aggregation');
      expect(text).not.toContain('get_revenue_widget');
      expect(text).not.toContain('list_posiflora_orders');
      expect(text).not.toContain('k-1234');
    } finally {
      await s.close();
    }
  });
});
