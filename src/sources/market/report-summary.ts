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
  // decimal.js reads a non-integer number through its shortest string form, as String(v) would (-0 read as 0).
  if (typeof v === 'number') return Number.isFinite(v) ? new Decimal(v === 0 ? 0 : v) : undefined;
  if (typeof v !== 'string') return undefined;
  // Most cells are plain decimals already: skip the clean-up below for them.
  if (DECIMAL_RE.test(v)) return new Decimal(v);
  let s = v.trim().replace(/[\s\u00a0\u202f]/g, '').replace(/₽$/, '').replace(/^−/, '-');
  if (s === '') return undefined;
  if (!s.includes('.') && (s.match(/,/g) ?? []).length === 1) s = s.replace(',', '.');
  return DECIMAL_RE.test(s) ? new Decimal(s) : undefined;
}

/**
 * `compute` remembered per distinct argument (statuses and days repeat on every row); forgotten wholesale
 * past `cap` entries, so a column of distinct values costs bounded memory.
 */
function remembered<K, V>(compute: (key: K) => V, cap = 10_000): (key: K) => V {
  const known = new Map<K, V>();
  return (key) => {
    const hit = known.get(key);
    if (hit !== undefined || known.has(key)) return hit as V;
    if (known.size >= cap) known.clear();
    const value = compute(key);
    known.set(key, value);
    return value;
  };
}

/**
 * decimalOf for the cells of one row: a value repeated in the row's other columns (a unit price in two
 * columns, the payment for one item) is parsed once. Nothing is kept past the row: Decimals that die young
 * are cheap to collect, while a cache of every distinct value of a big report would cost more in garbage
 * collection than the parses it saves.
 */
class RowDecimals {
  readonly #cells: Cell[] = [];
  readonly #decimals: Array<Decimal | undefined> = [];

  nextRow(): void {
    this.#cells.length = 0;
    this.#decimals.length = 0;
  }

  of(v: Cell): Decimal | undefined {
    const at = this.#cells.indexOf(v);
    if (at >= 0) return this.#decimals[at];
    const d = decimalOf(v);
    this.remember(v, d);
    return d;
  }

  /** A value a column scan read without parsing (one it counts): the headline finds it here too. */
  remember(v: Cell, d: Decimal | undefined): void {
    this.#cells.push(v);
    this.#decimals.push(d);
  }
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

/** Distinct values per column counted rather than added one by one (see ColumnScan). */
const COUNTED_VALUES = 256;

/**
 * One numeric column read in the sheet's single pass: the sum of its non-empty values, min and max for a
 * per-item price column, and the rows with the largest amounts for a column that may be the sheet's main
 * amount. No value is kept per cell. (decimal.js copies the argument of every comparison and addition,
 * so only the comparisons a figure needs are made.)
 */
class ColumnScan {
  total = new Decimal(0);
  min: Decimal | undefined;
  max: Decimal | undefined;
  readonly #extremes: boolean;
  /** Non-empty cells, every one a number. */
  values = 0;
  /** A cell held something other than a number: the column is not summed. */
  failed = false;
  readonly top: TopAmounts | undefined;
  /**
   * The first COUNTED_VALUES distinct values, with how many cells held each: a repeated value (a unit count,
   * a fixed fee, a shop's usual price) is counted, not parsed and added again. Later values are added as met.
   */
  readonly #counted = new Map<Cell, { d: Decimal; n: number }>();

  constructor(
    readonly column: string,
    /** undefined for a per-item price column. */
    readonly kind: ColumnKind | undefined,
    topLimit: number,
  ) {
    this.top = topLimit > 0 ? new TopAmounts(topLimit) : undefined;
    this.#extremes = kind === undefined;
  }

