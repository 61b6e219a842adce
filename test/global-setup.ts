import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * e2e tests spawn the built server: build once before any test runs (the server, the dashboard app, the
 * tools catalog).
 * Type errors do not stop the emit (they fail `npm run typecheck` instead), so one broken file elsewhere does
 * not hide every e2e result.
 */
export default function setup(): void {
  // Set by bench/fuzz.ts, which runs a test file right after `npm run bench` built everything.
  if (process.env.REVENUE_TEST_BUILT === '1') return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
    process.stderr.write(`tsc reported errors (build emitted anyway):\n${out}\n`);
  }
  // The dashboard (ui://revenue/dashboard) is served from the built HTML file.
  execFileSync(process.execPath, ['app/build.mjs'], { cwd: root, stdio: 'pipe' });
  // The tools catalog `revenue-mcp tools` prints (src/catalog.ts), as `npm run build` writes it.
  execFileSync(process.execPath, ['scripts/tools-list.mjs'], { cwd: root, stdio: 'pipe' });
}
