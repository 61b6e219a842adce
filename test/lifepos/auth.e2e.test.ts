import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim } from '../../src/sim/lifepos/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';

/**
 * Auth, required headers and rate limits of the LIFE POS client, end to end over stdio against the
 * simulator: token and phone logins, re-login on expiry (once), shared sign-in, 429 retry, 422 on a
 * missing header, and no secret in any output.
 */

const NOW = new Date('2026-11-25T09:00:00Z');
const EXAMPLE = '7564edaa-27bd-4f16-aa8a-6b1d0fecf4d0';
const WIDGET_ARGS = { date_from: '2026-11-16', date_to: '2026-11-22' };

let sim: LifeposSim | undefined;
let session: StdioSession | undefined;

afterEach(async () => {
  await session?.close();
  await sim?.close();
  session = undefined;
  sim = undefined;
});

async function start(options: Parameters<typeof startLifeposSim>[0] = {}, auth: 'phone' | 'token' = 'phone', env: Record<string, string> = {}) {
  sim = await startLifeposSim({ now: NOW, days: 12, seed: 9, ...options });
  session = await connectStdio({ env: { ...sim.env(auth), ...env } });
  return { sim, session };
}

const signIns = (s: LifeposSim) => s.server.requests.filter((r) => r.path === '/auth/sign-in-by-phone').length;

function expectNoSecrets(s: LifeposSim, texts: string[]): void {
  const all = texts.join('\n');
  expect(all).not.toContain(s.credentials.password);
  expect(all).not.toContain(s.credentials.token);
  expect(all).not.toContain(s.credentials.phone);
  for (const token of s.state.sessions.keys()) expect(all).not.toContain(token);
}

describe('LIFE POS auth and headers (e2e)', () => {
  it('signs in by phone, re-logs in once when the token expires, and keeps serving', async () => {
    const { sim, session } = await start();
    const first = await session.client.callTool({ name: 'get_revenue_widget', arguments: WIDGET_ARGS });
    expect(first.isError, textOf(first)).toBeFalsy();
    expect(signIns(sim)).toBe(1);
    const login = sim.server.requests.find((r) => r.path === '/auth/sign-in-by-phone')!;
    expect(login.json).toEqual({ phone: sim.credentials.phone, password: sim.credentials.password });

    sim.state.expireSessions();
    const second = await session.client.callTool({ name: 'get_revenue_widget', arguments: WIDGET_ARGS });
    expect(second.isError, textOf(second)).toBeFalsy();
    expect(signIns(sim)).toBe(2);
    expect(second.structuredContent).toEqual(first.structuredContent);
    const widgetCalls = sim.server.requests.filter((r) => r.path.endsWith('/widgets/revenue'));
    expect(widgetCalls).toHaveLength(3); // ok, 401, ok after the re-login
    expect(session.stderr()).toContain('signing in again, once');
    expectNoSecrets(sim, [textOf(first), textOf(second), session.stderr()]);
  });

  it('shares one sign-in between concurrent calls', async () => {
    const { sim, session } = await start();
    const results = await Promise.all([
      session.client.callTool({ name: 'get_revenue_widget', arguments: WIDGET_ARGS }),
      session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE } }),
      session.client.callTool({ name: 'get_revenue_widget', arguments: { date_from: '2026-11-24', date_to: '2026-11-24' } }),
    ]);
    for (const r of results) expect(r.isError, textOf(r)).toBeFalsy();
    expect(signIns(sim)).toBe(1);
  });

  it('gives up with a clear error when a fresh token is refused too (one re-login only)', async () => {
    const { sim, session } = await start();
    sim.state.rejectSessions = true;
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain('LIFE POS refused a freshly issued token');
    expect(textOf(res)).toContain('after one re-login');
    expect(signIns(sim)).toBe(2);
    sim.state.rejectSessions = false;
    const again = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE } });
    expect(again.isError, textOf(again)).toBeFalsy();
    expectNoSecrets(sim, [textOf(res), session.stderr()]);
  });

  it('names the variables to fix when the password is wrong or the static token is refused', async () => {
    const { sim, session: first } = await start({}, 'phone', { LIFEPOS_PASSWORD: 'not-the-password' });
    const res = await first.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain('LIFE POS refused the sign-in with LIFEPOS_PHONE and LIFEPOS_PASSWORD (401, WrongUsernameOrPassword');
    expect(textOf(res)).not.toContain('not-the-password');
    expect(first.stderr()).not.toContain('not-the-password');
    await first.close();

    const other = await connectStdio({ env: { LIFEPOS_BASE_URL: sim.url, LIFEPOS_TOKEN: 'an-expired-token-123' } });
    session = other;
    const refused = await other.client.callTool({ name: 'get_revenue_widget', arguments: WIDGET_ARGS });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('LIFE POS refused LIFEPOS_TOKEN');
    expect(textOf(refused)).not.toContain('an-expired-token-123');
  });

  it('reports a 422 RequestIsNotValid from a missing required header, naming the header', async () => {
    const { sim, session } = await start({ extraRequiredHeaders: ['X-LP-Client-Model'] }, 'token');
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain('as not valid (422, RequestIsNotValid');
    expect(textOf(res)).toContain('Header X-LP-Client-Model is required');
    expect(sim.server.requests.length).toBeGreaterThan(0);
  });
});

