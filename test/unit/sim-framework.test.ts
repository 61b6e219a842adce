import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateWindow, SimServer, header, seededRandom } from '../../src/sim/framework.js';

describe('simulator framework', () => {
  const sim = new SimServer({
    name: 'fw',
    routes: [
      { method: 'GET', pattern: '/orgs/:org/deals/sales/:deal', handler: (req) => ({ status: 200, body: { ...req.params, q: req.query.get('presentation') } }) },
      { method: 'POST', pattern: '/echo', handler: (req) => ({ status: 200, body: { got: req.json, key: header(req, 'X-Key') } }) },
    ],
    before: (req) => (header(req, 'x-key') === 'bad' ? { status: 401, body: { code: 'Unauthorized' } } : undefined),
    notFound: () => ({ status: 404, body: { code: 'NotFound', message: 'no such path' } }),
  });
  let base = '';
  beforeAll(async () => {
    base = await sim.start();
  });
  afterAll(() => sim.close());

  it('listens on 127.0.0.1, routes with params, parses JSON and records requests', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const a = await fetch(`${base}/orgs/o-1/deals/sales/d-2?presentation=full`);
    expect(await a.json()).toEqual({ org: 'o-1', deal: 'd-2', q: 'full' });
    const b = await fetch(`${base}/echo`, { method: 'POST', body: '{"x":1}', headers: { 'x-key': 'k' } });
    expect(await b.json()).toEqual({ got: { x: 1 }, key: 'k' });
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /orgs/o-1/deals/sales/d-2', 'POST /echo']);
    expect(sim.requests[1]!.json).toEqual({ x: 1 });
  });

  it('answers unknown paths and auth failures in the API format', async () => {
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 'NotFound', message: 'no such path' });
    const denied = await fetch(`${base}/echo`, { method: 'POST', body: '{}', headers: { 'x-key': 'bad' } });
    expect(denied.status).toBe(401);
  });

  it('injects status sequences, then serves normally', async () => {
    sim.injectSequence([
      { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { code: 'TooManyRequests' } },
      { kind: 'status', status: 503 },
    ]);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/orgs/a/deals/sales/b`)).status);
    expect(statuses).toEqual([429, 503, 200]);
  });

  it('injects malformed JSON and connection resets, only for matching requests', async () => {
    sim.inject({ kind: 'malformed' }, { match: (r) => r.path === '/echo' });
    const other = await fetch(`${base}/orgs/a/deals/sales/b`);
    expect(other.status).toBe(200);
    const broken = await fetch(`${base}/echo`, { method: 'POST', body: '{}' });
    await expect(broken.json()).rejects.toThrow();
    sim.inject({ kind: 'reset' });
    await expect(fetch(`${base}/orgs/a/deals/sales/b`)).rejects.toThrow();
  });

  it('seeded data is deterministic', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('RateWindow counts per key and resets with its window', () => {
    let now = 1000;
    const w = new RateWindow(2, 1000, () => now);
    expect(w.take('a')).toMatchObject({ ok: true, remaining: 1 });
    expect(w.take('a')).toMatchObject({ ok: true, remaining: 0 });
    expect(w.take('a')).toEqual({ ok: false, remaining: 0, resetAt: 2000 });
    expect(w.take('b').ok).toBe(true);
    now = 2000;
    expect(w.take('a').ok).toBe(true);
  });
});
