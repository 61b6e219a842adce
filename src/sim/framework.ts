import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type AddressInfo, type Socket } from 'node:net';

/**
 * A small framework for loopback simulators of the upstream APIs. Simulators are the other side of the
 * wire: nothing here (or in any simulator) imports the client code it judges.
 *
 * - routes with `:params`, JSON bodies, request recording;
 * - a `before` hook per simulator for auth and rate limits, answering with that API's own error bodies;
 * - fault injection per test: latency, status sequences (with Retry-After and friends), connection reset,
 *   malformed or truncated JSON, slow or stalled bodies, requests never answered, and a blackholed port
 *   (connections never accepted).
 */

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  body: Buffer;
  text: string;
  /** Parsed JSON body; undefined when the body is empty or not JSON. */
  json: unknown;
}

export interface SimReply {
  status: number;
  headers?: Record<string, string>;
  /** A JSON value (serialised) or raw bytes/text sent as is. */
  body?: unknown;
}

export type SimHandler = (req: SimRequest) => SimReply | Promise<SimReply>;

export interface Route {
  method: string;
  /** Path pattern, e.g. `/orgs/:org/deals/sales/:deal`. */
  pattern: string;
  handler: SimHandler;
}

export type Fault =
  | { kind: 'latency'; ms: number }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'reset' }
  | { kind: 'malformed' }
  | { kind: 'truncated' }
  | { kind: 'slowBody'; chunkDelayMs: number; chunks?: number }
  /** The request is read and never answered: no status line, no headers (the client's headers timeout). */
  | { kind: 'hang' }
  /** Status, headers and the first part of the body, then silence on an open connection (body timeout). */
  | { kind: 'stall' };

interface FaultRule {
  fault: Fault;
  remaining: number;
  match?: (req: SimRequest) => boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
  at: number;
}

export interface SimOptions {
  name: string;
  routes: Route[];
  /** Runs before routing (after faults): return a reply to short-circuit (auth failure, 429 …). */
  before?: (req: SimRequest) => SimReply | undefined | Promise<SimReply | undefined>;
  /** Reply for an unknown path, in the API's own error format. */
  notFound?: (req: SimRequest) => SimReply;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  keys: string[];
}

function compile(route: Route): CompiledRoute {
  const keys: string[] = [];
  const source = route.pattern
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        keys.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { ...route, regex: new RegExp(`^${source}/?$`), keys };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serialise(reply: SimReply): { headers: Record<string, string>; payload: Buffer } {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload: Buffer;
  if (reply.body === undefined) payload = Buffer.alloc(0);
  else if (Buffer.isBuffer(reply.body)) payload = reply.body;
  else if (typeof reply.body === 'string') payload = Buffer.from(reply.body);
  else {
    payload = Buffer.from(JSON.stringify(reply.body));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json; charset=utf-8';
    }
  }
  return { headers, payload };
}

export class SimServer {
  readonly name: string;
  readonly requests: RecordedRequest[] = [];
  #routes: CompiledRoute[];
  #faults: FaultRule[] = [];
  #rewrites: Array<(body: unknown, req: SimRequest) => unknown> = [];
  #server: Server;
  #sockets = new Set<Socket>();
  #options: SimOptions;
  #url = '';

