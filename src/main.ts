#!/usr/bin/env node
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { toolCatalog, type CatalogEntry } from './catalog.js';
import { claudeDesktopConfig, claudeDesktopNotes } from './claude.js';
import { ConfigError, readConfig, SOURCE_LABEL, type Config, type SourceName } from './config.js';
import { log, setLogLevel } from './log.js';
import { PACKAGE } from './meta.js';
import type { Runtime } from './runtime.js';
import { closest } from './input-errors.js';
import { selectTools, unknownToolNames } from './toolset.js';

// Start-up loads only what parsing the command line, the configuration and the tools catalog need: the
// runtime (HTTP layer), the server, the SDK client and the transports load when a command needs them, and a
// tool's module when it is called (src/server.ts), so `tools` never loads the SDK, stdio loads no HTTP
// transport and `call` loads one tool.

const HELP = `revenue-mcp ${PACKAGE.version} — MCP server for revenue from LIFE POS, Yandex OFD, Yandex Market, Posiflora

Usage:
  revenue-mcp [--demo]                      serve MCP on stdio (what Claude Desktop runs)
  revenue-mcp --http [PORT] [--host HOST] [--stateless] [--demo]
                                            serve Streamable HTTP at /mcp, legacy SSE at /sse + /messages,
                                            GET /healthz and /readyz; PORT defaults to 3000 (0 = any free port)
  revenue-mcp tools [--json] [--demo]       list the tools (--json: the full tools/list answer)
  revenue-mcp call TOOL ['{json}'] [--json] [--demo]
                                            run one tool and print its summary (--json: the structured
                                            result) — for cron jobs and agent pipelines
  revenue-mcp config claude [--demo]        print a claude_desktop_config.json entry for this machine
                                            (absolute paths of this node and this server)
  revenue-mcp probe SOURCE                  check one source's credentials and what its API really sends
                                            (lifepos, ofd, market, posiflora; 5-20 requests); prints a
                                            redacted report to paste into a bug report
  revenue-mcp --help | --version

Options:
  --demo        point every source at in-process simulators with seeded data; no credentials needed
  --http [PORT] serve over HTTP instead of stdio
  --host HOST   address to bind (default 127.0.0.1); a non-loopback host requires MCP_HTTP_TOKEN
  --stateless   Streamable HTTP without sessions: a fresh server and transport per request
  --json        machine-readable output for 'tools' and 'call'
  --no-cache    do not read or write the on-disk cache of closed days (same as REVENUE_CACHE=off)
  --tools LIST  list only these tools or sources, comma-separated (e.g. ofd,get_sale); overrides
                REVENUE_TOOLS. Sources: lifepos, ofd, market, posiflora
  --all-tools   also list tools whose source is not configured (by default they are hidden, unless
                no source is configured at all)

Configuration is read from environment variables only (see README, "Configuration"):
  LIFEPOS_TOKEN | LIFEPOS_PHONE + LIFEPOS_PASSWORD, LIFEPOS_ORG_GUID    LIFE POS
  OFD_TOKEN (new API; wins) | OFD_YANDEX_KEY + OFD_KEY (legacy)      Yandex OFD
  MARKET_API_KEY | MARKET_OAUTH_TOKEN, MARKET_BUSINESS_ID, MARKET_CAMPAIGN_ID   Yandex Market
  POSIFLORA_URL | POSIFLORA_ACCOUNT, POSIFLORA_USERNAME, POSIFLORA_PASSWORD      Posiflora
  MCP_HTTP_TOKEN (bearer token for --http), REVENUE_TZ (default Europe/Moscow), LOG_LEVEL,
  REVENUE_TOOLS (same as --tools)
A variable left empty or as a <…> placeholder counts as unset.

Exit codes: 0 ok, 1 the tool reported an error, 2 usage or configuration error.
`;

class UsageError extends Error {
  override name = 'UsageError';
}

