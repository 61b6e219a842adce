import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fileURLToPath } from 'node:url';
import { whenListening, type ListeningServer } from '../../bench/proc.js';

/** The built CLI entry; vitest's global setup builds it once before the e2e tests. */
export const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

/** Every variable the server reads is cleared, so tests see only what they set. */
const SERVER_VARS = /^(LIFEPOS_|OFD_|MARKET_|POSIFLORA_|MCP_|REVENUE_|HTTP_|REDIS_URL|LOG_LEVEL)/;

/** The on-disk cache stays off unless a test gives its own temp REVENUE_CACHE_DIR: never the user's. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SERVER_VARS.test(k)) env[k] = v;
  return { ...env, ...(extra.REVENUE_CACHE_DIR ? {} : { REVENUE_CACHE: 'off' }), ...extra };
}

export interface StdioSession {
  client: Client;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/** Spawn the built server (`node dist/src/main.js ...args`, or another build's `main`) and connect a real SDK client over stdio. */
export async function connectStdio(options: { env?: Record<string, string>; args?: string[]; main?: string } = {}): Promise<StdioSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [options.main ?? MAIN, ...(options.args ?? [])],
    env: cleanEnv(options.env),
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const client = new Client({ name: 'revenue-mcp-tests', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    stderr: () => err,
    close: () => client.close(),
  };
}

/** The text of a tool result's first content block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}

export type HttpServerProcess = ListeningServer;

/** Start `node dist/src/main.js --http 0 ...args` and wait for the line that gives its address. */
export async function startHttpServer(options: { env?: Record<string, string>; args?: string[] } = {}): Promise<HttpServerProcess> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [MAIN, '--http', '0', ...(options.args ?? [])], {
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return whenListening(child, { timeoutMs: 15_000 });
}

/** Run the CLI to completion: exit code, stdout, stderr. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [MAIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}