  /** false once the column has a cell that is not a number. */
  add(v: Cell, index: number, decimals: RowDecimals): boolean {
    const counted = this.#counted.get(v);
    let d: Decimal | undefined;
    if (counted) {
      counted.n += 1;
      d = counted.d;
      decimals.remember(v, d);
    } else {
      if (isEmpty(v)) return true;
      d = decimals.of(v);
      if (!d) {
        this.failed = true;
        return false;
      }
      if (this.#extremes) {
        if (!this.min || d.lt(this.min)) this.min = d;
        if (!this.max || d.gt(this.max)) this.max = d;
      }
      if (this.#counted.size < COUNTED_VALUES) this.#counted.set(v, { d, n: 1 });
      else {
        this.total = this.total.plus(d);
        this.values += 1;
      }
    }
    this.top?.offer(index, d);
    return true;
  }

  /** Sum (with min and max for a per-item price column); undefined when a cell was not a number or none held one. */
  stats(): { total: Decimal; min?: Decimal; max?: Decimal; values: number } | undefined {
    for (const { d, n } of this.#counted.values()) {
      this.total = this.total.plus(n === 1 ? d : d.times(n));
      this.values += n;
    }
    this.#counted.clear();
    return !this.failed && this.values > 0 ? { total: this.total, min: this.min, max: this.max, values: this.values } : undefined;
  }
}

/**
 * The `limit` rows with the largest amounts (ties: earlier row first). A bounded list kept sorted, so a
 * 50,000-row sheet costs one comparison for most rows.
 */
class TopAmounts {
  readonly kept: Array<{ index: number; amount: Decimal }> = [];
  constructor(private readonly limit: number) {}

