import type { ToolSpec } from '../src/tool.js';

/**
 * Every MCP tool of the server, in the order clients list them, by name with its module. A server lists the
 * tools from the catalog (src/catalog.ts) and loads a tool's module, its source client and its schemas when
 * the tool is first called, so that `initialize` waits for none of them.
 */
const MODULES = {
  get_revenue_widget: () => import('./get_revenue_widget.js'),
  get_sale: () => import('./get_sale.js'),
  list_sales: () => import('./list_sales.js'),
  get_sales_aggregation: () => import('./get_sales_aggregation.js'),
  await_market_report: () => import('./await_market_report.js'),
  list_posiflora_orders: () => import('./list_posiflora_orders.js'),
  revenue_overview: () => import('./revenue_overview.js'),
  check_sources: () => import('./check_sources.js'),
} satisfies Record<string, () => Promise<{ default: ToolSpec }>>;

export const TOOL_NAMES = Object.keys(MODULES) as ReadonlyArray<keyof typeof MODULES>;

/** A tool's spec, its module loaded the first time it is asked for. */
export async function loadTool(name: string): Promise<ToolSpec> {
  if (!Object.hasOwn(MODULES, name)) throw new Error(`no tool named ${name} in tools/index.ts`);
  const spec: ToolSpec = (await MODULES[name as keyof typeof MODULES]()).default;
  if (spec.name !== name) throw new Error(`tools/index.ts lists ${spec.name} as ${name}`);
  return spec;
}

/** Every tool's spec, in order. */
export function loadTools(): Promise<ToolSpec[]> {
  return Promise.all(TOOL_NAMES.map(loadTool));
}
