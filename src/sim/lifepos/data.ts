import { seededRandom } from '../framework.js';

/**
 * Seeded LIFE POS data: organizations, outlets, employees, sales and refunds. Amounts are kept as whole
 * kopecks internally (plain integers, exact) and rendered per the simulator's money unit on the wire.
 *
 * Besides random sales the data holds fixtures tests rely on:
 * - the documented example sale (guid 7564edaa-…): one 5000 position, total_sum 10000 — positions do not
 *   add up to the total; `settlement_subject: 0` (an enum as a number); created_at `0001-01-01T00:00:00Z`;
 * - a "big basket" sale with 27 positions, customer data, discounts (two on positions of the same name),
 *   payment-method and payment-recipient extensions, receipt attributes;
 * - a cancelled, deleted sale with a marked good (marking codes) and an agent's service (agent data).
 */

export interface SimOrg {
  guid: string;
  name: string;
  outlets: Array<{ guid: string; name: string }>;
  employees: Array<{ guid: string; name: string }>;
  workplaces: string[];
}

export interface SimPosition {
  guid: string;
  name: string;
  settlement_subject: string | number;
  tax: string;
  uom_guid: string;
  /** The unit's short name; the API's `uom` reference carries only a guid unless the simulator is told otherwise. */
  uom_name: string;
  /** Kopecks. */
  price: number;
  quantity: number;
  /** Kopecks. */
  total: number;
  barcode?: string;
  made_in?: string;
  /** Free text the POS attaches to a position (an SKU here). */
  meta?: string;
  /** A marked good (Честный знак): one scanned marking code per unit. */
  marking_codes?: string[];
  /** Sold as an agent for a supplier (FFD agent data). */
  agent?: { type: string; supplier_name: string; supplier_inn: string; supplier_phones: string[] };
}

export interface SimSale {
  guid: string;
  org_guid: string;
  outlet_guid: string;
  workplace_guid: string;
  opened_by_guid: string;
  number: string;
  /** ISO with 7 fractional digits, as the API writes it. */
  opened_at: string;
  state: string;
  payment_status: string;
  shipping_status: string;
  /** Kopecks. The truth for the sale, even when positions disagree. */
  total: number;
  positions: SimPosition[];
  comment?: string;
  customer?: { name: string; inn?: string; contacts?: string };
  discounts?: { percentage: number; positions: Array<{ position_guid: string; type: 'Absolute' | 'Percentage'; amount: number; original_price: number }> };
  payment_methods?: { cash: boolean; card: boolean; cashless: boolean; quick: boolean };
  /** The payment_recipients extension: whose money this is when the shop sells as an agent. */
  payment_recipient?: { inn: string; agent_inn: string };
  /** Sale-level additional attributes printed on the receipt. */
  receipt?: { settlement_location: string; header: string[]; footer: string[] };
  meta?: string;
  created_at: string;
  updated_at: string;
  /** Set when the sale was deleted (archived). */
  deleted_at?: string;
}

export interface SimRefund {
  sale_guid: string;
  org_guid: string;
  outlet_guid: string;
  processed_at: string;
  /** Kopecks, positive. */
  amount: number;
}

export interface SimData {
  orgs: SimOrg[];
  /** An organization that exists but is not shared with the demo user: 403 NoPermissions. */
  foreignOrg: SimOrg;
  sales: SimSale[];
  refunds: SimRefund[];
  /** Guids of the fixtures (the demo story keeps only the documented example: the others would be sales without receipts). */
  fixtures: { documentedExample: string; bigBasket?: string; deletedSale?: string };
}

export interface SeedOptions {
  seed?: number;
  /** Sales are generated for the `days` days before `now` (and `now`'s own day up to `now`). */
  now?: Date;
  days?: number;
  /** Organizations visible to the demo user (1 = the tools pick it on their own). */
  orgs?: number;
  /** Average sales per outlet per day. */
  salesPerDay?: number;
}

