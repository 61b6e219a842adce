import { describe, expect, it } from 'vitest';
import { runLoad } from '../../bench/load.js';
import { MAIN } from '../helpers/mcp.js';

/**
 * The load benchmark reduced for CI: 50 MCP clients over Streamable HTTP share 1,000 tool calls (every
 * tool with a source) against the simulators, and none may fail; the server's RSS, read settled before and
 * after, must come back within 30 MB (a memory guard, not a timing). Latency is printed, not asserted:
 * timing targets live in `npm run bench` (the full 10,000 calls), not in timed tests.
 */
describe('load over Streamable HTTP', () => {
  it('answers 1,000 calls from 50 concurrent clients without a single failure', async () => {
    const r = await runLoad({ clients: 50, calls: 1_000, main: MAIN });
    process.stdout.write(
      `load: ${r.calls} calls from ${r.clients} clients in ${r.seconds.toFixed(1)} s, ${r.failures} failures; p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms; ` +
        `server RSS after warm-up ${r.rssWarmMb.toFixed(0)} MB, settled before ${r.rssBeforeMb.toFixed(0)} MB, peak ${r.rssPeakMb.toFixed(0)} MB, settled after ${r.rssAfterMb.toFixed(0)} MB; ` +
        `p50 per tool under load / alone ${Object.entries(r.perTool).map(([name, t]) => `${name} ${t.p50Ms.toFixed(0)} / ${t.aloneP50Ms.toFixed(0)} ms`).join(', ')}; ` +
        `limiters waiting / running at most ${Object.entries(r.limiters).map(([source, l]) => `${source} ${l.queued} / ${l.running}`).join(', ')}\n`,
    );
    expect(r.failureSamples).toEqual([]);
    expect(r.failures).toBe(0);
    expect(r.calls).toBe(1_000);
    expect(r.rssAfterMb - r.rssBeforeMb).toBeLessThanOrEqual(30);
    // Every tool that has a source took its share of the calls.
    expect(Object.keys(r.perTool).sort()).toEqual(['await_market_report', 'get_revenue_widget', 'get_sale', 'get_sales_aggregation', 'list_posiflora_orders']);
  }, 300_000);
});
