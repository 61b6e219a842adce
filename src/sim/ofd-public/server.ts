import { RateWindow, SimServer, header, type SimReply, type SimRequest } from '../framework.js';
import { DIRECTORY, type SimReceipt } from '../ofd/data.js';
import {
  CASHBOX_NAMES,
  COMPANY_INN,
  DOC_NAME_CODES,
  OPERATION_CODES,
  TAXATION_CODES,
  fiscalDriveNumber,
  itemRows,
  itemsOf,
  kktRegId,
  receiptRow,
  retailAddress,
  type EnumStyle,
  type PublicReceipt,
} from './rows.js';

/**
 * Loopback simulator of the new Yandex OFD public API (`https://public-api.ofd.yandex.net/api`, one
 * `X-Yandex-Ofd-Token` header), after the research note on it: bare-array directories, `/meta`, and the
 * receipt and shift reports as `{data: {outcome, rows}}` with offset paging. What the note leaves
 * inferred or unknown is a switch in `WireOptions`, so a client can be tried against each plausible form.
 */

export const API_PREFIX = '/api';
export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 100;

export interface WireOptions {
  /** `operationType`, `docName`, `appliedTaxationType` in rows: Russian labels (default) or FFD codes. [I] */
  enumStyle: EnumStyle;
  /** What `limit`/`offset` count: receipts, each followed by all its item rows (default), or every row. [U] */
  limitCounts: 'receipts' | 'rows';
  /** List params: `cashboxIds=1,2` (default; a repeated key keeps only its last value) or repeated keys (a comma is a 400). [U] */
  listSyntax: 'comma' | 'repeat';
  /** `to`: inclusive (a date means up to 23:59:59, default) or exclusive (a date means before its 00:00:00). [I] */
  toBound: 'inclusive' | 'exclusive';
  /** `limit` above 1000: clamped to 1000 (default) or answered with 400. [U] */
  overLimit: 'clamp' | 'error';
  /** `data.outcome` sums the whole filtered query (default) or only the current page. [U] */
  outcomeScope: 'query' | 'page';
  /** Reports answer 400 without `cashboxIds` (off by default). [U] */
  requireCashboxIds: boolean;
}

export const DEFAULT_WIRE: WireOptions = {
  enumStyle: 'labels',
  limitCounts: 'receipts',
  listSyntax: 'comma',
  toBound: 'inclusive',
  overLimit: 'clamp',
  outcomeScope: 'query',
  requireCashboxIds: false,
};

/** Faults in the report body itself (the framework's faults cover statuses, resets and broken JSON). */
export type RowFault = 'missingAmounts' | 'malformedRow';

export interface OfdPublicSimConfig {
  /** Every seeded document in time order, including those of companies the token cannot read. */
  receipts: readonly SimReceipt[];
  seed: number;
  token: string;
  /** A token that exists but was revoked in the cabinet (→ 403). */
  revokedToken: string;
  /** Companies the token's cabinet holds. */
  companies: readonly string[];
  /** The simulator's local wall clock (`YYYY-MM-DD hh:mm:ss`): today's shifts are still open. */
  nowLocal: string;
  /** Requests per second per token before 429. */
  rps: number;
  /** Sum `data.outcome` in naive floats (as a float backend would), with binary artefacts. */
  floatArtefacts: boolean;
  wire: WireOptions;
}

export interface OfdPublicSimState {
  counters: { rateLimited: number; served: number };
  rate: RateWindow;
  rowFaults: RowFault[];
}

const fail = (status: number, error: string, message: string): SimReply => ({ status, body: { error, message } });

class BadRequest extends Error {
  constructor(readonly reply: SimReply) {
    super('bad request');
  }
}
const bad = (message: string) => new BadRequest(fail(400, 'bad_request', message));

const DATE = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?$/;

function parseDate(name: string, value: string | null, edge: 'from' | 'to', wire: WireOptions): { at: string; strict: boolean } {
  if (value === null || value.trim() === '') throw bad(`Parameter ${name} is required (YYYY-MM-DD)`);
  const m = DATE.exec(value.trim());
  const realDay = m && new Date(`${m[1]}T00:00:00Z`).toISOString().slice(0, 10) === m[1];
  if (!m || !realDay || Number(m[2] ?? 0) > 23 || Number(m[3] ?? 0) > 59 || Number(m[4] ?? 0) > 59) {
    throw bad(`Parameter ${name} has invalid format, expected YYYY-MM-DD`);
  }
  if (m[2]) return { at: `${m[1]} ${m[2]}:${m[3]}:${m[4]}`, strict: edge === 'to' && wire.toBound === 'exclusive' };
  if (edge === 'from') return { at: `${m[1]} 00:00:00`, strict: false };
  return wire.toBound === 'inclusive' ? { at: `${m[1]} 23:59:59`, strict: false } : { at: `${m[1]} 00:00:00`, strict: true };
}

