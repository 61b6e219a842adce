import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpSettings, LimitSpec } from '../../src/config.js';
import { UpstreamError } from '../../src/http/errors.js';
import { untilAborted } from '../../src/http/gate.js';
import { Upstream } from '../../src/http/upstream.js';
import { Secret } from '../../src/secret.js';
import { SimServer, type SimRequest } from '../../src/sim/framework.js';

/**
 * The upstream HTTP layer against a real loopback server: retries, shared pauses, deadlines, aborts,
 * size caps, malformed and truncated bodies. Timings are read from the simulator's request log.
 */

const http: HttpSettings = {
  connectTimeoutMs: 2000,
  headersTimeoutMs: 5000,
  bodyTimeoutMs: 5000,
  maxResponseBytes: 64 * 1024,
  retries: 3,
  deadlineMs: 10_000,
  backoffMs: 50,
  rateMarginMs: 30,
};

let inFlight = 0;
let maxInFlight = 0;
const sim = new SimServer({
  name: 'generic',
  routes: [
    { method: 'GET', pattern: '/ok/:n', handler: (req) => ({ status: 200, body: { n: req.params.n } }) },
    {
      method: 'GET',
      pattern: '/slow/:ms',
      handler: async (req) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, Number(req.params.ms)));
        inFlight -= 1;
        return { status: 200, body: { ok: true } };
      },
    },
    { method: 'POST', pattern: '/write', handler: () => ({ status: 201, body: { created: true } }) },
    { method: 'GET', pattern: '/big', handler: () => ({ status: 200, body: { blob: 'x'.repeat(100 * 1024) } }) },
  ],
});

let base = '';
beforeAll(async () => {
  base = await sim.start();
});
afterAll(() => sim.close());
afterEach(() => {
  sim.clearFaults();
  sim.clearRequests();
  maxInFlight = 0;
});

function upstream(limit: LimitSpec = { maxConcurrent: 8 }, extra: Partial<HttpSettings> = {}, methodLimits?: Record<string, LimitSpec>) {
  return new Upstream({
    source: 'ofd',
    baseUrl: base,
    http: { ...http, ...extra },
    limit,
    methodLimits,
    parseError: (_status, body) => {
      const b = body as { code?: unknown; message?: unknown } | undefined;
      return typeof b === 'object' && b ? { code: b.code === undefined ? undefined : String(b.code), message: b.message as string } : undefined;
    },
  });
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    return err as UpstreamError;
  }
  throw new Error('expected the request to fail');
}

const isPath = (path: string) => (req: SimRequest) => req.path === path;

