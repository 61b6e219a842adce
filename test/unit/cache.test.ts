import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskCache, fingerprint } from '../../src/cache/disk.js';

/** The on-disk cache: atomic writes, checksums, and what a writer killed mid-way leaves behind. */

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'revenue-cache-unit-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Large, deterministic entries so a kill lands mid-write. */
const entry = (key: string) => ({ key, rows: Array.from({ length: 20_000 }, (_, i) => `${key}:${i}:0123456789abcdef`) });

describe('DiskCache', () => {
  it('stores and reads back; the scope is a hash that holds no secret', async () => {
    const root = tempDir();
    const scope = fingerprint('ofd-public', 'https://x', 'secret-token-value-123');
    expect(scope).toMatch(/^[0-9a-f]{24}$/);
    const cache = new DiskCache(root, 'ofd-public', scope);
    expect(await cache.get('2026-01-01')).toBeUndefined();
    await cache.put('2026-01-01', { a: '1.00' });
    expect(await cache.get('2026-01-01')).toEqual({ a: '1.00' });
    const files = readdirSync(cache.dir);
    expect(files).toEqual(['2026-01-01.json']);
    expect(JSON.stringify(readdirSync(root, { recursive: true })) + readFileSync(join(cache.dir, files[0]!), 'utf8')).not.toContain('secret-token-value-123');
    expect(() => new DiskCache(root, 'ofd-public', '../etc')).toThrow();
    await expect(cache.get('../x')).rejects.toThrow();
  });

  it('a garbled or lying entry is dropped and reported missing, never trusted', async () => {
    const cache = new DiskCache(tempDir(), 'test', fingerprint('a'));
    await cache.put('k1', { n: 1 });
    await cache.put('k2', { n: 2 });
    const f1 = join(cache.dir, 'k1.json');
    writeFileSync(f1, readFileSync(f1, 'utf8').slice(0, 20));
    const f2 = join(cache.dir, 'k2.json');
    writeFileSync(f2, readFileSync(f2, 'utf8').replace('"n":2', '"n":3'));
    expect(await cache.get('k1')).toBeUndefined();
    expect(await cache.get('k2')).toBeUndefined();
    expect(existsSync(f1) || existsSync(f2)).toBe(false);
    await cache.put('k1', { n: 1 });
    expect(await cache.get('k1')).toEqual({ n: 1 });
  });

  it('a writer killed mid-write leaves a cache the next run reads or repairs', async () => {
    const root = tempDir();
    const scope = fingerprint('killed');
    const module = fileURLToPath(new URL('../../dist/src/cache/disk.js', import.meta.url));
    // A child process writing big entries as fast as it can, killed without warning.
    const script = `
      const { DiskCache } = await import(${JSON.stringify(module)});
      const cache = new DiskCache(${JSON.stringify(root)}, 'test', ${JSON.stringify(scope)});
      const entry = ${entry.toString()};
      for (let i = 0; ; i++) { await cache.put('k' + (i % 40), entry('k' + (i % 40))); if (i === 3) process.stdout.write('writing\\n'); }
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const cache = new DiskCache(root, 'test', scope);
    const left = readdirSync(cache.dir);
    expect(left.some((f) => f.endsWith('.json'))).toBe(true);
    let read = 0;
    for (let i = 0; i < 40; i++) {
      const got = await cache.get(`k${i}`);
      if (got !== undefined) {
        expect(got).toEqual(entry(`k${i}`));
        read += 1;
      }
    }
    expect(read).toBeGreaterThan(0);
    // A half-written file planted under the real name is repaired by the next write.
    writeFileSync(join(cache.dir, 'k0.json'), '{"format":1,"sha256":"00","data":{"key":"k0","rows":["k0:0');
    expect(await cache.get('k0')).toBeUndefined();
    await cache.put('k0', entry('k0'));
    expect(await cache.get('k0')).toEqual(entry('k0'));
  });
});
