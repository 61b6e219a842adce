#!/usr/bin/env node
// Builds the MCPB bundle (Claude Desktop extension): what `npm pack` ships, plus manifest.json and the
// production node_modules installed from package-lock.json, zipped by `mcpb pack`.
//   node scripts/pack-mcpb.mjs [--tarball revenue-mcp-x.y.z.tgz] [--out revenue-mcp-x.y.z.mcpb]
// --tarball reuses an existing `npm pack` output instead of packing again.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { tarball: { type: 'string' }, out: { type: 'string' } } });
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(values.out ?? join(root, `revenue-mcp-${version}.mcpb`));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], shell: process.platform === 'win32' }).toString();

const work = mkdtempSync(join(tmpdir(), 'revenue-mcp-mcpb-'));
try {
  let tarball = values.tarball && resolve(values.tarball);
  if (!tarball) {
    const [packed] = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], root));
    tarball = join(work, packed.filename);
  }
  run('tar', ['-xzf', tarball, '-C', work], root);
  const stage = join(work, 'package');
  copyFileSync(join(root, 'manifest.json'), join(stage, 'manifest.json'));
  copyFileSync(join(root, 'package-lock.json'), join(stage, 'package-lock.json'));
  run(npm, ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], stage);
  run(process.execPath, [join(root, 'node_modules/@anthropic-ai/mcpb/dist/cli/cli.js'), 'pack', stage, out], root);
  console.log(out);
} finally {
  rmSync(work, { recursive: true, force: true });
}
