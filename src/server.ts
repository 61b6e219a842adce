import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ListToolsRequestSchema, type CallToolResult, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { CatalogEntry, CatalogResource } from './catalog.js';
import { SOURCE_LABEL } from './config.js';
import { DASHBOARD_TOOLS, registerDashboard } from './dashboard.js';
import { checkInput } from './input-errors.js';
import { log, withLogSink, type LogLevel } from './log.js';
import { PACKAGE } from './meta.js';
import { registerPrompts } from './prompts.js';
import type { Runtime } from './runtime.js';
import { redact } from './secret.js';
import type { ToolContext, ToolSpec } from './tool.js';
import { selectTools } from './toolset.js';
import { loadTool } from '../tools/index.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * What the SDK checks arguments against: anything passes, so that runTool checks them against the tool's
 * own schema and answers in words (the SDK would answer with zod's text). The published inputSchema is
 * the tool's own (see the tools/list handler below).
 */
const ANY_ARGUMENTS = z.looseObject({});

/**
 * Builds an McpServer with the tools the configuration selects (src/toolset.ts) from the catalog
 * (src/catalog.ts), their resources and the prompts. No I/O of its own. A tool's module loads when the tool
 * is first called or its resource is first listed or read (tools/index.ts); preloadTools loads them ahead.
 */
export function buildServer(runtime: Runtime, catalog: readonly CatalogEntry[]): McpServer {
  const tools = selectTools(runtime.config, catalog).listed;
  const server = new McpServer(
    { name: PACKAGE.name, version: PACKAGE.version, title: 'Revenue for Russian small retail' },
    {
      capabilities: { logging: {} },
      instructions:
        'Revenue figures from LIFE POS, Yandex OFD, Yandex Market and Posiflora, exact to the kopeck. ' +
        'Prefer named periods (yesterday, last_week, last_month …). Amounts are exact rouble strings; null means not reported, never 0.',
    },
  );
  const registered = tools.map((entry) => {
    // No outputSchema for the SDK: runTool checks every result against the tool's own (outputProblem).
    const handle = server.registerTool(
      entry.name,
      { title: entry.tool.title, description: entry.tool.description, inputSchema: ANY_ARGUMENTS, annotations: entry.tool.annotations },
      ((args: unknown, extra: Extra) => runTool(entry, args, extra, runtime, server)) as never,
    );
    for (const resource of entry.resources ?? []) registerToolResource(server, runtime, entry.name, resource);
    return { entry, handle };
  });
  if (registered.length > 0) keepProtoArgument(server);
  // The SDK would publish ANY_ARGUMENTS: publish the tools' own schemas, compacted, as the catalog holds them.
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: registered.filter(({ handle }) => handle.enabled).map(({ entry }) => entry.tool),
  }));
  // The dashboard is offered when a tool it draws is.
  if (tools.some((t) => DASHBOARD_TOOLS.has(t.name))) registerDashboard(server);
  registerPrompts(server, runtime, tools.map((t) => t.name));
  return server;
}

/** Load the modules of the tools a server built with this configuration lists, so that no call waits for one. */
export async function preloadTools(runtime: Runtime, catalog: readonly CatalogEntry[]): Promise<void> {
  await Promise.all(selectTools(runtime.config, catalog).listed.map((entry) => loadTool(entry.name)));
}

/** A tool's resource, registered from the catalog; listing or reading it loads the tool's module. */
function registerToolResource(server: McpServer, runtime: Runtime, toolName: string, declared: CatalogResource): void {
  const resource = async () => {
    const found = (await loadTool(toolName)).resources?.find((r) => r.name === declared.name);
    if (!found) throw new Error(`${toolName} no longer offers the resource ${declared.name}: rebuild (npm run build)`);
    return found;
  };
  if (!declared.template) {
    server.registerResource(declared.name, declared.uri, declared.metadata, async (uri) => (await resource()).read(uri, {}, runtime));
    return;
  }
  const list = declared.list ? async () => ({ resources: (await resource()).list!(runtime) }) : undefined;
  server.registerResource(declared.name, new ResourceTemplate(declared.uri, { list }), declared.metadata, async (uri, variables) =>
    (await resource()).read(uri, variables, runtime),
  );
}

/**
 * Calls whose arguments had an own `__proto__` key. The SDK's request schema drops that key before any tool
 * sees the arguments (a record never copies it), so a call with it would pass as if it were not there;
 * runTool puts it back so that it is refused as an unknown argument, like any other.
 */
const PROTO_ARGUMENT = new WeakMap<object, unknown>();

