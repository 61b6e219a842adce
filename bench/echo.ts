import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HttpSettings } from '../src/config.js';

/** Start bench/echo-server in a child process; resolves with its base URL. */
export async function startEcho(): Promise<{ url: string; arrivals(): Promise<Array<{ path: string; at: number }>>; close(): void }> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(new URL('./echo-server.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
  });
  return {
    url,
    async arrivals() {
      const res = await fetch(`${url}/arrivals`);
      return (await res.json()) as Array<{ path: string; at: number }>;
    },
    close: () => child.kill(),
  };
}

/** The server's defaults (config.ts), as a bench client uses them. */
export const HTTP: HttpSettings = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 60_000,
  maxResponseBytes: 32 * 1024 * 1024,
  retries: 4,
  deadlineMs: 45_000,
  backoffMs: 300,
  rateMarginMs: 30,
};