interface Cli {
  command: 'serve' | 'tools' | 'call' | 'config' | 'probe' | 'help' | 'version';
  demo: boolean;
  noCache: boolean;
  tools?: string;
  allTools: boolean;
  http?: number;
  host: string;
  stateless: boolean;
  json: boolean;
  tool?: string;
  args?: Record<string, unknown>;
  source?: SourceName;
}

function parseCli(argv: string[]): Cli {
  // `--http` takes an optional port: normalise "--http 3000" to "--http=3000" for parseArgs.
  const normalised: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--http') {
      const next = argv[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        normalised.push(`--http=${next}`);
        i++;
      } else normalised.push('--http=3000');
    } else normalised.push(a);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: normalised,
      allowPositionals: true,
      options: {
        demo: { type: 'boolean', default: false },
        stdio: { type: 'boolean', default: false },
        http: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        stateless: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'no-cache': { type: 'boolean', default: false },
        tools: { type: 'string' },
        'all-tools': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const base = { demo: values.demo, host: values.host, stateless: values.stateless, json: values.json, noCache: values['no-cache'], tools: values.tools, allTools: values['all-tools'] };
  if (values.help) return { command: 'help', ...base };
  if (values.version) return { command: 'version', ...base };
  const [first, second, third, ...rest] = positionals;
  if (first === 'tools') {
    if (second !== undefined) throw new UsageError(`'tools' takes no argument (got ${second})`);
    return { command: 'tools', ...base };
  }
  if (first === 'config') {
    if (second !== 'claude' || third !== undefined) throw new UsageError(`'config' takes one argument, the client: revenue-mcp config claude [--demo]`);
    return { command: 'config', ...base };
  }
  if (first === 'call') {
    if (!second) throw new UsageError(`'call' needs a tool name: revenue-mcp call TOOL '{"period":"yesterday"}'`);
    if (rest.length > 0) throw new UsageError(`'call' takes TOOL and one JSON argument; quote the JSON (got extra: ${rest.join(' ')})`);
    let args: unknown = {};
    if (third !== undefined) {
      try {
        args = JSON.parse(third);
      } catch {
        throw new UsageError(`the arguments of 'call' must be one JSON object, e.g. '{"period":"last_week"}' (got ${third})`);
      }
      if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new UsageError(`the arguments of 'call' must be a JSON object (got ${third})`);
    }
    return { command: 'call', tool: second, args: args as Record<string, unknown>, ...base };
  }
  if (first === 'probe') {
    const sources = Object.keys(SOURCE_LABEL);
    if (second === undefined || !sources.includes(second) || third !== undefined) throw new UsageError(`'probe' takes one source (${sources.join(', ')}): revenue-mcp probe ofd`);
    return { command: 'probe', source: second as SourceName, ...base };
  }
  if (first !== undefined) throw new UsageError(`unknown command '${first}'`);
  let http: number | undefined;
  if (values.http !== undefined) {
    http = Number(values.http);
    if (!Number.isInteger(http) || http < 0 || http > 65535) throw new UsageError(`--http needs a port 0-65535 (got ${values.http})`);
  }
  if (values.stateless && http === undefined) throw new UsageError('--stateless applies to --http only');
  return { command: 'serve', http, ...base };
}

