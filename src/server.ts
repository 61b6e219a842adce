import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ListToolsRequestSchema, type CallToolResult, type ServerNotification, type ServerRequest, type Tool, type ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
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
function published(spec: ToolSpec): Tool {
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
export function buildServer(runtime: Runtime, tools: readonly ToolSpec[] = selectTools(runtime.config).listed): McpServer {
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
  // The SDK would publish ANY_ARGUMENTS and zod's verbose output schemas: publish the tools' own, compacted.
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: registered.filter(({ handle }) => handle.enabled).map(({ spec }) => published(spec)),
  }));
  // The dashboard is offered when a tool it draws is.
  if (tools.some((t) => DASHBOARD_TOOLS.has(t.name))) registerDashboard(server);
  registerPrompts(server, runtime, tools.map((t) => t.name));
  return server;
}

/** The SDK keeps each session's logging/setLevel choice; honour it for notifications tied to a request. */
function loggingIgnored(server: McpServer, level: LogLevel, sessionId: string | undefined): boolean {
  const check = (server.server as unknown as { isMessageIgnored?: (l: LogLevel, s?: string) => boolean }).isMessageIgnored;
  return typeof check === 'function' ? check.call(server.server, level, sessionId) : false;
}

async function runTool(spec: ToolSpec, args: unknown, extra: Extra, runtime: Runtime, server: McpServer): Promise<CallToolResult> {
  const checked = checkInput(spec.input, published(spec).inputSchema, args);
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
