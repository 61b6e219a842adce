import { Pool, type Dispatcher } from 'undici';
import type { HttpSettings } from '../config.js';

/** A response as read off the wire: status, headers (lower-case names, repeated ones joined) and the whole body. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  raw: Buffer;
}

export interface WireRequest {
  origin: string;
  method: Dispatcher.HttpMethod;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** A body longer than this ends the request with `tooLarge(status)`. */
  maxBytes: number;
  tooLarge: (status: number) => Error;
  /** Right before the request is written on a connected socket: the closest this process gets to the moment the upstream sees it. */
  onWritten: () => void;
  /** Once the status line and headers have arrived, before the body. */
  onHeaders: (status: number, headers: Record<string, string>) => void;
}

/** One keep-alive undici Pool per upstream origin, shared by every client of that origin. */
const pools = new Map<string, Pool>();

function poolFor(origin: string, http: HttpSettings): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, {
      connections: 8,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      connect: { timeout: http.connectTimeoutMs },
      headersTimeout: http.headersTimeoutMs,
      bodyTimeout: http.bodyTimeoutMs,
    });
    pools.set(origin, pool);
  }
  return pool;
}

/**
 * Send one request and buffer its whole answer, through undici's dispatch API with a handler of our own:
 * the body goes chunk by chunk into a list, with no response stream, async iterator or interceptor
 * wrapping in between (a measurable part of the layer's own cost per request, bench/README.md "overhead").
 * Connection and network errors, undici's timeouts and `signal`'s abort reject with undici's error or the
 * signal's reason.
 */
export function send(http: HttpSettings, req: WireRequest): Promise<WireResponse> {
  return new Promise<WireResponse>((resolve, reject) => {
    const { signal } = req;
    if (signal.aborted) return reject(signal.reason);
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = () => {
      settled = true;
      signal.removeEventListener('abort', onAbort);
    };
    // Queued in the pool, the request is aborted when it gets a connection; the caller is released now.
    const onAbort = () => {
      controller?.abort(signal.reason);
      if (!settled) {
        settle();
        reject(signal.reason);
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(ctl) {
        controller = ctl;
        if (signal.aborted) return ctl.abort(signal.reason);
        req.onWritten();
      },
      onResponseStart(ctl, statusCode, raw) {
        status = statusCode;
        headers = flatHeaders(raw);
        req.onHeaders(status, headers);
        const declared = Number(headers['content-length']);
        if (declared > req.maxBytes) ctl.abort(req.tooLarge(status));
      },
      onResponseData(ctl, chunk) {
        size += chunk.length;
        if (size > req.maxBytes) return ctl.abort(req.tooLarge(status));
        chunks.push(chunk);
      },
      onResponseEnd() {
        if (settled) return;
        settle();
        resolve({ status, headers, raw: Buffer.concat(chunks, size) });
      },
      onResponseError(_ctl, err) {
        if (settled) return;
        settle();
        reject(err);
      },
    };
    poolFor(req.origin, http).dispatch(
      { origin: req.origin, method: req.method, path: req.path, headers: req.headers, body: req.body, headersTimeout: http.headersTimeoutMs, bodyTimeout: http.bodyTimeoutMs },
      handler,
    );
  });
}

function flatHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in raw) {
    const v = raw[k];
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * Close every pool; requests still running after `graceMs` (a hung login nobody waits for any more) are
 * cut, so a shutdown never waits for an upstream's headers timeout.
 */
export async function closeAllPools(graceMs = 1000): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.allSettled(
    all.map(async (pool) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
      const outcome = await Promise.race([pool.close().then(() => 'closed' as const), late]);
      clearTimeout(timer);
      if (outcome === 'late') await pool.destroy();
    }),
  );
}
