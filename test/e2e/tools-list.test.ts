import { describe, expect, it } from 'vitest';
import { connectStdio } from '../helpers/mcp.js';

/**
 * Guards what clients see in tools/list. SDK v1 silently publishes an empty schema for a root
 * transform/union/pipe, so every tool must publish an object schema with real properties; the snapshot
 * catches any other change to names, descriptions, schemas or annotations.
 */
describe('tools/list', () => {
  it('publishes real input and output schemas, annotations, and matches the snapshot', async () => {
    const s = await connectStdio();
    try {
      const { tools } = await s.client.listTools();
      expect(tools.length).toBeGreaterThan(0);
      for (const tool of tools) {
        expect(tool.name).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(tool.title, tool.name).toBeTruthy();
        expect((tool.description ?? '').length, tool.name).toBeGreaterThan(80);
        expect(tool.inputSchema.type, tool.name).toBe('object');
        expect(Object.keys(tool.inputSchema.properties ?? {}).length, tool.name).toBeGreaterThan(0);
        expect(tool.outputSchema?.type, tool.name).toBe('object');
        expect(Object.keys(tool.outputSchema?.properties ?? {}).length, tool.name).toBeGreaterThan(0);
        expect(tool.annotations, tool.name).toMatchObject({ readOnlyHint: true, openWorldHint: true });
        for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
          expect((schema as { description?: string }).description, `${tool.name}.${field} needs a description`).toBeTruthy();
        }
      }
      await expect(JSON.stringify(tools, null, 2) + '\n').toMatchFileSnapshot('./__snapshots__/tools-list.json');
    } finally {
      await s.close();
    }
  });
});
