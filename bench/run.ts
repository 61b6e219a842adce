import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Bench, Row } from './types.js';

/**
 * `npm run bench`: every benchmark in one process run, so ratios between figures come from the same
 * machine state; one table on stdout and bench/results.json. `--smoke`: each benchmark small, figures
 * printed, targets not asserted, results.json left alone (CI). Names after the flags run only those.
 */
const BENCHES: Array<() => Promise<{ default: Bench }>> = [
  () => import('./limit-use.js'),
  () => import('./overhead.js'),
  () => import('./cold-start.js'),
  () => import('./requests.js'),
  () => import('./big-list.js'),
  () => import('./report.js'),
  () => import('./tokens.js'),
  () => import('./tools-list.js'),
  () => import('./load.js'),
  () => import('./dashboard-render.js'),
  () => import('./fuzz.js'),
];

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const only = args.filter((a) => !a.startsWith('--'));
const rows: Row[] = [];
const started = Date.now();
for (const load of BENCHES) {
  const bench = (await load()).default;
  if (only.length > 0 && !only.includes(bench.id)) continue;
  const t0 = Date.now();
  process.stderr.write(`bench ${bench.id}: ${bench.about} …\n`);
  try {
    const got = await bench.run({ smoke });
    rows.push(...got);
    for (const r of got) process.stderr.write(`  ${r.figure}: ${r.value}${r.target ? ` (target ${r.target})` : ''}\n`);
  } catch (err) {
    // One broken benchmark must not cost the others' figures.
    rows.push({ id: bench.id, figure: 'run failed', value: err instanceof Error ? err.message : String(err), target: 'runs', pass: false });
  }
  process.stderr.write(`bench ${bench.id}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

const passText = (pass: boolean | null) => (pass === null ? '' : pass ? 'pass' : '**FAIL**');
const header = `| id | figure | value | target | pass |\n| --- | --- | --- | --- | --- |\n`;
const table = rows.map((r) => `| ${r.id} | ${r.figure} | ${r.value} | ${r.target} | ${passText(r.pass)} |`).join('\n');
const machine = `${cpus().length} cores, Node ${process.version}`;
const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
process.stdout.write(`\nbench${smoke ? ' --smoke' : ''}, ${when} UTC, ${machine}, ${((Date.now() - started) / 1000).toFixed(0)} s\n\n${header}${table}\n`);
if (!smoke && only.length === 0) {
  const file = fileURLToPath(new URL('../../bench/results.json', import.meta.url));
  writeFileSync(file, `${JSON.stringify({ date: when, machine, rows }, null, 2)}\n`);
}
const failed = rows.filter((r) => r.pass === false).length;
process.exit(smoke || failed === 0 ? 0 : 1);
