import { Decimal } from 'decimal.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifeposSim, type LifeposSim } from '../../src/sim/lifepos/index.js';
import { expectedSummary, moscowDays } from './expected.js';

/**
 * The simulator against api-facts §1: required headers (422 RequestIsNotValid), auth (401), error bodies
 * {code, message, info}, 403/404, the per-second limit (429), org paging, presentation and extensions,
 * and the documented example sale's quirks. Plain HTTP, no client code.
 */

const EXAMPLE = '7564edaa-27bd-4f16-aa8a-6b1d0fecf4d0';
const HEADERS = {
  'X-LP-Client-Identifier': '1f0c2d3e-4a5b-4c6d-8e7f-001122334455',
  'X-LP-Client-Type': 'Service',
  'Accept-Language': 'ru-RU',
};

let sim: LifeposSim;
let auth: Record<string, string>;

/** undici.request sends only the headers given (fetch would add its own Accept-Language). */
async function get(path: string, headers: Record<string, string> = auth): Promise<{ status: number; body: any }> {
  const res = await request(`${sim.url}${path}`, { headers });
  return { status: res.statusCode, body: await res.body.json() };
}

beforeAll(async () => {
  sim = await startLifeposSim({ now: new Date('2026-11-25T09:00:00Z'), days: 5, orgs: 3, rps: 1000 });
  auth = { ...HEADERS, Authorization: `Bearer ${sim.credentials.token}` };
});
afterAll(async () => {
  await sim?.close();
});

