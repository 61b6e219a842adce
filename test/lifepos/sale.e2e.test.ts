import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim, type SimSale } from '../../src/sim/lifepos/index.js';
import { shopStory, STORY_EXAMPLE_SALE_GUID } from '../../src/sim/story/index.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';
import { rubText } from './expected.js';
import { rawOrgGet } from './raw.js';

/** get_sale through a real MCP client over stdio; expectations from the simulator's seeded sales. */

const NOW = new Date('2026-11-25T09:00:00Z');
const EXAMPLE = '7564edaa-27bd-4f16-aa8a-6b1d0fecf4d0';

type Position = {
  n: number;
  name: string | null;
  quantity: string | null;
  uom_guid: string | null;
  uom_name: string | null;
  price: string | null;
  sum: string | null;
  tax: string | null;
  settlement_subject: string | null;
};
type SaleOut = {
  deal_guid: string;
  number: string | null;
  opened_at: string | null;
  created_at: string | null;
  state: string | null;
  status_text: string;
  total: string | null;
  positions_sum: string | null;
  positions_match_total: boolean | null;
  positions_difference: string | null;
  positions_count: number;
  positions_omitted: number;
  positions: Position[];
  customer: { name: string | null; inn: string | null } | null;
  discounts: {
    sale_discount_percent: string | null;
    positions: Array<{ position_n: number | null; amount: string | null; original_price: string | null; position_name: string | null }>;
  } | null;
  payment_methods_allowed: string[] | null;
  payment_recipient: { inn: string | null; agent_inn: string | null } | null;
  deleted_at: string | null;
  notes: string[];
  money_unit: string;
};

const rub = (kopecks: number) => new Decimal(kopecks).div(100).toFixed(2);

/** A sale exactly as the simulator sends it (plain HTTP, no client code), to derive crafted answers from. */
const rawSale = (sim: LifeposSim, guid: string) =>
  rawOrgGet(sim, `/deals/sales/${guid}?presentation=full`, 'discounts,payment_methods,payment_recipients');

function expectEveryPosition(sale: SimSale, out: SaleOut, text: string): void {
  expect(out.positions).toHaveLength(sale.positions.length);
  const lines = text.split('\n');
  // Upstream names reach the text quoted (src/untrusted.ts): data, not instructions.
  sale.positions.forEach((p, i) => {
    expect(out.positions[i]).toMatchObject({ n: i + 1, name: p.name, price: rub(p.price), sum: rub(p.total), quantity: String(p.quantity) });
    const row = lines.find((l) => l.startsWith(`| ${i + 1} | ${JSON.stringify(p.name)} |`));
    expect(row, `row ${i + 1}`).toBeDefined();
    expect(row).toContain(rubText(rub(p.total)));
    expect(row).toContain(rubText(rub(p.price)));
  });
}

