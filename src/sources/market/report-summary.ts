import { Decimal, isPlausibleAmount } from '../../money.js';
import type { Cell, Row, Sheet } from './report-file.js';

/**
 * Pure summaries of parsed report sheets. Columns are recognised by name (camelCase JSON keys and
 * UPPER_SNAKE CSV headers alike), never required: an unknown column is still counted, and summed when
 * every value in it is a number.
 */

export type ColumnKind = 'money' | 'quantity' | 'number';

/**
 * Columns the report pages define as a price PER ITEM (united-orders: partnerPriceForDelivery, billingPrice,
 * co-financing and discount columns; services: price, batchPrice; smart-pricing: shopPrice, sellingPrice).
 * Summing them over rows gives no money figure, so they are summarised as unit prices.
 */
const UNIT_PRICE_NAMES = new Set([
  'partnerpricefordelivery', 'billingprice', 'cofinancetreshold', 'cofinancethreshold', 'cofinancevalue', 'cofinancesubsidy',
  'marketplacesubsidy', 'spasibo', 'yandexplus', 'price', 'batchprice', 'shopprice', 'sellingprice',
]);
const UNIT_PRICE_RE = /(perunit|peritem|unitprice)$/;
export const isUnitPriceColumn = (column: string) => UNIT_PRICE_NAMES.has(norm(column)) || UNIT_PRICE_RE.test(norm(column));

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
  /** Per-item price columns, shown as min/max/mean instead of a meaningless sum. */
  unitPrices: UnitPriceStats[];
  statusCounts: StatusCount[];
  dateRange?: { column: string; from: string; to: string };
  top: TopRow[];
}

/** Min / max / mean of a per-item price column: such columns are prices, never totals to add up. */
export interface UnitPriceStats {
  column: string;
  min: Decimal;
  max: Decimal;
  /** Plain mean over the rows that hold a price (not weighted by units). */
  mean: Decimal;
  values: number;
}

export interface StatusRevenue {
  status: string;
  orders: number;
  items?: Decimal;
  amount: Decimal;
  /** false for cancelled / returned statuses, which the revenue figure leaves out. */
  inRevenue: boolean;
}

export interface RevenueTotal {
  orders: number;
  items?: Decimal;
  amount: Decimal;
}

/**
 * The headline of the orders report (sheet orders_and_offers_transactions). One row is order × SKU ×
 * status; `billingPrice` is the sale price PER ITEM and `transferredForDelivery` the units, so a row's
 * revenue is their product. Without those two columns the buyer's payment of the row is the basis.
 */
export interface OrdersHeadline {
  sheet: string;
  /** How a row's amount was computed, e.g. "billingPrice × transferredForDelivery". */
  basis: string;
  itemsColumn?: string;
  statusColumn?: string;
  /** Cancelled and returned orders left out. */
  revenue: RevenueTotal;
  /** Every status, cancelled and returned included. */
  allStatuses: RevenueTotal;
  excludedStatuses: string[];
  /** Rows without a price or a unit count: absent, not counted as 0. */
  rowsWithoutAmount: number;
  byStatus: StatusRevenue[];
  /** Revenue by the day the order was created (cancelled / returned left out), when the sheet has that date. */
  byDay: Array<{ date: string; orders: number; amount: Decimal }>;
  /** By revenue (cancelled / returned left out). */
  topSkus: Array<{ sku: string; name?: string; items?: Decimal; amount: Decimal }>;
}

/** The services cost report: each sheet is one service, its main amount column the charge. */
export interface ServicesHeadline {
  total: Decimal;
  bySheet: Array<{ sheet: string; column: string; amount: Decimal }>;
}