  offer(index: number, amount: Decimal): void {
    const kept = this.kept;
    if (kept.length === this.limit && !amount.gt(kept[kept.length - 1]!.amount)) return;
    let at = kept.length;
    while (at > 0 && amount.gt(kept[at - 1]!.amount)) at--;
    kept.splice(at, 0, { index, amount });
    if (kept.length > this.limit) kept.pop();
  }
}

/** Something else that reads every row in the sheet's single pass (the orders headline). */
interface RowReader {
  read(row: Row, decimals: RowDecimals): void;
}

/**
 * Every summable and per-item price column of the sheet read in one pass over the rows, each cell parsed
 * once (the old way read the sheet once per column and parsed the main amount, prices and units again for
 * the top rows and the headline).
 */
function scanColumns(sheet: Sheet, topLimit: number, reader?: RowReader): ColumnScan[] {
  const kinds = sheet.columns.map((column) => [column, kindOf(column)] as const);
  // Top rows are kept for the columns that can become the main amount (mainAmount): the preferred ones when
  // the sheet has any, else every money column.
  const preferred = kinds.some(([column, kind]) => kind === 'money' && MAIN_AMOUNT_PREFERENCE.includes(norm(column)));
  const scans: ColumnScan[] = [];
  for (const [column, kind] of kinds) {
    const mayBeMain = kind === 'money' && (!preferred || MAIN_AMOUNT_PREFERENCE.includes(norm(column)));
    if (kind || isUnitPriceColumn(column)) scans.push(new ColumnScan(column, kind, mayBeMain ? topLimit : 0));
  }
  let live = scans;
  const decimals = new RowDecimals();
  const rows = sheet.rows;
  for (let index = 0; index < rows.length && (live.length > 0 || reader); index++) {
    const row = rows[index]!;
    decimals.nextRow();
    let failed = false;
    for (const scan of live) {
      const v = row[scan.column];
      if (v !== null && v !== undefined && !scan.add(v, index, decimals)) failed = true;
    }
    if (failed) live = live.filter((s) => !s.failed);
    reader?.read(row, decimals);
  }
  return scans;
}

function columnSums(scans: ColumnScan[]): ColumnSum[] {
  const sums: ColumnSum[] = [];
  for (const scan of scans) {
    const stats = scan.kind && scan.stats();
    if (stats) sums.push({ column: scan.column, kind: scan.kind!, total: stats.total, values: stats.values });
  }
  const order: Record<ColumnKind, number> = { money: 0, quantity: 1, number: 2 };
  return sums.sort((a, b) => order[a.kind] - order[b.kind]);
}

/** Line amounts only: per-item prices (billingPrice, price …) are never a sheet's main amount. */
const MAIN_AMOUNT_PREFERENCE = [
  'buyerpaymentamount', 'totalamount', 'serviceprice', 'orderitemstotalamount', 'sumbillingpriceofitems',
  'buyerpayment', 'buyerpaid', 'amount',
];

function unitPrices(scans: ColumnScan[]): UnitPriceStats[] {
  const out: UnitPriceStats[] = [];
  for (const scan of scans) {
    const stats = !scan.kind && scan.stats();
    if (!stats) continue;
    out.push({ column: scan.column, min: stats.min!, max: stats.max!, mean: stats.total.div(stats.values).toDecimalPlaces(2), values: stats.values });
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
    // Rows come grouped (an order's items, a day's orders): a run of one cell is counted at once.
    let previous: Cell | undefined;
    let run = 0;
    const count = () => {
      if (run > 0 && !isEmpty(previous ?? null)) {
        const key = String(previous).trim();
        counts.set(key, (counts.get(key) ?? 0) + run);
      }
      run = 0;
    };
    for (const row of sheet.rows) {
      const v = row[column];
      if (v === previous) {
        run += 1;
        continue;
      }
      count();
      if (counts.size > 30) break;
      previous = v;
      run = 1;
    }
    count();
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
    let previous: Cell | undefined;
    for (const row of sheet.rows) {
      const v = row[column] ?? null;
      // Rows come grouped by day: a repeat of the previous cell cannot move the range.
      if (v === previous) continue;
      previous = v;
      const d = dateOf(v);
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

/** The main amount's top rows, labelled (only the kept rows are). */
function topRows(sheet: Sheet, scans: ColumnScan[], amount: ColumnSum | undefined, topLimit: number): TopRow[] {
  if (!amount || topLimit <= 0) return [];
  let top = scans.find((s) => s.column === amount.column)?.top;
  if (!top) {
    // Every preferred column held text: the main amount is another money column, read again for its top rows.
    top = new TopAmounts(topLimit);
    sheet.rows.forEach((row, index) => {
      const d = decimalOf(row[amount.column] ?? null);
      if (d) top!.offer(index, d);
    });
  }
  const columns = labelColumns(sheet);
  return top.kept.map(({ index, amount: d }) => ({ row: index + 1, label: labelOf(columns, sheet.rows[index]!), amount: d }));
}

export function summariseSheet(sheet: Sheet, topLimit = 10, reader?: RowReader): SheetSummary {
  const scans = scanColumns(sheet, topLimit, reader);
  const sums = columnSums(scans);
  const main = mainAmount(sums);
  return {
    name: sheet.name,
    rows: sheet.rows.length,
    columns: sheet.columns,
    sums,
    mainAmount: main?.column,
    unitPrices: unitPrices(scans),
    statusCounts: statusCounts(sheet, new Set(sums.map((s) => s.column))),
    dateRange: dateRange(sheet),
    top: topRows(sheet, scans, main, topLimit),
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

/** A figure of the headline: distinct orders, units (when the sheet has them) and amount. */
class Totals {
  /** Distinct orders: marks by the order's number in the sheet (OrdersHeadlineReader), not a set of ids per figure. */
  orders = 0;
  #seen = new Uint8Array(64);
  #lastOrder = -1;
  amount = new Decimal(0);
  items: Decimal | undefined;

  constructor(withItems: boolean) {
    this.items = withItems ? new Decimal(0) : undefined;
  }

  addOrder(order: number): void {
    // A multi-item order's rows are adjacent: most repeats stop here.
    if (order < 0 || order === this.#lastOrder) return;
    this.#lastOrder = order;
    if (order >= this.#seen.length) {
      const more = new Uint8Array(Math.max(order + 1, this.#seen.length * 2));
      more.set(this.#seen);
      this.#seen = more;
    }
    if (this.#seen[order] === 0) {
      this.#seen[order] = 1;
      this.orders += 1;
    }
  }

  add(amount: Decimal, items: Decimal | undefined): void {
    this.amount = this.amount.plus(amount);
    if (this.items && items) this.items = this.items.plus(items);
  }

  total(): RevenueTotal {
    return { orders: this.orders, items: this.items, amount: this.amount };
  }
}

interface StatusOf {
  status: string;
  sold: boolean;
  totals?: Totals;
}

/** The rows of one status, day and SKU, added up together; the figures are sums of such groups. */
interface Group {
  status: StatusOf;
  day?: Totals;
  sku?: Totals;
  amount: Decimal;
  items: Decimal;
  /** Rows per unit count (the units column's counted values repeat: 1, 2, 3 …), multiplied out at the end. */
  units: Map<Decimal, number>;
}

/** Distinct unit counts a group counts before adding the rest one by one. */
const COUNTED_UNITS = 16;

/**
 * The orders headline: only from the orders report's transactions sheet, never from other sheets with order
 * ids. It reads the rows in the sheet's single pass (scanColumns), so the prices and units the column sums
 * parsed are not parsed again; each row is added to one group of its status, day and SKU (a few thousand
 * groups at most), not to the five figures it counts in.
 */
class OrdersHeadlineReader implements RowReader {
  readonly #withItems: boolean;
  readonly #all: Totals;
  readonly #revenue: Totals;
  readonly #byStatus = new Map<string, Totals>();
  readonly #byDay = new Map<string, Totals>();
  readonly #bySku = new Map<string, { name?: string; totals: Totals }>();
  readonly #groups = new Map<StatusOf, Map<Totals | undefined, Map<Totals | undefined, Group>>>();
  readonly #statusOf: (v: Cell) => StatusOf;
  readonly #dayOf: (v: Cell) => Totals | undefined;
  #rowsWithoutAmount = 0;
  #lastIdCell: Cell | undefined;
  /** The current row's order as its number in order of first appearance (-1: none). */
  #order = -1;
  readonly #orderNumbers = new Map<string, number>();

  static for(sheet: Sheet): OrdersHeadlineReader | undefined {
    const orderColumn = find(sheet, ['orderid']);
    if (!orderColumn || sheet.rows.length === 0) return undefined;
    const priceColumn = find(sheet, ['billingprice']);
    const itemsColumn = find(sheet, ['transferredfordelivery', 'count']);
    const paymentColumn = find(sheet, ['buyerpaymentamount']);
    if (priceColumn && itemsColumn) return new OrdersHeadlineReader(sheet, orderColumn, `${priceColumn} × ${itemsColumn}`, priceColumn, itemsColumn, true);
    if (paymentColumn) return new OrdersHeadlineReader(sheet, orderColumn, paymentColumn, paymentColumn, itemsColumn, false);
    return undefined;
  }

  private constructor(
    private readonly sheet: Sheet,
    private readonly orderColumn: string,
    /** How a row's amount is computed, e.g. "billingPrice × transferredForDelivery". */
    private readonly basis: string,
    private readonly amountColumn: string,
    private readonly itemsColumn: string | undefined,
    /** The amount column is a price per item, to multiply by the units. */
    private readonly byUnits: boolean,
    private readonly statusColumn = find(sheet, ['offerstatus', 'orderstatus', 'status']),
    private readonly skuColumn = find(sheet, ['shopsku', 'offerid', 'sku']),
    private readonly nameColumn = find(sheet, ['offername', 'skuname', 'name']),
    private readonly dateColumn = find(sheet, ['creationdate', 'orderdate', 'date']),
  ) {
    this.#withItems = itemsColumn !== undefined;
    this.#all = new Totals(this.#withItems);
    this.#revenue = new Totals(this.#withItems);
    this.#statusOf = remembered((v: Cell) => {
      const status = statusColumn && !isEmpty(v) ? String(v).trim() : '(no status)';
      let totals = this.#byStatus.get(status);
      if (!totals && statusColumn) this.#byStatus.set(status, (totals = new Totals(this.#withItems)));
      return { status, sold: !isNotSoldStatus(status), totals };
    });
    this.#dayOf = remembered((v: Cell) => {
      const day = dateOf(v);
      if (day === undefined) return undefined;
      let totals = this.#byDay.get(day);
      if (!totals) this.#byDay.set(day, (totals = new Totals(false)));
      return totals;
    });
  }

  read(row: Row, decimals: RowDecimals): void {
    const idCell = row[this.orderColumn] ?? null;
    if (idCell !== this.#lastIdCell) {
      this.#lastIdCell = idCell;
      const id = isEmpty(idCell) ? undefined : String(idCell).trim();
      let order = id === undefined ? -1 : this.#orderNumbers.get(id);
      if (order === undefined) this.#orderNumbers.set(id!, (order = this.#orderNumbers.size));
      this.#order = order;
    }
    const order = this.#order;
    const itemsCell = this.itemsColumn ? (row[this.itemsColumn] ?? null) : null;
    const items = this.itemsColumn ? decimals.of(itemsCell) : undefined;
    const base = decimals.of(row[this.amountColumn] ?? null);
    // One unit (most rows): the price is the amount, no multiplication.
    const amount = this.byUnits ? (base && items ? (itemsCell === 1 || itemsCell === '1' ? base : base.times(items)) : undefined) : base;
    if (!amount) this.#rowsWithoutAmount += 1;
    const status = this.#statusOf(this.statusColumn ? (row[this.statusColumn] ?? null) : null);
    this.#all.addOrder(order);
    status.totals?.addOrder(order);
    let day: Totals | undefined;
    let sku: Totals | undefined;
    if (status.sold) {
      this.#revenue.addOrder(order);
      day = this.dateColumn ? this.#dayOf(row[this.dateColumn] ?? null) : undefined;
      day?.addOrder(order);
      const skuCell = this.skuColumn ? (row[this.skuColumn] ?? null) : null;
      if (!isEmpty(skuCell)) sku = this.#skuTotals(String(skuCell).trim(), row);
    }
    let byDay = this.#groups.get(status);
    if (!byDay) this.#groups.set(status, (byDay = new Map()));
    let bySku = byDay.get(day);
    if (!bySku) byDay.set(day, (bySku = new Map()));
    let group = bySku.get(sku);
    if (!group) bySku.set(sku, (group = { status, day, sku, amount: new Decimal(0), items: new Decimal(0), units: new Map() }));
    if (amount) group.amount = group.amount.plus(amount);
    if (items && this.#withItems) {
      const n = group.units.get(items);
      if (n !== undefined) group.units.set(items, n + 1);
      else if (group.units.size < COUNTED_UNITS) group.units.set(items, 1);
      else group.items = group.items.plus(items);
    }
  }

  #skuTotals(sku: string, row: Row): Totals {
    let entry = this.#bySku.get(sku);
    if (!entry) {
      const nameCell = this.nameColumn ? (row[this.nameColumn] ?? null) : null;
      this.#bySku.set(sku, (entry = { name: isEmpty(nameCell) ? undefined : String(nameCell), totals: new Totals(this.#withItems) }));
    }
    return entry.totals;
  }

  finish(): OrdersHeadline {
    for (const byDay of this.#groups.values()) {
      for (const bySku of byDay.values()) {
        for (const group of bySku.values()) {
          for (const [d, n] of group.units) group.items = group.items.plus(n === 1 ? d : d.times(n));
          const { status, day, sku, amount, items } = group;
          this.#all.add(amount, items);
          status.totals?.add(amount, items);
          if (!status.sold) continue;
          this.#revenue.add(amount, items);
          day?.add(amount, undefined);
          sku?.add(amount, items);
        }
      }
    }
    return {
      sheet: this.sheet.name,
      basis: this.basis,
      itemsColumn: this.itemsColumn,
      statusColumn: this.statusColumn,
      revenue: this.#revenue.total(),
      allStatuses: this.#all.total(),
      excludedStatuses: [...this.#byStatus.keys()].filter(isNotSoldStatus).sort(),
      rowsWithoutAmount: this.#rowsWithoutAmount,
      byStatus: [...this.#byStatus]
        .map(([status, t]) => ({ status, ...t.total(), inRevenue: !isNotSoldStatus(status) }))
        .sort((a, b) => b.amount.cmp(a.amount) || a.status.localeCompare(b.status)),
      byDay: [...this.#byDay]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([date, t]) => ({ date, orders: t.orders, amount: t.amount })),
      topSkus: [...this.#bySku]
        .map(([sku, s]) => ({ sku, name: s.name, items: s.totals.items, amount: s.totals.amount }))
        .sort((a, b) => b.amount.cmp(a.amount) || a.sku.localeCompare(b.sku))
        .slice(0, 10),
    };
  }
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
  const transactions = type === undefined || type === 'united-orders' ? sheets.find((s) => norm(s.name) === norm(ORDERS_SHEET)) : undefined;
  const headline = transactions && OrdersHeadlineReader.for(transactions);
  const summaries = sheets.map((s) => summariseSheet(s, undefined, s === transactions ? headline : undefined));
  return {
    sheets: summaries,
    orders: headline?.finish(),
    services: type === 'united-marketplace-services' ? servicesHeadline(summaries) : undefined,
  };
}
