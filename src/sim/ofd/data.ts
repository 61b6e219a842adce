import { seededRandom } from '../framework.js';

/**
 * Seeded fiscal documents for the Yandex OFD simulator: a few companies, retail points and cashboxes,
 * one receipt per sale with the payment split the OFD aggregates (cash, electronic, prepaid, credit,
 * provision). Amounts are kept in integer kopecks here and sent as rouble floats on the wire; prices
 * such as 0.10 and 0.20 roubles make a naive float sum show artefacts (0.1 + 0.2 = 0.30000000000000004).
 */

export const DOCUMENT_TYPES = [
  'fiscalReport',
  'fiscalReportCorrection',
  'openShift',
  'closeShift',
  'receipt',
  'receiptCorrection',
  'bso',
  'bsoCorrection',
  'currentStateReport',
  'closeArchive',
] as const;
export const OPERATION_TYPES = ['income', 'income_return', 'outcome', 'outcome_return'] as const;
export const TAXATION_TYPES = ['osn', 'usn_income', 'usn_income_wo_expenditure', 'esn_agricultural', 'psn'] as const;
export const PAYMENT_PARTS = ['cashTotal', 'ecashTotal', 'prepaid', 'credit', 'provision'] as const;

export type DocumentType = (typeof DOCUMENT_TYPES)[number];
export type OperationType = (typeof OPERATION_TYPES)[number];
export type TaxationType = (typeof TAXATION_TYPES)[number];
export type PaymentPart = (typeof PAYMENT_PARTS)[number];

export interface SimReceipt {
  id: string;
  company_id: string;
  retail_point_id: string;
  cashbox_id: string;
  /** Local wall-clock time, as the OFD writes it: `YYYY-MM-DD hh:mm:ss`. */
  date_time: string;
  document_type: DocumentType;
  operation_type: OperationType;
  taxation_type: TaxationType;
  /** Integer kopecks per payment form; `total` is the receipt total. */
  kopecks: Record<PaymentPart | 'total', number>;
  /** Line items in kopecks (they add up to the total); when absent, the new API's simulator derives some. */
  items?: Array<{ name: string; priceKopecks: number; quantity: number; sumKopecks: number }>;
}

export interface SimCashbox {
  id: string;
  retail_point_id: string;
  company_id: string;
  /** Mean receipts per day. */
  traffic: number;
}

export interface SimCompany {
  id: string;
  name: string;
  taxation: TaxationType;
}

export interface SimDirectory {
  companies: SimCompany[];
  retailPoints: { id: string; company_id: string; name: string }[];
  cashboxes: SimCashbox[];
}

/** Two companies the demo keys can see, and one (303) that belongs to someone else. */
export const DIRECTORY: SimDirectory = {
  companies: [
    { id: '301', name: 'ИП Цветкова (flower shop)', taxation: 'usn_income' },
    { id: '302', name: 'ООО «Ромашка» (café)', taxation: 'osn' },
    { id: '303', name: 'ООО «Чужая» (another client)', taxation: 'osn' },
  ],
  retailPoints: [
    { id: '1001', company_id: '301', name: 'Цветы на Тверской' },
    { id: '1002', company_id: '301', name: 'Цветы у метро' },
    { id: '1003', company_id: '302', name: 'Кофейня' },
    { id: '1004', company_id: '303', name: 'Чужая точка' },
  ],
  cashboxes: [
    { id: '5001', retail_point_id: '1001', company_id: '301', traffic: 22 },
    { id: '5002', retail_point_id: '1001', company_id: '301', traffic: 9 },
    { id: '5003', retail_point_id: '1002', company_id: '301', traffic: 14 },
    { id: '5004', retail_point_id: '1003', company_id: '302', traffic: 30 },
    { id: '5005', retail_point_id: '1004', company_id: '303', traffic: 5 },
  ],
};

/** Price lists in kopecks: flowers (with 0.10 / 0.20 ₽ add-ons) and a café. */
const FLOWER_PRICES = [10, 20, 70, 8990, 14970, 4530, 129990, 249950, 39910, 350, 1990];
const CAFE_PRICES = [10, 20, 16990, 21030, 9950, 30, 45070, 12980, 560];

function ymd(d: Date): string {
  return d.toISOString().slice(0, 10);
}
function addDays(day: string, n: number): string {
  return ymd(new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000));
}
const pad = (n: number) => String(n).padStart(2, '0');

