import { Decimal } from '../../money.js';
import type { Cell, Row, Sheet } from './report-file.js';

/**
 * Pure summaries of parsed report sheets. Columns are recognised by name (camelCase JSON keys and
 * UPPER_SNAKE CSV headers alike), never required: an unknown column is still counted, and summed when
 * every value in it is a number.
 */

export type ColumnKind = 'money' | 'quantity' | 'number';

export interface ColumnSum {
  column: string;
  kind: ColumnKind;
  total: Decimal;
  /** Cells that held a number. */
  values: number;
}

export interface StatusCount {
  column: string;
  counts: Array<{ value: string; rows: number }>;
}

export interface TopRow {
  /** 1-based row number in the sheet. */
  row: number;
  label: string;
  amount: Decimal;
}

export interface SheetSummary {
  name: string;
  rows: number;
  columns: string[];
  sums: ColumnSum[];
  mainAmount?: string;
  statusCounts: StatusCount[];
  dateRange?: { column: string; from: string; to: string };
  top: TopRow[];
}

export interface OrdersHeadline {
  sheet: string;
  amountColumn: string;
  itemsColumn?: string;
  statusColumn?: string;
  orders: number;
  items?: Decimal;
  amount: Decimal;
  byStatus: Array<{ status: string; orders: number; items?: Decimal; amount: Decimal }>;
  topSkus: Array<{ sku: string; name?: string; items?: Decimal; amount: Decimal }>;
}

export interface ReportSummary {
  sheets: SheetSummary[];
  orders?: OrdersHeadline;
}

/** `orderId`, `ORDER_ID`, `order_id` → `orderid`. */
export const norm = (column: string) => column.toLowerCase().replace(/[^a-z0-9]/g, '');

const QUANTITY_NAMES = new Set([
  'transferredfordelivery', 'deliveredorreturned', 'shipmentsincome', 'returnsincome', 'inventorysurplus', 'ordersoutcome',
  'warehousewithdrawal', 'recycling', 'inventoryshortage', 'income', 'outcome', 'count', 'items',
]);
const QUANTITY_RE = /count|quantity|qty|pieces|units/;
const MONEY_RE = /price|amount|payment|sum|cost|commission|subsid|spasibo|yandexplus|netting|paid|bonus|income|margin|discount|gain|fee|charge|compensation|revenue|total|penalty|storage|processing|delivery|acceptance|transfer|installment|boost|loyalty|expropriation|resale|cofinance|coupon/;
const FUNNEL_QUANTITY_RE = /shows|clicks|tocart|orderitems/;
/** Numbers that are not quantities to add: ids, shares, indexes, calendar parts. */
const NOT_SUMMED_RE = /contract|conversion|share|index|percent|rate|tariff|^year$|^month$|^day$|vat|number$|^inn$|^id$/;
const isIdColumn = (column: string) => /(Id|_ID|^ID)$/.test(column) || /^id$/i.test(column);

const DECIMAL_RE = /^[+-]?\d+(\.\d+)?$/;

/** A cell as an exact decimal; undefined when empty or not a number. */
export function decimalOf(v: Cell): Decimal | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? new Decimal(String(v)) : undefined;
  if (typeof v !== 'string') return undefined;
  let s = v.trim().replace(/[\s\u00a0\u202f]/g, '').replace(/₽$/, '').replace(/^−/, '-');
  if (s === '') return undefined;
  if (!s.includes('.') && (s.match(/,/g) ?? []).length === 1) s = s.replace(',', '.');
  return DECIMAL_RE.test(s) ? new Decimal(s) : undefined;
}

function kindOf(column: string): ColumnKind | undefined {
  const n = norm(column);
  if (isIdColumn(column) || NOT_SUMMED_RE.test(n)) return undefined;
  if (QUANTITY_NAMES.has(n) || QUANTITY_RE.test(n)) return 'quantity';
  if (MONEY_RE.test(n)) return 'money';
  if (FUNNEL_QUANTITY_RE.test(n)) return 'quantity';
  return 'number';
}

const isEmpty = (v: Cell) => v === null || (typeof v === 'string' && v.trim() === '');

