import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfdSim, type OfdSim } from '../../src/sim/ofd/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { bins, figures, rubText, s2, select } from './expected.js';

/**
 * More intervals than one call reads (MAX_INTERVALS = 1000): the newest are read and shown, in date
 * order, the cap is said, and the way to the other rows is to narrow the request.
 */

let sim: OfdSim;
let session: StdioSession;
const NOW = new Date('2026-03-20T12:00:00Z');
const DAYS = 1300;

beforeAll(async () => {
  sim = await startOfdSim({ now: NOW, rps: 1000, days: DAYS });
  session = await connectStdio({ env: { ...sim.env, REVENUE_TZ: 'Europe/Moscow', OFD_RPS: '50' } });
});
afterAll(async () => {
  await session?.close();
  await sim?.close();
});

describe('get_sales_aggregation e2e: a call capped at 1000 intervals', () => {
  it('reads the most recent days, lists them in date order and says how to see the rest', async () => {
    const from = sim.receipts[0]!.date_time.slice(0, 10);
    const to = '2026-03-20';
    sim.server.clearRequests();
    const result = await session.client.callTool({
      name: 'get_sales_aggregation',
      arguments: { date_from: from, date_to: to, interval: 'day', compare_previous: false },
    });
    const text = textOf(result);
    const sc = result.structuredContent as Record<string, any>;
    expect(result.isError, text).toBeFalsy();

    const sel = select(sim.receipts, { from, to }, sim.companies);
    const days = [...bins(sel, 'day').entries()];
    expect(days.length).toBeGreaterThan(1000);
    expect(sc.intervals_total).toBe(days.length);
    expect(sc.intervals_read).toBe(1000);
    // Totals still cover the whole period (the OFD's `full` block).
    expect(sc.totals.gross_sales).toBe(s2(figures(sel).gross));

    // Newest first on the wire, ten pages of 100.
    const pages = sim.server.requests.filter((r) => (r.json as any).limit > 1);
    expect(pages.map((r) => (r.json as any).offset)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    for (const p of pages) expect((p.json as any).orders).toEqual(['-date']);

    // Concise: the ten most recent days of the period, oldest of them first, with exact figures.
    const newest = days.slice(-10);
    expect(sc.intervals.map((r: any) => r.start)).toEqual(newest.map(([k]) => k));
    for (const [i, [, f]] of newest.entries()) expect(sc.intervals[i].gross_sales).toBe(s2(f.gross));
    const tableDays = text.split('\n').filter((l) => /^\| \d{4}-\d{2}-\d{2} \|/.test(l)).map((l) => l.slice(2, 12));
    expect(tableDays).toEqual(newest.map(([k]) => k));

    // Best and worst come from the days read, and the text says so.
    const read = days.slice(-1000).sort(([, a], [, b]) => b.gross.comparedTo(a.gross));
    expect(sc.best_interval.start).toBe(read[0]![0]);
    expect(sc.worst_interval.start).toBe(read.at(-1)![0]);
    expect(text).toContain(`Best day (of the 1000 read): ${read[0]![0]} — ${rubText(read[0]![1].gross)} gross`);
    expect(text).toContain(`Only the 1000 most recent of ${days.length} days were read (cap 1000 per call)`);
    expect(text).toContain('best and worst only the days read');
    expect(text).toMatch(/coarser interval \(week or month\) or a shorter period/);
    expect(text).toContain('Showing the 10 most recent of 1000 days');
    expect(text).not.toContain('for every row');
  });
});
