import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { z } from 'zod';
import { SOURCE_LABEL, type SourceName } from './config.js';
import { log } from './log.js';
import { NAMED_PERIODS, type NamedPeriod } from './period.js';
import type { Runtime } from './runtime.js';

/**
 * Prompts: the usual questions as ready requests (slash commands in Claude Desktop, fixed first messages
 * for agent pipelines). Each names only the listed tools whose source is configured, so the assistant
 * spends no call on a tool it cannot see. Tools added later (revenue_overview, list_sales) are named when
 * they are listed. Arguments complete (completion/complete) with period names, configured sources, and
 * the names the sources themselves give: Posiflora stores and Yandex OFD retail points, fetched on first
 * use, kept briefly, and no suggestions at all when a source cannot answer. LIFE POS documents no outlet
 * directory (outlets arrive as bare guids), so it has no names to offer.
 */

const SOURCES = Object.keys(SOURCE_LABEL) as SourceName[];
/** How long suggestions fetched from a source (or the failure to fetch them) are reused. */
const NAMES_TTL_MS = 60_000;
/** A completion never waits longer than this for a source. */
const NAMES_WAIT_MS = 3_000;
/** The protocol's cap on completion values. */
const MAX_VALUES = 100;

type Args = { period?: string; source?: string; store?: string; retail_point?: string };

/** Upstream names as data: control characters out, bounded. */
const cleanName = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80);

/** Names from one source, reused for NAMES_TTL_MS (failures too: no login storm while a user types). */
class Names {
  #entry: { at: number; value: Promise<string[]> } | undefined;
  constructor(private readonly fetch: (signal: AbortSignal) => Promise<string[]>) {}

  get(): Promise<string[]> {
    if (!this.#entry || Date.now() - this.#entry.at > NAMES_TTL_MS) {
      const signal = AbortSignal.timeout(NAMES_WAIT_MS);
      const value = this.fetch(signal).then(
        (names) => [...new Set(names.map(cleanName).filter(Boolean))].sort((a, b) => a.localeCompare(b, 'ru')),
        (err: unknown) => {
          log('debug', `completion: no suggestions (${err instanceof Error ? err.message : String(err)})`);
          return [];
        },
      );
      this.#entry = { at: Date.now(), value };
    }
    return this.#entry.value;
  }
}

/**
 * An optional string argument with completions. The SDK (1.32) enables completion/complete when the inner
 * schema of an optional argument is completable, but answers with the completer of the argument's own
 * schema: both carry it.
 */
function optionalArgument(description: string, complete: (value: string | undefined) => string[] | Promise<string[]>) {
  return completable(completable(z.string(), complete).optional().describe(description), complete);
}

function matching(values: readonly string[], typed: string | undefined): string[] {
  const t = (typed ?? '').trim().toLowerCase();
  const starts = values.filter((v) => v.toLowerCase().startsWith(t));
  const contains = values.filter((v) => !starts.includes(v) && v.toLowerCase().includes(t));
  return [...starts, ...contains].slice(0, MAX_VALUES);
}

const shown = (v: string | undefined) => (v?.trim() ? v.trim().slice(0, 100) : undefined);

/** A named period, or the prompt's default when the value is empty or unknown. */
function periodOf(value: string | undefined, fallback: NamedPeriod): { name: NamedPeriod; note: string } {
  const v = value?.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if (!v) return { name: fallback, note: '' };
  if ((NAMED_PERIODS as readonly string[]).includes(v)) return { name: v as NamedPeriod, note: '' };
  return { name: fallback, note: ` ("${shown(value)}" is not a named period, so ${fallback} is used; named periods: ${NAMED_PERIODS.join(', ')})` };
}

interface Context {
  runtime: Runtime;
  listed: readonly string[];
}

const has = (c: Context, tool: string) => c.listed.includes(tool);
const configured = (c: Context, s: SourceName) => !c.runtime.missing(s);
const call = (tool: string, args: Record<string, unknown>) => `${tool} ${JSON.stringify(args)}`;

