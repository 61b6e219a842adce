import { describe, expect, it } from 'vitest';
import { SOURCE_LABEL } from '../../src/config.js';
import { loadTools } from '../../tools/index.js';
import { runCli } from '../helpers/mcp.js';

const TOOLS = await loadTools();

/** The CLI as cron jobs and pipelines use it: output and exit codes (0 ok, 1 tool error, 2 usage/config). */
describe('CLI', () => {
  it('--help documents every mode and exits 0', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    for (const word of ['--http', '--demo', '--stateless', '--host', 'tools', 'call', '--json', 'config claude', '--tools', '--all-tools', 'REVENUE_TOOLS', 'Exit codes']) expect(res.stdout).toContain(word);
  });

  it('tools lists every tool; --json gives the tools/list answer', async () => {
    const plain = await runCli(['tools']);
    expect(plain.code).toBe(0);
    for (const t of TOOLS) expect(plain.stdout).toContain(t.name);
    const json = await runCli(['tools', '--json']);
    const parsed = JSON.parse(json.stdout) as { tools: Array<{ name: string; inputSchema: unknown; outputSchema: unknown }> };
    expect(parsed.tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });

  it('call --demo prints a summary, or with --json the structured result', async () => {
    const text = await runCli(['call', 'get_sales_aggregation', '{"period":"last_week"}', '--demo']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/₽/);
    const json = await runCli(['call', 'get_sales_aggregation', '{"period":"last_week"}', '--demo', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toBeTypeOf('object');
  });

  it('call --demo starts only the simulator of the tool it runs', async () => {
    // An unknown argument makes each call fail at once, after the simulators it started are logged.
    const runs = await Promise.all(TOOLS.map((t) => runCli(['call', t.name, '{"no_such_argument":1}', '--demo'], { LOG_LEVEL: 'info' })));
    TOOLS.forEach((t, i) => {
      const started = /demo mode: (.*)/.exec(runs[i]!.stderr)?.[1]?.split(', ').map((s) => s.replace(/ at http:.*/, ''));
      expect(runs[i]!.code, runs[i]!.stderr).toBe(1);
      // A tool without a source of its own (check_sources, revenue_overview) reads them all.
      if (t.source) expect(started, t.name).toEqual([expect.stringMatching(new RegExp(`^${SOURCE_LABEL[t.source]}\\b`))]);
      else expect(started, t.name).toHaveLength(5);
    });
  }, 120_000);

  it('a tool error exits 1 with the reason on stderr', async () => {
    const res = await runCli(['call', 'get_sales_aggregation', '{"period":"last_week"}']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/OFD_YANDEX_KEY/);
    expect(res.stdout).toBe('');
  });

  it('usage and configuration errors exit 2 with one clear line', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['call', 'no_such_tool', '{}'], {}, /unknown tool 'no_such_tool'\. Tools: /],
      [['call', 'get_sael', '{}'], {}, /unknown tool 'get_sael'\. Did you mean 'get_sale'\? Tools: /],
      [['call', 'get_sales_aggregation', '{period:'], {}, /must be one JSON object/],
      [['call', 'get_sales_aggregation', '[1]'], {}, /must be a JSON object/],
      [['call'], {}, /needs a tool name/],
      [['--bogus'], {}, /Unknown option '--bogus'/],
      [['frobnicate'], {}, /unknown command 'frobnicate'/],
      [['--http', '0', '--stateless', '--host'], {}, /--host/],
      [['--stateless'], {}, /--stateless applies to --http only/],
      [['tools'], { OFD_BASE_URL: 'not a url' }, /^revenue-mcp: OFD_BASE_URL="not a url" is invalid/],
      [['tools'], { REVENUE_TZ: 'Nowhere/City' }, /REVENUE_TZ/],
    ];
    // Run side by side: each is a fresh process, and one at a time they outlast the timeout on a loaded machine.
    const results = await Promise.all(cases.map(([args, env]) => runCli(args, env)));
    cases.forEach(([args, , message], i) => {
      expect(results[i]!.code, `${args.join(' ')}: ${results[i]!.stderr}`).toBe(2);
      expect(results[i]!.stderr).toMatch(message);
    });
  });
});
