import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { row, type Bench } from './types.js';

/**
 * Fuzzing at full size (issue 13): the test file `test/reliability/fuzz.e2e.test.ts`, which CI runs
 * reduced, run here in a child vitest with 10,000 generated tool inputs and 2,000 generated upstream
 * bodies per source (LIFE POS, Yandex OFD legacy and token API, Posiflora, Yandex Market). The test
 * writes what it ran and what failed to REVENUE_FUZZ_SUMMARY; this reads it back.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const TEST = 'test/reliability/fuzz.e2e.test.ts';
const FULL = { inputs: 10_000, bodies: 2_000 };
const SMOKE = { inputs: 40, bodies: 20 };

interface Count {
  run: number;
  failures: number;
  seconds: number;
}
interface Summary {
  inputs?: Count;
  bodies: Record<string, Count>;
  failures: number;
}

function runVitest(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  // A nested vitest must not take this process's vitest worker variables (bench:smoke runs inside a test).
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  const child = spawn(process.execPath, [VITEST, 'run', TEST], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

const bench: Bench = {
  id: 'fuzz',
  about: 'generated tool inputs and upstream bodies through a real MCP client (the fuzz test at full size)',
  async run({ smoke }) {
    const size = smoke ? SMOKE : FULL;
    const dir = mkdtempSync(join(tmpdir(), 'revenue-fuzz-'));
    const file = join(dir, 'summary.json');
    const started = Date.now();
    try {
      // dist/ was just built by `npm run bench`: the test's global setup need not build it again.
      const { code, output } = await runVitest({ REVENUE_FUZZ_INPUTS: String(size.inputs), REVENUE_FUZZ_BODIES: String(size.bodies), REVENUE_FUZZ_SUMMARY: file, REVENUE_TEST_BUILT: '1' });
      let summary: Summary;
      try {
        summary = JSON.parse(readFileSync(file, 'utf8')) as Summary;
      } catch {
        throw new Error(`the fuzz test wrote no counts (exit ${code}):\n${output.slice(-3000)}`);
      }
      const seconds = (Date.now() - started) / 1000;
      const inputs = summary.inputs?.run ?? 0;
      const bodies = Object.entries(summary.bodies);
      const fewest = Math.min(...bodies.map(([, c]) => c.run));
      const enough = (n: number, want: number) => (smoke ? null : n >= want);
      return [
        row('fuzz', 'tool inputs run, all tools (failures)', `${inputs} (${summary.inputs?.failures ?? 'n/a'})`, `≥ ${FULL.inputs}`, enough(inputs, FULL.inputs)),
        row('fuzz', `upstream bodies run per source (failures): ${bodies.map(([name]) => name).join(' / ')}`, bodies.map(([, c]) => `${c.run} (${c.failures})`).join(' / '), `≥ ${FULL.bodies} each, 5 sources`, smoke ? null : bodies.length === 5 && fewest >= FULL.bodies),
        row('fuzz', 'failures: crashes, refusals not naming the field, figures ≠ decimal.js', summary.failures, '0', summary.failures === 0 && code === 0),
        row('fuzz', 'wall (s): inputs / bodies per source / whole run incl. vitest start', `${summary.inputs?.seconds.toFixed(0) ?? 'n/a'} / ${bodies.map(([, c]) => c.seconds.toFixed(0)).join(' / ')} / ${seconds.toFixed(0)}`),
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
