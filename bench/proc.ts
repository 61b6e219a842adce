import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built server's entry, beside this file in dist/. */
export const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** A memory figure of a process from /proc/PID/status, in kB (Linux). */
export function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** utime + stime of a process in ms, from /proc/PID/stat (clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * A real SDK client over stdio to the built server (`args`: the entry and its arguments), whose environment
 * is PATH, the shop's zone (Europe/Moscow), errors-only logging and `env` (which may override either); its
 * stderr is ignored. `pid` is the server process's.
 */
export async function benchClient(env: Record<string, string>, args: string[] = [MAIN]): Promise<{ client: Client; pid: number }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { PATH: process.env.PATH ?? '', REVENUE_TZ: 'Europe/Moscow', LOG_LEVEL: 'error', ...env },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  return { client, pid: transport.pid! };
}

/** A server process started with `--http 0`, once it has said where it listens. */
export interface ListeningServer {
  child: ChildProcess;
  /** Base URL, e.g. http://127.0.0.1:43123 */
  url: string;
  /** What the process wrote on stderr so far (at least the last `keepChars` characters). */
  stderr(): string;
  /** Send SIGTERM (or `signal`) and wait for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Wait for a just-spawned server (`--http 0`, stderr piped) to print "revenue-mcp listening: URL/mcp".
 * Rejects when it exits first or says nothing of the kind within `timeoutMs`. Its stderr keeps being
 * collected afterwards (a long run may keep only the last `keepChars` characters).
 */
export function whenListening(child: ChildProcess, options: { timeoutMs?: number; keepChars?: number } = {}): Promise<ListeningServer> {
  const { timeoutMs = 30_000, keepChars = Infinity } = options;
  let err = '';
  let url: string | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return new Promise<ListeningServer>((resolve, reject) => {
    const exited = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${err}`));
    };
    const timer = setTimeout(() => {
      child.off('exit', exited);
      reject(new Error(`server did not start:\n${err}`));
    }, timeoutMs);
    child.once('exit', exited);
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      if (err.length > 2 * keepChars) err = err.slice(-keepChars);
      if (url !== undefined) return;
      const m = /revenue-mcp listening: (http:\/\/\S+)\/mcp/.exec(err);
      if (!m) return;
      url = m[1]!;
      clearTimeout(timer);
      child.off('exit', exited);
      resolve({ child, url, stderr: () => err, stop });
    });
  });
}