/** In demo mode the simulators' addresses and demo credentials override the environment. */
async function prepare(cli: Cli, catalog: readonly CatalogEntry[]): Promise<{ config: Config; close(): Promise<void> }> {
  let env: Record<string, string | undefined> = process.env;
  let stopSims = async () => {};
  if (cli.demo) {
    // Loaded only in demo mode: a production server carries no simulator code.
    const { startDemoSims } = await import('./sim/demo.js');
    // `call` starts only the simulator its tool reads (a tool without a declared source gets them all).
    const source = cli.command === 'call' ? catalog.find((t) => t.name === cli.tool)?.source : undefined;
    // REVENUE_DEMO_OFD=legacy: the legacy-key simulator answers for Yandex OFD (no token in the demo env).
    const demoOfd = process.env.REVENUE_DEMO_OFD?.trim().toLowerCase() || 'token';
    if (demoOfd !== 'token' && demoOfd !== 'legacy') {
      throw new ConfigError([`REVENUE_DEMO_OFD is "${process.env.REVENUE_DEMO_OFD!.trim().slice(0, 40)}"; it chooses the demo's Yandex OFD API: "token" (the default) or "legacy", e.g. REVENUE_DEMO_OFD=legacy`]);
    }
    const legacyOfd = demoOfd === 'legacy';
    const demo = await startDemoSims(source ? [legacyOfd && source === 'ofd' ? 'ofd-legacy' : source] : undefined);
    // Demo data is made up afresh each run: its cache lives and dies with the process.
    const demoCache = await mkdtemp(join(tmpdir(), 'revenue-mcp-demo-'));
    env = { ...process.env, ...demo.env, REVENUE_CACHE_DIR: demoCache };
    if (legacyOfd) delete env.OFD_TOKEN;
    stopSims = async () => {
      await demo.close();
      await rm(demoCache, { recursive: true, force: true });
    };
    log('info', `demo mode: ${demo.sims.map((s) => `${s.source} at ${s.server.url}`).join(', ') || 'no simulators'}`);
  }
  if (cli.noCache) env = { ...env, REVENUE_CACHE: 'off' };
  const { config, problems } = readConfig(env);
  if (cli.tools !== undefined) config.tools.only = cli.tools.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
  config.tools.all = cli.allTools;
  problems.push(...unknownToolNames(config.tools.only ?? [], cli.tools !== undefined ? '--tools' : 'REVENUE_TOOLS', catalog));
  if (problems.length > 0) {
    await stopSims();
    throw new ConfigError(problems);
  }
  setLogLevel(config.logLevel);
  if (config.unset.length > 0) log('warning', `treated as unset (empty or a <…> placeholder): ${config.unset.join(', ')}`);
  return { config, close: stopSims };
}

/** Run tools through a real MCP client over an in-memory pair, so 'call' sees exactly what a client sees. */
async function withClient<T>(runtime: Runtime, catalog: readonly CatalogEntry[], fn: (client: Client) => Promise<T>, onLoaded = () => {}): Promise<T> {
  // Loaded here, not at start-up: serving on stdio needs neither the SDK client nor the in-memory pair.
  const [{ Client }, { InMemoryTransport }, { buildServer }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/inMemory.js'),
    import('./server.js'),
  ]);
  onLoaded();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = buildServer(runtime, catalog);
  await server.connect(serverSide);
  const client = new Client({ name: 'revenue-mcp-cli', version: PACKAGE.version });
  await client.connect(clientSide);
  try {
    return await fn(client);
  } finally {
    await client.close();
    await server.close();
  }
}

