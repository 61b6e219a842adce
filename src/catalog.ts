import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { ToolResource } from './tool.js';
import type { Selectable } from './toolset.js';

/**
 * Every tool as tools/list publishes it, with what the selection reads (src/toolset.ts) and the resources
 * offered with it. The build writes it from the tools' modules (`npm run build`, scripts/tools-list.mjs), so
 * that the server lists tools and answers `initialize` without loading a tool's module until its first call,
 * and `revenue-mcp tools` needs neither the SDK nor the tools (loading those took `tools` to ~17× a bare
 * `node -e 0`). test/e2e/tools-catalog.test.ts proves that a server built from it lists exactly what one
 * built from the modules does, for every selection.
 */
export interface CatalogEntry extends Selectable {
  tool: Tool;
  resources?: CatalogResource[];
}

/** A tool's resource as the server registers it; `list`: a template whose resources/list entries come from the tool. */
export type CatalogResource = Pick<ToolResource, 'name' | 'uri' | 'template' | 'metadata'> & { list?: true };

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

/** idempotentHint and destructiveHint mean something only for tools that change things (MCP spec). */
function publishedAnnotations({ idempotentHint, destructiveHint, ...rest }: ToolAnnotations): ToolAnnotations {
  return rest.readOnlyHint ? rest : { ...rest, idempotentHint, destructiveHint };
}

/** The catalog from the tools' modules themselves: what the server publishes for each. */
export async function liveCatalog(): Promise<CatalogEntry[]> {
  const [{ loadTools }, { publishedInput, publishedOutput }, { dashboardMeta }] = await Promise.all([
    import('../tools/index.js'),
    import('./schema.js'),
    import('./dashboard.js'),
  ]);
  return (await loadTools()).map((spec) => {
    const meta = dashboardMeta(spec.name);
    return {
      name: spec.name,
      ...(spec.source ? { source: spec.source } : {}),
      ...(spec.alwaysListed ? { alwaysListed: true } : {}),
      tool: {
        name: spec.name,
        title: spec.title,
        description: spec.description,
        inputSchema: publishedInput(spec.input) as Tool['inputSchema'],
        outputSchema: publishedOutput(spec.output) as Tool['outputSchema'],
        annotations: publishedAnnotations(spec.annotations),
        ...(meta ? { _meta: meta } : {}),
      },
      ...(spec.resources
        ? { resources: spec.resources.map((r) => ({ name: r.name, uri: r.uri, ...(r.template ? { template: true } : {}), metadata: r.metadata, ...(r.list ? { list: true as const } : {}) })) }
        : {}),
    };
  });
}

/** The build step: write the live catalog next to this module. */
export async function writeCatalog(): Promise<string> {
  writeFileSync(BUILT, `${JSON.stringify({ tools: await liveCatalog() })}\n`);
  return BUILT.pathname;
}
