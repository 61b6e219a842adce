import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimServer, header, type SimReply, type SimRequest } from '../../src/sim/framework.js';
import { connectStdio, runCli, textOf } from '../helpers/mcp.js';

/**
 * Credentials never leave the process: an upstream that echoes every credential it receives back in its
 * error bodies (the worst case) must not get them into tool results, MCP log notifications, stderr or
 * CLI output, even at LOG_LEVEL=debug and through retries.
 */

const SECRETS = {
  OFD_YANDEX_KEY: 'yk-secret-4242-aaaa',
  OFD_KEY: 'ofd-secret-4242-bbbb',
  MCP_HTTP_TOKEN: 'http-secret-4242-cccc',
};
const ECHOED = ['x-yandex-key', 'x-ofd-key', 'authorization', 'api-key'];

describe('no secret value appears in any output', () => {
  let calls = 0;
  const echo: SimServer = new SimServer({
    name: 'echo',
    routes: [],
    before: (req: SimRequest): SimReply => {
      calls += 1;
      const seen = ECHOED.map((h) => `${h}=${header(req, h) ?? ''}`).join(' ');
      // First a 503 carrying the secrets (retried, logged), then a 401 carrying them.
      const status = calls % 2 === 1 ? 503 : 401;
      return { status, body: { code: 1, message: `rejected: ${seen}`, echo: seen, request: req.text } };
    },
  });
  let base = '';
  beforeAll(async () => {
    base = await echo.start();
  });
  afterAll(() => echo.close());

  const env = () => ({ ...SECRETS, OFD_BASE_URL: base, LOG_LEVEL: 'debug', HTTP_BACKOFF_MS: '20' });

  it('over stdio: tool results, log notifications and stderr', async () => {
    const s = await connectStdio({ env: env() });
    const logs: string[] = [];
    s.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(JSON.stringify(n.params));
    });
    try {
      const res = await s.client.callTool({ name: 'get_sales_aggregation', arguments: { period: 'last_week' } });
      expect(res.isError).toBe(true);
      // the upstream's message did come through, scrubbed
      const everything = [JSON.stringify(res), ...logs, s.stderr()].join('\n');
      expect(echo.requests.length).toBeGreaterThan(0);
      // the upstream really received (and echoed) the secrets
      expect(echo.requests.some((r) => r.headers['x-yandex-key'] === SECRETS.OFD_YANDEX_KEY)).toBe(true);
      for (const value of Object.values(SECRETS)) expect(everything).not.toContain(value);
      expect(textOf(res).length).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });

  it('through the CLI', async () => {
    const res = await runCli(['call', 'get_sales_aggregation', '{"period":"yesterday"}'], env());
    expect(res.code).toBe(1);
    for (const value of Object.values(SECRETS)) {
      expect(res.stdout).not.toContain(value);
      expect(res.stderr).not.toContain(value);
    }
  });
});
