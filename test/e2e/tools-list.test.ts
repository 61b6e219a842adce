import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../tools/index.js';
import { cleanEnv, connectStdio, MAIN } from '../helpers/mcp.js';

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
        expect(tool.description, `${tool.name}: description starts with when to use it`).toMatch(/^Use for /);
        expect(tool.description, `${tool.name}: description shows one example call`).toMatch(/Example: \{.*\}$/);
        const example = JSON.parse(/Example: (\{.*\})$/.exec(tool.description ?? '')![1]!) as Record<string, unknown>;
        for (const key of Object.keys(example)) expect(Object.keys(tool.inputSchema.properties ?? {}), `${tool.name} example`).toContain(key);
        expect(tool.inputSchema.additionalProperties, `${tool.name}: unknown arguments are refused`).toBe(false);
        for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
          expect((schema as { description?: string }).description, `${tool.name}.${field} needs a description`).toBeTruthy();
        }
      }
      // Sized for a model: measured as the client receives it (compact JSON).
      const total = JSON.stringify(tools).length;
      const inputs = tools.reduce((n, t) => n + JSON.stringify(t.inputSchema).length + (t.description ?? '').length, 0);
      console.log(`tools/list: ${tools.length} tools, ${total} characters; inputSchema + descriptions ${inputs}`);
      // Budgets per tool on average (issue 14's tools-list row), so a new tool brings its own share.
      expect(total).toBeLessThanOrEqual(4_000 * tools.length);
      expect(inputs).toBeLessThanOrEqual(2_000 * tools.length);
      // Closed sets are enums, required fields required.
      const byName = Object.fromEntries(tools.map((t) => [t.name, t.inputSchema as { properties: Record<string, { enum?: string[] }>; required?: string[] }]));
      expect(byName.get_sale!.required).toEqual(['deal_guid']);
      expect(byName.get_revenue_widget!.properties.period!.enum).toContain('last_month');
      expect(byName.list_posiflora_orders!.properties.sort!.enum).toEqual(['recent', 'largest']);
      await expect(JSON.stringify(tools, null, 2) + '\n').toMatchFileSnapshot('./__snapshots__/tools-list.json');
    } finally {
      await s.close();
    }
  });

  it('passes the MCP Inspector --strict schema lint with 0 errors and 0 warnings', async () => {
    // The Inspector's CLI lints every inputSchema/outputSchema of tools/list (type unions, untyped schemas,
    // remote $refs); with --strict it prints each finding on stderr as "Warning: …" or "Error: …".
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('@modelcontextprotocol/inspector/package.json'));
    const pkg = require('@modelcontextprotocol/inspector/package.json') as { bin: Record<string, string> };
    const inspector = join(root, pkg.bin.inspector!);
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [inspector, '--cli', '--method', 'tools/list', '--strict', process.execPath, MAIN, '--demo'],
      { env: cleanEnv(), timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const findings = stderr.split('\n').filter((line) => /^(Warning|Error): tool /.test(line));
    const summary = /(\d+) errors?, (\d+) warnings?/.exec(stderr);
    console.log(`Inspector --strict: ${findings.length} findings${summary ? ` (${summary[0]})` : ''}`);
    expect((JSON.parse(stdout) as { tools: unknown[] }).tools.length).toBe(TOOL_NAMES.length);
    expect(findings).toEqual([]);
    expect(stderr).not.toMatch(/Schema portability/);
  }, 90_000);
});
