import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { SOURCE_LABEL, type SourceName } from './config.js';
import { NAMED_PERIODS, type NamedPeriod } from './period.js';
import type { Runtime } from './runtime.js';

/**
 * revenue_report: the morning/weekly report as one prompt (a slash command in Claude Desktop, a fixed
 * first message for agent pipelines). It names only the listed tools whose source is configured, so the
 * assistant does not spend calls on tools it cannot see or sources that can only answer "not configured".
 */

const STEPS: Record<SourceName, { tool: string; step: (period: string) => string }> = {
  lifepos: { tool: 'get_revenue_widget', step: (p) => `get_revenue_widget {"period":"${p}"} — LIFE POS revenue, payments, refunds, growth vs the previous period` },
  ofd: { tool: 'get_sales_aggregation', step: (p) => `get_sales_aggregation {"period":"${p}"} — Yandex OFD fiscal sales, refunds, receipts, change vs the previous period` },
  posiflora: { tool: 'list_posiflora_orders', step: (p) => `list_posiflora_orders {"period":"${p}","limit":0} — Posiflora orders by status: totals, paid, outstanding` },
  market: {
    tool: 'await_market_report',
    step: (p) =>
      `await_market_report {"report":{"type":"united-orders","period":"${p}"}} — Yandex Market orders and revenue; generation takes a while, so if it is not ready, call again with the report_id it gives`,
  },
};

export function registerPrompts(server: McpServer, runtime: Runtime, listed: readonly string[]): void {
  server.registerPrompt(
    'revenue_report',
    {
      title: 'Revenue report',
      description: 'A short revenue report for a period from every configured source, compared with the period before.',
      argsSchema: {
        period: z.string().optional().describe(`Named period: ${NAMED_PERIODS.join(', ')}. Default yesterday.`),
      },
    },
    ({ period }) => {
      const name = (NAMED_PERIODS as readonly string[]).includes(period?.trim() ?? '') ? (period!.trim() as NamedPeriod) : 'yesterday';
      const configured = (Object.keys(STEPS) as SourceName[]).filter((s) => !runtime.missing(s));
      const sources = configured.filter((s) => listed.includes(STEPS[s].tool));
      const steps = sources.map((s, i) => `${i + 1}. ${STEPS[s].step(name)}.`).join('\n');
      const text =
        configured.length === 0
          ? 'No revenue source is configured on this server yet. Explain to me which environment variables to set (see the tools\' error messages or the README).'
          : sources.length === 0
            ? `None of the report's tools (${configured.map((s) => STEPS[s].tool).join(', ')}) is enabled on this server: REVENUE_TOOLS or --tools leaves them out. Tell me so, and that adding them there enables the report.`
            : `Write a short revenue report for the period "${name}" (time zone ${runtime.config.tz}).\n` +
            `Call these tools:\n${steps}\n` +
            'Lead with net revenue per source and its change versus the previous period (absolute and %), then notable items ' +
            '(refund spikes, unpaid orders, best and worst day). Quote figures exactly as the tools give them, in roubles; ' +
            `do not add up figures from different sources as if they were one total (${sources.map((s) => SOURCE_LABEL[s]).join(', ')} may count the same sale). ` +
            'If a tool returns an error, say which source failed and why, and continue with the others.';
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
}
