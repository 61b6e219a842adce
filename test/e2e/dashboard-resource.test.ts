import { RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, startHttpServer, type HttpServerProcess } from '../helpers/mcp.js';

/**
 * ui://revenue/dashboard over both transports through a real client: listed with the MCP Apps MIME type,
 * readable as one self-contained HTML file, and linked from the tools whose results it draws.
 */

const URI = 'ui://revenue/dashboard';
const LINKED = ['await_market_report', 'get_revenue_widget', 'get_sales_aggregation', 'list_posiflora_orders', 'revenue_overview'];
/** ext-apps' own constant: the server spells it out (src/dashboard.ts) so as not to load that package at start-up. */
const MIME = RESOURCE_MIME_TYPE;

async function checkDashboard(client: Client): Promise<void> {
  const listed = (await client.listResources()).resources.find((r) => r.uri === URI);
  expect(listed).toMatchObject({ uri: URI, mimeType: MIME, name: 'Revenue dashboard' });

  const read = await client.readResource({ uri: URI });
  expect(read.contents).toHaveLength(1);
  const content = read.contents[0] as { uri: string; mimeType: string; text: string };
  expect(content).toMatchObject({ uri: URI, mimeType: MIME });
  const html = content.text;
  expect(html.startsWith('<!doctype html>')).toBe(true);
  expect(Buffer.byteLength(html)).toBeLessThanOrEqual(150 * 1024);
  // Self-contained: the script and styles are inline; nothing is loaded from elsewhere.
  expect(html).toMatch(/<script type="module">[^]{1000,}<\/script>/);
  expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\(\s*['"]?(https?:)?\/\//i);
  expect(html).not.toMatch(/\bfetch\(|XMLHttpRequest|WebSocket|EventSource/);

  const tools = (await client.listTools()).tools;
  const linked = tools.filter((t) => (t._meta as { ui?: { resourceUri?: string } } | undefined)?.ui?.resourceUri === URI).map((t) => t.name);
  expect(linked.sort()).toEqual(LINKED);
  // Only the _meta.ui field is added; unlinked tools carry no _meta.
  for (const t of tools) {
    if (LINKED.includes(t.name)) expect(t._meta).toEqual({ ui: { resourceUri: URI } });
    else expect(t._meta).toBeUndefined();
  }
}

describe('dashboard resource', () => {
  it('over stdio', async () => {
    const s = await connectStdio();
    try {
      await checkDashboard(s.client);
    } finally {
      await s.close();
    }
  });

  describe('over Streamable HTTP', () => {
    let server: HttpServerProcess;
    beforeAll(async () => {
      server = await startHttpServer();
    });
    afterAll(() => server.stop());

    it('lists and reads it', async () => {
      const client = new Client({ name: 'e2e', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
      try {
        await checkDashboard(client);
      } finally {
        await client.close();
      }
    });
  });
});