describe.each(['minor', 'major'] as const)('get_sale e2e, money unit %s', (unit) => {
  let sim: LifeposSim;
  let session: StdioSession;
  let big: SimSale;

  beforeAll(async () => {
    sim = await startLifeposSim({ now: NOW, days: 20, seed: 77, moneyUnit: unit });
    big = sim.sales.find((s) => s.guid === sim.data.fixtures.bigBasket)!;
    session = await connectStdio({ env: { ...sim.env('phone'), LIFEPOS_MONEY_UNIT: unit } });
  });
  afterAll(async () => {
    await session?.close();
    await sim?.close();
  });

  it('renders every position, the customer, discounts and payment methods in detailed', async () => {
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: big.guid, response_format: 'detailed' } });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as SaleOut;
    const text = textOf(res);
    expect(big.positions.length).toBe(27);
    expectEveryPosition(big, out, text);
    const total = big.positions.reduce((s, p) => s.plus(new Decimal(p.total).div(100)), new Decimal(0));
    expect(out.total).toBe(total.toFixed(2));
    expect(out.total).toBe(rub(big.total));
    expect(out.positions_match_total).toBe(true);
    expect(out.positions_omitted).toBe(0);
    expect(out.money_unit).toBe(unit);
    expect(text).toContain(`**Total: ${rubText(rub(big.total))}**`);
    expect(text).toContain('№B-2048');
    expect(text).toContain('completed, paid, handed over');
    expect(out.customer).toMatchObject({ name: 'ООО «Ромашка»', inn: '7701234567' });
    expect(text).toContain('INN 7701234567');
    expect(out.discounts?.sale_discount_percent).toBe('5');
    expect(out.discounts?.positions[0]).toMatchObject({ position_n: 1, amount: '5.00', original_price: rub(big.positions[0]!.price + 500), position_name: big.positions[0]!.name });
    expect(text).toContain('sale discount 5,00 %');
    // Two discounted positions share a name: each is told by its number.
    const twin = big.discounts!.positions[1]!;
    const twinN = big.positions.findIndex((p) => p.guid === twin.position_guid) + 1;
    expect(big.positions[twinN - 1]!.name).toBe(big.positions[0]!.name);
    expect(out.discounts?.positions[1]).toMatchObject({ position_n: twinN, amount: '10', position_name: big.positions[0]!.name });
    expect(text).toContain(`#1 ${JSON.stringify(big.positions[0]!.name)}: −5,00 ₽`);
    expect(text).toContain(`#${twinN} ${JSON.stringify(big.positions[0]!.name)}: −10,00 %`);
    expect(out.payment_recipient).toEqual({ inn: '7701234567', agent_inn: '500100732259' });
    expect(text).toContain('Payment recipient: INN 7701234567 · agent INN 500100732259');
    // The uom reference carries only a guid: no unit name is made up from it.
    expect(out.positions.map((p) => p.uom_guid)).toEqual(big.positions.map((p) => p.uom_guid));
    expect(out.positions.every((p) => p.uom_name === null)).toBe(true);
    const row1 = text.split('\n').find((l) => l.startsWith('| 1 | '))!;
    expect(row1.split(' | ')[3]).toBe('—');
    expect(text).not.toContain(big.positions[0]!.uom_guid.slice(0, 8));
    expect(out.notes).toEqual([]);
    expect(out.payment_methods_allowed).toEqual(['cash', 'card', 'cashless (bank transfer)']);
    expect(text).toContain('Comment: "Корпоративный заказ');
  });

  it('caps the positions table at 20 in concise and says how many are left', async () => {
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: big.guid } });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as SaleOut;
    expect(out.positions).toHaveLength(20);
    expect(out.positions_count).toBe(27);
    expect(out.positions_omitted).toBe(7);
    const text = textOf(res);
    expect(text).toContain('| 20 | ');
    expect(text).not.toContain('| 21 | ');
    expect(text).toContain('…and 7 more positions (27 in all); response_format "detailed" lists every one.');
    // The total stays the sale's own figure whatever is shown.
    expect(out.total).toBe(rub(big.total));
  });

  it('flags a sale whose positions do not add up to its total (the documented example)', async () => {
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE.toUpperCase() } });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as SaleOut;
    expect(out.total).toBe('100.00');
    expect(out.positions_sum).toBe('50.00');
    expect(out.positions_match_total).toBe(false);
    expect(out.positions_difference).toBe('50.00');
    // settlement_subject arrives as the number 0; created_at as 0001-01-01 (= not set); opened_at with 7 digits.
    expect(out.positions[0]).toMatchObject({ name: 'Конфеты', quantity: '5', price: '10.00', sum: '50.00', tax: 'Tax20', settlement_subject: 'Product' });
    expect(out.created_at).toBeNull();
    expect(out.opened_at).toBe('2026-11-24T12:18:04');
    expect(out.status_text).toBe('new (open), not paid, not handed over');
    const text = textOf(res);
    expect(text).toContain('⚠ The positions add up to 50,00 ₽, not the sale total 100,00 ₽ (difference 50,00 ₽)');
    expect(text).toContain('**Total: 100,00 ₽**');
  });

  it('shows a deleted sale with marked goods and agent data (lenient about fields it does not use)', async () => {
    const deleted = sim.sales.find((s) => s.guid === sim.data.fixtures.deletedSale)!;
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: deleted.guid } });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as SaleOut;
    expect(out.status_text).toBe('cancelled, not paid, not handed over');
    expect(out.total).toBe(rub(deleted.total));
    expect(out.positions_match_total).toBe(true);
    expect(out.deleted_at).not.toBeNull();
    expect(textOf(res)).toContain(`Deleted ${out.deleted_at!.replace('T', ' ')}.`);
    expectEveryPosition(deleted, out, textOf(res));
  });

  it('keeps amounts finer than a kopeck exact in structuredContent and flags them in the text', async () => {
    const body = await rawSale(sim, big.guid);
    // One digit more than a kopeck in this server's unit: 0.001 ₽ (major) or 0.1 kopeck (minor).
    const bump = unit === 'major' ? '0.001' : '0.1';
    body.total_sum.value = new Decimal(body.total_sum.value).plus(bump).toNumber();
    body.positions[0].sale_price.value = new Decimal(body.positions[0].sale_price.value).plus(bump).toNumber();
    sim.server.inject({ kind: 'status', status: 200, body }, { times: 1, match: (r) => r.path.endsWith(big.guid) });
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: big.guid } });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as SaleOut;
    const inRoubles = (v: number) => new Decimal(v).div(unit === 'major' ? 1 : 100);
    expect(out.total).toBe(inRoubles(body.total_sum.value).toFixed());
    expect(out.total!.split('.')[1]).toHaveLength(3);
    expect(out.positions[0]!.price).toBe(inRoubles(body.positions[0].sale_price.value).toFixed());
    // Positions sum to the kopeck total; the difference is the extra fraction, exact.
    expect(out.positions_match_total).toBe(false);
    expect(out.positions_difference).toBe(inRoubles(Number(bump)).toFixed());
    expect(out.notes.join(' ')).toContain(`Some amounts have fractions of a kopeck (read with LIFEPOS_MONEY_UNIT=${unit})`);
    expect(textOf(res)).toContain('⚠ Some amounts have fractions of a kopeck');
  });

  it('answers a sale that does not exist with a clear 404 text', async () => {
    const missing = '0b5f0c0e-1111-4222-8333-944445555666';
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: missing } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain(`No sale ${missing} in organization ${JSON.stringify(sim.orgs[0]!.name)} (${sim.orgs[0]!.guid}); check the guid and org (404, NotFound`);
  });
});

