import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fileURLToPath } from 'node:url';
import { row, type Bench } from './types.js';

/** The size of `tools/list` a model reads on every turn: per tool in total, and descriptions + inputs. */

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

const bench: Bench = {
  id: 'tools-list',
  about: 'tools/list size per tool (chars of JSON)',
  async run() {
    const transport = new StdioClientTransport({ command: process.execPath, args: [MAIN], env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error' }, stderr: 'ignore' });
    const client = new Client({ name: 'bench', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      const total = JSON.stringify(tools).length;
      const descInput = tools.reduce((sum, t) => sum + (t.description ?? '').length + JSON.stringify(t.inputSchema).length, 0);
      const perTool = total / tools.length;
      const perToolDescInput = descInput / tools.length;
      return [
        row('tools-list', `tools/list, ${tools.length} tools: total chars`, total),
        row('tools-list', 'chars per tool (average)', perTool.toFixed(0), '≤ 4000', perTool <= 4000),
        row('tools-list', 'description + input schema chars per tool (average)', perToolDescInput.toFixed(0), '≤ 2000', perToolDescInput <= 2000),
      ];
    } finally {
      await client.close();
    }
  },
};

export default bench;
