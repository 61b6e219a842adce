import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../tools/index.js';
import { cleanEnv } from '../helpers/mcp.js';

/**
 * The install paths a user takes, performed for real: `npm pack` → `npm i -g` of the tarball into an empty
 * prefix, `npm install git+file://…` of a fresh git repository, `npx -y <tarball> --demo`, and the MCPB bundle
 * unpacked and started. Each ends with the installed `revenue-mcp --demo` answering tools/list to an SDK
 * Client over stdio. The working tree is copied to a temporary folder first (sources, no dist/ or
 * node_modules/), so packing never rebuilds the dist/ other tests run. One pack serves every test.
 * npm installs from its cache where it can (--prefer-offline); these tests are slow by nature, so their
 * timeouts are generous.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MINUTES = 60_000;
const WIN = process.platform === 'win32';
const NPM = WIN ? 'npm.cmd' : 'npm';
const run = promisify(execFile);
const SKIP_TOP = new Set(['node_modules', 'dist', '.git', 'coverage']);

let work: string;
let repo: string;
let tarball: string;

/** npm's own variables (from `npm test`) would steer the child npm; the user's cache and registry stay. */
function npmEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = cleanEnv({ npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra });
  for (const key of Object.keys(env)) if (/^npm_/i.test(key) && !/^npm_config_(cache|registry|userconfig|prefer_offline|audit|fund|update_notifier)$/i.test(key)) delete env[key];
  return env;
}

async function sh(command: string, args: string[], cwd: string, env = npmEnv()): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, env, shell: WIN, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** The installed command answers tools/list with every tool through a real SDK client over stdio. */
async function expectDemoServes(command: string, args: string[], env = cleanEnv()): Promise<void> {
  const transport = new StdioClientTransport({ command, args, env, stderr: 'pipe', cwd: work });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'revenue-mcp-install-test', version: '1.0.0' });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort(), stderr).toEqual([...TOOL_NAMES].sort());
    // The dashboard is built by prepare too: an install without it would list a resource it cannot read.
    const { contents } = await client.readResource({ uri: 'ui://revenue/dashboard' });
    expect((contents[0] as { text?: string }).text ?? '').toContain('<script type="module">');
  } catch (err) {
    throw new Error(`${command} ${args.join(' ')}: ${(err as Error).message}\nstderr:\n${stderr}`);
  } finally {
    await client.close();
  }
}

/** The bin npm links into a global prefix. */
const binIn = (prefix: string) => (WIN ? join(prefix, 'revenue-mcp.cmd') : join(prefix, 'bin', 'revenue-mcp'));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'revenue-mcp-install-'));
  // The working tree as a fresh git repository: what a clone of it would hold.
  repo = join(work, 'repo');
  cpSync(ROOT, repo, {
    recursive: true,
    filter: (src) => {
      const top = src.slice(ROOT.length).replace(/^[\\/]+/, '').split(/[\\/]/)[0]!;
      return !SKIP_TOP.has(top) && !/\.(tgz|mcpb)$/.test(src);
    },
  });
  const git = (...args: string[]) => sh('git', ['-c', 'user.name=install-test', '-c', 'user.email=install-test@localhost', '-c', 'commit.gpgsign=false', ...args], repo);
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'snapshot of the working tree');
  // Packing runs `prepare` (tsc), which needs the devDependencies: borrow this checkout's.
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'), WIN ? 'junction' : 'dir');
  const [packed] = JSON.parse(await sh(NPM, ['pack', '--json', '--pack-destination', work], repo)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, packed!.filename);
  writeFileSync(join(work, 'files.json'), JSON.stringify(packed!.files.map((f) => f.path)));
}, 5 * MINUTES);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
}, 5 * MINUTES);