const GOODS: Array<{ name: string; price: number; uom: 'pcs' | 'kg'; tax: string; subject: string; marked?: boolean; agent?: boolean }> = [
  { name: 'Хлеб «Бородинский»', price: 6490, uom: 'pcs', tax: 'Tax10', subject: 'Product' },
  { name: 'Молоко 3,2 % 1 л', price: 9950, uom: 'pcs', tax: 'Tax10', subject: 'Product' },
  { name: 'Сыр «Российский»', price: 74900, uom: 'kg', tax: 'Tax10', subject: 'Product' },
  { name: 'Кофе зерновой 250 г', price: 45900, uom: 'pcs', tax: 'Tax20', subject: 'Product' },
  { name: 'Конфеты «Мишка»', price: 112000, uom: 'kg', tax: 'Tax20', subject: 'Product' },
  { name: 'Букет «Весна»', price: 249000, uom: 'pcs', tax: 'Tax20', subject: 'Product' },
  { name: 'Упаковка подарочная', price: 15000, uom: 'pcs', tax: 'Tax20', subject: 'Service' },
  { name: 'Доставка по городу', price: 35000, uom: 'pcs', tax: 'TaxFree', subject: 'Service', agent: true },
  { name: 'Вино столовое 0,75 л', price: 89999, uom: 'pcs', tax: 'Tax20', subject: 'ExciseProduct', marked: true },
  { name: 'Яблоки «Гала»', price: 18990, uom: 'kg', tax: 'Tax10', subject: 'Product' },
];

export const UOM_GUIDS = { pcs: '79600000-0b6e-4c55-9d1f-6a3c8c1e0796', kg: '16600000-0b6e-4c55-9d1f-6a3c8c1e0166' };
export const UOM_NAMES = { pcs: 'шт', kg: 'кг' };
const COURIER = { type: 'Agent', supplier_name: 'ИП Курьеров Д. С.', supplier_inn: '771234567890', supplier_phones: ['+79990001122'] };

