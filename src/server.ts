import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ListToolsRequestSchema, type CallToolResult, type ServerNotification, type ServerRequest, type Tool, type ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { SOURCE_LABEL } from './config.js';
import { DASHBOARD_TOOLS, dashboardMeta, registerDashboard } from './dashboard.js';
import { errorResult } from './errors.js';
import { checkInput } from './input-errors.js';
import { log, withLogSink, type LogLevel } from './log.js';
import { PACKAGE } from './meta.js';
import { registerPrompts } from './prompts.js';
import type { Runtime } from './runtime.js';
import { publishedInput, publishedOutput } from './schema.js';
import { redact } from './secret.js';
import type { ToolContext, ToolSpec } from './tool.js';
import { selectTools } from './toolset.js';
import { TOOLS } from '../tools/index.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * What the SDK checks arguments against: anything passes, so that runTool checks them against the tool's
 * own schema and answers in words (the SDK would answer with zod's text). The published inputSchema is
 * the tool's own (see the tools/list handler below).
 */
const ANY_ARGUMENTS = z.looseObject({});

/** idempotentHint and destructiveHint mean something only for tools that change things (MCP spec). */
function publishedAnnotations({ idempotentHint, destructiveHint, ...rest }: ToolAnnotations): ToolAnnotations {
  return rest.readOnlyHint ? rest : { ...rest, idempotentHint, destructiveHint };
}

/** A tool as tools/list publishes it, built once per tool (the compaction walks the whole schema). */
const PUBLISHED = new WeakMap<ToolSpec, Tool>();
export function published(spec: ToolSpec): Tool {
  let tool = PUBLISHED.get(spec);
  if (!tool) {
    const meta = dashboardMeta(spec.name);
    tool = {
      name: spec.name,
      title: spec.title,
      description: spec.description,
      inputSchema: publishedInput(spec.input) as Tool['inputSchema'],
      outputSchema: publishedOutput(spec.output) as Tool['outputSchema'],
      annotations: publishedAnnotations(spec.annotations),
      ...(meta ? { _meta: meta } : {}),
    };
    PUBLISHED.set(spec, tool);
  }
  return tool;
}

/** Builds an McpServer with the selected tools (src/toolset.ts) and the prompts registered. No I/O of its own. */
export function buildServer(runtime: Runtime, tools: readonly ToolSpec[] = selectTools(runtime.config, TOOLS).listed): McpServer {
  const server = new McpServer(
    { name: PACKAGE.name, version: PACKAGE.version, title: 'Revenue for Russian small retail' },
    {
      capabilities: { logging: {} },
      instructions:
        'Revenue figures from LIFE POS, Yandex OFD, Yandex Market and Posiflora, exact to the kopeck. ' +
        'Prefer named periods (yesterday, last_week, last_month …). Amounts are exact rouble strings; null means not reported, never 0.',
    },
  );
  const registered = tools.map((spec) => {
    const handle = server.registerTool(
      spec.name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema: ANY_ARGUMENTS,
        // The SDK checks every structuredContent against this before it leaves the server.
        outputSchema: spec.output,
        annotations: { title: spec.title, ...spec.annotations },
      },
      ((args: unknown, extra: Extra) => runTool(spec, args, extra, runtime, server)) as never,
    );
    spec.setup?.(server, runtime);
    return { spec, handle };
  });
  if (registered.length > 0) keepProtoArgument(server);
  // The SDK would publish ANY_ARGUMENTS and zod's verbose output schemas: publish the tools' own, compacted.
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: registered.filter(({ handle }) => handle.enabled).map(({ spec }) => published(spec)),
  }));
  // The dashboard is offered when a tool it draws is.
  if (tools.some((t) => DASHBOARD_TOOLS.has(t.name))) registerDashboard(server);
  registerPrompts(server, runtime, tools.map((t) => t.name));
  return server;
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
 * A result that does not fit the tool's outputSchema comes from an upstream value beyond reason (a count of
 * 2^53 or more, say): the SDK would refuse it with "invalid params", blaming the caller. Say what it is.
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

async function runTool(spec: ToolSpec, args: unknown, extra: Extra, runtime: Runtime, server: McpServer): Promise<CallToolResult> {
  const checked = checkInput(spec.input, published(spec).inputSchema, argumentsAsSent(args, extra));
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
    const unfit = outputProblem(spec, out.structured);
    if (unfit) return { isError: true, content: [{ type: 'text', text: redact(unfit) }] };
    return {
      content: [
        { type: 'text', text: redact(out.text) },
        ...(out.links ?? []).map((link) => ({ type: 'resource_link' as const, ...link })),
      ],
      structuredContent: JSON.parse(redact(JSON.stringify(out.structured))) as Record<string, unknown>,
    };
  } catch (err) {
    log('info', `${spec.name} failed after ${Date.now() - started} ms`);
    return errorResult(runtime.stopping.aborted && !extra.signal.aborted ? runtime.stopping.reason : err, spec.name);
  }
}
