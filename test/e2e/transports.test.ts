import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_NAMES as NAMES } from '../../tools/index.js';
import { connectStdio, runCli, startHttpServer, textOf, type HttpServerProcess } from '../helpers/mcp.js';

/**
 * The built server, spawned as a user would run it, driven by the SDK Client over stdio, Streamable HTTP
 * (stateful and stateless) and legacy SSE; HTTP protection (token, Origin, Host, bind refusal).
 */

const TOOL_NAMES = [...NAMES].sort();
// The tool used for "a tool call" on every transport: reads OFD, answerable in demo mode.
const CALL = { name: 'get_sales_aggregation', arguments: { period: 'last_week' } };

function newClient(): Client {
  return new Client({ name: 'e2e', version: '1.0.0' });
}

describe('stdio', () => {
  it('initializes, lists every tool, and answers a tool call', async () => {
    const s = await connectStdio();
    try {
      expect(s.client.getServerVersion()).toMatchObject({ name: 'revenue-mcp', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      const { tools } = await s.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
      expect(TOOL_NAMES.length).toBeGreaterThan(0);

      // Not configured: a clear isError naming the variables, and the server keeps serving.
      const res = await s.client.callTool(CALL);
      expect(res.isError).toBe(true);
      expect(textOf(res)).toMatch(/Yandex OFD is not configured\. Set OFD_TOKEN \(or the legacy OFD_YANDEX_KEY and OFD_KEY\)/);
      expect((await s.client.listTools()).tools).toHaveLength(TOOL_NAMES.length);
      // Bad input from a model: isError naming the field, not a protocol failure.
      const bad = await s.client.callTool({ name: CALL.name, arguments: { period: 42 } });
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toMatch(/period/);
      // Nothing but JSON-RPC ever reached stdout (the client would have failed to parse it); logs are on stderr.
      await s.client.ping();
    } finally {
      await s.close();
    }
  });

  it('--demo answers a tool call with structured content the client validated', async () => {
    const s = await connectStdio({ args: ['--demo'] });
    try {
      const res = await s.client.callTool(CALL);
      expect(res.isError, textOf(res)).toBeFalsy();
      expect(res.structuredContent).toBeTypeOf('object');
      expect(textOf(res)).toMatch(/₽/);
    } finally {
      await s.close();
    }
  });
});

describe('Streamable HTTP and legacy SSE (--demo --http 0)', () => {
  let server: HttpServerProcess;
  beforeAll(async () => {
    server = await startHttpServer({ args: ['--demo'] });
  });
  afterAll(() => server.stop());

  it('serves /healthz', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', name: 'revenue-mcp' });
  });

  it('lists the tools and calls one over /mcp with a session', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`));
    const client = newClient();
    await client.connect(transport);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
    const res = await client.callTool(CALL);
    expect(res.isError, textOf(res)).toBeFalsy();
    expect(res.structuredContent).toBeTypeOf('object');
    await transport.terminateSession();
    await client.close();
  });

  it('lists the tools and calls one over legacy /sse', async () => {
    const client = newClient();
    await client.connect(new SSEClientTransport(new URL(`${server.url}/sse`)));
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
    const res = await client.callTool(CALL);
    expect(res.isError, textOf(res)).toBeFalsy();
    await client.close();
  });

  it('serves several sessions at once', async () => {
    const clients = await Promise.all(
      [1, 2, 3].map(async () => {
        const c = newClient();
        await c.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
        return c;
      }),
    );
    const lists = await Promise.all(clients.map((c) => c.listTools()));
    for (const l of lists) expect(l.tools).toHaveLength(TOOL_NAMES.length);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('answers 404 for an unknown session and 400 for a request without one', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const unknown = await fetch(`${server.url}/mcp`, { method: 'POST', body, headers: { ...headers, 'mcp-session-id': 'nope' } });
    expect(unknown.status).toBe(404);
    const none = await fetch(`${server.url}/mcp`, { method: 'POST', body, headers });
    expect(none.status).toBe(400);
  });

  it('refuses a foreign Origin (403) and a foreign Host', async () => {
    const init = { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } };
    const foreign = await fetch(`${server.url}/mcp`, { ...init, headers: { ...init.headers, origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const local = await fetch(`${server.url}/healthz`, { headers: { origin: 'http://localhost:6274' } });
    expect(local.status).toBe(200);

    // fetch() will not forge Host; a raw request does.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${server.url}/healthz`);
      const req = request({ host: u.hostname, port: u.port, path: '/healthz', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

describe('HTTP modes and protection', () => {
  it('--stateless serves tools/list and a tool call without sessions', async () => {
    const server = await startHttpServer({ args: ['--demo', '--stateless'] });
    try {
      const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`));
      const client = newClient();
      await client.connect(transport);
      expect(transport.sessionId).toBeUndefined();
      expect((await client.listTools()).tools).toHaveLength(TOOL_NAMES.length);
      const res = await client.callTool(CALL);
      expect(res.isError, textOf(res)).toBeFalsy();
      await client.close();
      const get = await fetch(`${server.url}/mcp`, { headers: { accept: 'text/event-stream' } });
      expect(get.status).toBe(405);
    } finally {
      await server.stop();
    }
  });

  it('with MCP_HTTP_TOKEN every request needs the bearer token', async () => {
    const token = 'tok-e2e-7f3c9a-0b1d';
    const server = await startHttpServer({ env: { MCP_HTTP_TOKEN: token } });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(401);
      const bare = await fetch(`${server.url}/mcp`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(bare.status).toBe(401);
      expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const wrong = await fetch(`${server.url}/healthz`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      expect((await fetch(`${server.url}/sse`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);

      const client = newClient();
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
      );
      expect((await client.listTools()).tools).toHaveLength(TOOL_NAMES.length);
      await client.close();
      expect(server.stderr()).not.toContain(token);
    } finally {
      await server.stop();
    }
  });

  it('closes a session left idle, and says so to a client that comes back', async () => {
    const server = await startHttpServer({ args: ['--demo'], env: { MCP_SESSION_IDLE_MINUTES: '0.01' } });
    try {
      const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`));
      const client = newClient();
      await client.connect(transport);
      const id = transport.sessionId!;
      await new Promise((r) => setTimeout(r, 1500));
      const res = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
      });
      expect(res.status).toBe(404);
      expect(await res.text()).toMatch(/expired/);
      expect(server.stderr()).toMatch(/closing session .* idle/);
      // a new session works
      const again = newClient();
      await again.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
      expect((await again.listTools()).tools).toHaveLength(TOOL_NAMES.length);
      await again.close();
    } finally {
      await server.stop();
    }
  });

  it('refuses to bind a non-loopback host without a token (exit 2)', async () => {
    const res = await runCli(['--http', '0', '--host', '0.0.0.0']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without MCP_HTTP_TOKEN/);
  });
});
