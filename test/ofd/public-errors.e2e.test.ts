import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfdPublicSim, type OfdPublicSim } from '../../src/sim/ofd-public/index.js';
import type { Fault } from '../../src/sim/framework.js';
import { connectStdio, runCli, textOf, type StdioSession } from '../helpers/mcp.js';
import { figures, s2, select } from './expected.js';

/**
 * The new API when things go wrong: a bad or revoked token names OFD_TOKEN and never echoes it; 429, 5xx,
 * a cut-off body, a malformed row or a row without amounts give the exact figures after a retry, or a clear
 * error — never a partial sum presented as the whole.
 */

const NOW = new Date('2026-03-20T12:00:00Z');
const PERIOD = { date_from: '2026-02-02', date_to: '2026-02-08', compare_previous: false };
let sim: OfdPublicSim;
let session: StdioSession;

beforeAll(async () => {
  sim = await startOfdPublicSim({ now: NOW, days: 60, rps: 1000 });
  session = await connectStdio({ env: { ...sim.env, REVENUE_TZ: 'Europe/Moscow', OFD_RPS: '100', HTTP_BACKOFF_MS: '20', HTTP_RETRIES: '2' } });
}, 60_000);
afterAll(async () => {
  await session?.close();
  await sim?.close();
});

async function call(s: StdioSession, args: Record<string, unknown>) {
  const result = await s.client.callTool({ name: 'get_sales_aggregation', arguments: args });
  return { result, text: textOf(result), sc: result.structuredContent as Record<string, any> };
}

const expected = () => figures(select(sim.receipts, { from: PERIOD.date_from, to: PERIOD.date_to }, sim.companies));
const onReceipts = (req: { path: string }) => req.path.endsWith('/reports/receipts');

