import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, SOURCE_LABEL, type SourceName } from '../src/config.js';
import { momentText } from '../src/http/gate.js';
import type { LimiterState } from '../src/http/upstream.js';
import type { LimitsState } from '../src/http/cluster.js';
import type { AccessCheck } from '../src/probe.js';
import type { Runtime } from '../src/runtime.js';
import { redact } from '../src/secret.js';
import { defineTool, type ToolResource } from '../src/tool.js';
import { checkLifepos, probeLifepos } from '../src/sources/lifepos/probe.js';
import { checkMarket, probeMarket } from '../src/sources/market/probe.js';
import { ReportCache } from '../src/sources/market/report-cache.js';
import { checkOfdLegacy } from '../src/sources/ofd/probe.js';
import { checkOfdPublic, probeOfd } from '../src/sources/ofd-public/probe.js';
import { checkPosiflora, probePosiflora } from '../src/sources/posiflora/probe.js';
import { choices, flag } from './inputs.js';

/**
 * check_sources: the first thing to run after setup. Every source at once, each within one deadline: is it
 * configured (which variables are missing), do its credentials work (one cheap authenticated call, timed),
 * which API answers, what its limiter and cache hold. `deep` adds each source's probe (src/sources/<x>/
 * probe.ts): the undocumented assumptions a cheap call can settle, as a redacted report for a bug report.
 * The same report without probes is the resource revenue://sources; `revenue-mcp probe SOURCE` prints one
 * source's probe.
 */

const SOURCES = Object.keys(SOURCE_LABEL) as [SourceName, ...SourceName[]];
const CHECK_DEADLINE_MS = 20_000;
const DEEP_DEADLINE_MS = 90_000;
export const SOURCES_URI = 'revenue://sources';

const input = z.strictObject({
  sources: choices(SOURCES).optional().describe('Default all.'),
  deep: flag().optional().describe('true: also probe undocumented API details (5–20 requests per source); a redacted report to paste into a bug report.'),
});

const verdicts = ['valid', 'rejected', 'unknown', 'not_configured'] as const;
const sourceOut = z.object({
  source: z.enum(SOURCES),
  name: z.string(),
  configured: z.boolean(),
  missing: z.array(z.string()),
  api: z.string().nullable(),
  credentials: z.enum(verdicts),
  message: z.string(),
  latency_ms: z.number().int().nullable(),
  limiter: z.object({
    queued: z.number().int(),
    running: z.number().int(),
    paused_until: z.string().nullable(),
    method_pauses: z.record(z.string(), z.string()),
    shared: z.object({ mode: z.string(), note: z.string() }),
  }),
  cache: z.string(),
  probe: z.array(z.string()).optional(),
});
const output = z.object({ checked_at: z.string(), deadline_seconds: z.number(), ok: z.number().int(), sources: z.array(sourceOut) });
type SourceOut = z.infer<typeof sourceOut>;

const CHECKS: Record<SourceName, (runtime: Runtime, signal: AbortSignal) => Promise<AccessCheck>> = {
  lifepos: checkLifepos,
  ofd: (runtime, signal) => (runtime.config.ofd.api === 'public' ? checkOfdPublic(runtime, signal) : checkOfdLegacy(runtime, signal)),
  market: checkMarket,
  posiflora: checkPosiflora,
};

const PROBES: Record<SourceName, (runtime: Runtime, signal: AbortSignal) => Promise<string[]>> = {
  lifepos: probeLifepos,
  ofd: async (runtime, signal) =>
    runtime.config.ofd.api === 'public'
      ? (await probeOfd(runtime, signal)).trimEnd().split('\n').slice(1)
      : ['nothing to probe: the legacy API is documented (the new token API, OFD_TOKEN, has a probe)'],
  market: probeMarket,
  posiflora: probePosiflora,
};

/** `fn` under its own deadline: its signal aborts at the deadline, and the answer never waits past it. */
async function withDeadline<T>(ms: number, outer: AbortSignal, fn: (signal: AbortSignal) => Promise<T>, late: () => T): Promise<T> {
  const timer = AbortSignal.timeout(ms);
  const signal = AbortSignal.any([outer, timer]);
  let stop: NodeJS.Timeout | undefined;
  const expired = new Promise<T>((resolve) => (stop = setTimeout(() => resolve(late()), ms + 500)));
  try {
    return await Promise.race([fn(signal).catch((err: unknown) => (timer.aborted ? late() : Promise.reject(err))), expired]);
  } finally {
    clearTimeout(stop);
  }
}