describe('retries', () => {
  it('a 429 with Retry-After: 1 is retried after at least 1 s and succeeds', async () => {
    sim.inject({ kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { code: 'TooManyRequests', message: 'per-second limit' } });
    const res = await upstream().request<{ n: string }>({ method: 'GET', path: '/ok/1' });
    expect(res.body).toEqual({ n: '1' });
    expect(res.attempts).toBe(2);
    const [first, second] = sim.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
  });

  it('Retry-After as an HTTP date is honoured too', async () => {
    const at = new Date(Date.now() + 1500);
    sim.inject({ kind: 'status', status: 503, headers: { 'retry-after': at.toUTCString() } });
    sim.inject({ kind: 'status', status: 429, headers: { 'retry-after': at.toUTCString() } });
    const res = await upstream().request({ method: 'GET', path: '/ok/2' });
    expect(res.attempts).toBe(3);
    // HTTP dates have whole seconds: the retry comes no earlier than that second.
    expect(sim.requests[2]!.at).toBeGreaterThanOrEqual(Math.floor(at.getTime() / 1000) * 1000);
  });

  it('5xx and connection resets are retried for GET, not for a POST that may have been applied', async () => {
    sim.injectSequence([{ kind: 'status', status: 502 }, { kind: 'reset' }]);
    const ok = await upstream().request({ method: 'GET', path: '/ok/3' });
    expect(ok.attempts).toBe(3);

    sim.clearRequests();
    sim.inject({ kind: 'status', status: 500, body: { code: 'InternalServerError', message: 'boom' } });
    const err = await failure(upstream().request({ method: 'POST', path: '/write', json: { a: 1 } }));
    expect(err.status).toBe(500);
    expect(err.code).toBe('InternalServerError');
    expect(err.message).toMatch(/Yandex OFD answered POST \/write with HTTP 500 InternalServerError: "boom"/);
    expect(sim.requests).toHaveLength(1);

    // ...unless the caller says the POST only reads.
    sim.clearRequests();
    sim.inject({ kind: 'reset' });
    const read = await upstream().request({ method: 'POST', path: '/write', json: {}, idempotent: true });
    expect(read.attempts).toBe(2);
  });

  it('a 429 is retried even for POST: the upstream refused it before doing anything', async () => {
    sim.inject({ kind: 'status', status: 429, headers: { 'retry-after': '0' } });
    const res = await upstream().request({ method: 'POST', path: '/write', json: {} });
    expect(res.status).toBe(201);
    expect(res.attempts).toBe(2);
  });

  it('gives up after the configured attempts with the last error, saying how many went out', async () => {
    sim.inject({ kind: 'status', status: 503, body: { message: 'overloaded' } }, { times: 10 });
    const err = await failure(upstream().request({ method: 'GET', path: '/ok/4' }));
    expect(err.status).toBe(503);
    expect(sim.requests).toHaveLength(http.retries + 1);
    expect(err.attempts).toBe(http.retries + 1);
  });

  it('4xx other than 408/420/429 are not retried', async () => {
    sim.inject({ kind: 'status', status: 403, body: { code: 3, message: 'company not accessible' } });
    const err = await failure(upstream().request({ method: 'GET', path: '/ok/5' }));
    expect(err).toMatchObject({ status: 403, code: '3', retryable: false });
    expect(sim.requests).toHaveLength(1);
  });

  it('a truncated body is retried; so are malformed JSON and an empty 200 of a GET, and reported when they persist', async () => {
    sim.inject({ kind: 'truncated' });
    const res = await upstream().request<{ n: string }>({ method: 'GET', path: '/ok/6' });
    expect(res.body.n).toBe('6');
    expect(res.attempts).toBe(2);

    sim.inject({ kind: 'malformed' });
    sim.inject({ kind: 'status', status: 200, body: '' });
    const again = await upstream().request<{ n: string }>({ method: 'GET', path: '/ok/7' });
    expect([again.body.n, again.attempts]).toEqual(['7', 3]);

    sim.clearRequests();
    sim.inject({ kind: 'malformed' }, { times: 10 });
    const err = await failure(upstream().request({ method: 'GET', path: '/ok/7' }));
    expect(err.code).toBe('bad_response');
    expect(err.message).toMatch(/not valid JSON.*try again later/);
    expect(sim.requests).toHaveLength(http.retries + 1);

    // A POST is never sent twice: its garbled answer is reported at once.
    sim.clearFaults();
    sim.clearRequests();
    sim.inject({ kind: 'status', status: 201, body: '' });
    const post = await failure(upstream().request({ method: 'POST', path: '/write', json: {} }));
    expect(post.message).toMatch(/an empty reply \(HTTP 201\)/);
    expect(sim.requests).toHaveLength(1);
  });

  it('a redirect is not followed, and its error names the other host only', async () => {
    sim.inject({ kind: 'status', status: 302, headers: { location: 'http://elsewhere.example:8080/login?sig=abc' }, body: '' });
    const err = await failure(upstream().request({ method: 'GET', path: '/ok/9', headers: { 'x-ofd-key': 'k' } }));
    expect(err.message).toMatch(/redirected GET \/ok\/9 to elsewhere\.example:8080 \(HTTP 302\); revenue-mcp does not follow redirects/);
    expect(err.message).not.toContain('sig=abc');
    expect(sim.requests).toHaveLength(1);
  });

  it('a slow body within the timeouts is read whole', async () => {
    sim.inject({ kind: 'slowBody', chunkDelayMs: 40, chunks: 5 });
    const res = await upstream().request<{ n: string }>({ method: 'GET', path: '/ok/8' });
    expect(res.body.n).toBe('8');
  });

  it('a body timeout becomes a timeout error and is retried', async () => {
    // undici checks body timeouts on a coarse (~1 s) timer, so the stall must be longer than that.
    sim.inject({ kind: 'slowBody', chunkDelayMs: 2500, chunks: 2 });
    const res = await upstream({ maxConcurrent: 2 }, { bodyTimeoutMs: 200 }).request<{ n: string }>({ method: 'GET', path: '/ok/9' });
    expect(res.attempts).toBe(2);
  });
});