/** The shop's local wall-clock time of an instant: `YYYY-MM-DD hh:mm:ss`. */
export function localDateTime(instant: Date, tz: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

export interface SeedOptions {
  seed?: number;
  /** Days of history, ending on the last day (inclusive). Default 430. */
  days?: number;
  /** The shop's clock: receipts end at this instant's local time. Default: now. */
  now?: Date;
  /** Time zone of the wall clock (the OFD writes local times). Default Europe/Moscow. */
  tz?: string;
  /** Multiplies every cashbox's daily traffic (about 75 receipts a day on the readable cashboxes at 1). Default 1. */
  traffic?: number;
}

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

/** Split a kopeck total over payment forms the way small shops are paid: mostly card or cash. */
function paymentSplit(rnd: () => number, total: number): Record<PaymentPart, number> {
  const parts: Record<PaymentPart, number> = { cashTotal: 0, ecashTotal: 0, prepaid: 0, credit: 0, provision: 0 };
  const r = rnd();
  if (r < 0.55) parts.ecashTotal = total;
  else if (r < 0.85) parts.cashTotal = total;
  else if (r < 0.93) {
    const cash = Math.floor(total * (0.2 + rnd() * 0.6));
    parts.cashTotal = cash;
    parts.ecashTotal = total - cash;
  } else if (r < 0.97) {
    const prepaid = Math.min(total, 100_000);
    parts.prepaid = prepaid;
    parts.ecashTotal = total - prepaid;
  } else if (r < 0.99) parts.credit = total;
  else parts.provision = total;
  return parts;
}

let lastSeeded: { key: string; receipts: SimReceipt[] } | undefined;

/**
 * Receipts for every cashbox over `days` days ending today (local), sorted by time. The latest result is
 * kept: the legacy and the public-API simulators started with the same options share one seeding.
 */
export function seedReceipts(options: SeedOptions = {}): SimReceipt[] {
  const now = options.now ?? new Date();
  const key = JSON.stringify({ ...options, now: now.toISOString() });
  if (lastSeeded?.key !== key) lastSeeded = { key, receipts: seed({ ...options, now }) };
  return lastSeeded.receipts;
}

function seed(options: SeedOptions): SimReceipt[] {
  const rnd = seededRandom(options.seed ?? 20_240_601);
  const tz = options.tz ?? 'Europe/Moscow';
  const nowLocal = localDateTime(options.now ?? new Date(), tz);
  const lastDay = nowLocal.slice(0, 10);
  const days = options.days ?? 430;
  const traffic = options.traffic ?? 1;
  const firstDay = addDays(lastDay, -(days - 1));
  const receipts: SimReceipt[] = [];
  let seq = 0;
  for (let i = 0; i < days; i++) {
    const day = addDays(firstDay, i);
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    const weekend = weekday === 0 || weekday === 6 ? 1.35 : 1;
    // Flower shops peak around 8 March and 14 February; a slow growth trend over the year.
    const md = day.slice(5);
    const holiday = md >= '03-06' && md <= '03-08' ? 3 : md >= '02-13' && md <= '02-14' ? 2 : 1;
    const trend = 0.85 + (0.3 * i) / days;
    for (const box of DIRECTORY.cashboxes) {
      const company = DIRECTORY.companies.find((c) => c.id === box.company_id)!;
      const flowers = company.id !== '302';
      const mean = box.traffic * traffic * weekend * trend * (flowers ? holiday : 1);
      const count = Math.max(0, Math.round(mean * (0.7 + rnd() * 0.6)));
      for (let n = 0; n < count; n++) {
        const seconds = 9 * 3600 + Math.floor(rnd() * 12 * 3600);
        const time = `${day} ${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
        if (time > nowLocal) continue;
        const prices = flowers ? FLOWER_PRICES : CAFE_PRICES;
        const lines = 1 + Math.floor(rnd() * 4);
        let total = 0;
        for (let l = 0; l < lines; l++) total += pick(rnd, prices) * (1 + Math.floor(rnd() * 3));
        const op = rnd();
        const operation_type: OperationType = op < 0.92 ? 'income' : op < 0.97 ? 'income_return' : op < 0.99 ? 'outcome' : 'outcome_return';
        if (operation_type !== 'income') total = Math.max(10, Math.floor(total / 2));
        const kind = rnd();
        const document_type: DocumentType =
          company.id === '302' && kind < 0.06 ? 'bso' : kind < 0.975 ? 'receipt' : kind < 0.99 ? 'receiptCorrection' : company.id === '302' ? 'bsoCorrection' : 'receipt';
        const taxation_type: TaxationType = box.retail_point_id === '1002' && rnd() < 0.3 ? 'psn' : company.taxation;
        receipts.push({
          id: String(++seq),
          company_id: company.id,
          retail_point_id: box.retail_point_id,
          cashbox_id: box.id,
          date_time: time,
          document_type,
          operation_type,
          taxation_type,
          kopecks: { ...paymentSplit(rnd, total), total },
        });
      }
    }
  }
  receipts.sort((a, b) => (a.date_time < b.date_time ? -1 : a.date_time > b.date_time ? 1 : Number(a.id) - Number(b.id)));
  return receipts;
}

/** A receipt as a rouble float, the unit the OFD answers in. */
export function roubles(kopecks: number): number {
  return kopecks / 100;
}
