import { connectStdio, type StdioSession } from '../helpers/mcp.js';
import { startPosifloraSim, type PosifloraSimOptions, type StartedPosifloraSim } from '../../src/sim/posiflora/index.js';

/** A simulator plus the built server pointed at it over stdio, with a real MCP client. */
export interface Rig {
  pf: StartedPosifloraSim;
  mcp: StdioSession;
  call(args: Record<string, unknown>): Promise<{ isError?: boolean; text: string; structured: any }>;
  close(): Promise<void>;
}

export async function rig(options: PosifloraSimOptions = {}, env: Record<string, string> = {}): Promise<Rig> {
  const pf = await startPosifloraSim({ count: 20_000, endDate: '2026-06-30', ...options });
  const mcp = await connectStdio({ env: { ...pf.env, REVENUE_TZ: 'Europe/Moscow', POSIFLORA_RPS: '200', LOG_LEVEL: 'info', HTTP_RETRIES: '1', HTTP_BACKOFF_MS: '20', ...env } });
  return {
    pf,
    mcp,
    async call(args) {
      const res = (await mcp.client.callTool({ name: 'list_posiflora_orders', arguments: args })) as { isError?: boolean; content: Array<{ text?: string }>; structuredContent?: unknown };
      return { isError: res.isError, text: res.content.map((c) => c.text ?? '').join('\n'), structured: res.structuredContent };
    },
    async close() {
      await mcp.close();
      await pf.close();
    },
  };
}

/** GET /v1/orders requests the simulator saw, as plain query objects. */
export function orderRequests(pf: StartedPosifloraSim): Array<Record<string, string>> {
  return pf.server.requests.filter((r) => r.method === 'GET' && r.path === '/v1/orders').map((r) => Object.fromEntries(r.query));
}
