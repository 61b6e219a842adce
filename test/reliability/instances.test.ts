import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Redis } from 'ioredis';
import { busiestWindow } from '../helpers/arrivals.js';
import { startHttpServer, MAIN, textOf, type HttpServerProcess } from '../helpers/mcp.js';

/**
 * Three server processes behind one upstream share its limit through a real redis-server: the upstream
 * (the LIFE POS simulator, which answers 429 beyond its limit) never sees more than the limit in any sliding
 * second, nobody is throttled, and together they still use the whole limit. Then Redis goes away mid-run:
 * every call still succeeds, each instance says in /readyz that it runs on its share, and it rejoins Redis
 * when Redis is back.
 */

const LIMIT = 6;
const INSTANCES = 3;
const CALLS = 48;
/** The simulator stamps arrivals in a process of its own, whose event-loop lag is this rig's network jitter. */
const MARGIN_MS = 60;

const redisServer = ['redis-server', '/usr/bin/redis-server', '/usr/sbin/redis-server'].find((p) => spawnSync(p, ['--version']).status === 0);
if (!redisServer) {
  if (process.env.CI === 'true') throw new Error('redis-server is missing: .ci/run installs the Debian package redis-server');
  console.log('instances.test.ts skipped: no redis-server (apt-get install -y redis-server)');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** redis-server on 127.0.0.1:port, nothing written to disk; resolves once it accepts connections. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(redisServer!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${out}`)));
  });
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * The LIFE POS simulator (built, from dist/) in a process of its own, so that the arrival times it stamps are
 * not delayed by the MCP clients of this test process.
 */
interface SimProcess {
  env: Record<string, string>;
  sales: string[];
  /** Arrival times of every request so far, and how many were answered 429 for coming over the limit. */
  log(): Promise<{ arrivals: number[]; throttled: number }>;
  /** The next request is answered 429 with `Retry-After: seconds` (an upstream that pauses a caller). */
  refuseNext(seconds: number): Promise<void>;
  close(): Promise<void>;
}

async function startSim(rps: number): Promise<SimProcess> {
  const sims = new URL('../../dist/src/sim/lifepos/index.js', `file://${MAIN}`).href;
  const code = `
    const { startLifeposSim } = await import(${JSON.stringify(sims)});
    const sim = await startLifeposSim({ rps: ${rps} });
    const org = sim.orgs[0].guid;
    process.send({ env: { ...sim.env('token'), LIFEPOS_ORG_GUID: org }, sales: sim.sales.filter((s) => s.org_guid === org).map((s) => s.guid) });
    process.on('message', (m) => {
      if (m.refuseFor) sim.server.inject({ kind: 'status', status: 429, headers: { 'retry-after': String(m.refuseFor) }, body: { code: 'TooManyRequests', message: 'slow down' } });
      process.send({ arrivals: sim.server.requests.map((r) => r.at), throttled: sim.state.throttled });
    });
    process.on('disconnect', () => process.exit(0));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const first = (await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (c) => reject(new Error(`the simulator exited with ${c}`)));
  })) as { env: Record<string, string>; sales: string[] };
  const ask = (message: object) =>
    new Promise<{ arrivals: number[]; throttled: number }>((resolve) => {
      child.once('message', (m) => resolve(m as { arrivals: number[]; throttled: number }));
      child.send(message);
    });
  return {
    ...first,
    log: () => ask({}),
    refuseNext: async (seconds) => void (await ask({ refuseFor: seconds })),
    close: async () => {
      if (child.exitCode === null) child.kill();
    },
  };
}

interface LimitsState {
  mode: string;
  redis: string | null;
  instances: number;
}

interface Readiness {
  limits: LimitsState;
  sources: { lifepos: { paused_until: string | null } };
}

async function readyz(server: HttpServerProcess): Promise<Readiness> {
  return (await (await fetch(`${server.url}/readyz`)).json()) as Readiness;
}

async function limitsOf(server: HttpServerProcess): Promise<LimitsState> {
  return (await readyz(server)).limits;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How often an instance said it runs on its share (a warning logged once a minute, not per attempt). */
const fallbackWarnings = (stderr: string) => stderr.match(/shared limits: Redis at \S+ unreachable since/g)?.length ?? 0;

async function waitForMode(server: HttpServerProcess, mode: string, withinMs: number): Promise<LimitsState> {
  const until = Date.now() + withinMs;
  for (;;) {
    const limits = await limitsOf(server);
    if (limits.mode === mode || Date.now() > until) return limits;
    await sleep(100);
  }
}

describe.skipIf(!redisServer)('several instances share limits through Redis', () => {
  let redisPort = 0;
  let redis: ChildProcess | undefined;
  let sim: SimProcess;
  const servers: HttpServerProcess[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    sim = await startSim(LIMIT);
    const env = {
      ...sim.env,
      LIFEPOS_RPS: String(LIMIT),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REVENUE_INSTANCES: String(INSTANCES),
      HTTP_RATE_MARGIN_MS: String(MARGIN_MS),
      LOG_LEVEL: 'warning',
    };
    // One after the other: three Node start-ups at once on a loaded machine can take longer than the helper waits.
    for (let i = 0; i < INSTANCES; i++) servers.push(await startHttpServer({ env }));
    for (const server of servers) {
      const client = new Client({ name: 'revenue-mcp-instances-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
      clients.push(client);
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(servers.map((s) => s.stop()));
    await sim?.close();
    if (redis) await stopRedis(redis);
  });

  /** `count` get_sale calls spread round-robin over the instances, all at once; the results in order. */
  function calls(count: number, offset: number): Array<Promise<unknown>> {
    return Array.from({ length: count }, (_, i) =>
      clients[i % clients.length]!.callTool({ name: 'get_sale', arguments: { deal_guid: sim.sales[(offset + i) % sim.sales.length]! } }),
    );
  }

  function expectAllOk(results: unknown[]): void {
    for (const result of results) expect((result as { isError?: boolean }).isError, textOf(result)).toBeFalsy();
  }

  it('48 calls over three instances: never over the limit in any sliding second, never throttled, the whole limit used', async () => {
    for (const server of servers) expect((await waitForMode(server, 'shared', 10_000)).mode).toBe('shared');
    // One call each first: connections to the simulator and the limiters in Redis are set up before the clock runs.
    expectAllOk(await Promise.all(clients.map((client, i) => client.callTool({ name: 'get_sale', arguments: { deal_guid: sim.sales[i]! } }))));
    await sleep(1200);
    const before = (await sim.log()).arrivals.length;
    const started = Date.now();
    const results = await Promise.all(calls(CALLS, INSTANCES));
    const answered = Date.now();
    expectAllOk(results);

    const { arrivals, throttled } = await sim.log();
    const requests = arrivals.slice(before).sort((a, b) => a - b);
    const busiest = busiestWindow(requests, 1000);
    // The limit governs arrivals at the upstream, so it bounds the time from the first arrival to the last: n
    // requests at LIMIT per second need at least (n - 1) / LIMIT seconds. Before the first arrival and after the
    // last, the time is the calls' own latency (MCP round trip, tool, simulator answer), which no limit sets.
    const spanMs = requests.at(-1)! - requests[0]!;
    const boundMs = ((requests.length - 1) / LIMIT) * 1000;
    console.log(
      `instances: ${CALLS} calls, ${requests.length} upstream requests over ${INSTANCES} instances at ${LIMIT}/s: ` +
        `most in one sliding second ${busiest}, throttled ${throttled}; first to last arrival ${(spanMs / 1000).toFixed(2)} s ` +
        `vs lower bound ${(boundMs / 1000).toFixed(2)} s (${((spanMs / boundMs - 1) * 100).toFixed(1)} % over); ` +
        `first call to first arrival ${requests[0]! - started} ms, last arrival to last answer ${answered - requests.at(-1)!} ms`,
    );
    expect(requests.length).toBeGreaterThanOrEqual(CALLS);
    expect(busiest, servers.map((s) => s.stderr()).join('\n')).toBeLessThanOrEqual(LIMIT);
    expect(throttled).toBe(0);
    const gaps = requests.slice(1).map((t, i) => t - requests[i]!);
    expect(spanMs, `gaps between arrivals (ms): ${gaps.join(' ')}`).toBeLessThanOrEqual(boundMs * 1.15);
  }, 60_000);

  it('Redis keys are named by source and a hash of the credentials, never a secret', async () => {
    const reader = new Redis(redisPort, '127.0.0.1', { lazyConnect: true });
    await reader.connect();
    const keys = await reader.keys('*');
    await reader.quit();
    expect(keys.length).toBeGreaterThan(0);
    // bottleneck prefixes its own keys with b_ and suffixes them; ours (pauses) are bare.
    for (const key of keys) expect(key).toMatch(/^(b_)?revenue-mcp:lifepos:[0-9a-f]{16}:/);
    expect(new Set(keys.map((k) => /lifepos:([0-9a-f]{16})/.exec(k)![1])).size).toBe(1);
    for (const value of Object.values(sim.env).filter((v) => v.length >= 8)) expect(keys.join('\n')).not.toContain(value);
  });

  it('Redis stopped mid-run: no call fails, each instance reports its share in /readyz, and rejoins when Redis is back', async () => {
    const before = (await sim.log()).arrivals.length;
    const running = calls(24, CALLS);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await stopRedis(redis!);
    const results = await Promise.all(running);
    expectAllOk(results);
    for (const server of servers) {
      const limits = await waitForMode(server, 'fallback', 5000);
      expect(limits).toMatchObject({ mode: 'fallback', redis: `127.0.0.1:${redisPort}`, instances: INSTANCES });
    }
    expect(servers.map((s) => s.stderr()).join('\n')).toMatch(/Redis at 127\.0\.0\.1:\d+ unreachable since .*1\/3/);

    // Calls made entirely in fallback still succeed, at each instance's share; check_sources says so too.
    expectAllOk(await Promise.all(calls(12, CALLS + 24)));
    const check = (await clients[0]!.callTool({ name: 'check_sources', arguments: {} })) as { structuredContent?: { sources: Array<{ source: string; limiter: { shared: { mode: string; note: string } } }> } };
    const lifepos = check.structuredContent!.sources.find((s) => s.source === 'lifepos')!;
    expect(lifepos.limiter.shared).toMatchObject({ mode: 'fallback', note: expect.stringMatching(/unreachable since .*1\/3 of every limit/) });
    // Reconnection is tried every 250 ms, the warning logged once (a minute).
    for (const server of servers) expect(fallbackWarnings(server.stderr())).toBe(1);

    redis = await startRedis(redisPort);
    for (const server of servers) expect((await waitForMode(server, 'shared', 10_000)).mode).toBe('shared');
    expectAllOk(await Promise.all(calls(12, CALLS + 36)));

    const { arrivals, throttled } = await sim.log();
    const requests = arrivals.slice(before);
    const busiest = busiestWindow(requests, 1000);
    console.log(`instances: Redis stopped and restarted during ${requests.length} requests: most in one sliding second ${busiest}, throttled ${throttled}`);
    expect(busiest).toBeLessThanOrEqual(LIMIT);
    expect(throttled).toBe(0);
  }, 60_000);

  it('a 429 with Retry-After met by one instance pauses the source on every instance', async () => {
    for (const server of servers) expect((await waitForMode(server, 'shared', 10_000)).mode).toBe('shared');
    await sleep(1200);
    const before = (await sim.log()).arrivals.length;
    await sim.refuseNext(3);
    const refused = clients[0]!.callTool({ name: 'get_sale', arguments: { deal_guid: sim.sales[0]! } });
    while ((await sim.log()).arrivals.length === before) await sleep(50);
    await sleep(300);
    const pausedUntil = await Promise.all(servers.map(async (server) => (await readyz(server)).sources.lifepos.paused_until));
    // The other instances adopted the very moment the first one set.
    expect(pausedUntil[0]).not.toBeNull();
    expect(new Set(pausedUntil).size, pausedUntil.join(' ')).toBe(1);
    const others = await Promise.all([clients[1]!, clients[2]!].map((client, i) => client.callTool({ name: 'get_sale', arguments: { deal_guid: sim.sales[i + 1]! } })));
    expectAllOk([await refused, ...others]);
    const { arrivals } = await sim.log();
    const after = arrivals.slice(before + 1);
    expect(after).toHaveLength(3);
    for (const at of after) expect(at).toBeGreaterThanOrEqual(Date.parse(pausedUntil[0]!));
  }, 30_000);

  it('Redis unreachable at start: the instance serves on its share, says so in /readyz and check_sources, and warns once', async () => {
    const server = await startHttpServer({ env: { ...sim.env, LIFEPOS_RPS: String(LIMIT), REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REVENUE_INSTANCES: String(INSTANCES), LOG_LEVEL: 'warning' } });
    const client = new Client({ name: 'revenue-mcp-instances-test', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
      expectAllOk(await Promise.all(sim.sales.slice(0, 4).map((deal_guid) => client.callTool({ name: 'get_sale', arguments: { deal_guid } }))));
      expect(await waitForMode(server, 'fallback', 5000)).toMatchObject({ mode: 'fallback', instances: INSTANCES });
      const check = (await client.callTool({ name: 'check_sources', arguments: {} })) as { structuredContent?: { sources: Array<{ source: string; limiter: { shared: { mode: string } } }> } };
      expect(check.structuredContent!.sources.find((s) => s.source === 'lifepos')!.limiter.shared.mode).toBe('fallback');
      await sleep(1500);
      expect(fallbackWarnings(server.stderr()), server.stderr()).toBe(1);
    } finally {
      await client.close();
      await server.stop();
    }
  }, 30_000);
});
