import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { row, type Bench } from './types.js';

/**
 * Start-up as cron jobs and desktop clients see it, each against its baseline measured alternately in
 * the same run (medians): spawn → `initialize` answered, revenue-mcp vs a minimal SDK server with one
 * tool; `revenue-mcp tools` vs `node -e 0`; and `call get_revenue_widget --demo` end to end.
 */

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const MINIMAL = fileURLToPath(new URL('./minimal-server.js', import.meta.url));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function initializeMs(script: string): Promise<number> {
  const t0 = performance.now();
  const transport = new StdioClientTransport({ command: process.execPath, args: [script], env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error' }, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport); // resolves once the server answered initialize
  const ms = performance.now() - t0;
  await client.close();
  return ms;
}

function runMs(args: string[], logLevel = 'error'): { ms: number; stderr: string } {
  const t0 = performance.now();
  const res = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: logLevel }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`node ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return { ms: performance.now() - t0, stderr: res.stderr };
}

/** The phases `call` logs at debug level (src/main.ts): modules, config and simulators, server modules, the call. */
function phasesOf(stderr: string): number[] {
  const m = /phases \(ms\): modules (\d+), config and simulators (\d+), server modules (\d+), client and the call (\d+)/.exec(stderr);
  return m ? m.slice(1).map(Number) : [NaN, NaN, NaN, NaN];
}

const bench: Bench = {
  id: 'cold-start',
  about: 'spawn → initialize vs a minimal SDK server; `tools` vs `node -e 0`; `call --demo`',
  async run({ smoke }) {
    const rounds = smoke ? 1 : 7;
    const ours: number[] = [];
    const minimal: number[] = [];
    const tools: number[] = [];
    const bare: number[] = [];
    const call: number[] = [];
    const phases: number[][] = [[], [], [], []];
    // Outside smoke runs, a first round warms the disk cache and is not counted.
    const skip = smoke ? 0 : 1;
    for (let i = 0; i < rounds + skip; i++) {
      const m = await initializeMs(MINIMAL);
      const o = await initializeMs(MAIN);
      const b = runMs(['-e', '0']).ms;
      const t = runMs([MAIN, 'tools']).ms;
      const c = runMs([MAIN, 'call', 'get_revenue_widget', '--demo'], 'debug');
      if (i >= skip) {
        minimal.push(m);
        ours.push(o);
        bare.push(b);
        tools.push(t);
        call.push(c.ms);
        phasesOf(c.stderr).forEach((ms, p) => phases[p]!.push(ms));
      }
    }
    const init = median(ours) / median(minimal);
    const list = median(tools) / median(bare);
    return [
      row('cold-start', 'spawn → initialize: minimal SDK server, one tool (ms)', median(minimal).toFixed(0)),
      row('cold-start', 'spawn → initialize: revenue-mcp (ms)', median(ours).toFixed(0)),
      row('cold-start', 'initialize ratio (revenue-mcp / minimal)', init.toFixed(2), '≤ 1.5', init <= 1.5),
      row('cold-start', '`node -e 0` (ms)', median(bare).toFixed(0)),
      row('cold-start', '`revenue-mcp tools` (ms)', median(tools).toFixed(0)),
      row('cold-start', 'tools ratio (revenue-mcp tools / node -e 0)', list.toFixed(2), '≤ 5', list <= 5),
      row('cold-start', '`revenue-mcp call get_revenue_widget --demo` to exit (ms)', median(call).toFixed(0)),
      row('cold-start', '`call --demo` phases: start-up modules / config and LIFE POS simulator / runtime and server modules / client, tool module and the call (ms)', phases.map((p) => median(p).toFixed(0)).join(' / ')),
    ];
  },
};

export default bench;