/** The sources a prompt covers: the one asked for (when configured), else every configured one. */
function chosenSources(c: Context, source: string | undefined, among: readonly SourceName[]): { sources: SourceName[]; note: string } {
  const all = among.filter((s) => configured(c, s));
  const asked = source?.trim().toLowerCase();
  if (!asked) return { sources: all, note: '' };
  const hit = SOURCES.find((s) => s === asked || SOURCE_LABEL[s].toLowerCase() === asked);
  if (hit && all.includes(hit)) return { sources: [hit], note: '' };
  return { sources: all, note: ` ("${shown(source)}" is not a configured source here, so every configured one is used)` };
}

/** The message, or what to tell the user when nothing the prompt needs is available. */
function message(c: Context, steps: string[], needed: readonly SourceName[], body: (steps: string) => string) {
  let text: string;
  if (!needed.some((s) => configured(c, s))) {
    text = `None of the sources this needs (${needed.map((s) => SOURCE_LABEL[s]).join(', ')}) is configured on this server. ` +
      `${has(c, 'check_sources') ? 'Call check_sources {} and explain' : 'Explain'} which environment variables to set (the README, "Configuration").`;
  } else if (steps.length === 0) {
    text = `The tools this needs are not enabled on this server: REVENUE_TOOLS or --tools leaves them out. Tell me so, and that adding them there enables it.`;
  } else {
    text = body(steps.map((s, i) => `${i + 1}. ${s}`).join('\n'));
  }
  return { messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }] };
}

const SEPARATE = 'Quote figures exactly as the tools give them, in roubles. Never add figures of different sources together as one total (a POS sale is also a fiscal receipt). ';
const ON_ERROR = 'If a tool returns an error, say which source failed and why, and go on with the others.';

/** One step per source for a period: the tool that answers for it, with the filters the user gave. */
function sourceSteps(c: Context, sources: readonly SourceName[], period: NamedPeriod, a: { store?: string; retailPoint?: string; refunds?: boolean }): string[] {
  const steps: string[] = [];
  for (const s of sources) {
    if (s === 'lifepos' && has(c, 'get_revenue_widget')) steps.push(`${call('get_revenue_widget', { period })} — LIFE POS payments, refunds, net and growth vs the previous period`);
    if (s === 'lifepos' && a.refunds && has(c, 'list_sales')) steps.push(`${call('list_sales', { period, sort: 'largest' })} — LIFE POS sales; then get_sale {"deal_guid":…} for the largest refunded ones`);
    if (s === 'ofd' && has(c, 'get_sales_aggregation')) {
      const args = { period, ...(a.retailPoint ? { retail_point_ids: [a.retailPoint] } : {}), ...(a.refunds ? { interval: 'day' } : {}) };
      steps.push(`${call('get_sales_aggregation', args)} — Yandex OFD fiscal sales, refunds and receipts, change vs the previous period${a.refunds ? ', per day' : ''}`);
    }
    if (s === 'posiflora' && has(c, 'list_posiflora_orders')) {
      const args = a.refunds ? { period, statuses: ['returned', 'canceled'], limit: 10, sort: 'largest' } : { period, limit: 0, ...(a.store ? { stores: [a.store] } : {}) };
      steps.push(`${call('list_posiflora_orders', args)} — Posiflora orders${a.refunds ? ' returned or cancelled, largest first' : ' by status: totals, paid, outstanding'}`);
    }
    if (s === 'market' && has(c, 'await_market_report')) {
      steps.push(`${call('await_market_report', { report: { type: 'united-orders', period } })} — Yandex Market orders; generation takes a while: if it is not ready, call again with the report_id it gives`);
    }
  }
  return steps;
}

