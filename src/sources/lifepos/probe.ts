import { Decimal } from 'decimal.js';
import { namedPeriod } from '../../period.js';
import { asRecord, failedCheck, keysOf, statusText, typedKeys, typeOf, type AccessCheck } from '../../probe.js';
import type { Runtime } from '../../runtime.js';
import { LifeposClient } from './client.js';
import { WIDGET_PARAMS, widgetQuery, windowOf, type Window } from './widget-query.js';

/**
 * LIFE POS for check_sources and `revenue-mcp probe lifepos`. The check is one organization listing (a
 * sign-in first when signing in by phone). The probe settles what api-facts marks [I]/[U] and a cheap call
 * can show: whether the widget reports the period it was asked for (the query names in widget-query.ts),
 * and the money unit, from one sale's positions against its total. Shapes and verdicts only.
 */

export async function checkLifepos(runtime: Runtime, signal: AbortSignal): Promise<AccessCheck> {
  const client = LifeposClient.for(runtime);
  const api = client.config.token ? 'v6 with LIFEPOS_TOKEN' : 'v6 with sign-in by phone (LIFEPOS_PHONE)';
  try {
    const orgs = await client.organizations(signal, { fresh: true });
    const wanted = client.config.orgGuid?.toLowerCase();
    const org = wanted
      ? orgs.some((o) => o.guid === wanted)
        ? '; LIFEPOS_ORG_GUID is among them'
        : '; LIFEPOS_ORG_GUID is NOT among them: check its value'
      : orgs.length > 1
        ? '; set LIFEPOS_ORG_GUID (or pass org_guid) to choose one'
        : '';
    return { credentials: 'valid', api, message: `credentials accepted; the account sees ${orgs.length} organization${orgs.length === 1 ? '' : 's'}${org}.` };
  } catch (err) {
    return failedCheck(err, api);
  }
}


/** Whether an echoed `{date_from, date_to}` is the window sent, within a second. */
function follows(period: unknown, sent: Window): 'yes' | 'NO' | 'not echoed' {
  const p = asRecord(period);
  const from = typeof p.date_from === 'string' ? Date.parse(p.date_from) : NaN;
  const to = typeof p.date_to === 'string' ? Date.parse(p.date_to) : NaN;
  if (Number.isNaN(from) || Number.isNaN(to)) return 'not echoed';
  return Math.abs(from - sent.from.getTime()) <= 1000 && Math.abs(to - sent.to.getTime()) <= 1000 ? 'yes' : 'NO';
}

const moneyValue = (m: unknown): Decimal | undefined => {
  const v = asRecord(m).value;
  return typeof v === 'number' && Number.isFinite(v) ? new Decimal(String(v)) : undefined;
};

/** What one sale says about the money unit: do positions add up to the total, and in which scale. */
function moneyVerdict(sale: Record<string, unknown>): string {
  const total = moneyValue(sale.total_sum);
  const positions = Array.isArray(sale.positions) ? sale.positions.map(asRecord) : [];
  const sums = positions.map((p) => moneyValue(p.total_sum));
  if (total === undefined || positions.length === 0 || sums.some((s) => s === undefined)) {
    return `not settled (total_sum ${typeOf(asRecord(sale.total_sum).value)}, ${positions.length} positions with amounts ${sums.filter(Boolean).length})`;
  }
  const sum = sums.reduce((a: Decimal, s) => a.plus(s!), new Decimal(0));
  const ratio = sum.isZero() ? undefined : total.div(sum);
  const lines = positions.filter((p) => {
    const price = moneyValue(p.sale_price);
    return price !== undefined && typeof p.quantity === 'number' && !price.times(String(p.quantity)).minus(moneyValue(p.total_sum)!).abs().lte(1);
  }).length;
  const whole = [total, ...sums].every((d) => d!.isInteger());
  const relation = ratio === undefined ? 'positions sum to zero' : ratio.eq(1) ? 'positions add up to the total' : ratio.eq(100) ? 'the total is 100 × the positions (total in kopecks, positions in roubles?)' : ratio.eq(0.01) ? 'the positions are 100 × the total' : `positions do NOT add up to the total (ratio ${ratio.toSignificantDigits(3).toString()})`;
  const unit = whole ? 'every value a whole number: consistent with kopecks (LIFEPOS_MONEY_UNIT=minor, the default)' : 'fractional values: roubles (set LIFEPOS_MONEY_UNIT=major)';
  return `${positions.length} positions; ${relation}; price × quantity off its position total by more than 1 unit in ${lines}; ${unit}`;
}

