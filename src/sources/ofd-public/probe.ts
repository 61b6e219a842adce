import { ConfigError } from '../../config.js';
import type { QueryValue } from '../../http/upstream.js';
import { addDays, todayIn } from '../../period.js';
import type { Runtime } from '../../runtime.js';
import { failedCheck, keysOf, maskedShape as shape, statusText as status, typedKeys, typeOf, type AccessCheck } from '../../probe.js';
import { redact } from '../../secret.js';
import { dateWindow, docCodeOf, listOf, operationOf, PARENT_FIELDS, rowsOf, wallClockOf } from './assumptions.js';
import { OfdPublicClient } from './client.js';
import { parsePublicError } from './errors.js';

/**
 * `revenue-mcp probe ofd`: the research note's checklist (§8) run once with the user's token. A dozen GET
 * requests; the report shows key sets, value types, counts and statuses only — never an amount, a name,
 * an id or the token — so it can be pasted into a bug report as is.
 */

const PASS = [400, 401, 403, 404, 405, 409, 422, 429, 500, 502, 503, 504];

export async function probeOfd(runtime: Runtime, signal?: AbortSignal): Promise<string> {
  const { ofd, tz } = runtime.config;
  if (!ofd.token) throw new ConfigError(['probe ofd needs OFD_TOKEN (the new Yandex OFD API token from the cabinet, Integrations → API)']);
  const upstream = runtime.upstream('ofd', { parseError: parsePublicError });
  let requests = 0;
  const get = async (path: string, query: Record<string, QueryValue> = {}, token: string | false = ofd.token!.reveal()) => {
    requests += 1;
    try {
      const res = await upstream.request({ method: 'GET', path, query, headers: token ? { 'X-Yandex-Ofd-Token': token } : {}, passStatuses: PASS, signal, what: `GET ${path}` });
      return { status: res.status, body: res.body as unknown, retryAfter: res.headers['retry-after'] !== undefined };
    } catch (err) {
      return { status: 0, body: undefined, retryAfter: false, failed: (err as Error).message.slice(0, 200) };
    }
  };
  const out: string[] = [`revenue-mcp probe ofd — redacted report (key sets, types, counts; no amounts, names, ids or tokens)`];
  out.push(`API base: ${ofd.baseUrl === 'https://public-api.ofd.yandex.net/api' ? 'default' : 'custom (OFD_PUBLIC_BASE_URL)'}`);
  const line = (s: string) => out.push(s);

  // 1. /meta without a token
  const meta = await get('/meta', {}, false);
  const data = (meta.body as { data?: Record<string, unknown> } | undefined)?.data;
  line(`1. /meta without token: ${status(meta)}; data keys: ${keysOf(data)}; maxLimit ${typeof data?.maxLimit === 'number' ? data.maxLimit : typeOf(data?.maxLimit)}`);
  const limit = typeof data?.maxLimit === 'number' ? data.maxLimit : 1000;

  // 2. directories
  const boxes = await get('/cashboxes');
  const boxList = listOf(boxes.body) ?? [];
  line(`2. /cashboxes: ${status(boxes)}; ${Array.isArray(boxes.body) ? 'bare array' : `envelope ${keysOf(boxes.body)}`} of ${boxList.length}; item: ${typedKeys(boxList[0])}`);
  const points = await get('/retail_points');
  const pointList = listOf(points.body) ?? [];
  line(`   /retail_points: ${status(points)}; ${Array.isArray(points.body) ? 'bare array' : `envelope ${keysOf(points.body)}`} of ${pointList.length}; item: ${typedKeys(pointList[0])}`);

  // 3. five rows of receipts: the last week, or further back until some are found
  let last = addDays(todayIn(tz, runtime.now()), -1);
  let week = { from: addDays(last, -6), to: last };
  let small = await get('/reports/receipts', { ...week, limit: 5, offset: 0 });
  let rows = rowsOf(small.body) ?? [];
  for (const back of [30, 365]) {
    if (rows.length > 0 || small.status !== 200) break;
    small = await get('/reports/receipts', { from: addDays(last, -back), to: last, limit: 5, offset: 0 });
    rows = rowsOf(small.body) ?? [];
    const latest = rows.map((r) => wallClockOf((r as Record<string, unknown>)?.dateTime)).filter((d): d is string => !!d).sort().at(-1);
    if (latest) {
      // Carry on with the week that ends on the newest day found.
      last = latest.slice(0, 10);
      week = { from: addDays(last, -6), to: last };
      line(`   (no receipts in the last week; using a week ${back === 30 ? 'within the last 30 days' : 'within the last year'})`);
    }
  }
  const isItem = (r: unknown) => typeof r === 'object' && r !== null && PARENT_FIELDS.some((f) => (r as Record<string, unknown>)[f] != null);
  const receipt = rows.find((r) => !isItem(r)) as Record<string, unknown> | undefined;
  const item = rows.find(isItem);
  const body = small.body as { data?: Record<string, unknown> } | undefined;
  line(`3. /reports/receipts (7 days, limit 5): ${status(small)}; top keys: ${keysOf(small.body)}; data keys: ${keysOf(body?.data)}`);
  line(`   data.outcome keys: ${keysOf(body?.data?.outcome)}`);
  line(`   rows: ${rows.length} (${rows.filter((r) => !isItem(r)).length} receipt rows, ${rows.filter(isItem).length} item rows); count field in data: ${['total', 'count', 'totalCount'].filter((k) => body?.data && k in body.data).join(', ') || 'none'}`);
  line(`   receipt row: ${typedKeys(receipt)}`);
  line(`   item row: ${typedKeys(item)}`);
  if (receipt) {
    line(`   operationType: ${typeOf(receipt.operationType)} → ${operationOf(receipt.operationType) ?? 'NOT RECOGNISED'}; docName: ${typeOf(receipt.docName)} → ${docCodeOf(receipt.docName) ?? 'NOT RECOGNISED'}`);
    line(`   dateTime shape: ${shape(receipt.dateTime)} → ${wallClockOf(receipt.dateTime) ? 'read' : 'NOT READ'}`);
    line(`   amounts present: ${['totalSum', 'cashTotalSum', 'ecashTotalSum', 'prepaidSum', 'creditSum', 'provisionSum'].map((k) => `${k} ${k in receipt ? typeOf(receipt[k]) : 'MISSING'}`).join(', ')}`);
    line(`   tax system fields: ${['appliedTaxationType', 'taxationType'].map((k) => `${k} ${k in receipt ? typeOf(receipt[k]) : 'missing'}`).join(', ')}`);
  }

  // 4. does limit count item rows?
  const ten = await get('/reports/receipts', { ...week, limit: 10, offset: 0 });
  const tenRows = rowsOf(ten.body) ?? [];
  const tenReceipts = tenRows.filter((r) => !isItem(r)).length;
  line(`4. limit 10: ${status(ten)}; ${tenRows.length} rows, ${tenReceipts} receipt rows → limit counts ${tenRows.length <= 10 && tenReceipts < 10 && tenRows.length > tenReceipts ? 'every row' : tenReceipts === 10 ? 'receipts' : 'unclear (too few receipts)'}`);

  // 5. multi-value syntax
  const ids = boxList.slice(0, 2).map((b) => (b as Record<string, unknown>).id).filter((v) => typeof v === 'number' || typeof v === 'string') as Array<string | number>;
  if (ids.length === 2) {
    const count = async (query: Record<string, QueryValue>) => {
      const r = await get('/reports/receipts', { ...week, limit, offset: 0, ...query });
      return `${status(r)}, ${(rowsOf(r.body) ?? []).filter((x) => !isItem(x)).length} receipts`;
    };
    line(`5. cashboxIds: first alone ${await count({ cashboxIds: ids[0]! })}; second alone ${await count({ cashboxIds: ids[1]! })}; comma "a,b" ${await count({ cashboxIds: ids.join(',') })}; repeated key ${await count({ cashboxIds: ids })}`);
  } else line('5. multi-value syntax: skipped (fewer than two cashboxes)');

  // 6. is `to` inclusive, is a time part accepted?
  const sameDay = await get('/reports/receipts', { from: last, to: last, limit: 5, offset: 0 });
  const withTime = await get('/reports/receipts', { from: `${last} 00:00:00`, to: `${last} 23:59:59`, limit: 5, offset: 0 });
  const window = await get('/reports/receipts', { ...dateWindow(last, last), limit: 5, offset: 0 });
  const n = (r: { body: unknown }) => (rowsOf(r.body) ?? []).filter((x) => !isItem(x)).length;
  const verdict = n(window) === 0 ? 'no receipts that day: unclear' : n(sameDay) === 0 ? 'to looks EXCLUSIVE' : 'to looks inclusive';
  line(`6. from=to=one day: ${status(sameDay)}, ${n(sameDay)} receipts; with time parts: ${status(withTime)}, ${n(withTime)}; to = next day: ${status(window)}, ${n(window)} → ${verdict}`);

  // 7. shifts
  const shifts = await get('/reports/shifts', { ...week, limit: 5, offset: 0 });
  const shiftRows = rowsOf(shifts.body) ?? [];
  const shiftRow = shiftRows[0] as Record<string, unknown> | undefined;
  const shiftKeys = shiftRow ? Object.keys(shiftRow) : [];
  line(`7. /reports/shifts (7 days, limit 5): ${status(shifts)}; ${shiftRows.length} rows; row: ${typedKeys(shiftRow)}`);
  line(`   outcome (расход) fields: ${shiftKeys.filter((k) => /outcome/i.test(k)).join(', ') || 'none'}; prepaid/provision splits: ${shiftKeys.filter((k) => /^(prepaid|provision)/.test(k)).join(', ') || 'none'}; open shifts (no close time): ${shiftRows.filter((r) => (r as Record<string, unknown>).closeShiftDateTime == null).length}`);

  // 8. error replies
  const badToken = await get('/cashboxes', {}, 'revenue-mcp-probe-not-a-token');
  line(`8. bad token: ${status(badToken)}, body keys ${keysOf(badToken.body)}`);
  const big = await get('/reports/receipts', { from: last, to: last, limit: 5000, offset: 0 });
  line(`   limit 5000: ${status(big)}, ${(rowsOf(big.body) ?? []).length} rows, body keys ${keysOf(big.body)}`);
  const badDate = await get('/reports/receipts', { from: 'not-a-date', to: last });
  line(`   bad date: ${status(badDate)}, body keys ${keysOf(badDate.body)}`);
  const limited = [meta, boxes, points, small, ten, sameDay, withTime, window, shifts, badToken, big, badDate].filter((r) => r.status === 429 || r.retryAfter);
  line(`   429 or Retry-After seen: ${limited.length > 0 ? `yes (${limited.length})` : 'no'}`);
  line(`Requests made: ${requests}`);
  return `${redact(out.join('\n'))}\n`;
}

/** check_sources: one directory request with the token (a wrong token gets 401). */
export async function checkOfdPublic(runtime: Runtime, signal: AbortSignal): Promise<AccessCheck> {
  const api = 'token API (OFD_TOKEN)';
  try {
    const boxes = listOf(await OfdPublicClient.for(runtime).get('/cashboxes', {}, signal, { requests: 0 })) ?? [];
    return { credentials: 'valid', api, message: `token accepted; ${boxes.length} cashbox${boxes.length === 1 ? '' : 'es'} visible.` };
  } catch (err) {
    return failedCheck(err, api);
  }
}
