import type {
  McpUiHostCapabilities,
  McpUiHostContext,
  McpUiInitializeRequest,
  McpUiInitializeResult,
  McpUiToolInputNotification,
  McpUiToolResultNotification,
  McpUiUpdateModelContextRequest,
} from '@modelcontextprotocol/ext-apps';
import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * The view's side of MCP Apps (protocol 2026-01-26): JSON-RPC 2.0 over postMessage with the host window.
 * The extension's own `App` class speaks the same protocol but bundles zod and the SDK's schemas (about
 * 250 KB minified), over the dashboard's 150 KB budget; this speaks only the messages the dashboard uses,
 * typed against the extension's spec types and tested against its real host-side AppBridge.
 */

export const PROTOCOL_VERSION = '2026-01-26';

type Pending = { resolve(v: unknown): void; reject(e: Error): void };

export interface HostEvents {
  toolInput(params: McpUiToolInputNotification['params']): void;
  toolResult(params: McpUiToolResultNotification['params']): void;
  hostContext(context: McpUiHostContext): void;
  teardown(): void;
}

export class HostConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  capabilities: McpUiHostCapabilities = {};

  constructor(
    private readonly events: HostEvents,
    private readonly host: Window = window.parent,
  ) {
    window.addEventListener('message', (e) => {
      if (e.source !== this.host) return;
      this.receive(e.data);
    });
  }

  async connect(appInfo: { name: string; version: string }): Promise<McpUiInitializeResult> {
    const params: McpUiInitializeRequest['params'] = { appInfo, appCapabilities: {}, protocolVersion: PROTOCOL_VERSION };
    const result = (await this.request('ui/initialize', params)) as McpUiInitializeResult;
    this.capabilities = result.hostCapabilities ?? {};
    if (result.hostContext) this.events.hostContext(result.hostContext);
    this.notify('ui/notifications/initialized', {});
    return result;
  }

  /** tools/call on the MCP server, proxied by the host (needs the host's serverTools capability). */
  callServerTool(params: CallToolRequest['params']): Promise<CallToolResult> {
    return this.request('tools/call', params) as Promise<CallToolResult>;
  }

  /** Tell the model what the user did here, for its next turn (needs updateModelContext). */
  updateModelContext(params: McpUiUpdateModelContextRequest['params']): Promise<unknown> {
    return this.request('ui/update-model-context', params);
  }

  sizeChanged(width: number, height: number): void {
    this.notify('ui/notifications/size-changed', { width, height });
  }

  private request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.host.postMessage({ jsonrpc: '2.0', id, method, params }, '*');
    });
  }

  private notify(method: string, params: unknown): void {
    this.host.postMessage({ jsonrpc: '2.0', method, params }, '*');
  }

  private receive(msg: unknown): void {
    if (typeof msg !== 'object' || msg === null || (msg as { jsonrpc?: unknown }).jsonrpc !== '2.0') return;
    const m = msg as { id?: number | string; method?: string; params?: unknown; result?: unknown; error?: { message?: string } };
    if (m.method === undefined && typeof m.id === 'number') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error.message ?? 'host error'));
      else p.resolve(m.result);
      return;
    }
    const params = (m.params ?? {}) as never;
    switch (m.method) {
      case 'ui/notifications/tool-input':
        return this.events.toolInput(params);
      case 'ui/notifications/tool-result':
        return this.events.toolResult(params);
      case 'ui/notifications/host-context-changed':
        return this.events.hostContext(params);
      case 'ui/resource-teardown':
        this.events.teardown();
        return this.reply(m.id, {});
      case 'ping':
        return this.reply(m.id, {});
      default:
        if (m.id !== undefined) this.host.postMessage({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: `Method not found: ${m.method}` } }, '*');
    }
  }

  private reply(id: number | string | undefined, result: unknown): void {
    if (id !== undefined) this.host.postMessage({ jsonrpc: '2.0', id, result }, '*');
  }
}