/** Where every source's limits live: this process only, shared over Redis, or this instance's share without it. */
function sharedOut(l: LimitsState): SourceOut['limiter']['shared'] {
  if (l.mode === 'local') return { mode: 'local', note: 'limits kept in this process' };
  if (l.mode === 'shared') return { mode: 'shared', note: `shared with the other instances over Redis at ${l.redis}` };
  return { mode: 'fallback', note: `Redis at ${l.redis} unreachable since ${l.since}${l.error ? ` (${l.error})` : ''}: this instance keeps 1/${l.instances} of every limit until it returns` };
}

function limiterOut(state: LimiterState | undefined, limits: LimitsState): SourceOut['limiter'] {
  const now = Date.now();
  const at = (ms: number) => (ms > now ? new Date(ms).toISOString() : null);
  const shared = sharedOut(limits);
  if (!state) return { queued: 0, running: 0, paused_until: null, method_pauses: {}, shared };
  return {
    queued: state.queued,
    running: state.running,
    paused_until: at(state.pausedUntil),
    method_pauses: Object.fromEntries(Object.entries(state.methodPauses).map(([k, v]) => [k, new Date(v).toISOString()])),
    shared,
  };
}

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.')).length;
}

/** What each source keeps between calls. */
async function cacheState(runtime: Runtime, source: SourceName): Promise<string> {
  const { cache, ofd } = runtime.config;
  if (source === 'ofd') {
    if (ofd.api === 'legacy') return 'none (the legacy API answers a period in one request)';
    if (!cache.enabled) return 'off (REVENUE_CACHE=off or --no-cache): every question fetches every day';
    const n = await countFiles(join(cache.dir, 'ofd-public'));
    return `on disk: days older than ${ofd.cacheSettleDays} days are kept; ${n} day entr${n === 1 ? 'y' : 'ies'} stored`;
  }
  if (source === 'market') {
    const reports = runtime.shared('market:report-cache', () => new ReportCache()).list();
    return `${reports.length} parsed report${reports.length === 1 ? '' : 's'} in memory (each kept up to 60 min)${reports.length ? `: ${[...new Set(reports.map((r) => r.type ?? 'unknown type'))].join(', ')}` : ''}`;
  }
  if (source === 'lifepos') return 'none (answers are live; the organization list is kept 10 min)';
  return 'none (answers are live; the store list is kept 5 min)';
}

async function checkOne(runtime: Runtime, source: SourceName, deep: boolean, outer: AbortSignal): Promise<SourceOut> {
  const missing = runtime.config[source].missing;
  const base = { source, name: SOURCE_LABEL[source], missing, configured: missing.length === 0 };
  const upstreamState = () => runtime.upstreams().find((u) => u.source === source)?.state();
  if (missing.length > 0) {
    return { ...base, api: null, credentials: 'not_configured', message: runtime.missing(source)!, latency_ms: null, limiter: limiterOut(upstreamState(), runtime.limitsState()), cache: await cacheState(runtime, source) };
  }
  const seconds = Math.round(CHECK_DEADLINE_MS / 1000);
  const started = Date.now();
  const check = await withDeadline(CHECK_DEADLINE_MS, outer, (signal) => CHECKS[source](runtime, signal), (): AccessCheck => ({
    credentials: 'unknown',
    api: '',
    message: `${SOURCE_LABEL[source]} did not answer within ${seconds} s; check the network and the base URL, then try again.`,
  }));
  const latency = Date.now() - started;
  let probe: string[] | undefined;
  if (deep) {
    probe =
      check.credentials === 'valid'
        ? await withDeadline(DEEP_DEADLINE_MS, outer, (signal) => PROBES[source](runtime, signal), () => [`stopped: the probe took longer than ${DEEP_DEADLINE_MS / 1000} s`]).catch((err: unknown) => [
            `stopped: ${err instanceof Error ? err.message : String(err)}`,
          ])
        : ['skipped: the credentials do not work'];
    probe = probe.map((line) => redact(line));
  }
  return {
    ...base,
    api: check.api || null,
    credentials: check.credentials,
    message: check.message,
    latency_ms: check.credentials === 'unknown' && !check.api ? null : latency,
    limiter: limiterOut(upstreamState(), runtime.limitsState()),
    cache: await cacheState(runtime, source),
    ...(probe ? { probe } : {}),
  };
}