function integer(name: string, value: string | null, fallback: number, min: number): number {
  if (value === null || value === '') return fallback;
  if (!/^\d+$/.test(value.trim())) throw bad(`Parameter ${name} must be an integer`);
  const n = Number(value.trim());
  if (n < min) throw bad(`Parameter ${name} must be at least ${min}`);
  return n;
}

function list(name: string, query: URLSearchParams, wire: WireOptions, allowed?: readonly number[]): number[] | undefined {
  const raw = query.getAll(name);
  if (raw.length === 0) return undefined;
  const values = wire.listSyntax === 'comma' ? raw.at(-1)!.split(',') : raw;
  const out = values.map((v) => {
    if (!/^\d+$/.test(v.trim())) throw bad(`Parameter ${name} must be a list of integers`);
    return Number(v.trim());
  });
  const unknown = allowed ? out.find((v) => !allowed.includes(v)) : undefined;
  if (unknown !== undefined) throw bad(`Parameter ${name} has unknown value ${unknown}; allowed: ${allowed!.join(', ')}`);
  return out;
}

interface ReportQuery {
  from: string;
  to: { at: string; strict: boolean };
  offset: number;
  limit: number;
  companyIds?: number[];
  retailPointIds?: number[];
  cashboxIds?: number[];
  shiftNumbers?: number[];
  operationTypes?: number[];
  docNames?: number[];
}

function parseReportQuery(q: URLSearchParams, wire: WireOptions): ReportQuery {
  const from = parseDate('from', q.get('from'), 'from', wire);
  const to = parseDate('to', q.get('to'), 'to', wire);
  if (from.at > to.at) throw bad('Parameter from must not be later than to');
  let limit = integer('limit', q.get('limit'), DEFAULT_LIMIT, 1);
  if (limit > MAX_LIMIT) {
    if (wire.overLimit === 'error') throw bad(`Parameter limit must not exceed ${MAX_LIMIT}`);
    limit = MAX_LIMIT;
  }
  const parsed: ReportQuery = {
    from: from.at,
    to,
    offset: integer('offset', q.get('offset'), 0, 0),
    limit,
    companyIds: list('companyIds', q, wire),
    retailPointIds: list('retailPointIds', q, wire),
    cashboxIds: list('cashboxIds', q, wire),
    shiftNumbers: list('shiftNumber', q, wire),
    operationTypes: list('operationType', q, wire, Object.values(OPERATION_CODES).map((o) => o.code)),
    docNames: list('docName', q, wire, Object.values(DOC_NAME_CODES).map((d) => d.code)),
  };
  if (wire.requireCashboxIds && !parsed.cashboxIds) throw bad('Parameter cashboxIds is required');
  return parsed;
}

/** 403 for a company, retail point or cashbox outside the token's cabinet. */
function checkAccess(q: ReportQuery, companies: readonly string[]): SimReply | undefined {
  for (const id of q.companyIds ?? []) {
    if (!companies.includes(String(id))) return fail(403, 'forbidden', `Company ${id} not found or access denied`);
  }
  for (const id of q.retailPointIds ?? []) {
    const rp = DIRECTORY.retailPoints.find((r) => r.id === String(id));
    if (!rp || !companies.includes(rp.company_id)) return fail(403, 'forbidden', `Retail point ${id} not found or access denied`);
  }
  for (const id of q.cashboxIds ?? []) {
    const box = DIRECTORY.cashboxes.find((c) => c.id === String(id));
    if (!box || !companies.includes(box.company_id)) return fail(403, 'forbidden', `Cashbox ${id} not found or access denied`);
  }
  return undefined;
}

const inList = (values: number[] | undefined, value: number | undefined) => !values || (value !== undefined && values.includes(value));

