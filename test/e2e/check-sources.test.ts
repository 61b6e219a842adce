import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim } from '../../src/sim/lifepos/index.js';
import { startMarketSim, type MarketSim } from '../../src/sim/market/index.js';
import { startOfdPublicSim, type OfdPublicSim } from '../../src/sim/ofd-public/index.js';
import { DIRECTORY } from '../../src/sim/ofd/data.js';
import { startPosifloraSim, type StartedPosifloraSim } from '../../src/sim/posiflora/index.js';
import { connectStdio, runCli, textOf, type StdioSession } from '../helpers/mcp.js';

/**
 * check_sources through a real MCP client against the four simulators: each source's verdict in words (a
 * wrong Posiflora password, a missing OFD configuration), the same report as revenue://sources, and the
 * deep probes — verdicts, with no secret, amount or seeded name anywhere in them.
 */

let lifepos: LifeposSim;
let posiflora: StartedPosifloraSim;
let market: MarketSim;
let ofd: OfdPublicSim;
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  [lifepos, posiflora, market, ofd] = await Promise.all([
    startLifeposSim(),
    startPosifloraSim({ count: 2_000, endDate: today }),
    startMarketSim({ generationMs: 200 }),
    startOfdPublicSim({ now: new Date(), days: 30 }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([lifepos?.close(), posiflora?.close(), market?.server.close(), ofd?.close()]);
});

const marketEnv = () => ({ ...market.env });
const allEnv = (): Record<string, string> => ({ ...lifepos.env('phone'), ...posiflora.env, ...marketEnv(), ...ofd.env, HTTP_RETRIES: '1', HTTP_BACKOFF_MS: '20' });

type Source = { source: string; configured: boolean; missing: string[]; credentials: string; message: string; latency_ms: number | null; api: string | null; limiter: { queued: number; shared: { mode: string } }; cache: string; probe?: string[] };
const bySource = (sc: unknown) => Object.fromEntries((sc as { sources: Source[] }).sources.map((s) => [s.source, s])) as Record<string, Source>;

describe('check_sources', () => {
  let s: StdioSession;
  beforeAll(async () => {
    const { OFD_PUBLIC_BASE_URL: _url, OFD_TOKEN: _token, ...noOfd } = allEnv();
    s = await connectStdio({ env: { ...noOfd, POSIFLORA_PASSWORD: 'not-the-password-7' } });
  }, 30_000);
  afterAll(async () => s?.close());

  it('says in words that the Posiflora password is wrong and that OFD is not configured; the others work', async () => {
    const r = await s.client.callTool({ name: 'check_sources', arguments: {} });
    const text = textOf(r);
    expect(r.isError, text).toBeFalsy();
    const by = bySource(r.structuredContent);
    expect(by.posiflora!.credentials).toBe('rejected');
    expect(text).toMatch(/\*\*Posiflora\*\* — CREDENTIALS REJECTED: Posiflora rejected the login \(HTTP 401.*Check POSIFLORA_USERNAME and POSIFLORA_PASSWORD/);
    expect(by.ofd!.credentials).toBe('not_configured');
    expect(by.ofd!.missing).toEqual(['OFD_TOKEN (or the legacy OFD_YANDEX_KEY and OFD_KEY)']);
    expect(text).toMatch(/\*\*Yandex OFD\*\* — NOT CONFIGURED: Yandex OFD is not configured\. Set OFD_TOKEN/);
    expect(by.lifepos!.credentials).toBe('valid');
    expect(by.market!.credentials).toBe('valid');
    for (const ok of [by.lifepos!, by.market!]) {
      expect(ok.latency_ms).toBeGreaterThanOrEqual(0);
      expect(ok.limiter.shared.mode).toBe('local');
    }
    expect((r.structuredContent as { ok: number }).ok).toBe(2);
    expect(text).toMatch(/To fix: Yandex OFD, Posiflora/);
    expect(text).not.toContain('not-the-password-7');
    // The server keeps serving, and the tool is listed with its example.
    const tools = (await s.client.listTools()).tools;
    expect(tools.find((t) => t.name === 'check_sources')?.description).toMatch(/^Use for checking the sources.*Example: \{"deep":false\}$/s);
  }, 30_000);

  it('revenue://sources is the same report as JSON', async () => {
    const res = await s.client.readResource({ uri: 'revenue://sources' });
    const report = JSON.parse((res.contents[0] as { text: string }).text);
    const by = bySource(report);
    expect(Object.keys(by).sort()).toEqual(['lifepos', 'market', 'ofd', 'posiflora']);
    expect(by.posiflora!.credentials).toBe('rejected');
    expect(by.ofd!.configured).toBe(false);
  }, 30_000);

  it('a source that never answers is reported within the deadline, and the rest still are', async () => {
    const silent = await connectStdio({ env: { ...lifepos.env('phone'), POSIFLORA_URL: 'http://127.0.0.1:9/api', POSIFLORA_USERNAME: 'u', POSIFLORA_PASSWORD: 'p', HTTP_RETRIES: '0' } });
    try {
      const r = await silent.client.callTool({ name: 'check_sources', arguments: { sources: ['posiflora', 'lifepos'] } });
      const by = bySource(r.structuredContent);
      expect(Object.keys(by)).toEqual(['posiflora', 'lifepos']);
      expect(by.posiflora!.credentials).toBe('unknown');
      expect(by.posiflora!.message).toMatch(/^could not check the credentials: Posiflora: connection problem/);
      expect(by.lifepos!.credentials).toBe('valid');
    } finally {
      await silent.close();
    }
  }, 30_000);
});

/** Everything a probe report must never show: the credentials and the seeded names. */
function secretsAndNames(): string[] {
  const env = allEnv();
  const secrets = [env.LIFEPOS_PHONE!, env.LIFEPOS_PASSWORD!, lifepos.credentials.token, posiflora.env.POSIFLORA_USERNAME!, posiflora.env.POSIFLORA_PASSWORD!, market.apiKey, ofd.token];
  const names = [
    ...lifepos.orgs.flatMap((o) => [o.name, ...o.outlets.map((x) => x.name)]),
    ...posiflora.stores.map((x) => x.title),
    ...DIRECTORY.retailPoints.map((r) => r.name),
    ...DIRECTORY.companies.map((c) => c.name),
  ];
  return [...secrets, ...names].filter((v) => v && v.length >= 4);
}

describe('check_sources deep and revenue-mcp probe', () => {
  it('deep: a verdict per assumption, and no secret, amount or name', async () => {
    const s = await connectStdio({ env: allEnv() });
    try {
      const r = await s.client.callTool({ name: 'check_sources', arguments: { deep: true } });
      const text = textOf(r);
      const by = bySource(r.structuredContent);
      for (const source of ['lifepos', 'ofd', 'market', 'posiflora']) expect(by[source]!.credentials, by[source]!.message).toBe('valid');
      const probe = (source: string) => by[source]!.probe!.join('\n');
      expect(probe('lifepos')).toMatch(/widget for last_week: HTTP 200; current period follows the request: yes; previous: yes/);
      expect(probe('lifepos')).toMatch(/verdict: the widget honours processed_at_from, processed_at_to/);
      expect(probe('lifepos')).toMatch(/money unit: /);
      expect(probe('posiflora')).toMatch(/verdict: largest page size 100/);
      expect(probe('posiflora')).toMatch(/comma "new,done": HTTP 200, both values read/);
      expect(probe('posiflora')).toMatch(/verdict: the client sends comma-separated values — honoured/);
      expect(probe('market')).toMatch(/reports\/info of a made-up id: HTTP 404; body keys: errors, status/);
      expect(probe('market')).toMatch(/status "(PENDING|PROCESSING|DONE)" \(a known value\)/);
      expect(probe('ofd')).toMatch(/4\. limit 10: HTTP 200; \d+ rows, 10 receipt rows → limit counts receipts/);
      expect(probe('ofd')).toMatch(/→ to looks inclusive/);
      expect(text).toMatch(/Probe of Posiflora \(redacted: shapes, key sets, verdicts; no amounts, names or secrets\)/);
      for (const v of secretsAndNames()) expect(text, v).not.toContain(v);
      expect(text).not.toMatch(/\d+[.,]\d{1,2}\s*₽|\d+\.\d{1,2}\b(?!\.)/);
    } finally {
      await s.close();
    }
  }, 120_000);

  it('revenue-mcp probe SOURCE prints one redacted report; an unconfigured source exits 2 naming its variables', async () => {
    const res = await runCli(['probe', 'posiflora'], allEnv());
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^revenue-mcp probe posiflora — redacted report/);
    expect(res.stdout).toMatch(/check: OK — login accepted; \d+ stores/);
    expect(res.stdout).toMatch(/verdict: largest page size 100/);
    for (const v of secretsAndNames()) expect(res.stdout, v).not.toContain(v);

    const wrong = await runCli(['probe', 'lifepos'], { ...lifepos.env('phone'), LIFEPOS_PASSWORD: 'wrong-pass-123' });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/check: CREDENTIALS REJECTED — LIFE POS refused the sign-in with LIFEPOS_PHONE and LIFEPOS_PASSWORD/);
    expect(wrong.stdout).toMatch(/skipped: the credentials do not work/);
    expect(wrong.stdout).not.toContain('wrong-pass-123');

    const missing = await runCli(['probe', 'market'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/probe market needs Yandex Market configured: set MARKET_API_KEY/);
    const unknown = await runCli(['probe', 'weather'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/'probe' takes one source \(lifepos, ofd, market, posiflora\)/);
  }, 120_000);
});