describe('get_sale e2e: input and organizations', () => {
  let sim: LifeposSim;
  let session: StdioSession;

  beforeAll(async () => {
    sim = await startLifeposSim({ now: NOW, days: 10, seed: 5, orgs: 3, uomNames: true });
    session = await connectStdio({ env: sim.env('token') });
  });
  afterAll(async () => {
    await session?.close();
    await sim?.close();
  });

  it('refuses a malformed guid before calling LIFE POS', async () => {
    sim.server.clearRequests();
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: '7564edaa-27bd-4f16-aa8a' } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/^Invalid input, deal_guid: "7564edaa-27bd-4f16-aa8a" is not a valid guid/);
    expect(sim.server.requests).toHaveLength(0);
    const bad = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE, response_format: 'verbose' } });
    expect(textOf(bad)).toContain('Invalid input, response_format');
  });

  it('answers a call without deal_guid with its own clear error, not a schema dump', async () => {
    sim.server.clearRequests();
    const res = await session.client.callTool({ name: 'get_sale', arguments: { org_guid: sim.orgs[0]!.guid } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toBe(`Invalid input, deal_guid: missing, and required. The sale's guid, e.g. "${EXAMPLE}".`);
    expect(sim.server.requests).toHaveLength(0);
  });

  it('shows the unit name when LIFE POS names it in the uom reference', async () => {
    const big = sim.sales.find((s) => s.guid === sim.data.fixtures.bigBasket)!;
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: big.guid, org_guid: sim.orgs[0]!.guid, response_format: 'detailed' } });
    expect(res.isError, textOf(res)).toBeFalsy();
    const out = res.structuredContent as SaleOut;
    expect(out.positions.map((p) => p.uom_name)).toEqual(big.positions.map((p) => p.uom_name));
    const lines = textOf(res).split('\n');
    big.positions.forEach((p, i) => {
      const row = lines.find((l) => l.startsWith(`| ${i + 1} | `))!;
      expect(row.split(' | ')[3]).toBe(JSON.stringify(p.uom_name));
    });
  });

  it('lists every organization (name and guid, across pages) when several are visible and none is chosen', async () => {
    const res = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE } });
    expect(res.isError).toBe(true);
    const text = textOf(res);
    expect(text).toContain('Invalid input, org_guid: This LIFE POS account sees 3 organizations');
    for (const org of sim.orgs) expect(text).toContain(`${JSON.stringify(org.name)} (${org.guid})`);
    // Two pages of organizations were read (page size 2).
    expect(sim.server.requests.filter((r) => r.path === '/orgs').length).toBeGreaterThanOrEqual(2);
  });

  it('uses org_guid when given, and says when the account has no access to an organization', async () => {
    const ok = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE, org_guid: sim.orgs[0]!.guid } });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    expect((ok.structuredContent as SaleOut).total).toBe('100.00');
    const wrongOrg = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE, org_guid: sim.orgs[1]!.guid } });
    expect(textOf(wrongOrg)).toContain(`No sale ${EXAMPLE} in organization ${JSON.stringify(sim.orgs[1]!.name)}`);
    const foreign = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE, org_guid: sim.data.foreignOrg.guid } });
    expect(foreign.isError).toBe(true);
    expect(textOf(foreign)).toContain('has no permission for sale');
    expect(textOf(foreign)).toContain('403, NoPermissions');
    const badOrg = await session.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE, org_guid: 'shop-1' } });
    expect(textOf(badOrg)).toContain('Invalid input, org_guid: "shop-1" is not an organization guid');
  });

  it('takes LIFEPOS_ORG_GUID as the default organization', async () => {
    const s = await connectStdio({ env: { ...sim.env('token'), LIFEPOS_ORG_GUID: sim.orgs[0]!.guid } });
    try {
      sim.server.clearRequests();
      const res = await s.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE } });
      expect(res.isError, textOf(res)).toBeFalsy();
      expect(sim.server.requests.some((r) => r.path === '/orgs')).toBe(false);
    } finally {
      await s.close();
    }
  });
});

