import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { shopStory } from '../../src/sim/story/index.js';
import { cleanEnv, MAIN } from '../helpers/mcp.js';
import { figures, rubText, s2, select, shiftDays } from './expected.js';

/**
 * `revenue-mcp call get_sales_aggregation '{"period":"last_week"}' --demo`: the demo serves the shop's story,
 * and a simulator started here on the story of the same day serves the same closed days, so the CLI's
 * figures can be checked exactly, as well as for plausibility.
 */

const run = promisify(execFile);
let sim: OfdSim;

function moscowToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

function lastWeek(today: string): { from: string; to: string } {
  const weekday = (new Date(`${today}T12:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  const from = shiftDays(today, -weekday - 7);
  return { from, to: shiftDays(from, 6) };
}

beforeAll(async () => {
  sim = await startOfdSim({ story: shopStory() });
});
afterAll(async () => {
  await sim?.close();
});

async function cli(args: string[]) {
  return run(process.execPath, [MAIN, ...args], { env: cleanEnv({ REVENUE_TZ: 'Europe/Moscow' }), timeout: 20_000 });
}

describe('CLI --demo: get_sales_aggregation last_week', () => {
  it('prints plausible shop figures equal to the seeded receipts', async () => {
    const dayBefore = moscowToday();
    const { stdout } = await cli(['call', 'get_sales_aggregation', '{"period":"last_week"}', '--demo']);
    const week = lastWeek(dayBefore);
    expect(stdout).toMatch(new RegExp(`^\\*\\*Yandex OFD sales, ${week.from} – ${week.to} \\(ISO week \\d+ of \\d{4}\\) vs ${shiftDays(week.from, -7)} – ${shiftDays(week.to, -7)} .*\\(by day, Europe/Moscow\\)`));
    const gross = /Gross sales ([\d ]+,\d{2}) ₽/.exec(stdout);
    const receipts = /Receipts (\d+) · average receipt ([\d ]+,\d{2}) ₽/.exec(stdout);
    expect(gross && receipts, stdout).toBeTruthy();
    const grossRub = Number(gross![1]!.replace(/ /g, '').replace(',', '.'));
    // one flower shop with two counters: hundreds of receipts a week, a few hundred thousand roubles
    expect(grossRub).toBeGreaterThan(100_000);
    expect(grossRub).toBeLessThan(5_000_000);
    expect(Number(receipts![1])).toBeGreaterThan(200);
    expect(Number(receipts![1])).toBeLessThan(5_000);
    expect(stdout).toContain(`vs ${shiftDays(week.from, -7)} – ${shiftDays(week.to, -7)} (the week before): net `);
    expect(stdout).toMatch(/\(the week before\): net [+−]/);
    expect(stdout.match(/^\| \d{4}-\d{2}-\d{2} \|/gm)).toHaveLength(7);
    if (moscowToday() === dayBefore) {
      const e = figures(select(sim.receipts, week, sim.companies));
      expect(stdout).toContain(`Gross sales ${rubText(e.gross)} · refunds ${rubText(e.refunds)} · **net ${rubText(e.net)}**`);
      expect(stdout).toContain(`Receipts ${e.receipts} · average receipt ${rubText(e.average!)}`);
    }
  });

  it('--json prints the structured result with exact decimal strings', async () => {
    const dayBefore = moscowToday();
    const { stdout } = await cli(['call', 'get_sales_aggregation', '{"period":"last_week","response_format":"detailed"}', '--json', '--demo']);
    const sc = JSON.parse(stdout) as Record<string, any>;
    expect(sc.currency).toBe('RUB');
    expect(sc.intervals).toHaveLength(7);
    expect(new Decimal(sc.totals.gross_sales).minus(sc.totals.refunds).toFixed(2)).toBe(sc.totals.net_sales);
    if (moscowToday() === dayBefore) {
      const e = figures(select(sim.receipts, lastWeek(dayBefore), sim.companies));
      expect([sc.totals.gross_sales, sc.totals.net_sales, sc.totals.receipts]).toEqual([s2(e.gross), s2(e.net), e.receipts]);
    }
  });

  it('REVENUE_DEMO_OFD=legacy: the legacy-key simulator answers, with the same figures as the token API', async () => {
    const args = ['call', 'get_sales_aggregation', '{"period":"last_week","compare_previous":false}', '--json', '--demo'];
    const [token, legacy] = await Promise.all([
      cli(args),
      run(process.execPath, [MAIN, ...args], { env: cleanEnv({ REVENUE_TZ: 'Europe/Moscow', REVENUE_DEMO_OFD: 'legacy' }), timeout: 20_000 }),
    ]);
    const [t, l] = [JSON.parse(token.stdout), JSON.parse(legacy.stdout)] as Record<string, any>[];
    expect([t!.api, l!.api]).toEqual(['public', 'legacy']);
    expect(l!.totals).toEqual(t!.totals);
    const text = await run(process.execPath, [MAIN, ...args.filter((a) => a !== '--json')], { env: cleanEnv({ REVENUE_TZ: 'Europe/Moscow', REVENUE_DEMO_OFD: 'legacy' }), timeout: 20_000 });
    expect(text.stdout).toContain('_Answered by the legacy Yandex OFD API (aggregation endpoint)');
  });

  it('an unknown REVENUE_DEMO_OFD value is a usage error naming the two choices, not silently the token API', async () => {
    const err = await run(process.execPath, [MAIN, 'call', 'get_sales_aggregation', '{}', '--demo'], {
      env: cleanEnv({ REVENUE_DEMO_OFD: 'legacyy' }),
      timeout: 20_000,
    }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toContain('REVENUE_DEMO_OFD is "legacyy"; it chooses the demo\'s Yandex OFD API: "token" (the default) or "legacy"');
  });

  it('exits 1 with the error on stderr for bad input', async () => {
    const err = await cli(['call', 'get_sales_aggregation', '{"interval":"hour"}', '--demo']).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toContain('Invalid input, interval');
  });
});
