import type { ToolSpec } from '../src/tool.js';

/** Every MCP tool of the server, in the order clients list them. */
export const TOOLS: readonly ToolSpec[] = [];