describe('OFD_TOKEN: failures', () => {
  it('a wrong or revoked token: isError naming OFD_TOKEN, the token never shown', async () => {
    for (const token of ['wrong-token-4b7a9c1d2e', sim.revokedToken]) {
      const s = await connectStdio({ env: { ...sim.env, OFD_TOKEN: token, HTTP_RETRIES: '0' } });
      try {
        const r = await call(s, PERIOD);
        expect(r.result.isError).toBe(true);
        expect(r.text).toMatch(/Yandex OFD rejected the API token .*\(HTTP 40[13].*Check OFD_TOKEN/);
        expect(r.text).not.toContain(token);
        expect(s.stderr()).not.toContain(token);
      } finally {
        await s.close();
      }
    }
  }, 90_000);

  const recoverable: Array<[string, () => void]> = [
    ['429 with Retry-After', () => sim.server.inject({ kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { error: 'too_many_requests' } }, { match: onReceipts })],
    ['503 twice', () => sim.server.injectSequence([{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }] as Fault[], onReceipts)],
    ['a body cut off mid-way', () => sim.server.inject({ kind: 'truncated' }, { match: onReceipts })],
    ['a connection reset', () => sim.server.inject({ kind: 'reset' }, { match: onReceipts })],
    ['a malformed receipt row', () => sim.injectRowFault('malformedRow')],
    ['a receipt row without its amounts', () => sim.injectRowFault('missingAmounts')],
  ];
  for (const [what, inject] of recoverable) {
    it(`${what}: exact figures after the retry`, async () => {
      inject();
      const before = sim.receiptRequests().length;
      const r = await call(session, PERIOD);
      expect(r.result.isError, r.text).toBeFalsy();
      const e = expected();
      expect([r.sc.totals.gross_sales, r.sc.totals.refunds, r.sc.totals.receipts, r.sc.totals.payments.cash]).toEqual([s2(e.gross), s2(e.refunds), e.receipts, s2(e.income.cash)]);
      expect(r.sc.absent).toEqual([]);
      // The retry is counted (the request count is what went out).
      expect(sim.receiptRequests().length - before).toBeGreaterThanOrEqual(2);
    }, 90_000);
  }

  for (const wire of [{ enumStyle: 'codes' }, { limitCounts: 'rows' }, { toBound: 'exclusive' }] as const) {
    it(`the unknowns read either way: ${JSON.stringify(wire)} gives the same exact figures`, async () => {
      const saved = sim.wire;
      sim.setWire(wire);
      try {
        const r = await call(session, { ...PERIOD, taxation_types: ['usn_income', 'osn'], document_types: ['receipt', 'receiptCorrection'] });
        expect(r.result.isError, r.text).toBeFalsy();
        const e = figures(select(sim.receipts, { from: PERIOD.date_from, to: PERIOD.date_to, taxationTypes: ['usn_income', 'osn'], documentTypes: ['receipt', 'receiptCorrection'] }, sim.companies));
        expect([r.sc.totals.gross_sales, r.sc.totals.refunds, r.sc.totals.receipts, r.sc.totals.documents, r.sc.totals.outcome]).toEqual([s2(e.gross), s2(e.refunds), e.receipts, e.documents, s2(e.outcome)]);
      } finally {
        sim.setWire(saved);
      }
    }, 90_000);
  }

  it('5xx that does not pass: a clear error, no figures', async () => {
    sim.server.inject({ kind: 'status', status: 500, body: { error: 'internal' } }, { match: onReceipts, times: 10 });
    const r = await call(session, PERIOD);
    sim.server.clearFaults();
    expect(r.result.isError).toBe(true);
    expect(r.text).toMatch(/Yandex OFD failed on its side .*HTTP 500.*no figures were produced rather than partial ones/);
  }, 90_000);

  it('rows that stay malformed: a clear error, no figures', async () => {
    sim.injectRowFault('malformedRow', 2);
    const r = await call(session, PERIOD);
    expect(r.result.isError).toBe(true);
    expect(r.text).toMatch(/unexpected shape \(rows\[\d+\]\.dateTime .*also when asked again; no figures were produced rather than partial ones.*probe ofd/);
  }, 90_000);

  it('amounts that stay missing: shown as absent, never a partial sum', async () => {
    sim.injectRowFault('missingAmounts', 2);
    const r = await call(session, { ...PERIOD, interval: 'week' });
    expect(r.result.isError, r.text).toBeFalsy();
    expect(r.sc.totals.payments.cash === null || r.sc.totals.gross_sales === null || r.sc.totals.refunds === null || r.sc.totals.outcome === null).toBe(true);
    expect(r.text).toMatch(/Not reported by Yandex OFD \(absent, not zero\)/);
  }, 90_000);

  it('probe ofd prints a redacted report: key sets and counts, no token, names or amounts', async () => {
    const res = await runCli(['probe', 'ofd'], { ...sim.env, REVENUE_TZ: 'Europe/Moscow' });
    expect(res.code, res.stderr).toBe(0);
    const out = res.stdout;
    expect(out).toMatch(/1\. \/meta without token: HTTP 200; data keys: apiUrl, apiVersion, defaultLimit, maxLimit; maxLimit 1000/);
    expect(out).toMatch(/rows: \d+ \(5 receipt rows, \d+ item rows\)/);
    expect(out).toMatch(/operationType: string → income|operationType: string → \w+/);
    expect(out).toMatch(/amounts present: totalSum number|amounts present: totalSum int/);
    expect(out).toMatch(/4\. limit 10: HTTP 200; \d+ rows, 10 receipt rows → limit counts receipts/);
    expect(out).toMatch(/8\. bad token: HTTP 401/);
    expect(out).toMatch(/Requests made: \d+/);
    expect(out).not.toContain(sim.token);
    for (const name of ['Кофейня', 'Цветы', 'Касса', 'Москва', '772012345678', 'Роза']) expect(out).not.toContain(name);
    expect(out).not.toMatch(/\d+\.\d{1,2}\b(?!\.)/);

    const missing = await runCli(['probe', 'ofd'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/OFD_TOKEN/);
  }, 90_000);
});
