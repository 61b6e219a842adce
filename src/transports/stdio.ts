import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { log } from '../log.js';
import type { CatalogEntry } from '../catalog.js';
import type { Runtime } from '../runtime.js';
import { buildServer, preloadTools } from '../server.js';

/** One server on stdin/stdout; resolves when the client closes the pipe. */
export async function serveStdio(runtime: Runtime, catalog: readonly CatalogEntry[]): Promise<void> {
  const server = buildServer(runtime, catalog);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  // `initialize` is answered without the tools' modules and the upstream layer's libraries (src/lazy.ts); once
  // the client has initialized, they load while it is idle rather than during its first tool call.
  server.server.oninitialized = () =>
    setImmediate(() => {
      runtime.preloadHttp();
      preloadTools(runtime, catalog).catch((err: unknown) => log('error', `loading the tools failed: ${err instanceof Error ? err.message : String(err)}`));
    });
  await server.connect(transport);
  log('info', 'revenue-mcp serving MCP on stdio');
  await closed;
  await server.close().catch(() => undefined);
}
