import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MAIN, cleanEnv } from '../helpers/mcp.js';

/**
 * `tools --json` / `call … --json` into a pipe (a cron pipeline, `| gzip`): the process used to exit
 * before stdout drained, cutting the output at 64 KiB with exit code 0.
 */
async function runIntoPipe(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  return { code, stdout: Buffer.concat(chunks).toString('utf8') };
}

describe('CLI output through a pipe is complete', () => {
  // The cut depended on how the reader raced the writer (about one run in three): run several times.
  // A year by day of OFD figures is well over 64 KiB of JSON (tools --json no longer is, since the schemas shrank).
  it('call --json (over 64 KiB) arrives whole and parses, every time', async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const args = { date_from: day(-366), date_to: day(-2), interval: 'day', precision: 'shifts', response_format: 'detailed' };
    const runs = await Promise.all(Array.from({ length: 3 }, () => runIntoPipe(['call', 'get_sales_aggregation', JSON.stringify(args), '--json', '--demo'])));
    for (const { code, stdout } of runs) {
      expect(code).toBe(0);
      expect(stdout.length).toBeGreaterThan(65_536);
      expect((JSON.parse(stdout) as { intervals: unknown[] }).intervals.length).toBeGreaterThan(300);
    }
  }, 90_000);
});
