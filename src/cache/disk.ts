import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../log.js';

/**
 * The on-disk cache of closed periods: plain JSON files, one per entry, under
 * `<dir>/<namespace>/<scope>/<key>.json`. Only data that can no longer change belongs here (days older
 * than a source's settle time), so entries never expire; deleting the directory is always safe.
 *
 * - The scope is a hash the caller builds from a credential fingerprint and the filters; never a secret.
 * - Writes are atomic: a temp file in the same directory, then rename. A process killed mid-write leaves
 *   at most a stray temp file (swept on open), never a half-written entry under the real name.
 * - Every entry carries a SHA-256 of its payload; an entry that does not parse or does not match is
 *   deleted and reported as missing, so it is fetched again rather than trusted.
 */

const FORMAT = 1;
/** Temp files older than this are leftovers of a killed writer. */
const STALE_TEMP_MS = 60_000;

interface Envelope {
  format: number;
  sha256: string;
  data: unknown;
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** A short, stable, one-way name for anything that identifies a scope (credentials included). */
export function fingerprint(...parts: string[]): string {
  return digest(parts.join('\u0000')).slice(0, 24);
}

export class DiskCache {
  readonly #dir: string;
  #swept = false;

  /** `root` is REVENUE_CACHE_DIR; `namespace` names the source (e.g. `ofd-public`); `scope` a fingerprint. */
  constructor(root: string, namespace: string, scope: string) {
    if (!/^[a-z0-9-]+$/.test(namespace) || !/^[a-f0-9]+$/.test(scope)) throw new Error(`bad cache namespace or scope: ${namespace}/${scope}`);
    this.#dir = join(root, namespace, scope);
  }

  get dir(): string {
    return this.#dir;
  }

  #file(key: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(key) || key.startsWith('.')) throw new Error(`bad cache key: ${key}`);
    return join(this.#dir, `${key}.json`);
  }

  /** The stored value, or undefined when absent or damaged (a damaged entry is removed). */
  async get(key: string): Promise<unknown> {
    const file = this.#file(key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const env = JSON.parse(text) as Envelope;
      if (env.format !== FORMAT || typeof env.sha256 !== 'string' || digest(JSON.stringify(env.data)) !== env.sha256) throw new Error('checksum mismatch');
      return env.data;
    } catch (err) {
      log('warning', `cache: dropping damaged entry ${key} (${(err as Error).message}); it will be fetched again`);
      await unlink(file).catch(() => {});
      return undefined;
    }
  }

  async put(key: string, data: unknown): Promise<void> {
    const file = this.#file(key);
    await mkdir(this.#dir, { recursive: true });
    await this.#sweep();
    const envelope: Envelope = { format: FORMAT, sha256: digest(JSON.stringify(data)), data };
    const temp = join(this.#dir, `.${key}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(temp, JSON.stringify(envelope), { flag: 'wx' });
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      // A cache that cannot be written costs requests next time, never an answer.
      log('warning', `cache: could not store ${key}: ${(err as Error).message}`);
    }
  }

  /** Remove temp files a killed writer left behind (once per process and scope). */
  async #sweep(): Promise<void> {
    if (this.#swept) return;
    this.#swept = true;
    const names = await readdir(this.#dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith('.tmp')) continue;
      const path = join(this.#dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true }).catch(() => {});
    }
  }
}