/** Wrap the SDK's tools/call handler to note a `__proto__` argument from the raw request before it is parsed away. */
function keepProtoArgument(server: McpServer): void {
  type Handler = (request: { params?: { arguments?: unknown } }, extra: object) => Promise<unknown>;
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers;
  const sdkCall = handlers?.get('tools/call');
  if (!handlers || !sdkCall) throw new Error('the MCP SDK no longer keeps its tools/call handler where revenue-mcp wraps it');
  handlers.set('tools/call', (request, extra) => {
    const args = request.params?.arguments;
    if (args !== null && typeof args === 'object' && Object.hasOwn(args, '__proto__')) PROTO_ARGUMENT.set(extra, (args as Record<string, unknown>)['__proto__']);
    return sdkCall(request, extra);
  });
}

/** The arguments as sent: with a `__proto__` key noted by keepProtoArgument put back as an own property. */
function argumentsAsSent(args: unknown, extra: Extra): unknown {
  if (!PROTO_ARGUMENT.has(extra) || args === null || typeof args !== 'object') return args;
  const copy = { ...(args as Record<string, unknown>) };
  Object.defineProperty(copy, '__proto__', { value: PROTO_ARGUMENT.get(extra), enumerable: true, configurable: true, writable: true });
  return copy;
}

/**
 * A result that does not fit the tool's output schema comes from an upstream value beyond reason (a count of
 * 2^53 or more, say): the SDK would have refused it with "invalid params", blaming the caller. Say what it is.
 */
function outputProblem(spec: ToolSpec, structured: unknown): string | undefined {
  const checked = spec.output.safeParse(structured);
  if (checked.success) return undefined;
  const issue = checked.error.issues[0]!;
  const field = issue.path.map(String).join('.') || 'result';
  let value: unknown = structured;
  for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  const shown = (JSON.stringify(value) ?? String(value)).slice(0, 40);
  log('error', `${spec.name}: result field ${field} = ${shown} does not fit the output schema (${issue.code})`);
  const source = spec.source ? SOURCE_LABEL[spec.source] : 'the upstream';
  return `${source} sent a value that cannot be reported (${field} = ${shown}, beyond any plausible figure, e.g. a count of 2^53 or more); no figures were given rather than wrong ones. Try again later; if it repeats, the upstream's data needs checking.`;
}

/** The SDK keeps each session's logging/setLevel choice; honour it for notifications tied to a request. */
function loggingIgnored(server: McpServer, level: LogLevel, sessionId: string | undefined): boolean {
  const check = (server.server as unknown as { isMessageIgnored?: (l: LogLevel, s?: string) => boolean }).isMessageIgnored;
  return typeof check === 'function' ? check.call(server.server, level, sessionId) : false;
}

async function runTool(entry: CatalogEntry, args: unknown, extra: Extra, runtime: Runtime, server: McpServer): Promise<CallToolResult> {
  // The tool's module loads with its first call, and so does the wording of errors (it brings decimal.js).
  const [spec, { errorResult }] = await Promise.all([loadTool(entry.name), import('./errors.js')]);
  const checked = checkInput(spec.input, entry.tool.inputSchema, argumentsAsSent(args, extra));
  if (!checked.ok) {
    return { isError: true, content: [{ type: 'text', text: redact(checked.problems.join('\n')) }] };
  }
  if (spec.source) {
    const missing = runtime.missing(spec.source);
    if (missing) return { isError: true, content: [{ type: 'text', text: missing }] };
  }
  const notify = (level: LogLevel, message: string) => {
    if (loggingIgnored(server, level, extra.sessionId)) return;
    extra
      .sendNotification({ method: 'notifications/message', params: { level, logger: PACKAGE.name, data: message } })
      .catch(() => undefined);
  };
  const token = extra._meta?.progressToken;
  const ctx: ToolContext = {
    runtime,
    // A shutdown ends the call too, with an answer (a cancelled request gets none).
    signal: AbortSignal.any([extra.signal, runtime.stopping]),
    log,
    progress: async (progress, total, message) => {
      if (token === undefined) return;
      await extra
        .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total, message } })
        .catch(() => undefined);
    },
  };
  const started = Date.now();
  try {
    const out = await withLogSink(notify, () => spec.run(checked.value as never, ctx));
    log('debug', `${spec.name} answered in ${Date.now() - started} ms`);
    // Checked as the tool made it, then as it is sent (what the SDK checked when it held the output schema).
    const made = outputProblem(spec, out.structured);
    if (made) return { isError: true, content: [{ type: 'text', text: redact(made) }] };
    const structuredContent = JSON.parse(redact(JSON.stringify(out.structured))) as Record<string, unknown>;
    const sent = outputProblem(spec, structuredContent);
    if (sent) return { isError: true, content: [{ type: 'text', text: redact(sent) }] };
    return {
      content: [
        { type: 'text', text: redact(out.text) },
        ...(out.links ?? []).map((link) => ({ type: 'resource_link' as const, ...link })),
      ],
      structuredContent,
    };
  } catch (err) {
    log('info', `${spec.name} failed after ${Date.now() - started} ms`);
    return errorResult(runtime.stopping.aborted && !extra.signal.aborted ? runtime.stopping.reason : err, spec.name);
  }
}