function matches(p: PublicReceipt, q: ReportQuery, companies: readonly string[]): boolean {
  const r = p.receipt;
  return (
    companies.includes(r.company_id) &&
    r.date_time >= q.from &&
    (q.to.strict ? r.date_time < q.to.at : r.date_time <= q.to.at) &&
    inList(q.companyIds, Number(r.company_id)) &&
    inList(q.retailPointIds, Number(r.retail_point_id)) &&
    inList(q.cashboxIds, Number(r.cashbox_id)) &&
    inList(q.shiftNumbers, p.shiftNumber) &&
    inList(q.operationTypes, OPERATION_CODES[r.operation_type].code) &&
    inList(q.docNames, DOC_NAME_CODES[r.document_type]?.code)
  );
}

/** Adds rouble amounts either naively in floats or exactly in kopecks, returning roubles. */
class Summer {
  #kopecks = 0;
  #float = 0;
  constructor(private readonly floats: boolean) {}
  add(kopecks: number): void {
    this.#kopecks += kopecks;
    this.#float += kopecks / 100;
  }
  get value(): number {
    return this.floats ? this.#float : this.#kopecks / 100;
  }
}

/** `data.outcome` of the receipt report: the totals row, identifying fields null (not the "расход" operation). */
function receiptTotals(selected: readonly PublicReceipt[], cfg: OfdPublicSimConfig): Record<string, unknown> {
  const sums = {
    cashTotalSum: new Summer(cfg.floatArtefacts),
    creditSum: new Summer(cfg.floatArtefacts),
    ecashTotalSum: new Summer(cfg.floatArtefacts),
    itemSumFlat: new Summer(cfg.floatArtefacts),
    prepaidSum: new Summer(cfg.floatArtefacts),
    provisionSum: new Summer(cfg.floatArtefacts),
    totalSum: new Summer(cfg.floatArtefacts),
  };
  let quantity = 0;
  for (const { receipt: r } of selected) {
    sums.cashTotalSum.add(r.kopecks.cashTotal);
    sums.creditSum.add(r.kopecks.credit);
    sums.ecashTotalSum.add(r.kopecks.ecashTotal);
    sums.prepaidSum.add(r.kopecks.prepaid);
    sums.provisionSum.add(r.kopecks.provision);
    sums.totalSum.add(r.kopecks.total);
    for (const item of itemsOf(r, cfg.seed)) {
      quantity += item.quantity;
      sums.itemSumFlat.add(item.sumKopecks);
    }
  }
  return {
    appliedTaxationType: null,
    buyerPhoneOrAddress: null,
    cashTotalSum: sums.cashTotalSum.value,
    creditSum: sums.creditSum.value,
    dateTime: null,
    docName: null,
    ecashTotalSum: sums.ecashTotalSum.value,
    fiscalDocumentNumber: null,
    fiscalDriveNumber: null,
    fiscalSign: null,
    itemNameFlat: '',
    itemNdsFlat: '',
    itemPaymentAgentByProductTypeFlat: '',
    itemPaymentTypeFlat: '',
    itemPriceFlat: '',
    itemProductTypeFlat: '',
    itemQuantityFlat: quantity,
    itemSumFlat: sums.itemSumFlat.value,
    kktNumber: null,
    kktRegId: null,
    link: null,
    operationType: null,
    prepaidSum: sums.prepaidSum.value,
    provisionSum: sums.provisionSum.value,
    retailPlace: null,
    retailPlaceAddress: null,
    shiftNumber: null,
    totalSum: sums.totalSum.value,
    user: null,
    userInn: null,
  };
}

function applyRowFault(rows: Record<string, unknown>[], fault: RowFault | undefined): void {
  const row = rows.find((r) => !('Parent' in r));
  if (!fault || !row) return;
  if (fault === 'missingAmounts') {
    delete row.totalSum;
    delete row.cashTotalSum;
    delete row.ecashTotalSum;
  } else {
    row.totalSum = 'сумма';
    row.dateTime = '31.02.2026 25:61';
  }
}