async function main(argv: string[]): Promise<number> {
  // Start-up phases in ms since the process started (performance.now()), logged at debug level for `call`.
  const loaded = performance.now();
  const cli = parseCli(argv);
  if (cli.command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (cli.command === 'version') {
    process.stdout.write(`${PACKAGE.version}\n`);
    return 0;
  }
  if (cli.command === 'config') {
    const entry = fileURLToPath(import.meta.url);
    process.stdout.write(claudeDesktopConfig({ demo: cli.demo, node: process.execPath, main: entry }));
    process.stderr.write(claudeDesktopNotes(entry));
    return 0;
  }
  const catalog = await toolCatalog();
  const { config, close: stopSims } = await prepare(cli, catalog);
  const prepared = performance.now();
  const selection = selectTools(config, catalog);
  if (cli.command === 'tools') {
    // The server's own tools/list answer under this configuration (src/catalog.ts), without starting one.
    try {
      const list = { tools: selection.listed.map((t) => t.tool) };
      if (cli.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      else for (const t of list.tools) process.stdout.write(`${t.name}  —  ${t.title ?? ''}\n    ${(t.description ?? '').split('\n')[0]}\n`);
      for (const why of selection.hidden.values()) process.stderr.write(`${why}\n`);
      return 0;
    } finally {
      await stopSims();
    }
  }
  const { Runtime } = await import('./runtime.js');
  const runtime = new Runtime(config);
  try {
    if (cli.command === 'probe') {
      const { probeReport } = await import('../tools/check_sources.js');
      const report = await probeReport(runtime, cli.source!);
      process.stdout.write(report.text);
      return report.ok ? 0 : 1;
    }
    if (cli.command === 'call') {
      const name = cli.tool!;
      if (!catalog.some((t) => t.name === name)) {
        const names = catalog.map((t) => t.name);
        const guess = closest(name, names);
        throw new UsageError(`unknown tool '${name}'.${guess ? ` Did you mean '${guess}'?` : ''} Tools: ${names.join(', ')}`);
      }
      const hidden = selection.hidden.get(name);
      if (hidden) throw new ConfigError([hidden]);
      // Tools may legitimately run long (a Market report wait up to 600 s): progress resets the timeout,
      // and on a terminal it is shown on stderr.
      let serverLoaded = 0;
      const result = await withClient(runtime, catalog, (c) =>
        c.callTool({ name, arguments: cli.args }, undefined, {
          timeout: 120_000,
          maxTotalTimeout: 15 * 60_000,
          resetTimeoutOnProgress: true,
          onprogress: (p) => {
            if (process.stderr.isTTY) process.stderr.write(`… ${p.message ?? `${p.progress}${p.total ? `/${p.total}` : ''}`}\n`);
          },
        }),
        () => (serverLoaded = performance.now()),
      );
      const text = (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');
      const answered = performance.now();
      log('debug', `phases (ms): modules ${loaded.toFixed(0)}, config and simulators ${(prepared - loaded).toFixed(0)}, server modules ${(serverLoaded - prepared).toFixed(0)}, client and the call ${(answered - serverLoaded).toFixed(0)}`);
      if (result.isError) {
        process.stderr.write(`${text}\n`);
        return 1;
      }
      process.stdout.write(cli.json ? `${JSON.stringify(result.structuredContent, null, 2)}\n` : `${text}\n`);
      return 0;
    }
    if (cli.http !== undefined) {
      // express and the HTTP transports load only for --http.
      const { serveHttp } = await import('./transports/http.js');
      const handle = await serveHttp(runtime, catalog, {
        port: cli.http,
        host: cli.host,
        stateless: cli.stateless,
        token: runtime.config.httpToken,
        allowedHosts: runtime.config.allowedHosts,
        allowedOrigins: runtime.config.allowedOrigins,
        sessionIdleMs: runtime.config.sessionIdleMs,
        limits: runtime.config.serving,
      });
      // A line a person (or a test) can read to find the address; logs stay on stderr.
      process.stderr.write(`revenue-mcp listening: ${handle.url}/mcp\n`);
      if (cli.demo) {
        process.stderr.write(
          `Connect a client to ${handle.url}/mcp (Streamable HTTP) or ${handle.url}/sse (legacy SSE); e.g. npx @modelcontextprotocol/inspector\n`,
        );
      }
      await waitForSignal();
      await handle.close();
      return 0;
    }
    if (cli.demo) {
      process.stderr.write('revenue-mcp demo on stdio: start it from an MCP client (see README, "Claude Desktop"), or use --http 3000.\n');
    }
    const { serveStdio } = await import('./transports/stdio.js');
    await serveStdio(runtime, catalog);
    return 0;
  } finally {
    await runtime.close();
    await stopSims();
  }
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/**
 * Exit once stdout and stderr have drained: to a pipe they are asynchronous, and exiting at once cut
 * `tools --json` / `call --json` at the pipe's 64 KiB buffer while still reporting success.
 */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exitAfterFlush, (err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`revenue-mcp: ${err.message}\nRun 'revenue-mcp --help' for usage.\n`);
    return exitAfterFlush(2);
  }
  // BindRefused (transports/http.ts) is matched by name so that module loads only for --http.
  if (err instanceof ConfigError || (err instanceof Error && err.name === 'BindRefused')) {
    process.stderr.write(`revenue-mcp: ${err.message}\n`);
    return exitAfterFlush(2);
  }
  process.stderr.write(`revenue-mcp: ${err instanceof Error ? err.message : String(err)}\n`);
  exitAfterFlush(1);
});