// Concurrent: each waits mostly on npm, and they share only the packed tarball.
describe.concurrent('install paths', () => {
  it('npm pack ships the built server, no source maps, and no map comment pointing at unshipped files', () => {
    const files: string[] = JSON.parse(readFileSync(join(work, 'files.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(files).toContain(pkg.bin['revenue-mcp']);
    expect(files).toContain('dist/tools/index.js');
    expect(files).toContain('dist/app/dashboard.html');
    // The tools catalog `revenue-mcp tools` prints (src/catalog.ts), written by prepare.
    expect(files).toContain('dist/src/tools-list.json');
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => !/^(dist\/(src|tools)\/.*\.js|dist\/app\/dashboard\.html|dist\/src\/tools-list\.json|README\.md|LICENSE|mcp\.json|package\.json)$/.test(f))).toEqual([]);
    const built = join(repo, 'dist');
    const js = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? js(join(dir, n)) : n.endsWith('.js') ? [join(dir, n)] : []));
    const withMaps = [...js(join(built, 'src')), ...js(join(built, 'tools'))].filter((f) => readFileSync(f, 'utf8').includes('sourceMappingURL'));
    expect(withMaps).toEqual([]);
  });

  it('npm i -g <tarball> into an empty prefix gives a working revenue-mcp command', async () => {
    const prefix = join(work, 'prefix-tarball');
    mkdirSync(prefix);
    await sh(NPM, ['install', '--global', '--prefix', prefix, tarball], work);
    expect(existsSync(binIn(prefix))).toBe(true);
    await expectDemoServes(binIn(prefix), ['--demo']);
  }, 6 * MINUTES);

  it('npx -y <tarball> --demo serves the demo', async () => {
    // As a user types it, from the folder holding the tarball (an absolute path would be run as a command).
    await expectDemoServes(WIN ? 'npx.cmd' : 'npx', ['-y', `./${basename(tarball)}`, '--demo'], npmEnv());
  }, 6 * MINUTES);

  // `npm i -g <git url>` itself is broken in npm (npm/cli#8440: the nested npm that prepares a git dependency
  // inherits --global, installs nothing into the clone and links the global package to a deleted temp
  // folder), so the git path is an install into a folder of its own, as the README says.
  it('npm install --prefix <folder> git+file://<repo> (runs prepare with devDependencies) gives a working revenue-mcp command', async () => {
    const prefix = join(work, 'prefix-git');
    mkdirSync(prefix);
    // The git repository without the borrowed node_modules: npm clones it and installs on its own.
    rmSync(join(repo, 'node_modules'), { force: true });
    await sh(NPM, ['install', '--prefix', prefix, `git+${pathToFileURL(repo).href}`], prefix);
    const bin = join(prefix, 'node_modules', '.bin', WIN ? 'revenue-mcp.cmd' : 'revenue-mcp');
    expect(existsSync(bin)).toBe(true);
    await expectDemoServes(bin, ['--demo']);
  }, 10 * MINUTES);

  it('npm run pack:mcpb builds a bundle of the server and its production dependencies that starts unpacked', async () => {
    const bundle = join(work, 'revenue-mcp.mcpb');
    await sh(process.execPath, [join(ROOT, 'scripts/pack-mcpb.mjs'), '--tarball', tarball, '--out', bundle], ROOT);
    const entries = unzipSync(readFileSync(bundle));
    const names = Object.keys(entries);
    const unpacked = join(work, 'bundle');
    for (const [name, data] of Object.entries(entries)) {
      if (name.endsWith('/')) continue;
      mkdirSync(dirname(join(unpacked, name)), { recursive: true });
      writeFileSync(join(unpacked, name), data);
    }
    const manifest = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8'));
    // Only the built server, its manifest and production node_modules.
    const tops = new Set(names.map((n) => n.split('/')[0]));
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'manifest.json', 'mcp.json', 'node_modules', 'package.json']);
    expect(names).toContain(manifest.server.entry_point);
    expect(names.some((n) => n.startsWith('node_modules/@modelcontextprotocol/sdk/'))).toBe(true);
    for (const dev of ['typescript', 'vitest', '@anthropic-ai', '@apidevtools']) expect(names.some((n) => n.startsWith(`node_modules/${dev}/`)), dev).toBe(false);
    expect(names.filter((n) => n.endsWith('.map') && !n.startsWith('node_modules/'))).toEqual([]);
    const size = Object.values(entries).reduce((sum, d) => sum + d.length, 0);
    expect(size).toBeLessThan(40 * 1024 * 1024);
    // Start it as Claude Desktop does: node + the entry point, unset user_config values as empty strings.
    const config = manifest.server.mcp_config;
    const env = Object.fromEntries(
      Object.entries(config.env as Record<string, string>).map(([name, value]) => [name, value.replace(/\$\{user_config\.(\w+)\}/g, (_m, key: string) => String(manifest.user_config[key]?.default ?? ''))]),
    );
    const args = (config.args as string[]).map((a) => a.replace('${__dirname}', unpacked));
    expect(config.command).toBe('node');
    await expectDemoServes(process.execPath, [...args, '--demo'], cleanEnv(env));
  }, 6 * MINUTES);
});