export interface ReportSummary {
  sheets: SheetSummary[];
  orders?: OrdersHeadline;
  services?: ServicesHeadline;
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

/**
 * A cell as an exact decimal; undefined when empty or not a number. A value beyond any plausible amount
 * (10^15 and more, over 20 decimal places: 1e308, a float's 5e-324) is not taken as one either, as for
 * the other sources' amounts: sums of such values could not be exact.
 */
export function decimalOf(v: Cell): Decimal | undefined {
  const d = readDecimal(v);
  return d && isPlausibleAmount(d) ? d : undefined;
}

function readDecimal(v: Cell): Decimal | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? new Decimal(String(v)) : undefined;
  if (typeof v !== 'string') return undefined;
  // Most cells are plain decimals already: skip the clean-up below for them.
  if (DECIMAL_RE.test(v)) return new Decimal(v);
  let s = v.trim().replace(/[\s\u00a0\u202f]/g, '').replace(/₽$/, '').replace(/^−/, '-');
  if (s === '') return undefined;
  if (!s.includes('.') && (s.match(/,/g) ?? []).length === 1) s = s.replace(',', '.');
  return DECIMAL_RE.test(s) ? new Decimal(s) : undefined;
}

function kindOf(column: string): ColumnKind | undefined {
  const n = norm(column);
  if (isIdColumn(column) || NOT_SUMMED_RE.test(n) || isUnitPriceColumn(column)) return undefined;
  if (QUANTITY_NAMES.has(n) || QUANTITY_RE.test(n)) return 'quantity';
  if (MONEY_RE.test(n)) return 'money';
  if (FUNNEL_QUANTITY_RE.test(n)) return 'quantity';
  return 'number';
}

const isEmpty = (v: Cell) => v === null || (typeof v === 'string' && v.trim() === '');

interface ColumnStats {
  total: Decimal;
  min: Decimal;
  max: Decimal;
  /** Non-empty cells, every one a number. */
  values: number;
}

/**
 * Sum, min and max of a column's non-empty values in one pass, keeping none of them (a 50,000-row report
 * would hold a Decimal per cell); undefined when any of them is not a number or none is there.
 */
function columnStats(sheet: Sheet, column: string): ColumnStats | undefined {
  let total = new Decimal(0);
  let min: Decimal | undefined;
  let max: Decimal | undefined;
  let values = 0;
  for (const row of sheet.rows) {
    const v = row[column] ?? null;
    if (isEmpty(v)) continue;
    const d = decimalOf(v);
    if (!d) return undefined;
    total = total.plus(d);
    if (!min || d.lt(min)) min = d;
    if (!max || d.gt(max)) max = d;
    values += 1;
  }
  return min && max ? { total, min, max, values } : undefined;
}

function columnSums(sheet: Sheet): ColumnSum[] {
  const sums: ColumnSum[] = [];
  for (const column of sheet.columns) {
    const kind = kindOf(column);
    if (!kind) continue;
    const stats = columnStats(sheet, column);
    if (stats) sums.push({ column, kind, total: stats.total, values: stats.values });
  }
  const order: Record<ColumnKind, number> = { money: 0, quantity: 1, number: 2 };
  return sums.sort((a, b) => order[a.kind] - order[b.kind]);
}

/** Line amounts only: per-item prices (billingPrice, price …) are never a sheet's main amount. */
const MAIN_AMOUNT_PREFERENCE = [
  'buyerpaymentamount', 'totalamount', 'serviceprice', 'orderitemstotalamount', 'sumbillingpriceofitems',
  'buyerpayment', 'buyerpaid', 'amount',
];

function unitPrices(sheet: Sheet): UnitPriceStats[] {
  const out: UnitPriceStats[] = [];
  for (const column of sheet.columns.filter(isUnitPriceColumn)) {
    const stats = columnStats(sheet, column);
    if (!stats) continue;
    out.push({ column, min: stats.min, max: stats.max, mean: stats.total.div(stats.values).toDecimalPlaces(2), values: stats.values });
  }
  return out;
}

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

/** The columns a row's label is made of, one per group of LABEL_PREFERENCE the sheet has. */
function labelColumns(sheet: Sheet): string[] {
  const byName = new Map<string, string>();
  for (const c of sheet.columns) if (!byName.has(norm(c))) byName.set(norm(c), c);
  // The group's order is the preference (offerName before categoryName), not the sheet's column order.
  return LABEL_PREFERENCE.map((group) => group.map((name) => byName.get(name)).find((c) => c !== undefined)).filter((c): c is string => c !== undefined);
}