/** Every asked source in parallel; each answers within its deadline, whatever the others do. */
export async function checkSources(runtime: Runtime, sources: readonly SourceName[], deep: boolean, signal: AbortSignal): Promise<z.infer<typeof output>> {
  const list = await Promise.all(sources.map((s) => checkOne(runtime, s, deep, signal)));
  return {
    checked_at: runtime.now().toISOString(),
    deadline_seconds: (deep ? CHECK_DEADLINE_MS + DEEP_DEADLINE_MS : CHECK_DEADLINE_MS) / 1000,
    ok: list.filter((s) => s.credentials === 'valid').length,
    sources: list,
  };
}

const HEADLINE: Record<SourceOut['credentials'], string> = {
  valid: 'OK',
  rejected: 'CREDENTIALS REJECTED',
  unknown: 'NOT CHECKED',
  not_configured: 'NOT CONFIGURED',
};

function limiterText(l: SourceOut['limiter']): string {
  const parts = [l.queued || l.running ? `${l.queued} queued, ${l.running} running` : 'idle'];
  // state().pausedUntil is the latest of every pause: name the source only when no method pause explains it.
  if (l.paused_until && !Object.values(l.method_pauses).includes(l.paused_until)) parts.push(`paused until ${momentText(Date.parse(l.paused_until))}`);
  for (const [key, until] of Object.entries(l.method_pauses)) parts.push(`${key} paused until ${momentText(Date.parse(until))}`);
  if (l.shared.mode !== 'local') parts.push(`${l.shared.mode}: ${l.shared.note}`);
  return parts.join('; ');
}

export function reportText(report: z.infer<typeof output>): string {
  const lines = [`Sources checked (${report.ok} of ${report.sources.length} working; each within ${report.deadline_seconds} s):`];
  for (const s of report.sources) {
    const how = s.configured ? ` [${[s.api, s.latency_ms === null ? null : `${s.latency_ms} ms`].filter(Boolean).join(', ')}]` : '';
    lines.push(`- **${s.name}** — ${HEADLINE[s.credentials]}: ${s.message}${how}`);
    if (s.configured) lines.push(`  limiter: ${limiterText(s.limiter)}; cache: ${s.cache}`);
  }
  const todo = report.sources.filter((s) => s.credentials !== 'valid');
  lines.push(todo.length === 0 ? 'Every source answers; the other tools can be used.' : `To fix: ${todo.map((s) => s.name).join(', ')} (see each line). Sources that work can be used meanwhile.`);
  for (const s of report.sources.filter((x) => x.probe)) {
    lines.push('', `Probe of ${s.name} (redacted: shapes, key sets, verdicts; no amounts, names or secrets):`, '```', ...s.probe!, '```');
  }
  return lines.join('\n');
}

/**
 * `revenue-mcp probe SOURCE`: that source's check and probe, as a redacted report to paste into a bug
 * report; `ok` is false when the credentials did not work.
 */
export async function probeReport(runtime: Runtime, source: SourceName): Promise<{ text: string; ok: boolean }> {
  const missing = runtime.config[source].missing;
  if (missing.length > 0) throw new ConfigError([`probe ${source} needs ${SOURCE_LABEL[source]} configured: set ${missing.join(', ')}`]);
  const [s] = (await checkSources(runtime, [source], true, runtime.stopping)).sources;
  const lines = [
    `revenue-mcp probe ${source} — redacted report (shapes, key sets, verdicts; no amounts, names or secrets)`,
    `check: ${HEADLINE[s!.credentials]} — ${s!.message} [${s!.api ?? 'no answer'}]`,
    ...(s!.probe ?? []),
  ];
  return { text: `${redact(lines.join('\n'))}\n`, ok: s!.credentials === 'valid' };
}

const sourceStatus: ToolResource = {
  name: 'sources',
  uri: SOURCES_URI,
  metadata: { title: 'Source status', description: 'Every source: configured or not, credentials checked live, latency, limiter and cache state (JSON).', mimeType: 'application/json' },
  async read(uri, _variables, runtime) {
    const report = await checkSources(runtime, SOURCES, false, runtime.stopping);
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: redact(JSON.stringify(report)) }] };
  },
};

export default defineTool({
  name: 'check_sources',
  title: 'Check sources',
  description:
    'Use for checking the sources, first after setup or when a tool fails: configured or not (missing env vars), credentials ' +
    'valid (one live call each, timed), which API, limiter and cache state. deep: probes undocumented API details. Example: {"deep":false}',
  input,
  output,
  annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: true },
  alwaysListed: true,
  async run(args, ctx) {
    const report = await checkSources(ctx.runtime, args.sources?.length ? args.sources : SOURCES, args.deep ?? false, ctx.signal);
    return { text: reportText(report), structured: report };
  },
  resources: [sourceStatus],
});
