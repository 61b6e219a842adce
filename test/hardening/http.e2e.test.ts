import { request as httpRequest } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim } from '../../src/sim/lifepos/index.js';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { runCli, startHttpServer, textOf, type HttpServerProcess } from '../helpers/mcp.js';

/**
 * Serving over HTTP as an operator and an attacker would try it: body and concurrency limits, session
 * caps, Host checks for any bind address, token strength, JSON errors instead of Express's HTML pages,
 * /readyz, a client that disconnects mid-call, and a graceful shutdown.
 */

const NOW = new Date('2026-03-20T12:00:00Z');
const CALL = { name: 'get_sales_aggregation', arguments: { date_from: '2026-02-02', date_to: '2026-02-08', compare_previous: false } };
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const isAggregation = (r: { path: string }) => r.path.includes('aggregation');

let sim: OfdSim;
beforeAll(async () => {
  sim = await startOfdSim({ now: NOW, rps: 1000 });
});
afterAll(() => sim?.close());

async function connect(url: string, headers: Record<string, string> = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } });
  const client = new Client({ name: 'hardening', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

/** A raw HTTP request with any Host header (fetch will not forge one). */
function rawRequest(url: string, init: { method?: string; path: string; host?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: u.hostname, port: u.port, method: init.method ?? 'GET', path: init.path, headers: { ...(init.host ? { host: init.host } : {}), ...init.headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** No Express HTML page: no stack trace, no file path, no markup. */
function expectCleanJsonError(text: string) {
  expect(text).not.toMatch(/<html|<pre|at .*\(|node_modules|\/src\/|\.js:\d+/i);
  expect(() => JSON.parse(text)).not.toThrow();
}

describe('request bodies: size limit and malformed JSON answered as JSON-RPC errors', () => {
  let server: HttpServerProcess;
  const token = 'hardening-token-0123456789';
  beforeAll(async () => {
    server = await startHttpServer({ env: { MCP_HTTP_TOKEN: token, MCP_MAX_BODY_BYTES: '65536' } });
  });
  afterAll(() => server.stop());

  it('without the token, a malformed or oversized body gets 401 before it is read', async () => {
    for (const body of ['{"jsonrpc": "2.0", "id": ', 'x'.repeat(200_000)]) {
      const res = await fetch(`${server.url}/mcp`, { method: 'POST', headers: HEADERS, body });
      expect(res.status).toBe(401);
      expectCleanJsonError(await res.text());
    }
  });

  it('with the token: 400 parse error and 413 too large, both JSON-RPC, naming the variable', async () => {
    const auth = { ...HEADERS, authorization: `Bearer ${token}` };
    const bad = await fetch(`${server.url}/mcp`, { method: 'POST', headers: auth, body: '{"jsonrpc": "2.0", "id": ' });
    expect(bad.status).toBe(400);
    const badText = await bad.text();
    expectCleanJsonError(badText);
    expect(JSON.parse(badText)).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });

    const big = await fetch(`${server.url}/mcp`, { method: 'POST', headers: auth, body: JSON.stringify({ ...INIT, pad: 'x'.repeat(100_000) }) });
    expect(big.status).toBe(413);
    const bigText = await big.text();
    expectCleanJsonError(bigText);
    expect(JSON.parse(bigText).error.message).toMatch(/MCP_MAX_BODY_BYTES/);
    // still serving
    const { client } = await connect(server.url, { authorization: `Bearer ${token}` });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });
});

describe('bind addresses, Host checks and the token', () => {
  it('--host 127.0.0.2 serves requests addressed to it', async () => {
    const server = await startHttpServer({ args: ['--host', '127.0.0.2'] });
    try {
      expect(server.url).toContain('127.0.0.2');
      const { client } = await connect(server.url);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await client.close();
    } finally {
      await server.stop();
    }
  });

  it('--host 0.0.0.0 with a token still checks Host (DNS rebinding)', async () => {
    const token = 'wildcard-token-0123456789';
    const server = await startHttpServer({ args: ['--host', '0.0.0.0'], env: { MCP_HTTP_TOKEN: token, MCP_ALLOWED_HOSTS: 'mcp.example.test' } });
    try {
      const port = new URL(server.url).port;
      const url = `http://127.0.0.1:${port}`;
      const authorization = `Bearer ${token}`;
      expect((await rawRequest(url, { path: '/healthz', host: 'evil.example', headers: { authorization } })).status).toBe(403);
      expect((await rawRequest(url, { path: '/healthz', host: `127.0.0.1:${port}`, headers: { authorization } })).status).toBe(200);
      expect((await rawRequest(url, { path: '/healthz', host: `mcp.example.test:${port}`, headers: { authorization } })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('a short MCP_HTTP_TOKEN is refused at start, saying why', async () => {
    const res = await runCli(['--http', '0'], { MCP_HTTP_TOKEN: 'abc' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/MCP_HTTP_TOKEN=\(hidden\) is invalid: must be at least 16 characters: a short token can be guessed/);
    expect(res.stderr).not.toContain('abc');
  });
});

describe('session caps', () => {
  it('caps open sessions per client, with a clear error; closing one makes room', async () => {
    const server = await startHttpServer({ env: { MCP_MAX_SESSIONS_PER_CLIENT: '3' } });
    try {
      const open = await Promise.all([1, 2, 3].map(() => connect(server.url)));
      const refused = await fetch(`${server.url}/mcp`, { method: 'POST', headers: HEADERS, body: JSON.stringify(INIT) });
      expect(refused.status).toBe(429);
      const body = (await refused.json()) as { error: { message: string } };
      expect(body.error.message).toMatch(/already has 3 open sessions.*MCP_MAX_SESSIONS_PER_CLIENT/);
      await open[0]!.transport.terminateSession();
      await open[0]!.client.close();
      const again = await connect(server.url);
      expect((await again.client.listTools()).tools.length).toBeGreaterThan(0);
      await Promise.all([...open.slice(1), again].map((s) => s.client.close()));
    } finally {
      await server.stop();
    }
  });

  it('caps open sessions in total (legacy SSE included)', async () => {
    const server = await startHttpServer({ env: { MCP_MAX_SESSIONS: '2' } });
    try {
      const open = await Promise.all([1, 2].map(() => connect(server.url)));
      const refused = await fetch(`${server.url}/mcp`, { method: 'POST', headers: HEADERS, body: JSON.stringify(INIT) });
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/limit of 2 open sessions.*MCP_MAX_SESSIONS/);
      const sse = await fetch(`${server.url}/sse`);
      expect(sse.status).toBe(429);
      const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { sessions: { streamable: number } };
      expect(ready.sessions.streamable).toBe(2);
      await Promise.all(open.map((s) => s.client.close()));
    } finally {
      await server.stop();
    }
  });
});

describe('calls in flight', () => {
  let server: HttpServerProcess;
  beforeAll(async () => {
    server = await startHttpServer({
      env: { ...sim.env, OFD_RPS: '50', MCP_MAX_CONCURRENT_PER_CLIENT: '2', HTTP_RETRIES: '8', HTTP_BACKOFF_MS: '150', HTTP_DEADLINE_MS: '30000' },
    });
  });
  afterAll(() => server.stop());

  it('a third concurrent request from one client gets our own 429, as a JSON-RPC error', async () => {
    sim.server.inject({ kind: 'latency', ms: 1500 }, { times: 2, match: isAggregation });
    const { client, transport } = await connect(server.url);
    const slow = Promise.all([client.callTool(CALL), client.callTool(CALL)]);
    await new Promise((r) => setTimeout(r, 400));
    const third = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...HEADERS, 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: CALL }),
    });
    const thirdText = await third.text();
    const answers = await slow;
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(thirdText)).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringMatching(/2 at once.*MCP_MAX_CONCURRENT_PER_CLIENT/) } });
    for (const r of answers) expect(r.isError, textOf(r)).toBeFalsy();
    // the slots are free again
    expect((await client.callTool(CALL)).isError).toBeFalsy();
    await client.close();
  });

  /**
   * Start a call whose upstream answers 503 again and again (so it retries), let the retries begin, run
   * `leave` (the client goes away), and count the upstream requests made after that.
   */
  async function retriesAfterLeaving(target: HttpServerProcess, start: () => { leave(): Promise<unknown> }): Promise<{ atLeave: number; later: number }> {
    sim.server.clearRequests();
    sim.server.inject({ kind: 'status', status: 503, body: { error: 'busy' } }, { times: 50, match: isAggregation });
    const call = start();
    for (let i = 0; i < 50 && sim.server.requests.filter(isAggregation).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    await call.leave();
    await new Promise((r) => setTimeout(r, 300));
    const atLeave = sim.server.requests.filter(isAggregation).length;
    await new Promise((r) => setTimeout(r, 2500));
    const later = sim.server.requests.filter(isAggregation).length;
    sim.server.clearFaults();
    expect(atLeave).toBeGreaterThanOrEqual(2);
    expect(later, target.stderr()).toBe(atLeave);
    return { atLeave, later };
  }

  /** A tools/call POSTed by hand, dropped by aborting the request. */
  function rawCall(url: string, headers: Record<string, string> = {}): { leave(): Promise<unknown> } {
    const controller = new AbortController();
    const pending = fetch(`${url}/mcp`, {
      method: 'POST',
      signal: controller.signal,
      headers: { ...HEADERS, 'mcp-protocol-version': '2025-06-18', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: CALL }),
    }).catch(() => undefined);
    return {
      leave: async () => {
        controller.abort();
        await pending;
      },
    };
  }

  it('a client that disconnects mid-call (stateful session) stops its upstream retries', async () => {
    const { client, transport } = await connect(server.url);
    await client.close(); // keep the session, drive the call by hand
    await retriesAfterLeaving(server, () => rawCall(server.url, { 'mcp-session-id': transport.sessionId! }));
    expect(server.stderr()).toMatch(/failed after \d+ ms/);
  });

  it('stateless and legacy SSE: a client that goes away mid-call stops its upstream retries too', async () => {
    const stateless = await startHttpServer({ args: ['--stateless'], env: { ...sim.env, OFD_RPS: '50', HTTP_RETRIES: '8', HTTP_BACKOFF_MS: '150', HTTP_DEADLINE_MS: '30000' } });
    try {
      await retriesAfterLeaving(stateless, () => rawCall(stateless.url));
    } finally {
      await stateless.stop();
    }
    const client = new Client({ name: 'hardening', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL(`${server.url}/sse`)));
    await retriesAfterLeaving(server, () => {
      const pending = client.callTool(CALL).catch(() => undefined);
      return { leave: async () => (await client.close(), await pending) };
    });
  });

  it('/readyz reports each source: configured, queued, running, paused until', async () => {
    sim.server.inject({ kind: 'status', status: 429, headers: { 'retry-after': '120' }, body: { error: 'slow down' } }, { match: isAggregation });
    const { client } = await connect(server.url);
    const res = await client.callTool(CALL);
    expect(res.isError).toBe(true);
    await client.close();
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as Record<string, any>;
    expect(ready).toMatchObject({ status: 'ready', config: 'valid' });
    expect(ready.sources.ofd).toMatchObject({ configured: true, queued: 0, running: 0 });
    const pausedFor = Date.parse(ready.sources.ofd.paused_until) - Date.now();
    expect(pausedFor).toBeGreaterThan(100_000);
    expect(pausedFor).toBeLessThanOrEqual(120_000);
    expect(ready.sources.lifepos).toMatchObject({ configured: false, paused_until: null });
  });
});

describe('graceful shutdown (SIGTERM, SIGINT)', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: finishes a call in flight, refuses new requests (connection refused or 503), then exits`, async () => {
      const server = await startHttpServer({ env: { ...sim.env, OFD_RPS: '50' } });
      sim.server.inject({ kind: 'latency', ms: 2000 }, { match: isAggregation });
      const { client } = await connect(server.url);
      const call = client.callTool(CALL);
      await new Promise((r) => setTimeout(r, 500));
      const stopped = server.stop(signal);
      await new Promise((r) => setTimeout(r, 300));
      // Stopped accepting: a new connection is refused, a request on an open one gets 503 (readyz too).
      const outcome = async (request: Promise<Response>) => {
        const res = await request.catch((err: Error) => err);
        if (res instanceof Error) return (res.cause as { code?: string } | undefined)?.code ?? res.message;
        return `${res.status} ${await res.text()}`;
      };
      expect(await outcome(fetch(`${server.url}/mcp`, { method: 'POST', headers: HEADERS, body: JSON.stringify(INIT) }))).toMatch(/^(ECONNREFUSED|503 .*shutting down)/);
      expect(await outcome(fetch(`${server.url}/readyz`))).toMatch(/^(ECONNREFUSED|503 .*shutting_down)/);
      const res = await call;
      expect(res.isError, textOf(res)).toBeFalsy();
      expect(res.structuredContent).toBeTypeOf('object');
      await stopped;
    });
  }

  it('a call still running after the grace period ends with an error saying why; exit does not wait for upstreams', async () => {
    const server = await startHttpServer({ env: { ...sim.env, OFD_RPS: '50', MCP_SHUTDOWN_GRACE_SECONDS: '1', HTTP_DEADLINE_MS: '60000', HTTP_HEADERS_TIMEOUT_MS: '60000' } });
    sim.server.inject({ kind: 'latency', ms: 30_000 }, { match: isAggregation });
    const { client } = await connect(server.url);
    const call = client.callTool(CALL);
    await new Promise((r) => setTimeout(r, 500));
    await stopDuringCall(server, call);
    sim.server.clearFaults();
  });

  it('a hung shared login (LIFE POS sign-in) does not delay exit: the call waiting on it ends with an error', async () => {
    const lifepos = await startLifeposSim({ now: NOW, days: 3 });
    try {
      lifepos.server.inject({ kind: 'latency', ms: 30_000 }, { match: (r) => r.path === '/auth/sign-in-by-phone' });
      const server = await startHttpServer({ env: { ...lifepos.env('phone'), MCP_SHUTDOWN_GRACE_SECONDS: '1', HTTP_DEADLINE_MS: '60000', HTTP_HEADERS_TIMEOUT_MS: '60000' } });
      const { client } = await connect(server.url);
      const call = client.callTool({ name: 'get_sale', arguments: { deal_guid: lifepos.sales[0]!.guid } });
      for (let i = 0; i < 50 && lifepos.server.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(lifepos.server.requests.map((r) => r.path)).toEqual(['/auth/sign-in-by-phone']);
      await stopDuringCall(server, call);
    } finally {
      await lifepos.server.close();
    }
  });
});

/** Stops the server while `call` is in flight: the call ends with a "shutting down" error, and exit takes under 8 s. */
async function stopDuringCall(server: HttpServerProcess, call: Promise<unknown>): Promise<void> {
  const started = Date.now();
  const stopped = server.stop();
  const res = (await call) as Parameters<typeof textOf>[0] & { isError?: boolean };
  expect(res.isError).toBe(true);
  expect(textOf(res)).toMatch(/shutting down/);
  await stopped;
  expect(Date.now() - started).toBeLessThan(8000);
}