describe('demo mode', () => {
  it("serves the README's example sale (positions add up to its total) and keeps the documented example reachable", async () => {
    const s = await connectStdio({ args: ['--demo'] });
    try {
      // The story's own copy of yesterday, as the demo serves it (same date, same closed days).
      const story = await startLifeposSim({ story: shopStory() });
      try {
        const expected = story.sales.find((x) => x.guid === STORY_EXAMPLE_SALE_GUID)!;
        const res = await s.client.callTool({ name: 'get_sale', arguments: { deal_guid: STORY_EXAMPLE_SALE_GUID } });
        expect(res.isError, textOf(res)).toBeFalsy();
        const out = res.structuredContent as SaleOut;
        expect(out.positions_match_total).toBe(true);
        const positions = expected.positions.reduce((sum, p) => sum.plus(p.total), new Decimal(0));
        expect(positions.toFixed(0)).toBe(String(expected.total));
        expect(textOf(res)).toContain(`**Total: ${rubText(new Decimal(expected.total).div(100))}**`);
      } finally {
        await story.close();
      }
      const documented = await s.client.callTool({ name: 'get_sale', arguments: { deal_guid: EXAMPLE } });
      expect(documented.isError, textOf(documented)).toBeFalsy();
      expect((documented.structuredContent as SaleOut).positions_match_total).toBe(false);
    } finally {
      await s.close();
    }
  });
});
