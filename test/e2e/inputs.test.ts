import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';

/**
 * Hostile and mistaken inputs, through a real MCP client over stdio against `--demo`: every bad call is an
 * isError that names the field (and never carries zod's text), every forgiven spelling is answered, and
 * after each call the tool still answers a valid one.
 */

const SALE = '7564edaa-27bd-4f16-aa8a-6b1d0fecf4d0';
const FUTURE = '2099-01-01';

interface Case {
  tool: string;
  args: Record<string, unknown>;
  /** What the error must say (field and fix); undefined: the call must be accepted. */
  error?: RegExp;
}

const CASES: Case[] = [
  // unknown keys and typos
  { tool: 'get_revenue_widget', args: { perod: 'last_month' }, error: /^Invalid input, perod: unknown argument `perod` — did you mean `period`\?/ },
  { tool: 'get_sale', args: { deal: SALE }, error: /deal_guid: missing, and required[\s\S]*deal: unknown argument `deal` — did you mean `deal_guid`\?/ },
  { tool: 'get_sales_aggregation', args: { period: 'last_week', from: '2026-11-01' }, error: /from: unknown argument `from` — did you mean `date_from`\?/ },
  { tool: 'list_posiflora_orders', args: { colour: 'red' }, error: /colour: unknown argument `colour`; this tool takes: period, date_from/ },
  { tool: 'await_market_report', args: { report: { type: 'united-orders', perod: 'yesterday' } }, error: /report\.perod: unknown argument `perod` — did you mean `period`\?/ },
  // wrong enum values, with the closest one
  { tool: 'get_revenue_widget', args: { period: 'last_mnth' }, error: /period: "last_mnth" is not accepted — did you mean "last_month"\? Use one of: today, yesterday/ },
  { tool: 'get_sales_aggregation', args: { interval: 'fortnight' }, error: /interval: "fortnight" is not accepted\. Use one of: day, week, month/ },
  { tool: 'get_sales_aggregation', args: { document_types: ['receipt', 'reciept_correction'] }, error: /document_types: "reciept_correction" is not accepted — did you mean "receiptCorrection"\?/ },
  { tool: 'list_posiflora_orders', args: { statuses: ['dne'] }, error: /statuses: "dne" is not accepted — did you mean "done"\?/ },
  { tool: 'list_posiflora_orders', args: { sort: 'biggest' }, error: /sort: "biggest" is not accepted\. Use one of: recent, largest/ },
  { tool: 'await_market_report', args: { report: { type: 'orders-report', period: 'yesterday' } }, error: /report\.type: "orders-report" is not accepted\. Use one of: united-orders/ },
  { tool: 'get_sales_aggregation', args: { orders: ['-incom'] }, error: /orders: "-incom" is not accepted; use one of date, income/ },
  // wrong types and ranges
  { tool: 'get_sale', args: { deal_guid: 123 }, error: /deal_guid: must be text \(a string\), not number 123\. The sale's guid, e\.g\./ },
  { tool: 'get_sale', args: {}, error: /deal_guid: missing, and required\. The sale's guid/ },
  { tool: 'get_sale', args: { deal_guid: 'not-a-guid' }, error: /deal_guid: "not-a-guid" is not a valid guid/ },
  { tool: 'get_revenue_widget', args: { period: 7 }, error: /period: 7 is not accepted\. Use one of/ },
  { tool: 'get_sales_aggregation', args: { compare_previous: 'yes' }, error: /compare_previous: must be true or false, not string "yes"/ },
  { tool: 'list_posiflora_orders', args: { limit: 500 }, error: /limit: must be at most 200, not 500\. Orders listed/ },
  { tool: 'list_posiflora_orders', args: { limit: 'ten' }, error: /limit: must be a number, not string "ten"/ },
  { tool: 'await_market_report', args: { report_id: 'x', max_wait_seconds: 9999 }, error: /max_wait_seconds: must be at most 600/ },
  { tool: 'get_revenue_widget', args: { date_from: '2026-13-01' }, error: /date_from: date_from "2026-13-01" is not a real calendar date/ },
  // reversed ranges and periods that have not started
  { tool: 'get_revenue_widget', args: { date_from: '2026-11-20', date_to: '2026-11-01' }, error: /date_from: date_from \(2026-11-20 00:00:00\) is after date_to \(2026-11-01 23:59:59\); swap them/ },
  { tool: 'list_posiflora_orders', args: { amount_min: 5000, amount_max: 100 }, error: /amount_min: 5000 is above amount_max 100; swap them/ },
  { tool: 'get_sales_aggregation', args: { date_from: FUTURE }, error: /date_from: 2099-01-01 00:00:00 has not come yet .*the period has not started/ },
  { tool: 'await_market_report', args: { report: { type: 'united-orders', date_from: FUTURE } }, error: /report\.date_from: 2099-01-01 00:00:00 has not come yet/ },
  { tool: 'get_revenue_widget', args: { date_from: '2026-01-01', date_to: '2099-12-31' }, error: /date_to: 2099-12-31 is after today/ },
  // conflicting arguments
  { tool: 'get_revenue_widget', args: { period: 'last_week', date_from: '2026-11-01' }, error: /period: conflicts with date_from: give a named period or dates, not both/ },
  { tool: 'await_market_report', args: { report_id: 'x', report: { type: 'united-orders', period: 'yesterday' } }, error: /report_id: conflicts with `report`/ },
  { tool: 'await_market_report', args: {}, error: /report: give report: \{type, period\}/ },
  // spellings a model sends that must be understood
  { tool: 'get_revenue_widget', args: { period: 'Last Month', response_format: 'DETAILED' } },
  { tool: 'get_sales_aggregation', args: { period: 'last-month', interval: 'WEEK', operation_types: 'Income', compare_previous: 'false' } },
  { tool: 'list_posiflora_orders', args: { period: 'LAST_WEEK', statuses: 'Done', group_by: 'Status', limit: '0', sort: 'Largest' } },
  { tool: 'get_sale', args: { deal_guid: SALE, response_format: 'Concise' } },
];

describe('hostile and mistaken tool inputs (stdio, --demo)', () => {
  let s: StdioSession;
  let marketReport: string;
  const call = (name: string, args: Record<string, unknown>) =>
    s.client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: 60_000 });

  /** A valid call per tool, which must keep working after any bad one. */
  const VALID: Record<string, () => Record<string, unknown>> = {
    get_revenue_widget: () => ({ period: 'yesterday' }),
    get_sale: () => ({ deal_guid: SALE }),
    get_sales_aggregation: () => ({ period: 'last_week' }),
    // Market allows few generations: resume the report made once below (answered from the cache).
    await_market_report: () => ({ report_id: marketReport }),
    list_posiflora_orders: () => ({ period: 'last_week', limit: 0 }),
  };

  beforeAll(async () => {
    s = await connectStdio({ args: ['--demo'] });
    const first = await call('await_market_report', { report: { type: 'united-orders', period: 'yesterday' }, max_wait_seconds: 50 });
    expect(first.isError, textOf(first)).toBeFalsy();
    marketReport = String((first.structuredContent as { report_id: string }).report_id);
  }, 90_000);
  afterAll(() => s?.close());

  it.each(CASES.map((c) => [`${c.tool} ${JSON.stringify(c.args)}`, c] as const))('%s', async (_name, c) => {
    const res = await call(c.tool, c.args);
    const text = textOf(res);
    if (c.error) {
      expect(res.isError, text).toBe(true);
      expect(text).toMatch(c.error);
      // Never zod's own wording or issue JSON, never the SDK's wrapper.
      expect(text).not.toMatch(/"code":|expected \w+, received|Input validation error|Invalid arguments for tool/);
    } else {
      expect(res.isError, text).toBeFalsy();
    }
    const next = await call(c.tool, VALID[c.tool]!());
    expect(next.isError, textOf(next)).toBeFalsy();
    expect(next.structuredContent).toBeTruthy();
  });
});
