import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { CatalogEntry } from '../catalog.js';
import { SOURCE_LABEL, type ServingLimits, type SourceName } from '../config.js';
import { log } from '../log.js';
import { PACKAGE } from '../meta.js';
import type { Runtime } from '../runtime.js';
import type { Secret } from '../secret.js';
import { buildServer, preloadTools } from '../server.js';
import { IdleCollector } from './idle-collect.js';

/**
 * Streamable HTTP at /mcp (stateful sessions via Mcp-Session-Id, or stateless), the legacy HTTP+SSE
 * endpoints (/sse + /messages) for older clients, GET /healthz (liveness) and GET /readyz (readiness).
 *
 * Protection, in order, before any body is read: Host header (the SDK's DNS-rebinding middleware, always
 * on), Origin (browsers only send it; a foreign one gets 403), the bearer token when MCP_HTTP_TOKEN is set,
 * then a cap on requests in flight per client; the body itself is capped (MCP_MAX_BODY_BYTES), and so are
 * open sessions, in total and per client. Errors are JSON(-RPC), never Express's HTML pages.
 */

export interface HttpOptions {
  port: number;
  host: string;
  stateless: boolean;
  token?: Secret;
  /** Extra Host names accepted (beyond loopback and the bound address) — e.g. a DNS name of this server. */
  allowedHosts?: string[];
  /** Extra browser origins accepted, e.g. https://inspector.example. Loopback origins always pass. */
  allowedOrigins?: string[];
  /** Close a session unused this long (default 30 min). */
  sessionIdleMs?: number;
  /** Body size, session and concurrency caps, shutdown grace (from config: MCP_MAX_* variables). */
  limits: ServingLimits;
}

export interface HttpHandle {
  url: string;
  /** Stop accepting, let calls in flight finish (up to the grace period, then cancel them), close sessions. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class BindRefused extends Error {
  override name = 'BindRefused';
}

/** JSON-RPC error codes used in HTTP-level refusals (the SDK's own: -32000 server error, -32700 parse error). */
const SERVER_ERROR = -32000;
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;

function jsonRpcError(res: Response, status: number, message: string, code = SERVER_ERROR): void {
  if (res.headersSent) return;
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** Constant-time comparison of the presented bearer token with the configured one. */
function tokenMatches(header: string | undefined, token: Secret): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!.trim()), digest(token.reveal()));
}