  constructor(options: SimOptions) {
    this.name = options.name;
    this.#options = options;
    this.#routes = options.routes.map(compile);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`simulator ${this.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        } else res.destroy();
      });
    });
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  /** Listen on 127.0.0.1 (port 0 = any free port); resolves to the base URL. */
  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => resolve());
    });
    const { port: actual } = this.#server.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${actual}`;
    return this.#url;
  }

  get url(): string {
    return this.#url;
  }

  /** Apply `fault` to the next `times` matching requests (default 1). Faults queue in order. */
  inject(fault: Fault, options: { times?: number; match?: (req: SimRequest) => boolean } = {}): this {
    this.#faults.push({ fault, remaining: options.times ?? 1, match: options.match });
    return this;
  }

  /** A sequence of faults, one request each, e.g. [429, 429] before normal service resumes. */
  injectSequence(faults: Fault[], match?: (req: SimRequest) => boolean): this {
    for (const fault of faults) this.inject(fault, { times: 1, match });
    return this;
  }

  /**
   * Rewrite every JSON reply body from now on (until clearRewrites), e.g. to seed hostile text or an
   * absurd amount into whatever field a test names. Applied to routed replies, not to injected faults.
   */
  rewriteJson(fn: (body: unknown, req: SimRequest) => unknown): this {
    this.#rewrites.push(fn);
    return this;
  }

  clearRewrites(): void {
    this.#rewrites = [];
  }

  clearFaults(): void {
    this.#faults = [];
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /**
   * Blackhole this simulator's port until the returned function is called: the port is handed to a listener
   * that never accepts and whose accept queue is full, so the kernel drops every new connection attempt
   * and clients see a connect timeout (not a refusal). Open connections are cut first.
   */
  async blackhole(): Promise<() => Promise<void>> {
    const port = Number(new URL(this.#url).port);
    await this.close();
    const hole = await Blackhole.open(port);
    return async () => {
      await hole.close();
      await this.start(port);
    };
  }

  #takeFault(req: SimRequest): Fault | undefined {
    const index = this.#faults.findIndex((f) => !f.match || f.match(req));
    if (index < 0) return undefined;
    const rule = this.#faults[index]!;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#faults.splice(index, 1);
    return rule.fault;
  }

  async #handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    // Arrival is when the request line and headers are in, not after the body has been read.
    const at = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of raw) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(raw.url ?? '/', 'http://sim.local');
    const text = body.toString('utf8');
    let json: unknown;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    const req: SimRequest = {
      method: (raw.method ?? 'GET').toUpperCase(),
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: raw.headers,
      params: {},
      body,
      text,
      json,
    };
    this.requests.push({ method: req.method, path: req.path, query: req.query, headers: req.headers, text, json, at });

    let fault = this.#takeFault(req);
    while (fault?.kind === 'latency') {
      await sleep(fault.ms);
      fault = this.#takeFault(req);
    }
    if (fault?.kind === 'reset') {
      raw.socket.destroy();
      return;
    }
    // The socket stays open until the client gives up or the simulator closes.
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'status') {
      return this.#send(res, { status: fault.status, headers: fault.headers, body: fault.body });
    }
    if (fault?.kind === 'malformed') {
      return this.#send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"data": [ {"oops": ' });
    }

    const reply = await this.#route(req);
    if (fault?.kind === 'truncated') {
      const { headers, payload } = serialise(reply);
      res.writeHead(reply.status, { ...headers, 'content-length': String(payload.length) });
      res.write(payload.subarray(0, Math.floor(payload.length / 2)));
      await sleep(10);
      res.destroy();
      return;
    }
    if (fault?.kind === 'stall') {
      const { headers, payload } = serialise(reply);
      res.writeHead(reply.status, { ...headers, 'content-length': String(payload.length) });
      res.write(payload.subarray(0, Math.floor(payload.length / 3)));
      return;
    }
    if (fault?.kind === 'slowBody') {
      const { headers, payload } = serialise(reply);
      res.writeHead(reply.status, { ...headers, 'content-length': String(payload.length) });
      const n = Math.max(1, fault.chunks ?? 5);
      const size = Math.ceil(payload.length / n);
      for (let i = 0; i < payload.length && !res.destroyed; i += size) {
        res.write(payload.subarray(i, i + size));
        await sleep(fault.chunkDelayMs);
      }
      res.end();
      return;
    }
    this.#send(res, reply);
  }

  async #route(req: SimRequest): Promise<SimReply> {
    const early = await this.#options.before?.(req);
    if (early) return early;
    for (const route of this.#routes) {
      if (route.method !== req.method) continue;
      const m = route.regex.exec(req.path);
      if (!m) continue;
      route.keys.forEach((k, i) => (req.params[k] = m[i + 1]!));
      return this.#rewritten(await route.handler(req), req);
    }
    return this.#options.notFound?.(req) ?? { status: 404, body: { error: `no route ${req.method} ${req.path}` } };
  }

  #rewritten(reply: SimReply, req: SimRequest): SimReply {
    const isJson = reply.body !== undefined && !Buffer.isBuffer(reply.body) && typeof reply.body !== 'string';
    if (!isJson || this.#rewrites.length === 0) return reply;
    // A deep copy, so a rewrite never alters the simulator's own data.
    let body = JSON.parse(JSON.stringify(reply.body)) as unknown;
    for (const fn of this.#rewrites) body = fn(body, req);
    return { ...reply, body };
  }

  #send(res: ServerResponse, reply: SimReply): void {
    const { headers, payload } = serialise(reply);
    res.writeHead(reply.status, { ...headers, 'content-length': String(payload.length) });
    res.end(payload);
  }
}

/**
 * A fixed-window request counter per key, e.g. "5 per second" or "1 per 2 minutes".
 * `take` answers whether the request fits, how many remain and when the window resets.
 */
export class RateWindow {
  #windows = new Map<string, { start: number; used: number }>();
  constructor(
    public limit: number,
    public windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  take(key = '*'): { ok: boolean; remaining: number; resetAt: number } {
    const now = this.clock();
    let w = this.#windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, used: 0 };
      this.#windows.set(key, w);
    }
    const resetAt = w.start + this.windowMs;
    if (w.used >= this.limit) return { ok: false, remaining: 0, resetAt };
    w.used += 1;
    return { ok: true, remaining: this.limit - w.used, resetAt };
  }

  reset(): void {
    this.#windows.clear();
  }
}

/** Deterministic PRNG (mulberry32): same seed, same sequence, so the same figures on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Case-insensitive header read (Node lower-cases incoming names; arrays are joined). */
export function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * A port whose connection attempts go unanswered: a child process listens with a backlog of 1 and blocks
 * its event loop so it never accepts; a few connections of our own fill the accept queue, after which
 * Linux drops further SYNs. (A JavaScript server in this process would accept everything at once.)
 */
class Blackhole {
  private constructor(
    private readonly child: ChildProcess,
    private readonly fillers: Socket[],
  ) {}

  static async open(port: number): Promise<Blackhole> {
    const script = `const s = require('node:net').createServer();
s.listen({ port: ${port}, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write('ready\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`blackhole listener on port ${port} exited with ${code}`)));
    });
    const fillers: Socket[] = [];
    // Connect until one attempt hangs: from then on the queue is full.
    for (let i = 0; i < 16; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      fillers.push(socket);
      const connected = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 300);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!connected) return new Blackhole(child, fillers);
    }
    child.kill('SIGKILL');
    for (const s of fillers) s.destroy();
    throw new Error(`could not fill the accept queue of port ${port}`);
  }

  async close(): Promise<void> {
    for (const s of this.fillers) s.destroy();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}
