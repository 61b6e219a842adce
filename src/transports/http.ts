import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { NextFunction, Request, Response } from 'express';
import { log } from '../log.js';
import { PACKAGE } from '../meta.js';
import type { Runtime } from '../runtime.js';
import type { Secret } from '../secret.js';
import { buildServer } from '../server.js';

/**
 * Streamable HTTP at /mcp (stateful sessions via Mcp-Session-Id, or stateless), the legacy HTTP+SSE
 * endpoints (/sse + /messages) for older clients, and GET /healthz.
 *
 * Protection, in order: Host header (the SDK's DNS-rebinding middleware), Origin (browsers only send it;
 * a foreign one gets 403), then the bearer token when MCP_HTTP_TOKEN is set.
 */

export interface HttpOptions {
  port: number;
  host: string;
  stateless: boolean;
  token?: Secret;
  /** Extra Host names accepted (beyond loopback) — needed when binding a non-loopback address. */
  allowedHosts?: string[];
  /** Extra browser origins accepted, e.g. https://inspector.example. Loopback origins always pass. */
  allowedOrigins?: string[];
  /** Close a session unused this long (default 30 min). */
  sessionIdleMs?: number;
}

export interface HttpHandle {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class BindRefused extends Error {
  override name = 'BindRefused';
}

function jsonRpcError(res: Response, status: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
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

export async function serveHttp(runtime: Runtime, options: HttpOptions): Promise<HttpHandle> {
  if (!isLoopback(options.host) && !options.token) {
    throw new BindRefused(
      `Refusing to listen on ${options.host} without MCP_HTTP_TOKEN: anyone who can reach it could read your revenue. Set MCP_HTTP_TOKEN or bind 127.0.0.1.`,
    );
  }
  const app = createMcpExpressApp({
    host: isLoopback(options.host) ? '127.0.0.1' : options.host,
    allowedHosts: options.allowedHosts?.length ? [...options.allowedHosts, 'localhost', '127.0.0.1', '[::1]'] : undefined,
  });

  app.use((req: Request, res: Response, next: NextFunction) => {
    const origin = req.header('origin');
    if (origin && !originAllowed(origin, options.allowedOrigins ?? [])) {
      log('warning', `HTTP: refused ${req.method} ${req.path} from origin ${origin}`);
      res.status(403).json({ error: `Origin ${origin} is not allowed (set MCP_ALLOWED_ORIGINS to permit it).` });
      return;
    }
    if (options.token && !tokenMatches(req.header('authorization'), options.token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="revenue-mcp"');
      res.status(401).json({ error: 'Missing or wrong bearer token: send Authorization: Bearer <MCP_HTTP_TOKEN>.' });
      return;
    }
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', name: PACKAGE.name, version: PACKAGE.version });
  });

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
        sessions.delete(id);
        lastSeen.delete(id);
        void transport.close().catch(() => undefined);
      }
    },
    Math.max(250, Math.min(60_000, Math.floor(idleMs / 4))),
  );
  sweeper.unref();

  if (options.stateless) {
    // The SDK requires a fresh server and transport per request in stateless mode.
    app.post('/mcp', async (req: Request, res: Response) => {
      const server = buildServer(runtime);
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
        return transport.handleRequest(req, res, req.body);
      }
      if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
        return jsonRpcError(res, 400, 'Bad request: send initialize first, then the Mcp-Session-Id header.');
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, transport);
          lastSeen.set(id, Date.now());
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) {
          sessions.delete(transport.sessionId);
          lastSeen.delete(transport.sessionId);
        }
      };
      const server = buildServer(runtime);
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    });
  }

  // ---- legacy HTTP+SSE (protocol 2024-11-05) ----
  const sseSessions = new Map<string, SSEServerTransport>();
  app.get('/sse', async (_req: Request, res: Response) => {
    const transport = new SSEServerTransport('/messages', res);
    sseSessions.set(transport.sessionId, transport);
    res.on('close', () => sseSessions.delete(transport.sessionId));
    const server = buildServer(runtime);
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
      clearInterval(sweeper);
      for (const t of sessions.values()) await t.close().catch(() => undefined);
      for (const t of sseSessions.values()) await t.close().catch(() => undefined);
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