function columnSums(sheet: Sheet): ColumnSum[] {
  const sums: ColumnSum[] = [];
  for (const column of sheet.columns) {
    const kind = kindOf(column);
    if (!kind) continue;
    let total = new Decimal(0);
    let values = 0;
    let numeric = true;
    for (const row of sheet.rows) {
      const v = row[column] ?? null;
      if (isEmpty(v)) continue;
      const d = decimalOf(v);
      if (!d) {
        numeric = false;
        break;
      }
      total = total.plus(d);
      values += 1;
    }
    if (numeric && values > 0) sums.push({ column, kind, total, values });
  }
  const order: Record<ColumnKind, number> = { money: 0, quantity: 1, number: 2 };
  return sums.sort((a, b) => order[a.kind] - order[b.kind]);
}

const MAIN_AMOUNT_PREFERENCE = [
  'billingprice', 'buyerpaymentamount', 'totalamount', 'serviceprice', 'orderitemstotalamount', 'sumbillingpriceofitems',
  'buyerpayment', 'buyerpaid', 'amount', 'price',
];

function mainAmount(sums: ColumnSum[]): ColumnSum | undefined {
  const money = sums.filter((s) => s.kind === 'money');
  for (const name of MAIN_AMOUNT_PREFERENCE) {
    const hit = money.find((s) => norm(s.column) === name);
    if (hit) return hit;
  }
  return [...money].sort((a, b) => b.total.abs().cmp(a.total.abs()))[0];
}

const DATE_COLUMN_RE = /date|day|time|at$/;
const STATUS_RE = /status|type$|model$|servicename|placement|warehouse(name)?$|region$/;

function statusCounts(sheet: Sheet, summed: Set<string>): StatusCount[] {
  const out: StatusCount[] = [];
  for (const column of sheet.columns) {
    const n = norm(column);
    if (summed.has(column) || !STATUS_RE.test(n) || DATE_COLUMN_RE.test(n) || /changed/.test(n)) continue;
    const counts = new Map<string, number>();
    for (const row of sheet.rows) {
      const v = row[column];
      if (isEmpty(v ?? null)) continue;
      const key = String(v).trim();
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (counts.size > 30) break;
    }
    if (counts.size === 0 || counts.size > 30) continue;
    out.push({ column, counts: [...counts].map(([value, rows]) => ({ value, rows })).sort((a, b) => b.rows - a.rows || a.value.localeCompare(b.value)) });
  }
  // Real statuses first.
  return out.sort((a, b) => Number(/status/.test(norm(b.column))) - Number(/status/.test(norm(a.column)))).slice(0, 6);
}

/** ISO date (or date-time), DD.MM.YYYY, DD-MM-YYYY → YYYY-MM-DD. */
export function dateOf(v: Cell): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{2})[.-](\d{2})[.-](\d{4})/.exec(s);
  if (m) return `${m[3]}-${m[2]}-${m[1]}`;
  return undefined;
}

function dateRange(sheet: Sheet): SheetSummary['dateRange'] {
  const candidates = sheet.columns.filter((c) => DATE_COLUMN_RE.test(norm(c)));
  candidates.sort((a, b) => Number(norm(b) === 'creationdate') - Number(norm(a) === 'creationdate'));
  for (const column of candidates) {
    let from: string | undefined;
    let to: string | undefined;
    for (const row of sheet.rows) {
      const d = dateOf(row[column] ?? null);
      if (!d) continue;
      if (!from || d < from) from = d;
      if (!to || d > to) to = d;
    }
    if (from && to) return { column, from, to };
  }
  return undefined;
}

const LABEL_PREFERENCE = [['orderid', 'movementnumber'], ['shopsku', 'offerid', 'sku'], ['offername', 'skuname', 'servicename', 'categoryname', 'name'], ['day', 'date']];

function labelOf(sheet: Sheet, row: Row): string {
  const parts: string[] = [];
  for (const group of LABEL_PREFERENCE) {
    const column = sheet.columns.find((c) => group.includes(norm(c)));
    const v = column ? row[column] : undefined;
    if (v !== undefined && !isEmpty(v)) parts.push(String(v).trim());
  }
  return parts.join(' · ') || '(row)';
}

function topRows(sheet: Sheet, amount: ColumnSum | undefined, limit: number): TopRow[] {
  if (!amount) return [];
  const rows: TopRow[] = [];
  sheet.rows.forEach((row, i) => {
    const d = decimalOf(row[amount.column] ?? null);
    if (d) rows.push({ row: i + 1, label: labelOf(sheet, row), amount: d });
  });
  return rows.sort((a, b) => b.amount.cmp(a.amount) || a.row - b.row).slice(0, limit);
}