function labelOf(columns: readonly string[], row: Row): string {
  const parts: string[] = [];
  for (const column of columns) {
    const v = row[column];
    if (v !== undefined && !isEmpty(v)) parts.push(String(v).trim());
  }
  return parts.join(' · ') || '(row)';
}

/**
 * The `limit` rows with the largest amounts (ties: earlier row first). A bounded list kept sorted, so a
 * 50,000-row sheet costs one comparison for most rows, and only the kept rows are labelled.
 */
function topRows(sheet: Sheet, amount: ColumnSum | undefined, limit: number): TopRow[] {
  if (!amount || limit <= 0) return [];
  const kept: Array<{ index: number; amount: Decimal }> = [];
  sheet.rows.forEach((row, index) => {
    const d = decimalOf(row[amount.column] ?? null);
    if (!d || (kept.length === limit && !d.gt(kept[kept.length - 1]!.amount))) return;
    let at = kept.length;
    while (at > 0 && d.gt(kept[at - 1]!.amount)) at--;
    kept.splice(at, 0, { index, amount: d });
    if (kept.length > limit) kept.pop();
  });
  const columns = labelColumns(sheet);
  return kept.map(({ index, amount: d }) => ({ row: index + 1, label: labelOf(columns, sheet.rows[index]!), amount: d }));
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
    unitPrices: unitPrices(sheet),
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

export const ORDERS_SHEET = 'orders_and_offers_transactions';
/** Statuses whose goods were not sold: cancelled, returned, not redeemed (RU and EN texts). */
const NOT_SOLD_RE = /отмен|cancel|возврат|return|невыкуп|not redeemed|unredeemed/i;
export const isNotSoldStatus = (status: string) => NOT_SOLD_RE.test(status);

interface Tally {
  orders: Set<string>;
  items?: Decimal;
  amount: Decimal;
}
const tally = (withItems: boolean): Tally => ({ orders: new Set<string>(), items: withItems ? new Decimal(0) : undefined, amount: new Decimal(0) });
function add(t: Tally, order: string | undefined, items: Decimal | undefined, amount: Decimal): void {
  if (order !== undefined) t.orders.add(order);
  if (t.items && items) t.items = t.items.plus(items);
  t.amount = t.amount.plus(amount);
}
const total = (t: Tally): RevenueTotal => ({ orders: t.orders.size, items: t.items, amount: t.amount });

/** The orders headline: only from the orders report's transactions sheet, never from other sheets with order ids. */
function ordersHeadline(sheet: Sheet): OrdersHeadline | undefined {
  const orderColumn = find(sheet, ['orderid']);
  if (!orderColumn || sheet.rows.length === 0) return undefined;
  const priceColumn = find(sheet, ['billingprice']);
  const itemsColumn = find(sheet, ['transferredfordelivery', 'count']);
  const paymentColumn = find(sheet, ['buyerpaymentamount']);
  let basis: string;
  let lineAmount: (row: Row) => Decimal | undefined;
  if (priceColumn && itemsColumn) {
    basis = `${priceColumn} × ${itemsColumn}`;
    lineAmount = (row) => {
      const price = decimalOf(row[priceColumn] ?? null);
      const units = decimalOf(row[itemsColumn] ?? null);
      return price && units ? price.times(units) : undefined;
    };
  } else if (paymentColumn) {
    basis = paymentColumn;
    lineAmount = (row) => decimalOf(row[paymentColumn] ?? null);
  } else return undefined;
  const statusColumn = find(sheet, ['offerstatus', 'orderstatus', 'status']);
  const skuColumn = find(sheet, ['shopsku', 'offerid', 'sku']);
  const nameColumn = find(sheet, ['offername', 'skuname', 'name']);
  const dateColumn = find(sheet, ['creationdate', 'orderdate', 'date']);
  const byDay = new Map<string, Tally>();
  const all = tally(itemsColumn !== undefined);
  const revenue = tally(itemsColumn !== undefined);
  const byStatus = new Map<string, Tally>();
  const bySku = new Map<string, Tally & { name?: string }>();
  const excluded = new Set<string>();
  let rowsWithoutAmount = 0;
  for (const row of sheet.rows) {
    const id = isEmpty(row[orderColumn] ?? null) ? undefined : String(row[orderColumn]).trim();
    const items = itemsColumn ? decimalOf(row[itemsColumn] ?? null) : undefined;
    const amount = lineAmount(row);
    if (!amount) rowsWithoutAmount += 1;
    const line = amount ?? new Decimal(0);
    const status = statusColumn && !isEmpty(row[statusColumn] ?? null) ? String(row[statusColumn]).trim() : '(no status)';
    const sold = !isNotSoldStatus(status);
    if (!sold) excluded.add(status);
    add(all, id, items, line);
    if (statusColumn) {
      const s = byStatus.get(status) ?? tally(itemsColumn !== undefined);
      add(s, id, items, line);
      byStatus.set(status, s);
    }
    if (!sold) continue;
    add(revenue, id, items, line);
    const day = dateColumn ? dateOf(row[dateColumn] ?? null) : undefined;
    if (day) {
      const d = byDay.get(day) ?? tally(false);
      add(d, id, undefined, line);
      byDay.set(day, d);
    }
    if (skuColumn && !isEmpty(row[skuColumn] ?? null)) {
      const key = String(row[skuColumn]).trim();
      const s = bySku.get(key) ?? { ...tally(itemsColumn !== undefined), name: nameColumn && !isEmpty(row[nameColumn] ?? null) ? String(row[nameColumn]) : undefined };
      add(s, undefined, items, line);
      bySku.set(key, s);
    }
  }
  return {
    sheet: sheet.name,
    basis,
    itemsColumn,
    statusColumn,
    revenue: total(revenue),
    allStatuses: total(all),
    excludedStatuses: [...excluded].sort(),
    rowsWithoutAmount,
    byStatus: [...byStatus]
      .map(([status, s]) => ({ status, ...total(s), inRevenue: !isNotSoldStatus(status) }))
      .sort((a, b) => b.amount.cmp(a.amount) || a.status.localeCompare(b.status)),
    byDay: [...byDay]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, t]) => ({ date, orders: t.orders.size, amount: t.amount })),
    topSkus: [...bySku]
      .map(([sku, s]) => ({ sku, name: s.name, items: s.items, amount: s.amount }))
      .sort((a, b) => b.amount.cmp(a.amount) || a.sku.localeCompare(b.sku))
      .slice(0, 10),
  };
}