function originAllowed(origin: string, extra: readonly string[]): boolean {
  if (extra.includes(origin)) return true;
  try {
    return isLoopback(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/**
 * Host names a request may carry (DNS-rebinding protection, always on): loopback names, the address
 * bound, MCP_ALLOWED_HOSTS, and — when bound to every interface — this machine's own addresses.
 */
function allowedHostnames(bind: string, extra: readonly string[]): string[] {
  const bracket = (h: string) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);
  const names = new Set(['localhost', '127.0.0.1', '[::1]', bracket(bind), ...extra.map(bracket)]);
  if (WILDCARD.has(bind)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(bracket(a.address));
  }
  return [...names];
}

/** Who a client is, for per-client caps: its address (behind a proxy every client shares the proxy's). */
function clientOf(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** JSON-RPC requests (with an id) in a POST body, for cancelling them when their client goes away. */
function requestIds(body: unknown): Array<string | number> {
  const messages = Array.isArray(body) ? body : [body];
  return messages
    .filter((m): m is { id: string | number; method: string } => typeof m === 'object' && m !== null && 'method' in m && 'id' in m)
    .map((m) => m.id);
}

/** A per-key counter with a ceiling (sessions per client, requests in flight per client). */
class Tally {
  readonly #counts = new Map<string, number>();
  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
  add(key: string): void {
    this.#counts.set(key, this.get(key) + 1);
  }
  remove(key: string): void {
    const n = this.get(key) - 1;
    if (n > 0) this.#counts.set(key, n);
    else this.#counts.delete(key);
  }
}

export async function serveHttp(runtime: Runtime, catalog: readonly CatalogEntry[], options: HttpOptions): Promise<HttpHandle> {
  if (!isLoopback(options.host) && !options.token) {
    throw new BindRefused(
      `Refusing to listen on ${options.host} without MCP_HTTP_TOKEN: anyone who can reach it could read your revenue. Set MCP_HTTP_TOKEN or bind 127.0.0.1.`,
    );
  }
  const { limits } = options;
  // A long-running HTTP server loads the tools and the upstream layer's libraries before its first request,
  // not during one.
  runtime.preloadHttp();
  await preloadTools(runtime, catalog);
  const app = express();
  app.disable('x-powered-by');
  // Checks in order, all before a body is read: Host, Origin, token, shutdown, per-client concurrency.
  app.use(hostHeaderValidation(allowedHostnames(options.host, options.allowedHosts ?? [])));

  app.use((req: Request, res: Response, next: NextFunction) => {
    const origin = req.header('origin');
    if (origin && !originAllowed(origin, options.allowedOrigins ?? [])) {
      log('warning', `HTTP: refused ${req.method} ${req.path.slice(0, 100)} from origin ${origin.slice(0, 200)}`);
      res.status(403).json({ error: `Origin ${origin.slice(0, 200)} is not allowed (set MCP_ALLOWED_ORIGINS to permit it).` });
      return;
    }
    if (options.token && !tokenMatches(req.header('authorization'), options.token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="revenue-mcp"');
      res.status(401).json({ error: 'Missing or wrong bearer token: send Authorization: Bearer <MCP_HTTP_TOKEN>.' });
      return;
    }
    next();
  });

  // Requests being answered, per client; a shutdown waits for them.
  let draining = false;
  const inFlight = new Tally();
  let inFlightTotal = 0;
  let settled: (() => void) | undefined;
  const collector = new IdleCollector();
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (draining) {
      res.setHeader('Connection', 'close');
      return jsonRpcError(res, 503, 'The server is shutting down; reconnect in a moment.');
    }
    if (req.method !== 'POST') return next();
    const client = clientOf(req);
    if (inFlight.get(client) >= limits.maxConcurrentPerClient) {
      res.setHeader('Retry-After', '1');
      return jsonRpcError(
        res,
        429,
        `Too many requests in flight from this client (${limits.maxConcurrentPerClient} at once): wait for one to finish, then retry. The operator can raise MCP_MAX_CONCURRENT_PER_CLIENT.`,
      );
    }
    inFlight.add(client);
    inFlightTotal += 1;
    collector.busy();
    res.on('close', () => {
      inFlight.remove(client);
      inFlightTotal -= 1;
      if (inFlightTotal > 0) return;
      settled?.();
      collector.quiet();
    });
    next();
  });

  app.use(express.json({ limit: limits.maxBodyBytes }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', name: PACKAGE.name, version: PACKAGE.version });
  });

  app.get('/readyz', (_req, res) => {
    const sources = Object.fromEntries(
      (Object.keys(SOURCE_LABEL) as SourceName[]).map((source) => {
        const upstream = runtime.upstreams().find((u) => u.source === source);
        const state = upstream?.state() ?? { queued: 0, running: 0, pausedUntil: 0 };
        return [
          source,
          {
            configured: runtime.missing(source) === undefined,
            queued: state.queued,
            running: state.running,
            paused_until: state.pausedUntil > Date.now() ? new Date(state.pausedUntil).toISOString() : null,
          },
        ];
      }),
    );
    res.status(draining ? 503 : 200).json({
      status: draining ? 'shutting_down' : 'ready',
      // The configuration was validated at start (the server does not start with a bad one).
      config: 'valid',
      // Upstream limits: local (no REDIS_URL), shared over Redis, or this instance's share while Redis is away.
      limits: runtime.limitsState(),
      sessions: { streamable: sessions.size, sse: sseSessions.size, max: limits.maxSessions },
      sources,
    });
  });

  // Open sessions (Streamable HTTP and legacy SSE), capped in total and per client.
  const sessionsByClient = new Tally();
  const sessionRefusal = (client: string): string | undefined => {
    if (sessions.size + sseSessions.size >= limits.maxSessions) {
      return `The server has reached its limit of ${limits.maxSessions} open sessions: close an unused session (DELETE /mcp) or retry later. The operator can raise MCP_MAX_SESSIONS.`;
    }
    if (sessionsByClient.get(client) >= limits.maxSessionsPerClient) {
      return `This client already has ${limits.maxSessionsPerClient} open sessions: reuse one (its Mcp-Session-Id) or close one (DELETE /mcp). The operator can raise MCP_MAX_SESSIONS_PER_CLIENT.`;
    }
    return undefined;
  };

  // ---- Streamable HTTP ----
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const lastSeen = new Map<string, number>();
  const idleMs = options.sessionIdleMs ?? 30 * 60_000;
  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const [id, transport] of sessions) {
        if (now - (lastSeen.get(id) ?? now) < idleMs) continue;
        log('info', `HTTP: closing session ${id.slice(0, 8)}… idle for ${Math.round((now - lastSeen.get(id)!) / 1000)} s`);
        void transport.close().catch(() => undefined);
      }
    },
    Math.max(250, Math.min(60_000, Math.floor(idleMs / 4))),
  );
  sweeper.unref();

  if (options.stateless) {
    // The SDK requires a fresh server and transport per request in stateless mode.
    app.post('/mcp', async (req: Request, res: Response) => {
      const server = buildServer(runtime, catalog);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    });
    const notAllowed = (_req: Request, res: Response) => jsonRpcError(res, 405, 'Method not allowed in stateless mode; POST JSON-RPC to /mcp.');
    app.get('/mcp', notAllowed);
    app.delete('/mcp', notAllowed);
  } else {
    app.all('/mcp', async (req: Request, res: Response) => {
      const sid = req.header('mcp-session-id');
      if (sid) {
        const transport = sessions.get(sid);
        if (!transport) return jsonRpcError(res, 404, 'Session not found (it may have expired); initialize a new session.');
        lastSeen.set(sid, Date.now());
        // A client that goes away mid-call cancels its calls, as if it had sent notifications/cancelled
        // (the session lives on, so nothing else would stop the upstream work).
        const ids = req.method === 'POST' ? requestIds(req.body) : [];
        if (ids.length > 0) {
          res.on('close', () => {
            if (res.writableFinished) return;
            for (const requestId of ids) {
              transport.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason: 'client disconnected' } });
            }
          });
        }
        return transport.handleRequest(req, res, req.body);
      }
      if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
        return jsonRpcError(res, 400, 'Bad request: send initialize first, then the Mcp-Session-Id header.', INVALID_REQUEST);
      }
      const client = clientOf(req);
      const refusal = sessionRefusal(client);
      if (refusal) {
        log('warning', `HTTP: refused a new session from ${client}: ${refusal}`);
        res.setHeader('Retry-After', '60');
        return jsonRpcError(res, 429, refusal);
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, transport);
          lastSeen.set(id, Date.now());
          sessionsByClient.add(client);
        },
      });
      transport.onclose = () => {
        const id = transport.sessionId;
        if (id && sessions.delete(id)) {
          lastSeen.delete(id);
          sessionsByClient.remove(client);
        }
      };
      const server = buildServer(runtime, catalog);
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    });
  }

  // ---- legacy HTTP+SSE (protocol 2024-11-05) ----
  const sseSessions = new Map<string, SSEServerTransport>();
  app.get('/sse', async (req: Request, res: Response) => {
    const client = clientOf(req);
    const refusal = sessionRefusal(client);
    if (refusal) {
      res.setHeader('Retry-After', '60');
      return jsonRpcError(res, 429, refusal);
    }
    const transport = new SSEServerTransport('/messages', res);
    sseSessions.set(transport.sessionId, transport);
    sessionsByClient.add(client);
    res.on('close', () => {
      if (sseSessions.delete(transport.sessionId)) sessionsByClient.remove(client);
    });
    const server = buildServer(runtime, catalog);
    await server.connect(transport);
  });
  app.post('/messages', async (req: Request, res: Response) => {
    const id = String(req.query.sessionId ?? '');
    const transport = sseSessions.get(id);
    if (!transport) {
      res.status(404).json({ error: 'Unknown sessionId; open GET /sse first.' });
      return;
    }
    await transport.handlePostMessage(req, res, req.body);
  });

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: `Nothing at ${req.method} ${req.path.slice(0, 100)}: MCP is served at /mcp (and legacy /sse), health at /healthz and /readyz.` });
  });
  // Express's own error page is HTML with a stack trace and file paths; answer JSON-RPC, say what to fix.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') {
      return jsonRpcError(res, 413, `Request body larger than ${limits.maxBodyBytes} bytes: send smaller requests (the operator can raise MCP_MAX_BODY_BYTES).`, INVALID_REQUEST);
    }
    if (type === 'entity.parse.failed') return jsonRpcError(res, 400, 'Parse error: the request body is not valid JSON.', PARSE_ERROR);
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return jsonRpcError(res, 415, 'Unsupported body encoding: send UTF-8 JSON.', INVALID_REQUEST);
    }
    if (type === 'request.aborted') return;
    log('error', `HTTP: request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    jsonRpcError(res, 500, 'Internal error while handling this HTTP request; the server is still running.');
  });

  const httpServer: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port, options.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  const { port } = httpServer.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${shownHost}:${port}`;
  log('info', `revenue-mcp serving MCP on ${url}/mcp (Streamable HTTP${options.stateless ? ', stateless' : ''}) and ${url}/sse (legacy SSE)`);

  return {
    url,
    close: async () => {
      draining = true;
      clearInterval(sweeper);
      collector.busy();
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      if (inFlightTotal > 0) {
        log('info', `HTTP: shutting down, waiting up to ${Math.round(limits.shutdownGraceMs / 1000)} s for ${inFlightTotal} request(s) in flight`);
        const drained = new Promise<void>((resolve) => (settled = resolve));
        if (!(await within(drained, limits.shutdownGraceMs))) {
          // Calls still running end with an error result their clients can read, not a dropped connection.
          log('warning', `HTTP: ${inFlightTotal} request(s) still running after the grace period; cancelling them`);
          runtime.stop();
          await within(drained, 2000);
        }
      }
      for (const t of [...sessions.values()]) await t.close().catch(() => undefined);
      for (const t of [...sseSessions.values()]) await t.close().catch(() => undefined);
      httpServer.closeAllConnections();
      await stopped;
    },
  };
}

/** True when `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([promise.then(() => true as const), late]);
  clearTimeout(timer);
  return result;
}