describe('LIFE POS static token, headers and rate limits (e2e, one server)', () => {
  let tsim: LifeposSim;
  let tsession: StdioSession;
  beforeAll(async () => {
    tsim = await startLifeposSim({ now: NOW, days: 12, seed: 9 });
    // Short backoff and two retries keep the 429 tests quick; the behaviour is the same.
    tsession = await connectStdio({ env: { ...tsim.env('token'), HTTP_RETRIES: '2', HTTP_BACKOFF_MS: '50' } });
  });
  afterAll(async () => {
    await tsession?.close();
    await tsim?.close();
  });

  it('uses LIFEPOS_TOKEN as a bearer token and sends the required headers on every call', async () => {
    const sim = tsim;
    const session = tsession;
    sim.server.clearRequests();
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE } });
    expect(res.isError, textOf(res)).toBeFalsy();
    expect(signIns(sim)).toBe(0);
    expect(sim.server.requests.length).toBeGreaterThanOrEqual(2); // /orgs + the sale
    for (const r of sim.server.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${sim.credentials.token}`);
      expect(r.headers['x-lp-client-identifier']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(r.headers['x-lp-client-type']).toBe('Service');
      expect(r.headers['x-lp-client-name']).toBe('revenue-mcp');
      expect(r.headers['accept-language']).toBe('ru-RU');
    }
    // The installation id is stable between calls.
    expect(new Set(sim.server.requests.map((r) => r.headers['x-lp-client-identifier'])).size).toBe(1);
    expectNoSecrets(sim, [textOf(res), JSON.stringify(res.structuredContent), session.stderr()]);
  });

  it('retries a 429 TooManyRequests and answers normally', async () => {
    const sim = tsim;
    const session = tsession;
    sim.server.clearRequests();
    sim.server.inject(
      { kind: 'status', status: 429, body: { code: 'TooManyRequests', message: 'Превышен лимит запросов', info: 'per-second request limit exceeded' } },
      { match: (r) => r.path.endsWith('/widgets/revenue') },
    );
    const res = await session.client.callTool({ name: 'get_revenue_widget', arguments: WIDGET_ARGS });
    expect(res.isError, textOf(res)).toBeFalsy();
    expect(sim.server.requests.filter((r) => r.path.endsWith('/widgets/revenue'))).toHaveLength(2);
    expect(session.stderr()).toMatch(/TooManyRequests.*retrying/);
  });

  it('explains a 429 that does not go away', async () => {
    const sim = tsim;
    const session = tsession;
    sim.server.clearRequests();
    sim.server.inject(
      { kind: 'status', status: 429, headers: { 'retry-after': '0' }, body: { code: 'TooManyRequests', message: 'Too many requests', info: '' } },
      { times: 5, match: (r) => r.path.endsWith('/widgets/revenue') },
    );
    const res = await session.client.callTool({ name: 'get_revenue_widget', arguments: WIDGET_ARGS });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain('LIFE POS kept answering 429 TooManyRequests');
    expect(textOf(res)).toContain('LIFEPOS_RPS');
    // 3 attempts (HTTP_RETRIES=2) used 3 of the 5 faults.
    expect(sim.server.requests.filter((r) => r.path.endsWith('/widgets/revenue'))).toHaveLength(3);
    sim.server.clearFaults();
  });

});
