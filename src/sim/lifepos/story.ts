import { SHOP, utcIsoOf, type ShopStory, type StorySale, type StorySaleStatus } from '../story/index.js';
import { documentedExampleSale, UOM_GUIDS, UOM_NAMES, type SimData, type SimOrg, type SimSale } from './data.js';

/**
 * LIFE POS's view of the demo story: the shop is the one organization, its counters the outlets, every
 * counter sale a sale (positions add up to the total) and every refund a refund operation. The documented
 * example sale (positions ≠ total, not paid) is kept beside them: api-facts documents it and tests use it.
 */

const STATES: Record<StorySaleStatus, Pick<SimSale, 'state' | 'payment_status' | 'shipping_status'>> = {
  paid: { state: 'Completed', payment_status: 'Paid', shipping_status: 'Shipped' },
  refunded: { state: 'Completed', payment_status: 'Refunded', shipping_status: 'Returned' },
  partially_refunded: { state: 'Completed', payment_status: 'PartiallyRefunded', shipping_status: 'PartiallyReturned' },
  not_paid: { state: 'InProgress', payment_status: 'NotPaid', shipping_status: 'NotShipped' },
  cancelled: { state: 'Cancelled', payment_status: 'NotPaid', shipping_status: 'NotShipped' },
};

const FOREIGN_ORG: SimOrg = {
  guid: '9d0e8f7a-6b5c-4d3e-8f1a-0b9c8d7e6f5a',
  name: 'ООО «Чужая организация»',
  outlets: [{ guid: '8c9d0e1f-2a3b-4c5d-8e6f-7a8b9c0d1e2f', name: 'Чужой магазин' }],
  employees: [{ guid: '7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e', name: 'Чужой кассир' }],
  workplaces: ['6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d'],
};

/** The API's timestamp form (7 fractional digits), as isoTicks writes it, without Date per call. */
const ticks = (ms: number) => `${utcIsoOf(ms)}0000Z`;

function saleOf(s: StorySale): SimSale {
  return {
    guid: s.guid,
    org_guid: SHOP.orgGuid,
    outlet_guid: SHOP.outlets[s.outlet]!.guid,
    workplace_guid: SHOP.workplaces[s.workplace]!,
    opened_by_guid: SHOP.cashiers[s.cashier]!.guid,
    number: s.number,
    opened_at: ticks(s.at),
    ...STATES[s.status],
    total: s.totalKop,
    positions: s.positions.map((p, i) => ({
      // The sale's guid with the position's number in its last group: unique and stable.
      guid: `${s.guid.slice(0, 24)}${(i + 1).toString(16).padStart(12, '0')}`,
      name: p.name,
      settlement_subject: 'Product',
      tax: 'TaxFree',
      uom_guid: UOM_GUIDS.pcs,
      uom_name: UOM_NAMES.pcs,
      price: p.priceKop,
      quantity: p.quantity,
      total: p.totalKop,
      meta: `sku:${p.sku}`,
    })),
    payment_methods: { cash: s.cashKop > 0, card: s.cardKop > 0, cashless: false, quick: false },
    created_at: ticks(s.at),
    updated_at: ticks(s.at + 60_000),
  };
}

export function lifeposDataFromStory(story: ShopStory): SimData {
  const org: SimOrg = {
    guid: SHOP.orgGuid,
    name: SHOP.name,
    outlets: SHOP.outlets.map((o) => ({ guid: o.guid, name: o.name })),
    employees: SHOP.cashiers.map((c) => ({ ...c })),
    workplaces: [...SHOP.workplaces],
  };
  const example = documentedExampleSale(org, story.now);
  // Converted on first use: a demo run that never asks LIFE POS does not pay for 16,000 sales.
  let ledger: Pick<SimData, 'sales' | 'refunds'> | undefined;
  const convert = () => {
    if (ledger) return ledger;
    // Story sales are in time order already: put the example in its place instead of sorting 16,000 strings.
    const sales = story.sales.map(saleOf);
    const exampleMs = Date.parse(`${example.opened_at.slice(0, 23)}Z`);
    const at = story.sales.findIndex((s) => s.at > exampleMs);
    sales.splice(at < 0 ? sales.length : at, 0, example);
    const refunds = story.refunds.map((r) => ({
      sale_guid: r.saleGuid,
      org_guid: SHOP.orgGuid,
      outlet_guid: SHOP.outlets[r.outlet]!.guid,
      processed_at: ticks(r.at),
      amount: r.amountKop,
    }));
    return (ledger = { sales, refunds });
  };
  return {
    orgs: [org],
    foreignOrg: FOREIGN_ORG,
    get sales() {
      return convert().sales;
    },
    get refunds() {
      return convert().refunds;
    },
    fixtures: { documentedExample: example.guid },
  };
}
