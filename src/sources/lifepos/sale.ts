import { parseAmount, type Decimal, type Unit } from '../../money.js';
import {
  DISCOUNT_TYPES,
  PAYMENT_STATUSES,
  SALE_STATES,
  SETTLEMENT_SUBJECTS,
  SHIPPING_STATUSES,
  TAXES,
  enumName,
  parseTimestamp,
  type RawSale,
} from './schemas.js';
import { moneyOf, roubles } from './units.js';
import { COMMENT_MAX, NAME_MAX, cleanText } from '../../untrusted.js';

/** One sale with amounts in roubles, enums by name and "not set" timestamps as undefined. */

export interface SalePosition {
  guid: string | undefined;
  name: string | undefined;
  quantity: Decimal | undefined;
  uomGuid: string | undefined;
  uomName: string | undefined;
  price: Decimal | undefined;
  sum: Decimal | undefined;
  tax: string | undefined;
  settlementSubject: string | undefined;
  barcode: string | undefined;
}

export interface SaleDiscount {
  positionGuid: string | undefined;
  type: string | undefined;
  /** Roubles for Absolute, percent for Percentage. */
  amount: Decimal | undefined;
  originalPrice: Decimal | undefined;
}

export interface Sale {
  guid: string | undefined;
  number: string | undefined;
  comment: string | undefined;
  openedAt: Date | undefined;
  createdAt: Date | undefined;
  updatedAt: Date | undefined;
  deletedAt: Date | undefined;
  state: string | undefined;
  paymentStatus: string | undefined;
  shippingStatus: string | undefined;
  total: Decimal | undefined;
  currency: string | undefined;
  outletGuid: string | undefined;
  workplaceGuid: string | undefined;
  cashierGuid: string | undefined;
  orgGuid: string | undefined;
  /** Undefined when the API sent no positions array at all. */
  positions: SalePosition[] | undefined;
  customer: { name?: string; inn?: string; contacts?: string; address?: string } | undefined;
  discounts: { salePercentage: Decimal | undefined; positions: SaleDiscount[] } | undefined;
  /** Payment methods the sale allows, from the payment_methods extension. */
  paymentMethods: string[] | undefined;
  /** Whose money it is when the shop sells as an agent (payment_recipients extension). */
  paymentRecipient: { inn: string | undefined; agentInn: string | undefined } | undefined;
}

/** Upstream text, cleaned and bounded (src/untrusted.ts); empty is undefined. */
const text = (v: string | null | undefined, max = NAME_MAX) => {
  const s = typeof v === 'string' ? cleanText(v, max) : '';
  return s === '' ? undefined : s;
};

/** A quantity or percentage: bounded like an amount (a huge one is an error naming the field), else undefined. */
function decimalOf(v: unknown, field: string): Decimal | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return parseAmount(v, 'major', `LIFE POS ${field}`);
  if (typeof v === 'string' && /^[+-]?\d+(\.\d+)?$/.test(v.trim())) return parseAmount(v, 'major', `LIFE POS ${field}`);
  return undefined;
}

const METHOD_FLAGS: Array<[string, string]> = [
  ['cash_payments_available', 'cash'],
  ['card_payments_available', 'card'],
  ['cashless_payments_available', 'cashless (bank transfer)'],
  ['quick_payments_available', 'SBP quick payment'],
  ['split_payments_available', 'split payment'],
  ['bnpl_payments_available', 'buy now, pay later'],
];

export function toSale(raw: RawSale, unit: Unit): Sale {
  const total = moneyOf(raw.total_sum, unit, 'total_sum');
  const positions = raw.positions?.map((p) => ({
    guid: text(p.guid),
    name: text(p.name),
    quantity: decimalOf(p.quantity, 'positions[].quantity'),
    uomGuid: text(p.uom?.guid),
    uomName: text(p.uom?.name),
    price: moneyOf(p.sale_price, unit, 'positions[].sale_price').amount,
    sum: moneyOf(p.total_sum, unit, 'positions[].total_sum').amount,
    tax: enumName(TAXES, p.tax),
    settlementSubject: enumName(SETTLEMENT_SUBJECTS, p.settlement_subject),
    barcode: text(p.barcode),
  }));
  const c = raw.customer_data;
  const customer = c && [c.name, c.inn, c.contacts, c.address].some((v) => text(v))
    ? { name: text(c.name), inn: text(c.inn), contacts: text(c.contacts), address: text(c.address) }
    : undefined;
  const d = raw.extensions?.discounts;
  const discounts = d
    ? {
        salePercentage: decimalOf(d.sale_discount_percentage, 'discounts.sale_discount_percentage'),
        positions: (d.deal_position_discounts ?? []).map((x) => {
          const type = enumName(DISCOUNT_TYPES, x.sale_price_discount?.type);
          return {
            positionGuid: text(x.deal_position_guid),
            type,
            // An absolute discount is money (same unit as Money.value); a percentage is not.
            amount:
              type === 'Percentage'
                ? decimalOf(x.sale_price_discount?.amount, 'sale_price_discount.amount')
                : roubles(x.sale_price_discount?.amount ?? undefined, unit, 'LIFE POS sale_price_discount.amount'),
            originalPrice: roubles(x.original_sale_price_value ?? undefined, unit, 'LIFE POS original_sale_price_value'),
          };
        }),
      }
    : undefined;
  const availabilities = raw.extensions?.payment_methods?.availabilities;
  const paymentMethods = availabilities
    ? METHOD_FLAGS.filter(([flag]) => availabilities.some((a) => a[flag] === true)).map(([, label]) => label)
    : undefined;
  const r = raw.extensions?.payment_recipients;
  const paymentRecipient = r && (text(r.payment_recipient_inn) || text(r.agent_inn)) ? { inn: text(r.payment_recipient_inn), agentInn: text(r.agent_inn) } : undefined;
  return {
    guid: text(raw.guid),
    number: text(raw.number),
    comment: text(raw.comment, COMMENT_MAX),
    openedAt: parseTimestamp(raw.opened_at),
    createdAt: parseTimestamp(raw.created_at),
    updatedAt: parseTimestamp(raw.updated_at),
    deletedAt: parseTimestamp(raw.deleted_at),
    state: enumName(SALE_STATES, raw.state),
    paymentStatus: enumName(PAYMENT_STATUSES, raw.payment_status),
    shippingStatus: enumName(SHIPPING_STATUSES, raw.shipping_status),
    total: total.amount,
    currency: total.currency,
    outletGuid: text(raw.outlet?.guid),
    workplaceGuid: text(raw.workplace?.guid),
    cashierGuid: text(raw.opened_by?.guid),
    orgGuid: text(raw.organization?.guid),
    positions,
    customer,
    discounts,
    paymentMethods,
    paymentRecipient,
  };
}
