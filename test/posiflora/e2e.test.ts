import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expected } from './expected.js';
import { orderRequests, rig, type Rig } from './harness.js';

const TZ = 'Europe/Moscow';
const MAY = { date_from: '2026-05-01', date_to: '2026-05-31' };

function checkGroups(actual: Array<Record<string, any>>, key: string, want: Map<string, { orders: number; total: string; paid: string }>) {
  const got = new Map(actual.map((r) => [r[key], { orders: r.orders, total: r.total_amount, paid: r.payments_amount }]));
  expect(got).toEqual(want);
}

describe('list_posiflora_orders over a real MCP client (figures)', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig({ record: true });
  });
  afterAll(async () => r?.close());

  it('totals by status, store and day equal an independent computation for period + statuses + store', async () => {
    const store = r.pf.stores[1]!;
    const statuses = ['done', 'new', 'returned'];
    const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ, statuses, storeIds: [store.id] });
    expect(want.overall.orders).toBeGreaterThan(100);
    const res = await r.call({ ...MAY, statuses: ['DONE', 'New', 'returned'], stores: [store.title.toUpperCase()], group_by: ['status', 'store', 'day'], limit: 10 });
    expect(res.isError).toBeFalsy();
    const s = res.structured;
    expect(s.plan).toBe('walk');
    expect(s.totals).toMatchObject({ orders: want.overall.orders, total_amount: want.overall.total, payments_amount: want.overall.paid });
    checkGroups(s.by_status, 'status', want.byStatus);
    checkGroups(s.by_store, 'store_id', want.byStore);
    expect(s.by_store[0].store).toBe(store.title);
    checkGroups(s.by_day.rows, 'date', want.byDay);
    expect(s.orders.map((o: any) => o.doc_no)).toEqual(want.newest.slice(0, 10).map((o) => o.docNo));
    expect(s.cross_check).toEqual({ checked: true, matches: true, notes: [] });
    expect(res.text).toContain(`${want.overall.orders} orders`);
    expect(res.text).toMatch(/Plan: walk .* \d+ upstream requests/);
  });

  it('totals by status and store take 1 + stores requests: counts by status overall and per store, sums overall and per store', async () => {
    r.pf.server.clearRequests();
    const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ });
    const res = await r.call({ ...MAY, group_by: ['status', 'store'], aggregate: true, limit: 0 });
    const s = res.structured;
    expect(s.plan).toBe('meta-per-group');
    expect(s.totals).toMatchObject({ orders: want.overall.orders, total_amount: want.overall.total, payments_amount: want.overall.paid });
    checkGroups(s.by_store, 'store_id', want.byStore);
    expect(new Map(s.by_store.map((b: any) => [b.store_id, b.orders_by_status]))).toEqual(want.byStoreStatus);
    // Counts by status are Posiflora's own; sums by status were not fetched and say so.
    expect(new Map(s.by_status.map((b: any) => [b.status, b.orders]))).toEqual(new Map([...want.byStatus].map(([k, v]) => [k, v.orders])));
    expect(s.by_status.every((b: any) => b.total_amount === null)).toBe(true);
    expect(s.notes).toContain(`Sums by status were not fetched (counts are Posiflora's own): status_sums true adds ${want.byStatus.size} requests, one per status with orders.`);
    const orders = orderRequests(r.pf);
    expect(orders).toHaveLength(1 + r.pf.stores.length);
    const perStore = orders.filter((q) => q['filter[stores]'] !== undefined);
    expect(perStore.map((q) => q['filter[stores]']).sort()).toEqual(r.pf.stores.map((x) => x.id).sort());
    expect(perStore.every((q) => q['page[size]'] === '1' && q.addMetaStatuses === 'true')).toBe(true);
    expect(s.upstream_requests).toBe(r.pf.server.requests.filter((q) => q.method === 'GET').length);
    // Every store's counts by status are columns of the store table, in the order of the status table.
    const store = s.by_store[0];
    const columns = s.by_status.map((b: any) => store.orders_by_status[b.status] ?? 0).join(' | ');
    expect(res.text).toContain(`| ${store.orders} | `);
    expect(res.text).toContain(` | ${columns} |`);
    const overall = s.by_status.map((b: any) => b.orders).join(' | ');
    expect(res.text).toMatch(new RegExp(`\\| \\*\\*overall\\*\\* \\| ${want.overall.orders} \\| .* \\| ${overall} \\|`));
    expect(res.text).toContain('Note: Sums by status were not fetched');
    expect(res.text).not.toContain("stores' figures do not add up");
  });

  it('status_sums adds one request per status with orders, and those sums match to the kopeck', async () => {
    r.pf.server.clearRequests();
    const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ });
    const res = await r.call({ ...MAY, group_by: ['store'], status_sums: true, limit: 5 });
    const s = res.structured;
    expect(s.plan).toBe('meta-per-group');
    checkGroups(s.by_status, 'status', want.byStatus);
    checkGroups(s.by_store, 'store_id', want.byStore);
    expect(orderRequests(r.pf)).toHaveLength(1 + want.byStatus.size + want.byStore.size);
    expect(s.notes.join(' ')).not.toContain('status_sums');
  });

  it('overall totals and counts by status take exactly one upstream request', async () => {
    r.pf.server.clearRequests();
    const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ });
    const res = await r.call({ ...MAY, group_by: [], limit: 0 });
    expect(res.structured.plan).toBe('meta');
    expect(res.structured.upstream_requests).toBe(1);
    expect(orderRequests(r.pf)).toEqual([expect.objectContaining({ 'page[size]': '1', addMetaStatuses: 'true' })]);
    expect(res.structured.totals.total_amount).toBe(want.overall.total);
    const counts = Object.fromEntries(res.structured.by_status.map((b: any) => [b.status, b.orders]));
    expect(counts).toEqual(Object.fromEntries([...want.byStatus].map(([k, v]) => [k, v.orders])));
    expect(res.text).toContain('1 upstream request');
    // Grouped by status alone: the same one request (the counts are in its meta).
    r.pf.server.clearRequests();
    const byStatus = await r.call({ ...MAY, group_by: ['status'], limit: 0 });
    expect(orderRequests(r.pf)).toHaveLength(1);
    expect(byStatus.structured.by_status.map((b: any) => [b.status, b.orders])).toEqual(res.structured.by_status.map((b: any) => [b.status, b.orders]));
    expect(byStatus.text).toContain('status_sums true adds');
  });

  it('continues a listing with cursor: the next orders, none repeated, none skipped', async () => {
    const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ, statuses: ['done'] });
    const first = await r.call({ ...MAY, statuses: ['done'], limit: 30, aggregate: false });
    expect(first.structured.next_cursor).toEqual(expect.any(String));
    const second = await r.call({ ...MAY, statuses: ['done'], limit: 30, aggregate: false, cursor: first.structured.next_cursor });
    expect(second.isError).toBeFalsy();
    expect(second.structured.offset).toBe(30);
    const ids = [...first.structured.orders, ...second.structured.orders].map((o: any) => o.id);
    expect(ids).toEqual(want.newest.slice(0, 60).map((o) => o.id));
    expect(second.text).toContain('31–60');
    const other = await r.call({ ...MAY, statuses: ['new'], limit: 30, cursor: first.structured.next_cursor });
    expect(other.isError).toBe(true);
    expect(other.text).toContain('cursor');
  });

  it('the largest orders come from a bounded walk, largest first', async () => {
    const want = expected(r.pf.data, { from: '2026-06-01', to: '2026-06-10', tz: TZ });
    const res = await r.call({ date_from: '2026-06-01', date_to: '2026-06-10', sort: 'largest', limit: 5 });
    const top = [...want.newest].sort((a, b) => b.totalKop - a.totalKop).slice(0, 5).map((o) => (o.totalKop / 100).toFixed(2));
    expect(res.structured.orders.map((o: any) => o.total_amount)).toEqual(top);
  });

  it('rejects unknown statuses before any request, listing the accepted ones', async () => {
    r.pf.server.clearRequests();
    const res = await r.call({ ...MAY, statuses: ['done', 'paid'] });
    expect(res.isError).toBe(true);
    expect(res.text).toContain('statuses');
    expect(res.text).toContain('"paid"');
    expect(res.text).toContain('new, done, canceled, returned, courier, assembled, notAccepted');
    expect(r.pf.server.requests).toHaveLength(0);
  });

  it('surfaces 404 for an unknown store id or customer clearly', async () => {
    const store = await r.call({ ...MAY, stores: ['00000000-0000-4000-8000-000000000000'] });
    expect(store.isError).toBe(true);
    expect(store.text).toMatch(/404.*Store 00000000-0000-4000-8000-000000000000 not found.*filter\[stores\]/);
    const customer = await r.call({ ...MAY, customer: 'nobody' });
    expect(customer.isError).toBe(true);
    expect(customer.text).toMatch(/404.*Customer nobody not found.*`customer`/);
    const name = await r.call({ ...MAY, stores: ['Нет такого'] });
    expect(name.isError).toBe(true);
    expect(name.text).toContain('Флора Центр');
  });

  it('surfaces a 422 with its detail and source.parameter', async () => {
    r.pf.server.inject(
      {
        kind: 'status',
        status: 422,
        headers: { 'content-type': 'application/vnd.api+json' },
        body: { errors: [{ id: 'e1', status: '422', code: 'validation_failed', title: 'Unprocessable Entity', detail: 'Amount filter must not exceed 1000000.', source: { parameter: 'filter[amount][min]' } }] },
      },
      { match: (q) => q.path === '/v1/orders' },
    );
    const res = await r.call({ ...MAY, amount_min: 2_000_000 });
    expect(res.isError).toBe(true);
    expect(res.text).toContain('422');
    expect(res.text).toContain('Amount filter must not exceed 1000000.');
    expect(res.text).toContain('filter[amount][min]');
    expect(res.text).toContain('amount_min');
  });
});