describe('rate-limit pauses are shared', () => {
  it('a 420 pauses other queued requests to that source until the reset time', async () => {
    const up = upstream({ maxConcurrent: 4 });
    const until = Date.now() + 1200;
    sim.inject(
      { kind: 'status', status: 420, headers: { 'retry-after': '1.2' }, body: { status: 'ERROR', errors: [{ code: 'LIMIT', message: 'Enhance Your Calm' }] } },
      { match: isPath('/ok/a') },
    );
    const first = up.request({ method: 'GET', path: '/ok/a' });
    await new Promise((r) => setTimeout(r, 100)); // the 420 has arrived
    const others = [up.request({ method: 'GET', path: '/ok/b' }), up.request({ method: 'GET', path: '/ok/c' })];
    await Promise.all([first, ...others]);
    const [refused, ...rest] = sim.requests;
    expect(refused!.path).toBe('/ok/a');
    expect(rest).toHaveLength(3);
    for (const r of rest) expect(r.at, `${r.path} ${r.at - refused!.at}`).toBeGreaterThanOrEqual(until - 5);
  });

  it('X-RateLimit-Resource-Until pauses only that method when the call names one', async () => {
    const up = upstream({ maxConcurrent: 4 }, {}, { 'reports.info': { count: 100, intervalMs: 60_000 } });
    const until = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    sim.inject(
      { kind: 'status', status: 420, headers: { 'x-ratelimit-resource-until': until.toUTCString(), 'x-ratelimit-resource-remaining': '0' } },
      { match: isPath('/ok/info') },
    );
    const info = up.request({ method: 'GET', path: '/ok/info', limitKey: 'reports.info' });
    await new Promise((r) => setTimeout(r, 100));
    const otherStarted = Date.now();
    await up.request({ method: 'GET', path: '/ok/other' });
    expect(Date.now() - otherStarted).toBeLessThan(until.getTime() - otherStarted);
    await info;
    const retried = sim.requests.filter((r) => r.path === '/ok/info');
    expect(retried).toHaveLength(2);
    expect(retried[1]!.at).toBeGreaterThanOrEqual(until.getTime());
  });

  it('Remaining: 0 on a success pauses the next call until Until', async () => {
    const up = upstream({ maxConcurrent: 4 }, {}, { 'reports.info': { count: 100, intervalMs: 60_000 } });
    const until = new Date(Math.ceil((Date.now() + 1200) / 1000) * 1000);
    sim.inject(
      { kind: 'status', status: 200, headers: { 'x-ratelimit-resource-remaining': '0', 'x-ratelimit-resource-until': until.toUTCString() }, body: { ok: 1 } },
    );
    await up.request({ method: 'GET', path: '/ok/q1', limitKey: 'reports.info' });
    await up.request({ method: 'GET', path: '/ok/q2', limitKey: 'reports.info' });
    expect(sim.requests[1]!.at).toBeGreaterThanOrEqual(until.getTime());
  });

  it('a pause longer than the deadline fails at once with the reset time', async () => {
    const up = upstream({ maxConcurrent: 4 }, { deadlineMs: 1000 });
    sim.inject({ kind: 'status', status: 429, headers: { 'retry-after': '30' } });
    const started = Date.now();
    const err = await failure(up.request({ method: 'GET', path: '/ok/z' }));
    expect(Date.now() - started).toBeLessThan(900);
    expect(err.code).toBe('rate_limited');
    expect(err.resetAt!.getTime()).toBeGreaterThan(Date.now() + 25_000);
    expect(err.message).toMatch(/rate-limited until \d\d:\d\d:\d\d UTC/);
  });
});

