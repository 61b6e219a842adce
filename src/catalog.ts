import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { SourceName } from './config.js';
import type { Selectable } from './toolset.js';

/**
 * Every tool as tools/list publishes it, with what the selection reads (src/toolset.ts). The build writes it
 * from the live server (`npm run build`, scripts/tools-list.mjs), so that `revenue-mcp tools` and the CLI's
 * checks of tool names need neither the SDK, nor the tools' modules, nor their zod schemas (loading those
 * took `tools` to ~17× a bare `node -e 0`). test/e2e/tools-catalog.test.ts proves that the selection applied
 * to it gives exactly the live tools/list, for every selection.
 */
export interface CatalogEntry extends Selectable {
  tool: Tool;
}

const BUILT = new URL('./tools-list.json', import.meta.url);
/** tsc rewrites every file it emits: a tools module newer than the list means the list may be stale. */
const TOOLS_MODULE = new URL('../tools/index.js', import.meta.url);

/** The built catalog when it is there and not older than the tools; otherwise the live one. */
export async function toolCatalog(): Promise<CatalogEntry[]> {
  return builtCatalog() ?? (await liveCatalog());
}

function builtCatalog(): CatalogEntry[] | undefined {
  try {
    if (statSync(BUILT).mtimeMs < statSync(TOOLS_MODULE).mtimeMs) return undefined;
    return (JSON.parse(readFileSync(BUILT, 'utf8')) as { tools: CatalogEntry[] }).tools;
  } catch {
    return undefined; // not built (running from the sources, or tsc alone): read the live list
  }
}

/** The catalog from the tools' modules themselves: what the server publishes. */
export async function liveCatalog(): Promise<CatalogEntry[]> {
  const [{ TOOLS }, { published }] = await Promise.all([import('../tools/index.js'), import('./server.js')]);
  return TOOLS.map((spec) => ({
    name: spec.name,
    ...(spec.source ? { source: spec.source satisfies SourceName } : {}),
    ...(spec.alwaysListed ? { alwaysListed: true } : {}),
    tool: published(spec),
  }));
}

/** The build step: write the live catalog next to this module. */
export async function writeCatalog(): Promise<string> {
  writeFileSync(BUILT, `${JSON.stringify({ tools: await liveCatalog() })}\n`);
  return BUILT.pathname;
}
