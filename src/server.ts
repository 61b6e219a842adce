import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { TOOLS } from '../tools/index.js';
import { errorResult } from './errors.js';
import { log, withLogSink, type LogLevel } from './log.js';
import { PACKAGE } from './meta.js';
import { registerPrompts } from './prompts.js';
import type { Runtime } from './runtime.js';
import { redact } from './secret.js';
import type { ToolContext, ToolSpec } from './tool.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Builds an McpServer with every tool of tools/index.ts and the prompts registered. No I/O of its own. */
export function buildServer(runtime: Runtime, tools: readonly ToolSpec[] = TOOLS): McpServer {
  const server = new McpServer(
    { name: PACKAGE.name, version: PACKAGE.version, title: 'Revenue for Russian small retail' },
    {
      capabilities: { logging: {} },
      instructions:
        'Revenue figures from LIFE POS, Yandex OFD, Yandex Market and Posiflora, exact to the kopeck. ' +
        'Prefer named periods (yesterday, last_week, last_month …); amounts are roubles.',
    },
  );
  for (const spec of tools) {
    server.registerTool(
      spec.name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema: spec.input,
        outputSchema: spec.output,
        annotations: { title: spec.title, ...spec.annotations },
      },
      ((args: unknown, extra: Extra) => runTool(spec, args, extra, runtime, server)) as never,
    );
    spec.setup?.(server, runtime);
  }
  registerPrompts(server, runtime);
  return server;
}

/** The SDK keeps each session's logging/setLevel choice; honour it for notifications tied to a request. */
function loggingIgnored(server: McpServer, level: LogLevel, sessionId: string | undefined): boolean {
  const check = (server.server as unknown as { isMessageIgnored?: (l: LogLevel, s?: string) => boolean }).isMessageIgnored;
  return typeof check === 'function' ? check.call(server.server, level, sessionId) : false;
}

async function runTool(spec: ToolSpec, args: unknown, extra: Extra, runtime: Runtime, server: McpServer): Promise<CallToolResult> {
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
    const out = await withLogSink(notify, () => spec.run(args as never, ctx));
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
