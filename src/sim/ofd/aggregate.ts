import { OPERATION_TYPES, type OperationType, type PaymentPart, type SimReceipt } from './data.js';

/**
 * The sales aggregation as the legacy OFD documents it: receipts binned by calendar day, Monday–Sunday
 * week or calendar month of their local time; per interval the calendar bounds (`start`/`end`), the
 * first and last receipt dates inside it (`date_from`/`date_to`), receipt counts, the income average and
 * one block per operation type. Empty intervals are left out (the documented example asks for 17 months
 * and gets 2, with `total: 2`).
 */

export type Interval = 'day' | 'week' | 'month';

/** Kopeck sums of one operation type. */
export type BlockKopecks = Record<PaymentPart | 'total', number>;

export interface Bin {
  start: string;
  end: string;
  firstTime: string;
  lastTime: string;
  checks: number;
  checksIncome: number;
  blocks: Record<OperationType, BlockKopecks>;
  /** Naive float sums in roubles, the way a float-based backend adds receipts up. */
  floats: Record<OperationType, Record<PaymentPart | 'total', number>>;
}

const DAY_MS = 86_400_000;
const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** Calendar bounds of the interval that holds `day`. */
export function intervalBounds(day: string, interval: Interval): { start: string; end: string } {
  if (interval === 'day') return { start: day, end: day };
  if (interval === 'week') {
    const ms = dayMs(day);
    const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday = 0
    return { start: ymd(ms - weekday * DAY_MS), end: ymd(ms + (6 - weekday) * DAY_MS) };
  }
  const [y, m] = day.split('-').map(Number) as [number, number];
  return { start: `${day.slice(0, 7)}-01`, end: ymd(Date.UTC(y, m, 0)) };
}

function emptyBlocks<T>(make: () => T): Record<OperationType, T> {
  return Object.fromEntries(OPERATION_TYPES.map((o) => [o, make()])) as Record<OperationType, T>;
}
const zeroBlock = (): BlockKopecks => ({ cashTotal: 0, ecashTotal: 0, prepaid: 0, credit: 0, provision: 0, total: 0 });

function newBin(start: string, end: string): Bin {
  return { start, end, firstTime: '', lastTime: '', checks: 0, checksIncome: 0, blocks: emptyBlocks(zeroBlock), floats: emptyBlocks(zeroBlock) };
}

function add(bin: Bin, r: SimReceipt): void {
  if (!bin.firstTime || r.date_time < bin.firstTime) bin.firstTime = r.date_time;
  if (!bin.lastTime || r.date_time > bin.lastTime) bin.lastTime = r.date_time;
  bin.checks += 1;
  if (r.operation_type === 'income') bin.checksIncome += 1;
  const k = r.kopecks;
  const block = bin.blocks[r.operation_type];
  block.cashTotal += k.cashTotal;
  block.ecashTotal += k.ecashTotal;
  block.prepaid += k.prepaid;
  block.credit += k.credit;
  block.provision += k.provision;
  block.total += k.total;
  const float = bin.floats[r.operation_type];
  float.cashTotal += k.cashTotal / 100;
  float.ecashTotal += k.ecashTotal / 100;
  float.prepaid += k.prepaid / 100;
  float.credit += k.credit / 100;
  float.provision += k.provision / 100;
  float.total += k.total / 100;
}

/** Bin receipts (already filtered) into intervals; also the whole-period bin. */
export function aggregate(receipts: readonly SimReceipt[], interval: Interval): { bins: Bin[]; full: Bin } {
  const bins = new Map<string, Bin>();
  const full = newBin('', '');
  const byDay = new Map<string, Bin>();
  for (const r of receipts) {
    const day = r.date_time.slice(0, 10);
    let bin = byDay.get(day);
    if (!bin) {
      const { start, end } = intervalBounds(day, interval);
      bin = bins.get(start);
      if (!bin) bins.set(start, (bin = newBin(start, end)));
      byDay.set(day, bin);
    }
    add(bin, r);
    add(full, r);
  }
  return { bins: [...bins.values()].sort((a, b) => (a.start < b.start ? -1 : 1)), full };
}

export const ORDER_KEYS = ['date', 'income', 'income_return', 'cash', 'ecash', 'checks', 'checks_income', 'avg_receipt', 'outcome', 'outcome_return'] as const;
export type OrderKey = (typeof ORDER_KEYS)[number];

/** Average income receipt in kopecks (fractional), 0 without income receipts. */
export function averageKopecks(bin: Bin): number {
  return bin.checksIncome === 0 ? 0 : bin.blocks.income.total / bin.checksIncome;
}

function sortValue(bin: Bin, key: OrderKey): number | string {
  switch (key) {
    case 'date':
      return bin.start;
    case 'income':
    case 'income_return':
    case 'outcome':
    case 'outcome_return':
      return bin.blocks[key].total;
    case 'cash':
      return bin.blocks.income.cashTotal;
    case 'ecash':
      return bin.blocks.income.ecashTotal;
    case 'checks':
      return bin.checks;
    case 'checks_income':
      return bin.checksIncome;
    case 'avg_receipt':
      return averageKopecks(bin);
  }
}

/** Sort by `orders` applied in sequence ("-" = descending); intervals otherwise keep date order. */
export function sortBins(bins: Bin[], orders: readonly string[]): Bin[] {
  const keys = orders.map((o) => ({ key: o.replace(/^-/, '') as OrderKey, desc: o.startsWith('-') }));
  return [...bins].sort((a, b) => {
    for (const { key, desc } of keys) {
      const va = sortValue(a, key);
      const vb = sortValue(b, key);
      if (va !== vb) return (va < vb ? -1 : 1) * (desc ? -1 : 1);
    }
    return a.start < b.start ? -1 : a.start > b.start ? 1 : 0;
  });
}
