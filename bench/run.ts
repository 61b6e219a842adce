import type { Bench } from './types.js';

/**
 * `npm run bench`: every benchmark in one run, so ratios between figures come from the same machine state.
 * Pass names to run only some: `npm run bench -- http-overhead`.
 */
const BENCHES: Array<() => Promise<{ default: Bench }>> = [
  () => import('./http-overhead.js'),
  () => import('./posiflora-listing.js'),
  () => import('./dashboard-render.js'),
];

const only = process.argv.slice(2);
for (const load of BENCHES) {
  const bench = (await load()).default;
  if (only.length > 0 && !only.includes(bench.name)) continue;
  const started = Date.now();
  const figures = await bench.run();
  process.stdout.write(`\n## ${bench.name} — ${bench.about}\n`);
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`  ${k}: ${v}\n`);
  process.stdout.write(`  (took ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
process.exit(0);
