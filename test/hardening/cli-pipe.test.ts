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
  it('tools --json (over 64 KiB) arrives whole and parses, every time', async () => {
    const runs = await Promise.all(Array.from({ length: 4 }, () => runIntoPipe(['tools', '--json'])));
    for (const { code, stdout } of runs) {
      expect(code).toBe(0);
      expect(stdout.length).toBeGreaterThan(65_536);
      expect((JSON.parse(stdout) as { tools: unknown[] }).tools.length).toBeGreaterThan(3);
    }
  }, 90_000);
});