/** `ms` as the API writes timestamps: UTC with 7 fractional digits. */
export function isoTicks(ms: number, extraTicks = 0): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(extraTicks).padStart(4, '0')}Z`;
}

function uuidFrom(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(rand() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** price × quantity rounded half-up to a kopeck, on integers only (quantity has ≤ 3 decimals). */
function lineTotal(price: number, quantity: number): number {
  const milli = Math.round(quantity * 1000);
  return Math.floor((price * milli + 500) / 1000);
}

const DAY_MS = 86_400_000;
/** Start of the Moscow day (UTC+3, no DST) that holds `ms`, so days line up with a Russian shop's calendar. */
const mskDayStart = (ms: number) => Math.floor((ms + 3 * 3_600_000) / DAY_MS) * DAY_MS - 3 * 3_600_000;

/**
 * The documented example of GetSaleById (api-facts): one 5000 position, total_sum 10000, an enum as a
 * number, created_at `0001-01-01T00:00:00Z`; not paid, so in no revenue. Opened yesterday at 12:18.
 */
export function documentedExampleSale(org: SimOrg, now: number): SimSale {
  const at = mskDayStart(now) - DAY_MS + 12 * 3_600_000 + 18 * 60_000 + 4_720;
  return {
    guid: '7564edaa-27bd-4f16-aa8a-6b1d0fecf4d0',
    org_guid: org.guid,
    outlet_guid: org.outlets[0]!.guid,
    workplace_guid: org.workplaces[0]!,
    opened_by_guid: org.employees[0]!.guid,
    number: '',
    opened_at: isoTicks(at, 7937),
    state: 'New',
    payment_status: 'NotPaid',
    shipping_status: 'NotShipped',
    total: 10000,
    positions: [
      { guid: '00000000-0000-0000-0000-000000000000', name: 'Конфеты', settlement_subject: 0, tax: 'Tax20', uom_guid: UOM_GUIDS.pcs, uom_name: UOM_NAMES.pcs, price: 1000, quantity: 5, total: 5000 },
    ],
    created_at: '0001-01-01T00:00:00Z',
    updated_at: '0001-01-01T00:00:00Z',
  };
}

export function seedData(options: SeedOptions = {}): SimData {
  const rand = seededRandom(options.seed ?? 20260101);
  const now = (options.now ?? new Date()).getTime();
  const days = options.days ?? 70;
  const perDay = options.salesPerDay ?? 6;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

  const makeOrg = (name: string): SimOrg => ({
    guid: uuidFrom(rand),
    name,
    outlets: [
      { guid: uuidFrom(rand), name: `${name}: магазин на Ленина` },
      { guid: uuidFrom(rand), name: `${name}: киоск у вокзала` },
    ],
    employees: [
      { guid: uuidFrom(rand), name: 'Иванова Мария' },
      { guid: uuidFrom(rand), name: 'Петров Алексей' },
      { guid: uuidFrom(rand), name: 'Сидорова Анна' },
    ],
    workplaces: [uuidFrom(rand), uuidFrom(rand)],
  });
  const names = ['ИП Смирнова «Цветы и кофе»', 'ООО «Лавка у дома»', 'ООО «Пекарня №1»', 'ИП Кузнецов'];
  const orgs = Array.from({ length: Math.max(1, options.orgs ?? 1) }, (_, i) => makeOrg(names[i % names.length]!));
  const foreignOrg = makeOrg('ООО «Чужая организация»');

  const sales: SimSale[] = [];
  const refunds: SimRefund[] = [];
  let number = 1000;

  const makePositions = (count: number): SimPosition[] =>
    Array.from({ length: count }, () => {
      const good = pick(GOODS);
      const quantity = good.uom === 'kg' ? Math.round((0.2 + rand() * 1.8) * 1000) / 1000 : 1 + Math.floor(rand() * 3);
      const guid = uuidFrom(rand);
      const barcode = good.uom === 'pcs' ? `46${String(Math.floor(rand() * 1e11)).padStart(11, '0')}` : undefined;
      // Derived from what was already drawn, so the extra fields leave the seeded ledger as it was.
      return {
        guid,
        name: good.name,
        settlement_subject: good.subject,
        tax: good.tax,
        uom_guid: UOM_GUIDS[good.uom],
        uom_name: UOM_NAMES[good.uom],
        price: good.price,
        quantity,
        total: lineTotal(good.price, quantity),
        barcode,
        made_in: 'RUS',
        meta: `sku:${GOODS.indexOf(good) + 101}`,
        ...(good.marked ? { marking_codes: Array.from({ length: quantity }, (_, u) => `010${barcode ?? ''}21${guid.slice(0, 8)}${u}`) } : {}),
        ...(good.agent ? { agent: COURIER } : {}),
      };
    });

  const firstDay = mskDayStart(now) - days * DAY_MS;
  orgs.forEach((org, orgIndex) => {
    for (let day = firstDay; day <= now; day += DAY_MS) {
      for (const outlet of org.outlets) {
        // Fewer sales for the second organization and the kiosk; a little weekly rhythm.
        const weekday = new Date(day + 3 * 3_600_000).getUTCDay();
        const base = perDay * (orgIndex === 0 ? 1 : 0.5) * (outlet === org.outlets[0] ? 1 : 0.6) * (weekday === 0 || weekday === 6 ? 1.3 : 1);
        const count = Math.max(0, Math.round(base * (0.6 + rand() * 0.8)));
        for (let i = 0; i < count; i++) {
          // Opening hours 09:00–21:00 Moscow.
          const openedMs = day + 9 * 3_600_000 + Math.floor(rand() * 12 * 3_600_000);
          if (openedMs > now) continue;
          const positions = makePositions(1 + Math.floor(rand() * 4));
          const total = positions.reduce((s, p) => s + p.total, 0);
          const roll = rand();
          const sale: SimSale = {
            guid: uuidFrom(rand),
            org_guid: org.guid,
            outlet_guid: outlet.guid,
            workplace_guid: pick(org.workplaces),
            opened_by_guid: pick(org.employees).guid,
            number: String(++number),
            opened_at: isoTicks(openedMs, Math.floor(rand() * 10_000)),
            state: 'Completed',
            payment_status: 'Paid',
            shipping_status: 'Shipped',
            total,
            positions,
            created_at: isoTicks(openedMs, 0),
            updated_at: isoTicks(openedMs + 60_000, 0),
          };
          if (roll < 0.04) {
            // Opened but never paid: no payment, not in revenue.
            Object.assign(sale, { state: 'InProgress', payment_status: 'NotPaid', shipping_status: 'NotShipped' });
          } else if (roll < 0.06) {
            Object.assign(sale, { state: 'Cancelled', payment_status: 'NotPaid', shipping_status: 'NotShipped' });
          } else if (roll < 0.11) {
            // Full refund, hours to a few days later.
            const at = Math.min(now, openedMs + Math.floor(rand() * 3 * DAY_MS) + 600_000);
            Object.assign(sale, { payment_status: 'Refunded', shipping_status: 'Returned' });
            refunds.push({ sale_guid: sale.guid, org_guid: org.guid, outlet_guid: outlet.guid, processed_at: isoTicks(at, Math.floor(rand() * 10_000)), amount: total });
          } else if (roll < 0.14 && positions.length > 1) {
            const at = Math.min(now, openedMs + Math.floor(rand() * 2 * DAY_MS) + 600_000);
            Object.assign(sale, { payment_status: 'PartiallyRefunded', shipping_status: 'PartiallyReturned' });
            refunds.push({ sale_guid: sale.guid, org_guid: org.guid, outlet_guid: outlet.guid, processed_at: isoTicks(at, Math.floor(rand() * 10_000)), amount: positions[0]!.total });
          }
          sales.push(sale);
        }
      }
    }
  });

  // The documented example (GetSaleById), placed in the first organization, opened yesterday.
  const first = orgs[0]!;
  const documentedExample = documentedExampleSale(first, now);
  sales.push(documentedExample);

  // A big basket: more positions than a concise answer shows, with customer, discounts and payment methods.
  const bigAt = mskDayStart(now) - 2 * DAY_MS + 15 * 3_600_000 + 7 * 60_000;
  const bigPositions = makePositions(27);
  const twin = bigPositions.find((p, i) => i > 0 && p.name === bigPositions[0]!.name) ?? bigPositions[1]!;
  const big: SimSale = {
    guid: uuidFrom(rand),
    org_guid: first.guid,
    outlet_guid: first.outlets[0]!.guid,
    workplace_guid: first.workplaces[1]!,
    opened_by_guid: first.employees[1]!.guid,
    number: 'B-2048',
    opened_at: isoTicks(bigAt, 1234),
    state: 'Completed',
    payment_status: 'Paid',
    shipping_status: 'Shipped',
    total: bigPositions.reduce((s, p) => s + p.total, 0),
    positions: bigPositions,
    comment: 'Корпоративный заказ, счёт на юрлицо',
    customer: { name: 'ООО «Ромашка»', inn: '7701234567', contacts: '+7 900 000-00-00' },
    discounts: {
      percentage: 5,
      positions: [
        { position_guid: bigPositions[0]!.guid, type: 'Absolute', amount: 500, original_price: bigPositions[0]!.price + 500 },
        // A second discount on a position with the same name as the first: only its number tells them apart.
        { position_guid: twin.guid, type: 'Percentage', amount: 10, original_price: twin.price },
      ],
    },
    payment_methods: { cash: true, card: true, cashless: true, quick: false },
    payment_recipient: { inn: '7701234567', agent_inn: '500100732259' },
    receipt: { settlement_location: 'г. Москва, ул. Ленина, 1', header: ['Спасибо за покупку!'], footer: ['Ждём вас снова'] },
    meta: 'order:2048',
    created_at: isoTicks(bigAt, 0),
    updated_at: isoTicks(bigAt + 120_000, 0),
  };
  sales.push(big);

  // A cancelled and deleted sale with a marked good and an agent's service (FFD agent data).
  const deletedAt = mskDayStart(now) - 3 * DAY_MS + 11 * 3_600_000;
  const wine = GOODS.find((g) => g.marked)!;
  const courier = GOODS.find((g) => g.agent)!;
  const deletedPositions: SimPosition[] = [
    {
      guid: uuidFrom(rand), name: wine.name, settlement_subject: wine.subject, tax: wine.tax, uom_guid: UOM_GUIDS.pcs, uom_name: UOM_NAMES.pcs,
      price: wine.price, quantity: 2, total: wine.price * 2, barcode: '4600000000017', made_in: 'ITA', meta: 'sku:109',
      marking_codes: ['0104600000000017215abcdefghijk0', '0104600000000017215abcdefghijk1'],
    },
    { guid: uuidFrom(rand), name: courier.name, settlement_subject: courier.subject, tax: courier.tax, uom_guid: UOM_GUIDS.pcs, uom_name: UOM_NAMES.pcs, price: courier.price, quantity: 1, total: courier.price, agent: COURIER },
  ];
  const deleted: SimSale = {
    guid: uuidFrom(rand),
    org_guid: first.guid,
    outlet_guid: first.outlets[1]!.guid,
    workplace_guid: first.workplaces[0]!,
    opened_by_guid: first.employees[2]!.guid,
    number: 'D-77',
    opened_at: isoTicks(deletedAt, 42),
    state: 'Cancelled',
    payment_status: 'NotPaid',
    shipping_status: 'NotShipped',
    total: deletedPositions.reduce((s, p) => s + p.total, 0),
    positions: deletedPositions,
    created_at: isoTicks(deletedAt, 0),
    updated_at: isoTicks(deletedAt + 300_000, 0),
    deleted_at: isoTicks(deletedAt + 300_000, 5),
  };
  sales.push(deleted);

  sales.sort((a, b) => (a.opened_at < b.opened_at ? -1 : 1));
  refunds.sort((a, b) => (a.processed_at < b.processed_at ? -1 : 1));
  return { orgs, foreignOrg, sales, refunds, fixtures: { documentedExample: documentedExample.guid, bigBasket: big.guid, deletedSale: deleted.guid } };
}
