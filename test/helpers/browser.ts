import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { build } from 'esbuild';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';

/**
 * Headless Chromium (the system's: never downloaded) with a small MCP Apps host page around the dashboard.
 * Shared by the browser tests and the render benchmark.
 */

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium; undefined when neither exists. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

export const CHROMIUM_MISSING =
  'browser tests skipped: Chromium not found — install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set CHROMIUM_PATH';

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'app'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('project root not found');
    dir = up;
  }
  return dir;
}

/** test/browser/host.ts bundled for the page (AppBridge with its zod/SDK dependencies), once per process. */
let hostBundle: Promise<string> | undefined;
function hostScript(): Promise<string> {
  hostBundle ??= bundleHost();
  return hostBundle;
}

async function bundleHost(): Promise<string> {
  const out = await build({
    entryPoints: [join(projectRoot(), 'test/browser/host.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text.replace(/<\/script/gi, '<\\/script');
}

export interface HostOptions {
  theme?: 'light' | 'dark';
  width?: number;
  /** Answers the view's tools/call (through a real MCP client in the tests). */
  callTool?(params: CallToolRequest['params']): Promise<CallToolResult>;
}

export interface HostPage {
  page: Page;
  /** The dashboard's iframe. */
  app: Frame;
  consoleErrors: string[];
  /** Every request the page or the app tried to make (none is allowed out: each is aborted). */
  requests: string[];
  toolCalls: Array<CallToolRequest['params']>;
  modelContext: unknown[];
  show(args: Record<string, unknown>, result: unknown): Promise<void>;
  close(): Promise<void>;
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** One headless Chromium with a fresh profile; open a host page per test with `openHost`. */
export async function launchChromium(): Promise<Chromium> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(CHROMIUM_MISSING);
  const profile = mkdtempSync(join(tmpdir(), 'revenue-mcp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    // The profile directory is passed as --user-data-dir: fresh for every launch.
    args: CHROMIUM_FLAGS,
    viewport: { width: 900, height: 700 },
    deviceScaleFactor: 1,
    offline: true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function openHost(browser: Chromium, html: string, options: HostOptions = {}): Promise<HostPage> {
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  const toolCalls: Array<CallToolRequest['params']> = [];
  const modelContext: unknown[] = [];
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: options.width ?? 900, height: 700 });
  await page.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
  // WebSockets bypass page.route: record and refuse them too (test/browser/no-network.test.ts proves both).
  await page.routeWebSocket(/.*/, (ws) => {
    requests.push(ws.url());
    return ws.close({ code: 1008, reason: 'no network in the dashboard' });
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.exposeFunction('hostCallTool', async (params: CallToolRequest['params']) => {
    toolCalls.push(params);
    if (!options.callTool) throw new Error('this host has no server');
    return options.callTool(params);
  });
  await page.exposeFunction('hostModelContext', async (params: unknown) => {
    modelContext.push(params);
  });
  const theme = options.theme ?? 'light';
  await page.setContent(
    `<!doctype html><html><head><meta charset="utf-8"><style>
      body { margin: 0; background: ${theme === 'dark' ? '#111214' : '#eef0f3'}; padding: 16px; }
      iframe { border: 0; width: 100%; height: 420px; display: block; border-radius: 10px; }
    </style></head><body><script type="module">${await hostScript()}</script></body></html>`,
  );
  await page.waitForFunction(() => typeof (globalThis as unknown as { startHost?: unknown }).startHost === 'function');
  await page.evaluate(
    ([h, t]) => (globalThis as unknown as { startHost(html: string, ctx: object): Promise<void> }).startHost(h, { theme: t, locale: 'ru-RU', displayMode: 'inline' }),
    [html, theme] as const,
  );
  const app = page.frames().find((f) => f !== page.mainFrame());
  if (!app) throw new Error('the dashboard iframe did not load');
  return {
    page,
    app,
    consoleErrors,
    requests,
    toolCalls,
    modelContext,
    show: (args, result) =>
      page.evaluate(
        ([a, r]) => (globalThis as unknown as { showResult(a: unknown, r: unknown): Promise<void> }).showResult(a, r),
        [args, result] as const,
      ),
    close: () => page.close(),
  };
}
