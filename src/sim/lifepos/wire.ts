import type { SimOrg, SimPosition, SimSale } from './data.js';

/** How the simulator writes objects on the wire: the documented v6 shapes with `type_of` everywhere. */

export type MoneyUnit = 'minor' | 'major';

/** Whole kopecks → the JSON number the API sends, without float arithmetic (via the decimal string). */
export function moneyValue(kopecks: number, unit: MoneyUnit): number {
  if (unit === 'minor') return kopecks;
  const sign = kopecks < 0 ? '-' : '';
  const abs = Math.abs(kopecks);
  return Number(`${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`);
}

export function money(kopecks: number, unit: MoneyUnit): { value: number; currency: 'RUB'; type_of: 'Money' } {
  return { value: moneyValue(kopecks, unit), currency: 'RUB', type_of: 'Money' };
}

const ref = (guid: string, type_of: string) => ({ guid, type_of });

export function orgJson(org: SimOrg): Record<string, unknown> {
  return {
    name: org.name,
    outlets_count: org.outlets.length,
    created_at: '2024-03-01T09:00:00.0000000Z',
    updated_at: '0001-01-01T00:00:00Z',
    guid: org.guid,
    type_of: 'Organization',
  };
}

/** How this simulator instance writes a sale. */
export interface SaleStyle {
  /** Put the unit's name into the `uom` reference (the documented Reference carries only guid and type_of). */
  uomNames: boolean;
}

/** A role every permission and availability block refers to (the demo user's cashier role). */
const CASHIER_ROLE = ref('1b9d7a52-6c1e-4f7a-9a3b-5d0e8c2f4a61', 'Role');

function positionJson(p: SimPosition, unit: MoneyUnit, style: SaleStyle): Record<string, unknown> {
  return {
    settlement_subject: p.settlement_subject,
    name: p.name,
    uom: { ...ref(p.uom_guid, 'Uom'), ...(style.uomNames ? { name: p.uom_name } : {}) },
    tax: p.tax,
    sale_price: money(p.price, unit),
    quantity: p.quantity,
    ...(p.made_in ? { made_in: p.made_in } : {}),
    total_sum: money(p.total, unit),
    ...(p.barcode ? { barcode: p.barcode } : {}),
    is_markable: Boolean(p.marking_codes),
    is_egais_markable: false,
    ...(p.marking_codes
      ? {
          marking_attributes: {
            marks: p.marking_codes.map((code) => ({ marking_code: code, checking_result: ['KMChecked', 'KPKMCorrect'], for_quantity: 1, type_of: 'Mark' })),
            type_of: 'MarkingAttributes',
          },
        }
      : {}),
    ...(p.agent
      ? {
          additional_attributes: {
            as_agent_type_of: p.agent.type,
            supplier_name: p.agent.supplier_name,
            supplier_inn: p.agent.supplier_inn,
            supplier_phones: p.agent.supplier_phones,
            type_of: 'DealPositionAdditionalAttributes',
          },
        }
      : {}),
    is_patent: false,
    meta: p.meta ?? null,
    meta_data: null,
    guid: p.guid,
    type_of: 'DealPosition',
  };
}

/** The retail_app extension: what the cashier role may do with the sale and each position. */
function retailApp(sale: SimSale, unit: MoneyUnit): Record<string, unknown> {
  const open = sale.state === 'New' || sale.state === 'InProgress';
  return {
    deal_permissions: [
      {
        role: CASHIER_ROLE,
        can_edit_comment: open,
        can_edit_customer_name: open,
        can_edit_customer_contacts: open,
        can_edit_customer_inn: open,
        can_add_offer_position: open,
        can_add_free_position: open,
        can_delete: open,
        can_refund: sale.payment_status === 'Paid',
        can_cancel: open,
        type_of: 'DealPermission',
      },
    ],
    deal_position_permissions: sale.positions.map((p) => ({
      position: ref(p.guid, 'DealPosition'),
      role: CASHIER_ROLE,
      can_edit_name: false,
      can_edit_good_type: false,
      can_edit_uom: false,
      can_edit_quantity: open,
      can_edit_tax: false,
      can_edit_sale_price: open,
      can_delete: open,
      allowed_max_quantity: 9999,
      allowed_min_quantity: 0,
      allowed_max_sale_price: money(p.price * 2, unit),
      allowed_min_sale_price: money(0, unit),
      type_of: 'DealPositionPermission',
    })),
    use_shipment_instead_of_payment: false,
    version: '1',
    type_of: 'RetailAppSaleExtension',
  };
}