/** The receipts a query selects and their totals, kept for the few latest queries: clients page through one query. */
export class SelectionCache {
  #entries = new Map<string, { selected: PublicReceipt[]; totals: Record<string, unknown> }>();
  get(cfg: OfdPublicSimConfig, all: readonly PublicReceipt[], q: ReportQuery): { selected: PublicReceipt[]; totals: Record<string, unknown> } {
    const key = JSON.stringify({ ...q, offset: 0, limit: 0, floats: cfg.floatArtefacts });
    let entry = this.#entries.get(key);
    if (!entry) {
      const selected = all.filter((p) => matches(p, q, cfg.companies));
      entry = { selected, totals: receiptTotals(selected, cfg) };
      this.#entries.set(key, entry);
      if (this.#entries.size > 16) this.#entries.delete(this.#entries.keys().next().value!);
    }
    return entry;
  }
}

/** One page of `/reports/receipts`: receipt rows, each followed by its item rows. */
export function receiptsReport(cfg: OfdPublicSimConfig, all: readonly PublicReceipt[], q: ReportQuery, cache: SelectionCache, fault?: RowFault): Record<string, unknown> {
  const { selected, totals } = cache.get(cfg, all, q);
  const style = cfg.wire.enumStyle;
  const rowsOf = (p: PublicReceipt) => [receiptRow(p, style), ...itemRows(p, cfg.seed)];
  let rows: Record<string, unknown>[];
  let pageReceipts: PublicReceipt[];
  if (cfg.wire.limitCounts === 'receipts') {
    pageReceipts = selected.slice(q.offset, q.offset + q.limit);
    rows = pageReceipts.flatMap(rowsOf);
  } else {
    // Every row counts: a page may end between a receipt and its items, or start with orphan items.
    rows = [];
    pageReceipts = [];
    let position = 0;
    for (const p of selected) {
      if (position >= q.offset + q.limit) break;
      const size = 1 + itemsOf(p.receipt, cfg.seed).length;
      if (position + size > q.offset) {
        const own = rowsOf(p).slice(Math.max(0, q.offset - position), q.offset + q.limit - position);
        rows.push(...own);
        pageReceipts.push(p);
      }
      position += size;
    }
  }
  applyRowFault(rows, fault);
  const outcome = cfg.wire.outcomeScope === 'query' ? totals : receiptTotals(pageReceipts, cfg);
  return { data: { outcome, rows } };
}

interface ShiftTotals {
  box: string;
  day: string;
  shiftNumber: number;
  income: Record<'cnt' | 'total' | 'cash' | 'ecash' | 'credit' | 'prepaid' | 'provision', number>;
  incomeReturn: Record<'cnt' | 'total' | 'cash' | 'ecash' | 'credit' | 'prepaid' | 'provision', number>;
}

const zeroTotals = () => ({ cnt: 0, total: 0, cash: 0, ecash: 0, credit: 0, prepaid: 0, provision: 0 });

function shiftRow(s: ShiftTotals, nowLocal: string, floats: boolean): Record<string, unknown> {
  const close = `${s.day} 21:15:00`;
  const money = (k: number) => k / 100;
  const balance = (field: keyof ShiftTotals['income']) => s.income[field] - s.incomeReturn[field];
  const balanceCnt = s.income.cnt - s.incomeReturn.cnt;
  const row: Record<string, unknown> = {
    averageReceipt: balanceCnt === 0 ? 0 : Math.round(balance('total') / balanceCnt) / 100,
    balanceCnt,
    balanceSum: money(balance('total')),
    closeShiftDateTime: close <= nowLocal ? close : null,
    fiscalDriveNumber: fiscalDriveNumber(s.box),
    incomeCnt: s.income.cnt,
    incomeReturnCnt: s.incomeReturn.cnt,
    incomeReturnSum: money(s.incomeReturn.total),
    incomeSum: money(s.income.total),
    kktRegId: kktRegId(s.box),
    openShiftDateTime: `${s.day} 08:45:00`,
    shiftNumber: s.shiftNumber,
  };
  // Payment splits: cash, ecash and credit are [C]; prepaid and provision [I].
  for (const [prefix, field] of [
    ['cashTotalSum', 'cash'],
    ['creditSum', 'credit'],
    ['ecashTotalSum', 'ecash'],
    ['prepaidSum', 'prepaid'],
    ['provisionSum', 'provision'],
  ] as const) {
    row[`${prefix}Income`] = money(s.income[field]);
    row[`${prefix}IncomeReturn`] = money(s.incomeReturn[field]);
    row[`${prefix}Balance`] = floats ? s.income[field] / 100 - s.incomeReturn[field] / 100 : money(balance(field));
  }
  return Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** One page of `/reports/shifts`: per-shift income and income-return totals (no "расход" fields: [U]). */
export function shiftsReport(cfg: OfdPublicSimConfig, all: readonly PublicReceipt[], q: ReportQuery): Record<string, unknown> {
  const shifts = new Map<string, ShiftTotals>();
  for (const p of all) {
    if (!matches(p, q, cfg.companies)) continue;
    const r = p.receipt;
    let s = shifts.get(p.shiftKey);
    if (!s) shifts.set(p.shiftKey, (s = { box: r.cashbox_id, day: r.date_time.slice(0, 10), shiftNumber: p.shiftNumber, income: zeroTotals(), incomeReturn: zeroTotals() }));
    const block = r.operation_type === 'income' ? s.income : r.operation_type === 'income_return' ? s.incomeReturn : undefined;
    if (!block) continue;
    block.cnt += 1;
    block.total += r.kopecks.total;
    block.cash += r.kopecks.cashTotal;
    block.ecash += r.kopecks.ecashTotal;
    block.credit += r.kopecks.credit;
    block.prepaid += r.kopecks.prepaid;
    block.provision += r.kopecks.provision;
  }
  const ordered = [...shifts.values()];
  const page = ordered.slice(q.offset, q.offset + q.limit);
  const scope = cfg.wire.outcomeScope === 'query' ? ordered : page;
  const sum: ShiftTotals = { box: '', day: '', shiftNumber: 0, income: zeroTotals(), incomeReturn: zeroTotals() };
  for (const s of scope) {
    for (const key of Object.keys(sum.income) as (keyof ShiftTotals['income'])[]) {
      sum.income[key] += s.income[key];
      sum.incomeReturn[key] += s.incomeReturn[key];
    }
  }
  const outcome = { ...shiftRow(sum, cfg.nowLocal, cfg.floatArtefacts), closeShiftDateTime: null, fiscalDriveNumber: null, kktRegId: null, openShiftDateTime: null, shiftNumber: null };
  return { data: { outcome, rows: page.map((s) => shiftRow(s, cfg.nowLocal, false)) } };
}

function companyObject(id: string): Record<string, unknown> {
  const c = DIRECTORY.companies.find((x) => x.id === id)!;
  return {
    id: Number(id),
    inn: COMPANY_INN[id],
    ogrn: `1${id}77000${id}`,
    kpp: id === '301' ? null : '770501001',
    short_name: c.name,
    full_name: c.name,
    postal_code: '101000',
    email: `shop${id}@example.ru`,
    phone: '+70000000000',
    manager_name: null,
    address: retailAddress(DIRECTORY.retailPoints.find((r) => r.company_id === id)?.id ?? ''),
    fns: '7701',
    client_id: 9001,
    send_sms: false,
    send_email: true,
    company_notification: { notification_info: { allow_notification: true, unpaid_invoices_count: 0, paid_invoices_count: 12, last_unpaid_month: null } },
  };
}

function retailPointObject(rp: (typeof DIRECTORY.retailPoints)[number]): Record<string, unknown> {
  const address = retailAddress(rp.id);
  return {
    id: Number(rp.id),
    alias: rp.name,
    name: rp.name,
    address,
    address_parts: { postal_code: '101000', region: 77, city: address.split(',')[0]?.replace('г. ', '') ?? '', area: null, settlement: null, street: address.split(',')[1]?.trim() ?? '', house: address.split(',')[2]?.replace('д.', '').trim() ?? '', block: null, building: null, flat: null },
    is_internet_payment: false,
    is_delivery_service: false,
    fns: '7701',
    company_id: Number(rp.company_id),
    client_id: 9001,
  };
}

function cashboxObject(box: (typeof DIRECTORY.cashboxes)[number]): Record<string, unknown> {
  return {
    id: Number(box.id),
    sn: `00106${box.id}77`,
    rn: kktRegId(box.id),
    rn_status: 'confirmed',
    fiscal_drive_sn: fiscalDriveNumber(box.id),
    terminal_sn: null,
    is_autonomous_only: false,
    is_excise: false,
    is_bank_payment_agent: false,
    is_lottery: false,
    is_conduct_of_gambling: false,
    is_service_only: false,
    is_payment_agent: false,
    version_text: '1.2',
    model_id: 17,
    fiscal_drive_model_id: 4,
    retail_point_id: Number(box.retail_point_id),
    company_id: Number(box.company_id),
    alias: CASHBOX_NAMES[box.id] ?? `Касса ${box.id}`,
    payment_status: 'paid',
    ranged_payment_status: 'paid',
    usage_status: 'active',
    client_id: 9001,
    expire_date: '2027-02-20',
    days_left: 450,
  };
}

export function createOfdPublicSim(cfg: OfdPublicSimConfig, all: readonly PublicReceipt[]): { server: SimServer; state: OfdPublicSimState } {
  const state: OfdPublicSimState = { counters: { rateLimited: 0, served: 0 }, rate: new RateWindow(cfg.rps, 1000), rowFaults: [] };
  const selections = new SelectionCache();
  const visibleBoxes = () => DIRECTORY.cashboxes.filter((c) => cfg.companies.includes(c.company_id));

  const before = (req: SimRequest): SimReply | undefined => {
    if (req.method !== 'GET') return fail(405, 'method_not_allowed', `Method ${req.method} is not allowed`);
    if (req.path.replace(/\/+$/, '') === `${API_PREFIX}/meta`) return undefined; // public, as in the example
    const token = header(req, 'x-yandex-ofd-token')?.trim() ?? '';
    const slot = state.rate.take(token || 'anonymous');
    if (!slot.ok) {
      state.counters.rateLimited += 1;
      const wait = Math.max(1, Math.ceil((slot.resetAt - Date.now()) / 1000));
      return { status: 429, headers: { 'retry-after': String(wait) }, body: { error: 'too_many_requests', message: 'Too many requests' } };
    }
    if (!token) return fail(401, 'unauthorized', 'X-Yandex-Ofd-Token header is required');
    if (token === cfg.revokedToken) return fail(403, 'forbidden', 'Token is revoked');
    if (token !== cfg.token) return fail(401, 'unauthorized', 'Invalid token');
    return undefined;
  };

  const report = (build: (q: ReportQuery) => Record<string, unknown>) => (req: SimRequest): SimReply => {
    let q: ReportQuery;
    try {
      q = parseReportQuery(req.query, cfg.wire);
    } catch (err) {
      if (err instanceof BadRequest) return err.reply;
      throw err;
    }
    const denied = checkAccess(q, cfg.companies);
    if (denied) return denied;
    state.counters.served += 1;
    return { status: 200, body: build(q) };
  };

  const codes = (table: Record<string, { code: number; label: string } | undefined>) =>
    Object.fromEntries(Object.values(table).flatMap((v) => (v ? [[String(v.code), v.label]] : [])));

  const server = new SimServer({
    name: 'yandex-ofd-public',
    before,
    routes: [
      {
        method: 'GET',
        pattern: `${API_PREFIX}/meta`,
        handler: () => ({ status: 200, body: { data: { apiVersion: '1.0.0', apiUrl: 'https://yandex.ru/support/ofd-client/ru', maxLimit: MAX_LIMIT, defaultLimit: DEFAULT_LIMIT } } }),
      },
      { method: 'GET', pattern: `${API_PREFIX}/companies`, handler: () => ({ status: 200, body: cfg.companies.map(companyObject) }) },
      {
        method: 'GET',
        pattern: `${API_PREFIX}/retail_points`,
        handler: () => ({ status: 200, body: DIRECTORY.retailPoints.filter((r) => cfg.companies.includes(r.company_id)).map(retailPointObject) }),
      },
      { method: 'GET', pattern: `${API_PREFIX}/cashboxes`, handler: () => ({ status: 200, body: visibleBoxes().map(cashboxObject) }) },
      {
        method: 'GET',
        pattern: `${API_PREFIX}/cashboxes/:id`,
        handler: (req) => {
          const box = visibleBoxes().find((c) => c.id === req.params.id);
          return box ? { status: 200, body: [cashboxObject(box)] } : fail(404, 'not_found', `Cashbox ${req.params.id} not found`);
        },
      },
      {
        method: 'GET',
        pattern: `${API_PREFIX}/reference/codes`,
        handler: () => ({
          status: 200,
          body: {
            data: [
              { col_id: 'docName', rus_name: 'Тип документа', allowed_values: codes(DOC_NAME_CODES), tag: 1000 },
              { col_id: 'operationType', rus_name: 'Признак расчёта', allowed_values: codes(OPERATION_CODES), tag: 1054 },
              { col_id: 'appliedTaxationType', rus_name: 'Система налогообложения', allowed_values: codes(TAXATION_CODES), tag: 1055 },
            ],
          },
        }),
      },
      { method: 'GET', pattern: `${API_PREFIX}/reports/receipts`, handler: report((q) => receiptsReport(cfg, all, q, selections, state.rowFaults.shift())) },
      { method: 'GET', pattern: `${API_PREFIX}/reports/shifts`, handler: report((q) => shiftsReport(cfg, all, q)) },
    ],
    notFound: (req) => fail(404, 'not_found', `Unknown path ${req.path}`),
  });
  return { server, state };
}