describe('LIFE POS simulator', () => {
  it.each([
    ['X-LP-Client-Identifier', 'X-LP-Client-Identifier is required'],
    ['X-LP-Client-Type', 'X-LP-Client-Type is required'],
    ['Accept-Language', 'Accept-Language is required'],
  ])('answers 422 RequestIsNotValid without %s', async (name, info) => {
    const headers = { ...auth };
    delete headers[name as keyof typeof headers];
    const res = await get('/orgs', headers);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('RequestIsNotValid');
    expect(res.body.info).toContain(info);
    expect(typeof res.body.message).toBe('string');
  });

  it('rejects a client type outside the documented enum and a non-UUID identifier', async () => {
    expect((await get('/orgs', { ...auth, 'X-LP-Client-Type': 'Robot' })).status).toBe(422);
    expect((await get('/orgs', { ...auth, 'X-LP-Client-Identifier': 'abc' })).status).toBe(422);
  });

  it('requires a token, issues one on phone sign-in and refuses wrong credentials', async () => {
    const none = await get('/orgs', HEADERS);
    expect(none).toMatchObject({ status: 401, body: { code: 'Unauthorized' } });
    const signIn = (body: unknown) =>
      fetch(`${sim.url}/auth/sign-in-by-phone`, { method: 'POST', headers: { ...HEADERS, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const wrong = await signIn({ phone: sim.credentials.phone, password: 'wrong-password' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { code: string }).code).toBe('WrongUsernameOrPassword');
    const short = await signIn({ phone: '123', password: 'x' });
    expect(short.status).toBe(422);
    const ok = await signIn({ phone: '8 900 123-45-67', password: sim.credentials.password });
    const { token } = (await ok.json()) as { token: string };
    expect(token.length).toBeGreaterThan(20);
    expect((await get('/orgs', { ...HEADERS, Authorization: `Bearer ${token}` })).status).toBe(200);
    sim.state.expireSessions();
    expect((await get('/orgs', { ...HEADERS, Authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('pages organizations with next_page_token', async () => {
    const first = await get('/orgs?presentation=full');
    expect(first.body.items).toHaveLength(2);
    expect(first.body).toMatchObject({ items_total: 3, pages_total: 2, page_number: 1, next_page_token: '2' });
    const second = await get(`/orgs?presentation=full&page_token=${first.body.next_page_token}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next_page_token).toBeUndefined();
    expect([...first.body.items, ...second.body.items].map((o: { guid: string }) => o.guid)).toEqual(sim.orgs.map((o) => o.guid));
  });

  it('answers 403 NoPermissions, 404 NotFound and 422 with the documented error body', async () => {
    const org = sim.orgs[0]!.guid;
    const forbidden = await get(`/orgs/${sim.data.foreignOrg.guid}/widgets/revenue`);
    expect(forbidden.status).toBe(403);
    expect(Object.keys(forbidden.body).sort()).toEqual(['code', 'info', 'message']);
    expect(forbidden.body.code).toBe('NoPermissions');
    expect((await get(`/orgs/${org}/deals/sales/0b5f0c0e-1111-4222-8333-944445555666`)).body.code).toBe('NotFound');
    expect((await get(`/orgs/0b5f0c0e-1111-4222-8333-944445555666/widgets/revenue`)).status).toBe(404);
    expect((await get(`/orgs/${org}/deals/sales/not-a-guid`)).body.code).toBe('RequestIsNotValid');
    expect((await get(`/orgs/${org}/widgets/revenue?processed_at_from=yesterday`)).status).toBe(422);
  });

  it('serves the documented example sale with its quirks, positions only in full presentation', async () => {
    const org = sim.orgs[0]!.guid;
    const compact = await get(`/orgs/${org}/deals/sales/${EXAMPLE}`);
    expect(compact.body.positions).toBeUndefined();
    const full = await get(`/orgs/${org}/deals/sales/${EXAMPLE}?presentation=full`);
    expect(full.body).toMatchObject({
      type_of: 'Sale',
      total_sum: { value: 10000, currency: 'RUB', type_of: 'Money' },
      created_at: '0001-01-01T00:00:00Z',
      outlet: { type_of: 'Outlet' },
      opened_by: { type_of: 'Employee' },
    });
    expect(full.body.opened_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
    expect(full.body.positions).toEqual([
      expect.objectContaining({ settlement_subject: 0, name: 'Конфеты', quantity: 5, sale_price: { value: 1000, currency: 'RUB', type_of: 'Money' }, total_sum: { value: 5000, currency: 'RUB', type_of: 'Money' }, type_of: 'DealPosition' }),
    ]);
  });

  it('returns model extensions only when the client declares them', async () => {
    const org = sim.orgs[0]!.guid;
    const big = sim.data.fixtures.bigBasket;
    const plain = await get(`/orgs/${org}/deals/sales/${big}?presentation=full`);
    expect(plain.body.extensions).toBeUndefined();
    expect(plain.body.customer_data.name).toBe('ООО «Ромашка»');
    const declared = await get(`/orgs/${org}/deals/sales/${big}?presentation=full`, { ...auth, 'X-LP-Client-Extensions': 'discounts' });
    expect(Object.keys(declared.body.extensions)).toEqual(['discounts']);
  });
});

describe('LIFE POS simulator: the full documented sale shape', () => {
  it('sends deleted_at, positions\' meta, marking and agent attributes, receipt attributes and every extension with type_of', async () => {
    const org = sim.orgs[0]!.guid;
    const every = { ...auth, 'X-LP-Client-Extensions': 'retail_app,payment_methods,payment_recipients,discounts' };
    const deleted = await get(`/orgs/${org}/deals/sales/${sim.data.fixtures.deletedSale}?presentation=full`, every);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ state: 'Cancelled', number: 'D-77', type_of: 'Sale' });
    expect(deleted.body.deleted_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
    const [wine, courier] = deleted.body.positions;
    expect(wine).toMatchObject({ is_markable: true, meta: 'sku:109', uom: { type_of: 'Uom' }, marking_attributes: { type_of: 'MarkingAttributes' } });
    expect(wine.uom.name).toBeUndefined();
    expect(wine.marking_attributes.marks[0]).toMatchObject({ checking_result: ['KMChecked', 'KPKMCorrect'], for_quantity: 1, type_of: 'Mark' });
    expect(courier.additional_attributes).toMatchObject({ as_agent_type_of: 'Agent', supplier_inn: '771234567890' });
    expect(deleted.body.extensions.retail_app).toMatchObject({ use_shipment_instead_of_payment: false, version: '1', type_of: 'RetailAppSaleExtension' });
    expect(deleted.body.extensions.retail_app.deal_permissions[0]).toMatchObject({ can_refund: false, role: { type_of: 'Role' } });

    const big = await get(`/orgs/${org}/deals/sales/${sim.data.fixtures.bigBasket}?presentation=full`, every);
    const ext = big.body.extensions;
    expect(Object.keys(ext).sort()).toEqual(['discounts', 'payment_methods', 'payment_recipients', 'retail_app']);
    expect(ext.payment_recipients).toEqual({ payment_recipient_inn: '7701234567', agent_inn: '500100732259', version: '1', type_of: 'PaymentRecipientsSaleExtension' });
    expect(ext.discounts.type_of).toBe('DiscountsSaleExtension');
    for (const d of ext.discounts.deal_position_discounts) {
      expect(d.type_of).toBe('DealPositionDiscount');
      expect(d.sale_price_discount.type_of).toBe('SalePriceDiscount');
    }
    expect(ext.payment_methods.type_of).toBe('PaymentMethodsSaleExtension');
    expect(ext.payment_methods.availabilities[0].type_of).toBe('PaymentMethodsAvailability');
    expect(big.body.additional_attributes).toMatchObject({ settlement_location: 'г. Москва, ул. Ленина, 1', type_of: 'SaleAdditionalAttributes' });
    expect(big.body.meta).toBe('order:2048');
    expect(big.body.deleted_at).toBeUndefined();
    for (const p of big.body.positions) expect(p.meta).toMatch(/^sku:\d+$/);
  });
});

describe('LIFE POS simulator options', () => {
  it('lives on its seeding date: the widget\'s default window is that day so far, by an injectable clock', async () => {
    const at = new Date('2026-11-25T09:30:00Z');
    const s = await startLifeposSim({ now: new Date('2026-11-25T09:00:00Z'), days: 3, clock: () => at, echoPeriod: true });
    try {
      const res = await request(`${s.url}/orgs/${s.orgs[0]!.guid}/widgets/revenue`, { headers: { ...HEADERS, Authorization: `Bearer ${s.credentials.token}` } });
      const body = (await res.body.json()) as any;
      // Moscow midnight of 2026-11-25 until the clock's instant; the previous window is as long, just before.
      expect(body.current_summary.period).toEqual({ date_from: '2026-11-24T21:00:00.0000000Z', date_to: '2026-11-25T09:30:00.0000000Z', type_of: 'Period' });
      expect(body.previous_summary.period.date_to).toBe('2026-11-24T20:59:59.9990000Z');
    } finally {
      await s.close();
    }
  });

  it('can leave out the reported period, write growth as a fraction and name units', async () => {
    const s = await startLifeposSim({ now: new Date('2026-11-25T09:00:00Z'), days: 20, echoPeriod: false, growthScale: 'fraction', uomNames: true });
    try {
      const headers = { ...HEADERS, Authorization: `Bearer ${s.credentials.token}` };
      const q = 'processed_at_from=2026-11-15T21:00:00.000Z&processed_at_to=2026-11-22T20:59:59.999Z';
      const res = await request(`${s.url}/orgs/${s.orgs[0]!.guid}/widgets/revenue?${q}`, { headers });
      const body = (await res.body.json()) as any;
      expect(body.current_summary.period).toBeUndefined();
      expect(body.previous_summary.period).toBeUndefined();
      const cur = new Decimal(body.current_summary.sum.total.value);
      const prev = new Decimal(body.previous_summary.sum.total.value);
      expect(body.growth_rate.percentage).toBe(cur.minus(prev).div(prev.abs()).toDecimalPlaces(4, Decimal.ROUND_HALF_UP).toNumber());
      const sale = await request(`${s.url}/orgs/${s.orgs[0]!.guid}/deals/sales/${EXAMPLE}?presentation=full`, { headers });
      expect(((await sale.body.json()) as any).positions[0].uom).toMatchObject({ name: 'шт', type_of: 'Uom' });
    } finally {
      await s.close();
    }
  });
});

describe('LIFE POS simulator rate limit', () => {
  it('answers 429 TooManyRequests past its per-second limit', async () => {
    const limited = await startLifeposSim({ days: 1, rps: 3 });
    try {
      const headers = { ...HEADERS, Authorization: `Bearer ${limited.credentials.token}` };
      const statuses = await Promise.all(Array.from({ length: 5 }, () => fetch(`${limited.url}/orgs`, { headers }).then(async (r) => ({ status: r.status, body: await r.json() }))));
      const refused = statuses.filter((s) => s.status === 429);
      expect(refused.length).toBeGreaterThanOrEqual(2);
      expect(refused[0]!.body).toMatchObject({ code: 'TooManyRequests' });
    } finally {
      await limited.close();
    }
  });

  it('reports/revenue/periods (Day): one item per Moscow day of the window, clipped to it, paged; the widget\'s figures per day; 422 without a period type', async () => {
    const org = sim.orgs[0]!.guid;
    const { from } = moscowDays('2026-11-21', '2026-11-21');
    const { to } = moscowDays('2026-11-24', '2026-11-24');
    const window = `processed_at_from=${new Date(from).toISOString()}&processed_at_to=${new Date(to).toISOString()}`;
    const items: any[] = [];
    let token = '';
    let pages = 0;
    for (;;) {
      const page = await get(`/orgs/${org}/reports/revenue/periods?presentation=full&revenueByPeriodsType=Day&${window}${token}`);
      expect(page.status).toBe(200);
      pages += 1;
      items.push(...page.body.items);
      if (!page.body.next_page_token) break;
      token = `&page_token=${page.body.next_page_token}`;
    }
    expect(pages).toBe(1);
    expect(items.map((i) => i.period.date_from.slice(0, 10))).toEqual(['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23']);
    for (const [n, day] of ['2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24'].entries()) {
      const want = expectedSummary(sim.data, org, moscowDays(day, day));
      expect(new Decimal(items[n].sum.total.value).div(100).toFixed(2), day).toBe(want.total.sum);
      expect(new Decimal(items[n].sum.payments.value).div(100).toFixed(2), day).toBe(want.payments.sum);
      expect(items[n].count.payments, day).toBe(want.payments.count);
    }
    const hours = await get(`/orgs/${org}/reports/revenue/periods?revenueByPeriodsType=Hour&${window}`);
    expect(hours.body.items).toHaveLength(31);
    expect(hours.body).toMatchObject({ items_total: 96, pages_total: 4, next_page_token: '31' });
    const missing = await get(`/orgs/${org}/reports/revenue/periods?${window}`);
    expect(missing.status).toBe(422);
    expect(missing.body.info).toContain('revenueByPeriodsType is required');
  });
});
