import type { SimOrg, SimSale } from './data.js';

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

/** The extensions a client declared in `X-LP-Client-Extensions` (model extensions are opt-in). */
export function saleJson(sale: SimSale, unit: MoneyUnit, extensions: ReadonlySet<string>, full: boolean): Record<string, unknown> {
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
    guid: sale.guid,
    type_of: 'Sale',
  };
  if (!full) return out;
  out.positions = sale.positions.map((p) => ({
    settlement_subject: p.settlement_subject,
    name: p.name,
    uom: ref(p.uom_guid, 'Uom'),
    tax: p.tax,
    sale_price: money(p.price, unit),
    quantity: p.quantity,
    ...(p.made_in ? { made_in: p.made_in } : {}),
    total_sum: money(p.total, unit),
    ...(p.barcode ? { barcode: p.barcode } : {}),
    is_markable: false,
    is_egais_markable: false,
    is_patent: false,
    meta_data: null,
    guid: p.guid,
    type_of: 'DealPosition',
  }));
  if (sale.customer) out.customer_data = { ...sale.customer, type_of: 'CustomerData' };
  const ext: Record<string, unknown> = {};
  if (sale.discounts && extensions.has('discounts')) {
    ext.discounts = {
      deal_position_discounts: sale.discounts.positions.map((d) => ({
        deal_position_guid: d.position_guid,
        sale_price_discount: { type: d.type, amount: d.type === 'Absolute' ? moneyValue(d.amount, unit) : d.amount },
        original_sale_price_value: moneyValue(d.original_price, unit),
      })),
      sale_discount_percentage: sale.discounts.percentage,
      version: '1',
    };
  }
  if (sale.payment_methods && extensions.has('payment_methods')) {
    const m = sale.payment_methods;
    ext.payment_methods = {
      availabilities: [
        {
          role: ref('1b9d7a52-6c1e-4f7a-9a3b-5d0e8c2f4a61', 'Role'),
          cash_payments_available: m.cash,
          cashless_payments_available: m.cashless,
          card_payments_available: m.card,
          split_payments_available: false,
          quick_payments_available: m.quick,
          bnpl_payments_available: false,
        },
      ],
      version: '1',
    };
  }
  if (Object.keys(ext).length > 0) out.extensions = ext;
  return out;
}

export function errorBody(code: string, message: string, info = ''): { code: string; message: string; info: string } {
  return { code, message, info };
}
