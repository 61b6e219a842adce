import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';
import type { McpUiHostContext } from '@modelcontextprotocol/ext-apps/app-bridge';
import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * A minimal MCP Apps host page for the browser tests and the render benchmark: embeds the dashboard HTML in a
 * sandboxed iframe and speaks to it through the extension's own AppBridge, as Claude or any host would.
 * tools/call from the view goes to `hostCallTool`, a function the Node side exposes and answers through a
 * real MCP client connected to the demo server.
 */

declare global {
  interface Window {
    hostCallTool(params: CallToolRequest['params']): Promise<CallToolResult>;
    hostModelContext(params: unknown): Promise<void>;
    startHost(html: string, context: McpUiHostContext): Promise<void>;
    showResult(args: Record<string, unknown>, result: CallToolResult): Promise<void>;
    setHostContext(context: McpUiHostContext): void;
    bridge: AppBridge;
  }
}

window.startHost = async (html, context) => {
  const iframe = document.createElement('iframe');
  iframe.setAttribute('sandbox', 'allow-scripts');
  iframe.title = 'revenue dashboard';
  iframe.srcdoc = html;
  document.body.appendChild(iframe);
  const bridge = new AppBridge(
    null,
    { name: 'revenue-mcp-test-host', version: '1.0.0' },
    { serverTools: {}, updateModelContext: { text: {} }, logging: {} },
    { hostContext: context },
  );
  bridge.oncalltool = (params) => window.hostCallTool(params);
  bridge.onupdatemodelcontext = async (params) => {
    await window.hostModelContext(params);
    return {};
  };
  bridge.onsizechange = ({ height }) => {
    if (height) iframe.style.height = `${height}px`;
  };
  const initialized = new Promise<void>((resolve) => (bridge.oninitialized = () => resolve()));
  await bridge.connect(new PostMessageTransport(iframe.contentWindow!, iframe.contentWindow!));
  await initialized;
  window.bridge = bridge;
};

window.showResult = async (args, result) => {
  await window.bridge.sendToolInput({ arguments: args });
  await window.bridge.sendToolResult(result);
};

window.setHostContext = (context) => window.bridge.setHostContext(context);