export function summariseSheet(sheet: Sheet, topLimit = 10): SheetSummary {
  const sums = columnSums(sheet);
  const main = mainAmount(sums);
  return {
    name: sheet.name,
    rows: sheet.rows.length,
    columns: sheet.columns,
    sums,
    mainAmount: main?.column,
    statusCounts: statusCounts(sheet, new Set(sums.map((s) => s.column))),
    dateRange: dateRange(sheet),
    top: topRows(sheet, main, topLimit),
  };
}

const find = (sheet: Sheet, names: string[]) => {
  for (const n of names) {
    const hit = sheet.columns.find((c) => norm(c) === n);
    if (hit) return hit;
  }
  return undefined;
};

/** The orders headline, from the sheet with order ids and an amount (the orders report's transactions). */
function ordersHeadline(sheets: Sheet[], summaries: SheetSummary[]): OrdersHeadline | undefined {
  const ordered = [...sheets].sort((a, b) => Number(b.name === 'orders_and_offers_transactions') - Number(a.name === 'orders_and_offers_transactions'));
  for (const sheet of ordered) {
    const summary = summaries[sheets.indexOf(sheet)]!;
    const orderColumn = find(sheet, ['orderid']);
    const amountColumn = summary.mainAmount;
    if (!orderColumn || !amountColumn || sheet.rows.length === 0) continue;
    const itemsColumn = find(sheet, ['transferredfordelivery', 'count', 'quantity', 'itemscount', 'orderitems']);
    const statusColumn = find(sheet, ['offerstatus', 'orderstatus', 'status']);
    const skuColumn = find(sheet, ['shopsku', 'offerid', 'sku']);
    const nameColumn = find(sheet, ['offername', 'skuname', 'name']);
    const orders = new Set<string>();
    let items = itemsColumn ? new Decimal(0) : undefined;
    let amount = new Decimal(0);
    const byStatus = new Map<string, { orders: Set<string>; items?: Decimal; amount: Decimal }>();
    const bySku = new Map<string, { name?: string; items?: Decimal; amount: Decimal }>();
    for (const row of sheet.rows) {
      const id = row[orderColumn];
      if (id !== null && id !== undefined) orders.add(String(id));
      const a = decimalOf(row[amountColumn] ?? null) ?? new Decimal(0);
      const n = itemsColumn ? (decimalOf(row[itemsColumn] ?? null) ?? new Decimal(0)) : undefined;
      amount = amount.plus(a);
      if (items && n) items = items.plus(n);
      if (statusColumn) {
        const key = isEmpty(row[statusColumn] ?? null) ? '(no status)' : String(row[statusColumn]).trim();
        const s = byStatus.get(key) ?? { orders: new Set<string>(), items: n ? new Decimal(0) : undefined, amount: new Decimal(0) };
        if (id !== null && id !== undefined) s.orders.add(String(id));
        s.amount = s.amount.plus(a);
        if (s.items && n) s.items = s.items.plus(n);
        byStatus.set(key, s);
      }
      if (skuColumn && !isEmpty(row[skuColumn] ?? null)) {
        const key = String(row[skuColumn]).trim();
        const s = bySku.get(key) ?? { name: nameColumn && !isEmpty(row[nameColumn] ?? null) ? String(row[nameColumn]) : undefined, items: n ? new Decimal(0) : undefined, amount: new Decimal(0) };
        s.amount = s.amount.plus(a);
        if (s.items && n) s.items = s.items.plus(n);
        bySku.set(key, s);
      }
    }
    return {
      sheet: sheet.name,
      amountColumn,
      itemsColumn,
      statusColumn,
      orders: orders.size,
      items,
      amount,
      byStatus: [...byStatus].map(([status, s]) => ({ status, orders: s.orders.size, items: s.items, amount: s.amount })).sort((a, b) => b.amount.cmp(a.amount) || a.status.localeCompare(b.status)),
      topSkus: [...bySku].map(([sku, s]) => ({ sku, ...s })).sort((a, b) => b.amount.cmp(a.amount) || a.sku.localeCompare(b.sku)).slice(0, 10),
    };
  }
  return undefined;
}

export function summariseReport(sheets: Sheet[]): ReportSummary {
  const summaries = sheets.map((s) => summariseSheet(s));
  return { sheets: summaries, orders: ordersHeadline(sheets, summaries) };
}