export function registerPrompts(server: McpServer, runtime: Runtime, listed: readonly string[]): void {
  const c: Context = { runtime, listed };
  // The source clients load with the first completion that asks them, not with the server.
  const stores = runtime.shared('prompts:stores', () =>
    new Names(async (signal) => {
      if (!configured(c, 'posiflora')) return [];
      const [{ PosifloraClient }, { newTally }] = await Promise.all([import('./sources/posiflora/client.js'), import('./sources/posiflora/auth.js')]);
      return (await PosifloraClient.for(runtime).stores(newTally(), signal)).map((s) => s.title);
    }),
  );
  const retailPoints = runtime.shared('prompts:retail-points', () =>
    new Names(async (signal) => {
      if (!configured(c, 'ofd') || runtime.config.ofd.api !== 'public') return [];
      const { OfdPublicClient } = await import('./sources/ofd-public/client.js');
      return (await OfdPublicClient.for(runtime).directory(signal, { requests: 0 })).retailPoints.map((r) => r.name);
    }),
  );

  const period = (fallback: NamedPeriod) => optionalArgument(`Named period: ${NAMED_PERIODS.join(', ')}. Default ${fallback}.`, (v) => matching(NAMED_PERIODS, v));
  const source = (among: readonly SourceName[]) =>
    optionalArgument(`One source (${among.join(', ')}); default every configured one.`, (v) => matching(among.filter((s) => configured(c, s)), v));
  const store = optionalArgument('A Posiflora store name; default all stores.', async (v) => matching(await stores.get(), v));
  const retailPoint = optionalArgument('A Yandex OFD retail point name; default all.', async (v) => matching(await retailPoints.get(), v));

  server.registerPrompt(
    'daily_revenue_report',
    {
      title: 'Daily revenue report',
      description: 'A short revenue report for a period (default yesterday) from every configured source, compared with the period before.',
      argsSchema: { period: period('yesterday'), source: source(SOURCES), store, retail_point: retailPoint },
    },
    (a: Args) => {
      const p = periodOf(a.period, 'yesterday');
      const chosen = chosenSources(c, a.source, SOURCES);
      const steps = [
        ...(has(c, 'revenue_overview') && chosen.sources.length > 1 ? [`${call('revenue_overview', { period: p.name })} — every source side by side, with the POS-vs-fiscal reconciliation`] : []),
        ...sourceSteps(c, chosen.sources, p.name, { store: shown(a.store), retailPoint: shown(a.retail_point) }),
      ];
      return message(c, steps, SOURCES, (list) =>
        `Write a short revenue report for the period "${p.name}"${p.note}${chosen.note} (time zone ${runtime.config.tz}).\nCall these tools:\n${list}\n` +
        'Lead with net revenue per source and its change versus the previous period (absolute and %), then notable items ' +
        `(refund spikes, unpaid orders, best and worst day). ${SEPARATE}${ON_ERROR}`,
      );
    },
  );

  server.registerPrompt(
    'compare_periods',
    {
      title: 'Compare with the period before',
      description: 'How a period (default last_week) went against the one before it, per source: what changed and why.',
      argsSchema: { period: period('last_week'), source: source(SOURCES) },
    },
    (a: Args) => {
      const p = periodOf(a.period, 'last_week');
      const chosen = chosenSources(c, a.source, SOURCES);
      const steps = sourceSteps(c, chosen.sources, p.name, {});
      return message(c, steps, SOURCES, (list) =>
        `Compare the period "${p.name}"${p.note}${chosen.note} with the period before it (time zone ${runtime.config.tz}). Each tool states both periods and the change.\nCall these tools:\n${list}\n` +
        'Report per source: net revenue, number of sales or receipts, average receipt, each with both values and the change (absolute and %); ' +
        `then the two or three biggest changes and what drove them (refunds, a strong or weak day, unpaid orders). Say which periods were compared. ${SEPARATE}${ON_ERROR}`,
      );
    },
  );

  const refundSources: SourceName[] = ['lifepos', 'ofd', 'posiflora'];
  server.registerPrompt(
    'investigate_refunds',
    {
      title: 'Investigate refunds',
      description: 'Where refunds and returns came from in a period (default last_week): days, sizes, and whether they are unusual.',
      argsSchema: { period: period('last_week'), source: source(refundSources), retail_point: retailPoint },
    },
    (a: Args) => {
      const p = periodOf(a.period, 'last_week');
      const chosen = chosenSources(c, a.source, refundSources);
      const steps = sourceSteps(c, chosen.sources, p.name, { retailPoint: shown(a.retail_point), refunds: true });
      return message(c, steps, refundSources, (list) =>
        `Investigate refunds and returns in the period "${p.name}"${p.note}${chosen.note} (time zone ${runtime.config.tz}).\nCall these tools:\n${list}\n` +
        'Report the refund total and count per source against the previous period, the share of refunds in payments, the days with most refunds, ' +
        `and the largest refunds or returned orders. Say whether this looks unusual and what to check next. ${SEPARATE}${ON_ERROR}`,
      );
    },
  );

  server.registerPrompt(
    'reconcile_pos_and_fiscal',
    {
      title: 'Reconcile POS and fiscal receipts',
      description: 'Do LIFE POS sales and Yandex OFD fiscal receipts agree day by day in a period (default last_week)? Flags days that may be unfiscalized.',
      argsSchema: { period: period('last_week'), retail_point: retailPoint },
    },
    (a: Args) => {
      const p = periodOf(a.period, 'last_week');
      const both = configured(c, 'lifepos') && configured(c, 'ofd');
      const rp = shown(a.retail_point);
      const steps =
        has(c, 'revenue_overview')
          ? [`${call('revenue_overview', { period: p.name, sources: ['lifepos', 'ofd'] })} — POS and fiscal figures side by side with the per-day reconciliation`]
          : [
              ...(has(c, 'get_sales_aggregation') ? [`${call('get_sales_aggregation', { period: p.name, interval: 'day', ...(rp ? { retail_point_ids: [rp] } : {}) })} — fiscal net per day`] : []),
              ...(has(c, 'get_revenue_widget') ? [`get_revenue_widget {"date_from":D,"date_to":D} for each day D of the period — LIFE POS net per day`] : []),
            ];
      if (!both) {
        const text = `Reconciling needs both LIFE POS and Yandex OFD configured; ${SOURCES.filter((s) => s === 'lifepos' || s === 'ofd').filter((s) => !configured(c, s)).map((s) => SOURCE_LABEL[s]).join(' and ')} is not. ${has(c, 'check_sources') ? 'Call check_sources {} and explain' : 'Explain'} what to set.`;
        return { messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }] };
      }
      return message(c, steps, ['lifepos', 'ofd'], (list) =>
        `Check that LIFE POS sales and Yandex OFD fiscal receipts agree in the period "${p.name}"${p.note} (time zone ${runtime.config.tz}).\nCall these tools:\n${list}\n` +
        'Report a per-day table: POS net, fiscal net, difference. Flag days where fiscal is below POS by more than 1 % and 500 ₽ as possibly unfiscalized, ' +
        `with the amounts; note days where fiscal is above POS. Quote figures exactly; do not add the two sources together. ${ON_ERROR}`,
      );
    },
  );

  server.registerPrompt(
    'market_orders_report',
    {
      title: 'Yandex Market orders report',
      description: 'Yandex Market orders for a period (default last_month): count, revenue, statuses, returns, and Market charges when available.',
      argsSchema: { period: period('last_month') },
    },
    (a: Args) => {
      const p = periodOf(a.period, 'last_month');
      const steps = has(c, 'await_market_report')
        ? [
            `${call('await_market_report', { report: { type: 'united-orders', period: p.name } })} — orders and revenue; if it is not ready, call again with the report_id it gives`,
            `${call('await_market_report', { report: { type: 'united-marketplace-services', period: p.name } })} — Market's charges for the same period (optional; skip if the generate quota says to wait)`,
          ]
        : [];
      return message(c, steps, ['market'], (list) =>
        `Report on Yandex Market orders for the period "${p.name}"${p.note} (time zone ${runtime.config.tz}).\nCall these tools:\n${list}\n` +
        'Report the number of orders, revenue, the split by status (delivered, cancelled, returned), the largest items, and the charges against revenue. ' +
        'Say which period each report covers. Quote figures exactly as the tool gives them. ' + ON_ERROR,
      );
    },
  );
}