export async function probeLifepos(runtime: Runtime, signal: AbortSignal): Promise<string[]> {
  const client = LifeposClient.for(runtime);
  const { tz } = runtime.config;
  const out: string[] = [];
  const attempt = async (path: string, query: Record<string, string | number>, what: string) => {
    try {
      return { status: 200, body: await client.raw(path, query, signal, what) };
    } catch (err) {
      const status = (err as { status?: number }).status;
      return { status: status ?? 0, body: undefined, failed: (err as Error).message.slice(0, 160) };
    }
  };

  const orgs = await attempt('/orgs', { presentation: 'full' }, 'the list of organizations');
  const items = Array.isArray(asRecord(orgs.body).items) ? (asRecord(orgs.body).items as unknown[]) : [];
  out.push(`1. GET /orgs: ${statusText(orgs)}; envelope ${keysOf(orgs.body)}; ${items.length} items; item: ${typedKeys(items[0])}`);
  let org: string;
  try {
    org = (await client.resolveOrg(undefined, signal)).guid;
  } catch (err) {
    out.push(`   no organization to probe: ${(err as Error).message.slice(0, 200)}`);
    return out;
  }

  // 2. The widget's period parameters: two different windows; the echoed periods must follow each.
  const now = runtime.now();
  const verdicts: string[] = [];
  for (const name of ['last_week', 'yesterday'] as const) {
    const current = windowOf(namedPeriod(name, tz, now));
    const prevName = name === 'last_week' ? namedPeriod('last_week', tz, new Date(now.getTime() - 7 * 86_400_000)) : namedPeriod('yesterday', tz, new Date(now.getTime() - 86_400_000));
    const previous = windowOf(prevName);
    const res = await attempt(`/orgs/${org}/widgets/revenue`, widgetQuery(current, previous), 'the revenue widget');
    const body = asRecord(res.body);
    const cur = follows(asRecord(body.current_summary).period, current);
    const prev = follows(asRecord(body.previous_summary).period, previous);
    verdicts.push(cur === 'yes' && prev === 'yes' ? 'yes' : 'no');
    out.push(`2. widget for ${name}: ${statusText(res)}; current period follows the request: ${cur}; previous: ${prev}; summary keys: ${keysOf(body.current_summary)}; sum.payments: ${typedKeys(asRecord(asRecord(body.current_summary).sum).payments)}`);
  }
  const names = Object.values(WIDGET_PARAMS).join(', ');
  out.push(`   verdict: ${verdicts.every((v) => v === 'yes') ? `the widget honours ${names}` : `the widget does NOT report the requested period: the query names (${names}) look wrong — please report this`}`);

  // 3. The money unit, from the newest sale.
  const list = await attempt(`/orgs/${org}/deals/sales`, { items_per_page: 5, order_by: 'opened_at_desc', presentation: 'compact' }, 'the list of sales');
  const sales = Array.isArray(asRecord(list.body).items) ? (asRecord(list.body).items as unknown[]).map(asRecord) : [];
  const guid = sales.map((s) => s.guid).find((g): g is string => typeof g === 'string' && /^[0-9a-f-]{36}$/i.test(g));
  out.push(`3. GET /deals/sales (5 newest): ${statusText(list)}; envelope ${keysOf(list.body)}; ${sales.length} items`);
  if (!guid) {
    out.push('   money unit: not settled (no sale to look at)');
    return out;
  }
  const sale = await attempt(`/orgs/${org}/deals/sales/${guid}`, { presentation: 'full' }, 'a sale');
  out.push(`   one sale: ${statusText(sale)}; total_sum: ${typedKeys(asRecord(sale.body).total_sum)}`);
  out.push(`   money unit: ${sale.body ? moneyVerdict(asRecord(sale.body)) : 'not settled (the sale could not be read)'}`);
  return out;
}