/** Service charges: the main amount column of every sheet of the services cost report, added up. */
function servicesHeadline(summaries: SheetSummary[]): ServicesHeadline | undefined {
  const bySheet = summaries.flatMap((s) => {
    const sum = s.sums.find((x) => x.column === s.mainAmount);
    return sum ? [{ sheet: s.name, column: sum.column, amount: sum.total }] : [];
  });
  if (bySheet.length === 0) return undefined;
  return { total: bySheet.reduce((t, x) => t.plus(x.amount), new Decimal(0)), bySheet };
}

/**
 * Summaries of every sheet, plus a headline by report type: orders and revenue for united-orders (its
 * transactions sheet only), service charges for united-marketplace-services. `type` undefined (a report
 * of unknown origin) still gets the orders headline when the transactions sheet is there.
 */
export function summariseReport(sheets: Sheet[], type?: string): ReportSummary {
  const summaries = sheets.map((s) => summariseSheet(s));
  const transactions = type === undefined || type === 'united-orders' ? sheets.find((s) => norm(s.name) === norm(ORDERS_SHEET)) : undefined;
  return {
    sheets: summaries,
    orders: transactions && ordersHeadline(transactions),
    services: type === 'united-marketplace-services' ? servicesHeadline(summaries) : undefined,
  };
}
