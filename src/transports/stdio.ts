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
  // `initialize` is answered without the upstream layer's libraries (src/lazy.ts); once the client has
  // initialized, they load while it is idle rather than during its first tool call.
  server.server.oninitialized = () => setImmediate(() => runtime.preloadHttp());
  await server.connect(transport);
  log('info', 'revenue-mcp serving MCP on stdio');
  await closed;
  await server.close().catch(() => undefined);
}
