import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { log } from '../log.js';
import type { Runtime } from '../runtime.js';
import { buildServer } from '../server.js';

/** One server on stdin/stdout; resolves when the client closes the pipe. */
export async function serveStdio(runtime: Runtime): Promise<void> {
  const server = buildServer(runtime);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  log('info', 'revenue-mcp serving MCP on stdio');
  await closed;
  await server.close().catch(() => undefined);
}