describe('limits, deadlines and aborts', () => {
  it('never more requests in flight than the limiter allows', async () => {
    const up = upstream({ maxConcurrent: 2 });
    await Promise.all(Array.from({ length: 6 }, () => up.request({ method: 'GET', path: '/slow/80' })));
    expect(maxInFlight).toBe(2);
  });

  it('a per-second limit spaces request starts', async () => {
    const up = upstream({ count: 5, intervalMs: 1000, maxConcurrent: 5 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => up.request({ method: 'GET', path: `/ok/r${i}` })));
    const starts = sim.requests.map((r) => r.at).sort((a, b) => a - b);
    // ten requests at five per second need at least one refill of the reservoir
    expect(starts[9]! - starts[0]!).toBeGreaterThanOrEqual(900);
  });

  it('the overall deadline ends a slow upstream with a clear error', async () => {
    sim.inject({ kind: 'latency', ms: 2000 });
    const err = await failure(upstream({ maxConcurrent: 2 }, { deadlineMs: 300 }).request({ method: 'GET', path: '/ok/d' }));
    expect(err.code).toBe('deadline');
    expect(err.message).toMatch(/did not answer GET \/ok\/d within 0 s|within 1 s|within \d+ s/);
  });

  it('an aborted call stops within 100 ms — in flight, queued, or waiting out a pause', async () => {
    const up = upstream({ maxConcurrent: 1 });
    // in flight
    const c1 = new AbortController();
    const p1 = up.request({ method: 'GET', path: '/slow/3000', signal: c1.signal });
    // queued behind it
    const c2 = new AbortController();
    const p2 = up.request({ method: 'GET', path: '/ok/queued', signal: c2.signal });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    c1.abort();
    c2.abort();
    const [e1, e2] = await Promise.all([failure(p1), failure(p2)]);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(e1.code).toBe('aborted');
    expect(e2.code).toBe('aborted');
    expect(sim.requests.some((r) => r.path === '/ok/queued')).toBe(false);

    // waiting out a pause
    const up2 = upstream({ maxConcurrent: 2 });
    sim.inject({ kind: 'status', status: 429, headers: { 'retry-after': '5' } });
    const c3 = new AbortController();
    const p3 = up2.request({ method: 'GET', path: '/ok/paused', signal: c3.signal });
    await new Promise((r) => setTimeout(r, 150));
    const t1 = performance.now();
    c3.abort();
    const e3 = await failure(p3);
    expect(performance.now() - t1).toBeLessThan(100);
    expect(e3.code).toBe('aborted');
  });

  it('a call cancelled while queued gives its quota slot back to the next caller', async () => {
    const up = upstream({ maxConcurrent: 4 }, {}, { generate: { count: 1, intervalMs: 1500 } });
    await up.request({ method: 'GET', path: '/ok/first', limitKey: 'generate' }); // takes this window's slot
    const cancelled = new AbortController();
    const queued = up.request({ method: 'GET', path: '/ok/cancelled', limitKey: 'generate', signal: cancelled.signal });
    await new Promise((r) => setTimeout(r, 100));
    cancelled.abort();
    expect((await failure(queued)).code).toBe('aborted');
    await up.request({ method: 'GET', path: '/ok/next', limitKey: 'generate' });
    const first = sim.requests.find((r) => r.path === '/ok/first')!;
    const next = sim.requests.find((r) => r.path === '/ok/next')!;
    // the next window (1.5 s), not the one after it (3 s)
    expect(next.at - first.at).toBeGreaterThanOrEqual(1300);
    expect(next.at - first.at).toBeLessThan(2600);
    expect(sim.requests.some((r) => r.path === '/ok/cancelled')).toBe(false);
  });

  it('a response over the size cap is refused with a clear error', async () => {
    const err = await failure(upstream().request({ method: 'GET', path: '/big' }));
    expect(err.code).toBe('too_large');
    expect(err.message).toMatch(/more than 0 MiB|HTTP_MAX_RESPONSE_BYTES/);
  });
});

describe('shared work', () => {
  it('a waiter is released by its own signal at once; the work goes on for the others', async () => {
    let finish!: (v: string) => void;
    const shared = new Promise<string>((r) => (finish = r));
    const mine = new AbortController();
    const left = untilAborted(shared, mine.signal, () => new Error('mine cancelled'));
    const other = untilAborted(shared, new AbortController().signal);
    mine.abort();
    await expect(left).rejects.toThrow('mine cancelled');
    finish('token');
    await expect(other).resolves.toBe('token');
    await expect(untilAborted(shared, AbortSignal.abort('gone'))).rejects.toBe('gone');
  });
});

describe('secrets', () => {
  it('an upstream error that echoes a credential never shows it', async () => {
    const key = new Secret('sk-live-0123456789');
    sim.inject({ kind: 'status', status: 401, body: { code: 1, message: `X-Yandex-Key sk-live-0123456789 is not valid` } });
    const err = await failure(
      upstream().request({ method: 'GET', path: '/ok/s', headers: { 'x-yandex-key': key.reveal() } }),
    );
    expect(err.message).toContain('***');
    expect(err.message).not.toContain('sk-live-0123456789');
    expect(JSON.stringify(err)).not.toContain('sk-live-0123456789');
  });
});
