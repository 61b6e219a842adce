import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { readFileSync } from 'node:fs';

/**
 * The MCP Apps dashboard (app/, built into one HTML file by `npm run build`). Hosts that support MCP Apps
 * render it next to the results of the tools below, fed with their structuredContent; other hosts see
 * only the `_meta.ui` field in tools/list and nothing else changes.
 */

export const DASHBOARD_URI = 'ui://revenue/dashboard';

/**
 * The MCP Apps view type, as `@modelcontextprotocol/ext-apps/server` exports it (RESOURCE_MIME_TYPE; a test
 * checks they agree). Spelt out here because that module builds the whole MCP Apps protocol's schemas when
 * loaded, ~6 % more CPU on top of the SDK server's own start-up, for one string.
 */
export const APP_MIME_TYPE = 'text/html;profile=mcp-app';

/** Tools whose results the dashboard draws (app/model.ts reads each one's structuredContent). */
export const DASHBOARD_TOOLS: ReadonlySet<string> = new Set([
  'get_sales_aggregation',
  'get_revenue_widget',
  'list_posiflora_orders',
  'await_market_report',
  'revenue_overview',
]);

/** The `_meta` a linked tool carries in tools/list. */
export function dashboardMeta(toolName: string): { ui: { resourceUri: string } } | undefined {
  return DASHBOARD_TOOLS.has(toolName) ? { ui: { resourceUri: DASHBOARD_URI } } : undefined;
}

const HTML_FILE = new URL('../app/dashboard.html', import.meta.url);
let html: string | undefined;

export function registerDashboard(server: McpServer): void {
  // What ext-apps' registerAppResource does: a resource of the MCP Apps type.
  server.registerResource(
    'Revenue dashboard',
    DASHBOARD_URI,
    {
      mimeType: APP_MIME_TYPE,
      title: 'Revenue dashboard',
      description: 'Interactive chart of the revenue tools’ results (MCP Apps view; self-contained, no network).',
    },
    async () => {
      // Read once, when a host first asks: the file is built by `npm run build` next to dist/src.
      html ??= readFileSync(HTML_FILE, 'utf8');
      return { contents: [{ uri: DASHBOARD_URI, mimeType: APP_MIME_TYPE, text: html }] };
    },
  );
}
