import { SOURCE_LABEL, type Config, type SourceName } from './config.js';
import { closest } from './input-errors.js';

/**
 * Which tools a server lists. A model picks from what it is shown, so by default only tools whose source
 * is configured are listed; with no source configured at all, every tool is, each answering with what to
 * set. REVENUE_TOOLS / --tools names exactly the tools (or sources) to list; --all-tools lists every tool.
 */

const SOURCES = Object.keys(SOURCE_LABEL) as SourceName[];

function configured(config: Config, source: SourceName | undefined): boolean {
  return source === undefined || config[source].missing.length === 0;
}

/** What the selection reads of a tool: its ToolSpec (the server), or its catalog entry (the CLI, src/catalog.ts). */
export interface Selectable {
  name: string;
  source?: SourceName;
  alwaysListed?: boolean;
}

export interface ToolSelection<T extends Selectable> {
  listed: T[];
  /** Why each tool that is not listed is hidden, and how to list it. */
  hidden: Map<string, string>;
}

export function selectTools<T extends Selectable>(config: Config, tools: readonly T[]): ToolSelection<T> {
  const { only, all } = config.tools;
  const anyConfigured = SOURCES.some((s) => configured(config, s));
  const listed: T[] = [];
  const hidden = new Map<string, string>();
  for (const tool of tools) {
    if (tool.alwaysListed) {
      listed.push(tool);
    } else if (only) {
      if (only.includes(tool.name) || (tool.source !== undefined && only.includes(tool.source))) listed.push(tool);
      else hidden.set(tool.name, `${tool.name} is not among the tools chosen by REVENUE_TOOLS or --tools (${only.join(',')}); add "${tool.name}" to that list to use it.`);
    } else if (all || !anyConfigured || configured(config, tool.source)) {
      listed.push(tool);
    } else {
      const source = tool.source!;
      hidden.set(tool.name, `${tool.name} is not listed because ${SOURCE_LABEL[source]} is not configured: set ${config[source].missing.join(', ')} (see the README, "Configuration"), or add --all-tools to list it anyway.`);
    }
  }
  return { listed, hidden };
}

/** A configuration problem for each name in REVENUE_TOOLS / --tools that is neither a tool nor a source. */
export function unknownToolNames(names: readonly string[], origin: string, tools: readonly Selectable[]): string[] {
  const valid = [...tools.map((t) => t.name), ...SOURCES];
  return names
    .filter((n) => !valid.includes(n))
    .map((n) => {
      const guess = closest(n, valid);
      return `${origin} names "${n}", which is neither a tool nor a source${guess ? ` — did you mean "${guess}"?` : '.'} Valid names: ${valid.join(', ')}; e.g. ${origin === '--tools' ? '--tools ' : `${origin}=`}ofd,get_sale`;
    });
}