/**
 * A sale as GetSaleById sends it. Positions only with `presentation=full`; model extensions only when
 * the client declared them in `X-LP-Client-Extensions` (opt-in, api-facts §1.6).
 */
export function saleJson(sale: SimSale, unit: MoneyUnit, extensions: ReadonlySet<string>, full: boolean, style: SaleStyle = { uomNames: false }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    outlet: ref(sale.outlet_guid, 'Outlet'),
    workplace: ref(sale.workplace_guid, 'Workplace'),
    opened_by: ref(sale.opened_by_guid, 'Employee'),
    opened_at: sale.opened_at,
    ...(sale.number ? { number: sale.number } : {}),
    ...(sale.comment ? { comment: sale.comment } : {}),
    state: sale.state,
    payment_status: sale.payment_status,
    shipping_status: sale.shipping_status,
    total_sum: money(sale.total, unit),
    organization: ref(sale.org_guid, 'Organization'),
    created_at: sale.created_at,
    updated_at: sale.updated_at,
    ...(sale.deleted_at ? { deleted_at: sale.deleted_at } : {}),
    ...(sale.meta ? { meta: sale.meta, meta_data: null } : {}),
    guid: sale.guid,
    type_of: 'Sale',
  };
  if (!full) return out;
  out.positions = sale.positions.map((p) => positionJson(p, unit, style));
  if (sale.customer) out.customer_data = { ...sale.customer, type_of: 'CustomerData' };
  if (sale.receipt) {
    out.additional_attributes = {
      settlement_location: sale.receipt.settlement_location,
      printable_header: sale.receipt.header,
      printable_footer: sale.receipt.footer,
      type_of: 'SaleAdditionalAttributes',
    };
  }
  const ext: Record<string, unknown> = {};
  if (extensions.has('retail_app')) ext.retail_app = retailApp(sale, unit);
  if (sale.payment_methods && extensions.has('payment_methods')) {
    const m = sale.payment_methods;
    ext.payment_methods = {
      availabilities: [
        {
          role: CASHIER_ROLE,
          cash_payments_available: m.cash,
          cashless_payments_available: m.cashless,
          card_payments_available: m.card,
          split_payments_available: false,
          quick_payments_available: m.quick,
          bnpl_payments_available: false,
          split_payments_available_methods: {
            cash_payments_available: false,
            cashless_payments_available: false,
            card_payments_available: false,
            quick_payments_available: false,
            type_of: 'SplitPaymentMethods',
          },
          type_of: 'PaymentMethodsAvailability',
        },
      ],
      version: '1',
      type_of: 'PaymentMethodsSaleExtension',
    };
  }
  if (sale.payment_recipient && extensions.has('payment_recipients')) {
    ext.payment_recipients = {
      payment_recipient_inn: sale.payment_recipient.inn,
      agent_inn: sale.payment_recipient.agent_inn,
      version: '1',
      type_of: 'PaymentRecipientsSaleExtension',
    };
  }
  if (sale.discounts && extensions.has('discounts')) {
    ext.discounts = {
      deal_position_discounts: sale.discounts.positions.map((d) => ({
        deal_position_guid: d.position_guid,
        sale_price_discount: { type: d.type, amount: d.type === 'Absolute' ? moneyValue(d.amount, unit) : d.amount, type_of: 'SalePriceDiscount' },
        original_sale_price_value: moneyValue(d.original_price, unit),
        type_of: 'DealPositionDiscount',
      })),
      sale_discount_percentage: sale.discounts.percentage,
      version: '1',
      type_of: 'DiscountsSaleExtension',
    };
  }
  if (Object.keys(ext).length > 0) out.extensions = ext;
  return out;
}

export function errorBody(code: string, message: string, info = ''): { code: string; message: string; info: string } {
  return { code, message, info };
}
