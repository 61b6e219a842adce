import { describe, expect, it } from 'vitest';
import { MAX_REPORTS, ReportCache, type CachedReport } from '../../src/sources/market/report-cache.js';
import type { Sheet } from '../../src/sources/market/report-file.js';

/** A report of `rows` rows and `columns` columns (the cache counts cells, not their contents). */
function report(reportId: string, rows: number, columns = 10): Omit<CachedReport, 'storedAt' | 'expiresAt'> {
  const names = Array.from({ length: columns }, (_, i) => `c${i}`);
  const sheet = { name: 'orders', columns: names, rows: Array.from({ length: rows }, () => ({})) } as unknown as Sheet;
  return { reportId, format: 'JSON', bytes: 0, sheets: [sheet], summary: {} as CachedReport['summary'] };
}

const ids = (cache: ReportCache) => cache.list().map((r) => r.reportId);

describe('Market report cache', () => {
  it('keeps the most recent reports up to the count', () => {
    const cache = new ReportCache();
    for (let i = 0; i < MAX_REPORTS + 3; i++) cache.put(report(`r${i}`, 10));
    expect(ids(cache)).toHaveLength(MAX_REPORTS);
    expect(ids(cache)[0]).toBe('r3');
  });

  it('lets big reports go first by size, oldest first, always keeping the newest', () => {
    const cache = new ReportCache(60_000, Date.now, 1_000);
    cache.put(report('small-1', 10)); // 100 cells
    cache.put(report('big-1', 50)); // 500
    cache.put(report('small-2', 10)); // 100: 700 in all
    cache.put(report('big-2', 50)); // 1,200 > 1,000: small-1 leaves (1,100), then big-1 (600)
    expect(ids(cache)).toEqual(['small-2', 'big-2']);
    cache.put(report('huge', 500)); // over the budget alone: kept, everything older leaves
    expect(ids(cache)).toEqual(['huge']);
    cache.put(report('small-3', 10)); // huge is older and leaves
    expect(ids(cache)).toEqual(['small-3']);
  });

  it('counts a report stored again once, and frees what expires', () => {
    let now = 0;
    const cache = new ReportCache(1_000, () => now, 1_000);
    cache.put(report('a', 60)); // 600
    cache.put(report('a', 60)); // the same id again: still 600, not 1,200
    cache.put(report('b', 30)); // 900
    expect(ids(cache)).toEqual(['a', 'b']);
    now = 2_000;
    expect(ids(cache)).toEqual([]);
    cache.put(report('c', 90)); // 900: fits, since the expired ones no longer count
    cache.put(report('d', 10)); // 1,000
    expect(ids(cache)).toEqual(['c', 'd']);
  });
});
