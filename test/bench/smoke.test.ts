import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The bench harness must not rot: `run.js --smoke` runs every benchmark small and prints the table.
 * Figures are printed, not asserted (performance targets live in `npm run bench`, not in tests).
 */
const RUN = fileURLToPath(new URL('../../dist/bench/run.js', import.meta.url));

describe('bench --smoke', () => {
  it('runs every benchmark and prints one row per figure', () => {
    const res = spawnSync(process.execPath, ['--expose-gc', RUN, '--smoke'], { encoding: 'utf8', timeout: 580_000 });
    expect(res.status, res.stderr).toBe(0);
    for (const id of ['limit-use', 'overhead', 'cold-start', 'requests', 'big-list', 'report', 'tokens', 'tools-list', 'load', 'dashboard-render', 'fuzz']) {
      expect(res.stdout, `a row of ${id}`).toMatch(new RegExp(`^\\| ${id} \\| .+ \\| .* \\|`, 'm'));
    }
  }, 600_000);
});