describe('money as decimal strings', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig({ money: 'string' });
  });
  afterAll(async () => r?.close());

  it('reads string amounts and a string meta.total exactly, in the walk and in the meta plan', async () => {
    const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ });
    const walk = await r.call({ ...MAY, aggregate: 'walk', group_by: ['status'] });
    expect(walk.structured.totals).toMatchObject({ orders: want.overall.orders, total_amount: want.overall.total, payments_amount: want.overall.paid });
    checkGroups(walk.structured.by_status, 'status', want.byStatus);
    expect(walk.structured.cross_check.matches).toBe(true);
    const meta = await r.call({ ...MAY, status_sums: true });
    checkGroups(meta.structured.by_status, 'status', want.byStatus);
    expect(meta.structured.orders[0].total_amount).toBe((want.newest[0]!.totalKop / 100).toFixed(2));
  });
});

describe('sessions', () => {
  it('a token expiring mid-listing is refreshed and no page is fetched twice', async () => {
    const r = await rig({ accessRequestBudget: 4, record: true });
    try {
      const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ });
      const res = await r.call({ ...MAY, aggregate: 'walk', limit: 0 });
      expect(res.isError).toBeFalsy();
      expect(res.structured.totals).toMatchObject({ orders: want.overall.orders, total_amount: want.overall.total });
      const ok = r.pf.sim.replies.filter((x) => x.path === '/v1/orders' && x.status === 200).map((x) => x.query.get('page[number]'));
      const refused = r.pf.sim.replies.filter((x) => x.path === '/v1/orders' && x.status === 401);
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(ok).size).toBe(ok.length);
      expect(ok.length).toBe(Math.ceil(want.overall.orders / 100));
      const sessions = r.pf.server.requests.filter((q) => q.path === '/v1/sessions');
      expect(sessions.filter((q) => q.method === 'POST')).toHaveLength(1);
      expect(sessions.filter((q) => q.method === 'PATCH').length).toBeGreaterThanOrEqual(refused.length > 0 ? 1 : 0);
      expect(res.structured.cross_check.matches).toBe(true);
    } finally {
      await r.close();
    }
  });

  it('refreshes ahead of expireAt and always uses the newest (rotated) refresh token', async () => {
    const r = await rig({ accessTtlMs: 1500, record: true });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await r.call({ ...MAY, group_by: [], limit: 0 });
        expect(res.isError).toBeFalsy();
        await new Promise((done) => setTimeout(done, 1100));
      }
      const sessions = r.pf.server.requests.filter((q) => q.path === '/v1/sessions');
      expect(sessions.map((q) => q.method)).toEqual(['POST', 'PATCH', 'PATCH']);
      // Each refresh sent the refresh token of the answer just before it (the old one no longer works).
      sessions.slice(1).forEach((q, i) => {
        expect((q.json as any).data.attributes.refreshToken).toBe(r.pf.sim.issued[i]!.refreshToken);
      });
      expect(r.pf.sim.replies.filter((x) => x.status === 401)).toHaveLength(0);
      expect(sessions.every((q) => String(q.headers['content-type']).startsWith('application/vnd.api+json'))).toBe(true);
    } finally {
      await r.close();
    }
  });

  it('concurrent tool calls share one login', async () => {
    const r = await rig();
    try {
      const results = await Promise.all([1, 2, 3, 4].map((d) => r.call({ date_from: `2026-05-0${d}`, date_to: `2026-05-0${d}`, group_by: [], limit: 1 })));
      expect(results.every((x) => !x.isError)).toBe(true);
      expect(r.pf.server.requests.filter((q) => q.path === '/v1/sessions')).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  it('401 after a refresh and a new login ends in a credentials message; secrets never leak', async () => {
    const r = await rig();
    try {
      await r.call({ ...MAY, group_by: [], limit: 0 });
      const refused = { kind: 'status' as const, status: 401, headers: { 'content-type': 'application/vnd.api+json' }, body: { errors: [{ id: 'x', status: '401', code: 'unauthorized', title: 'Unauthorized', detail: 'Access denied.' }] } };
      r.pf.server.inject(refused, { times: 3, match: (q) => q.path === '/v1/orders' });
      const res = await r.call({ ...MAY, group_by: [], limit: 0 });
      expect(res.isError).toBe(true);
      expect(res.text).toContain('POSIFLORA_USERNAME');
      const methods = r.pf.server.requests.filter((q) => q.path === '/v1/sessions').map((q) => q.method);
      expect(methods).toEqual(['POST', 'PATCH', 'POST']);
      const everything = `${res.text}\n${r.mcp.stderr()}`;
      expect(everything).not.toContain(r.pf.sim.password);
      for (const t of r.pf.sim.issued) {
        expect(everything).not.toContain(t.accessToken);
        expect(everything).not.toContain(t.refreshToken);
      }
    } finally {
      await r.close();
    }
  });

  it('a wrong password gives the credentials text without echoing it', async () => {
    const r = await rig({}, { POSIFLORA_PASSWORD: 'wrong-password-123' });
    try {
      const res = await r.call({ ...MAY });
      expect(res.isError).toBe(true);
      expect(res.text).toContain('Posiflora rejected the login (HTTP 401');
      expect(res.text).toContain('POSIFLORA_PASSWORD');
      expect(`${res.text}${r.mcp.stderr()}`).not.toContain('wrong-password-123');
    } finally {
      await r.close();
    }
  });
});
