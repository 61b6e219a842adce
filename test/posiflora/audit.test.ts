import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expected } from './expected.js';
import { orderRequests, rig, type Rig } from './harness.js';

/**
 * Plan choice, absent sums, cursor cost, outstanding scope, tie order, input errors and request
 * counting — each figure checked against an independent computation over the simulator's orders.
 */

const TZ = 'Europe/Moscow';
const MAY = { date_from: '2026-05-01', date_to: '2026-05-31' };
const CLOSED = ['canceled', 'notAccepted', 'returned'];

function rows(actual: Array<Record<string, any>>, key: string): Map<string, { orders: number; total: string; paid: string }> {
  return new Map(actual.map((r) => [r[key], { orders: r.orders, total: r.total_amount, paid: r.payments_amount }]));
}

describe('plans and figures (20,000 orders)', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig({ record: true });
  });
  afterAll(async () => r?.close());

  it('six months by week: one smallest-page request per week (not a page walk), figures to the kopeck, partial edge weeks marked', async () => {
    r.pf.server.clearRequests();
    const args = { date_from: '2026-01-01', date_to: '2026-06-30', group_by: ['week', 'delivery'], limit: 0 };
    const want = expected(r.pf.data, { from: args.date_from, to: args.date_to, tz: TZ, unit: 'week' });
    const res = await r.call(args);
    const s = res.structured;
    expect(s.plan).toBe('meta-per-group');
    expect(s.by_day.unit).toBe('week');
    expect(s.by_day.grouped_by).toBe('createdAt');
    expect(rows(s.by_day.rows, 'date')).toEqual(want.byDay);
    // 2026-01-01 is a Thursday and 2026-06-30 a Tuesday: the first and last weeks are cut short.
    const weeks = s.by_day.rows.map((w: any) => w.date);
    expect(weeks[0]).toBe('2025-12-29');
    expect(s.by_day.rows.filter((w: any) => w.partial).map((w: any) => w.date)).toEqual(['2025-12-29', weeks[weeks.length - 1]]);
    // 1 overall + 27 weeks + 1 delivery; a walk would have taken ceil(orders / 100) pages.
    expect(weeks).toHaveLength(27);
    expect(orderRequests(r.pf)).toHaveLength(1 + 27 + 1);
    expect(Math.ceil(want.overall.orders / 100)).toBeGreaterThan(29);
    expect(s.upstream_requests).toBe(29);
    expect(res.text).toContain('Plan: meta-per-group');
    expect(res.text).toContain('27 weeks');
    expect(res.text).toContain('29 upstream requests');
    // Cut weeks read by their days inside the period, never by a Monday before it.
    expect(res.text).toContain(`| ${weeks[weeks.length - 1]} – 2026-06-30 (partial)`);
    expect(res.text).not.toContain('2025-12-29');
    expect(s.by_day.rows[0].label).toBe('2026-01-01 – 2026-01-04');
    // Delivery share over the same set.
    expect(s.delivery).toMatchObject({ orders: want.delivery.orders, total_amount: want.delivery.total });
    expect(s.delivery.share_percent).toBe(new Decimal(want.delivery.orders).div(want.overall.orders).times(100).toFixed(2));
  });

  it('day over more than 92 days is switched to weeks, and the answer says so', async () => {
    const res = await r.call({ date_from: '2026-01-01', date_to: '2026-06-30', group_by: ['day'], limit: 0 });
    expect(res.structured.by_day.unit).toBe('week');
    expect(res.structured.by_day.switched_from_day).toBe(true);
    expect(res.text).toMatch(/switched to weeks/);
  });

  it('a short period by day walks the pages when that is fewer requests than one per day', async () => {
    r.pf.server.clearRequests();
    const want = expected(r.pf.data, { from: '2026-06-01', to: '2026-06-20', tz: TZ });
    const res = await r.call({ date_from: '2026-06-01', date_to: '2026-06-20', group_by: ['day'], limit: 5 });
    const pages = Math.ceil(want.overall.orders / 100);
    expect(pages).toBeLessThan(20);
    expect(res.structured.plan).toBe('walk');
    expect(rows(res.structured.by_day.rows, 'date')).toEqual(want.byDay);
    // The first request was page 1 at the walk's size, and the walk reused it.
    expect(orderRequests(r.pf)).toHaveLength(pages);
    expect(res.structured.upstream_requests).toBe(pages);
    expect(res.structured.orders.map((o: any) => o.id)).toEqual(want.newest.slice(0, 5).map((o) => o.id));
  });

  it('the default call costs one request, as the description says', async () => {
    r.pf.server.clearRequests();
    const res = await r.call({ ...MAY });
    expect(res.structured.plan).toBe('meta');
    expect(res.structured.upstream_requests).toBe(1);
    expect(r.pf.server.requests.filter((q) => q.method === 'GET')).toHaveLength(1);
    expect(res.structured.orders).toHaveLength(20);
  });

  it('a cursor with sort "recent" fetches only the rows, not the figures again', async () => {
    const first = await r.call({ ...MAY, group_by: ['status', 'store', 'day'], limit: 30 });
    expect(first.structured.upstream_requests).toBeGreaterThan(5);
    r.pf.server.clearRequests();
    const second = await r.call({ ...MAY, group_by: ['status', 'store', 'day'], limit: 30, cursor: first.structured.next_cursor });
    expect(second.structured.plan).toBe('rows');
    expect(second.structured.upstream_requests).toBe(1);
    expect(r.pf.server.requests.filter((q) => q.method === 'GET')).toHaveLength(1);
    expect(second.text).toContain('figures are in the first answer');
    const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ });
    expect(second.structured.orders.map((o: any) => o.id)).toEqual(want.newest.slice(30, 60).map((o) => o.id));
  });

  it('headline outstanding covers open/done orders only, and the total says it includes canceled ones', async () => {
    const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ });
    let open = new Decimal(0);
    let closed = 0;
    for (const [status, e] of want.byStatus) {
      if (CLOSED.includes(status)) closed += e.orders;
      else open = open.plus(new Decimal(e.total).minus(e.paid));
    }
    const all = new Decimal(want.overall.total).minus(want.overall.paid);
    expect(all.gt(open)).toBe(true); // canceled orders are unpaid: the two figures really differ
    const res = await r.call({ ...MAY, status_sums: true, limit: 0 });
    expect(res.structured.totals).toMatchObject({ outstanding_open_amount: open.toFixed(2), outstanding_amount: all.toFixed(2), closed_orders: closed });
    expect(res.text).toContain('outstanding on open/done orders');
    expect(res.text).toContain(`includes ${closed} canceled/not accepted/returned orders`);
    // Without per-status sums the figure is labelled for what it is.
    const cheap = await r.call({ ...MAY, limit: 0 });
    expect(cheap.structured.totals.outstanding_open_amount).toBeNull();
    expect(cheap.text).toContain('unpaid incl. canceled/not accepted/returned');
  });

  it('a group equal to the only filter value reuses the overall meta; no store list unless names are needed', async () => {
    r.pf.server.clearRequests();
    const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ, statuses: ['done'] });
    const res = await r.call({ ...MAY, statuses: ['done'], status_sums: true, limit: 0 });
    // The overall meta is the status's: no per-status request, no store list.
    expect(r.pf.server.requests.map((q) => q.path)).toEqual(['/v1/orders']);
    expect(rows(res.structured.by_status, 'status')).toEqual(want.byStatus);
    r.pf.server.clearRequests();
    const store = r.pf.stores[2]!;
    const one = await r.call({ ...MAY, stores: [store.title], group_by: ['store'], limit: 0 });
    expect(one.structured.by_store).toEqual([expect.objectContaining({ store_id: store.id, store: store.title })]);
    expect(orderRequests(r.pf).filter((q) => q['filter[stores]'] === store.id && q['page[size]'] === '1' && q['filter[delivery]'] === undefined)).toHaveLength(0);
  });

  it('the largest orders: equal totals are ordered newest first, then by id', async () => {
    const want = expected(r.pf.data, { from: '2026-04-01', to: '2026-04-30', tz: TZ });
    const order = [...want.newest].sort((a, b) => b.totalKop - a.totalKop || Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? -1 : 1));
    const top = order.slice(0, 40);
    const totals = top.map((o) => o.totalKop);
    expect(new Set(totals).size).toBeLessThan(totals.length); // ties really occur here
    const res = await r.call({ date_from: '2026-04-01', date_to: '2026-04-30', sort: 'largest', limit: 40 });
    expect(res.structured.orders.map((o: any) => o.id)).toEqual(top.map((o) => o.id));
  });

  it('amount range (numeric strings accepted) and aggregate:false', async () => {
    const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ, amountMin: '1500.50', amountMax: '9000' });
    const res = await r.call({ ...MAY, amount_min: '1500.50', amount_max: 9000, status_sums: true, limit: 0 });
    expect(res.isError).toBeFalsy();
    expect(res.structured.totals).toMatchObject({ orders: want.overall.orders, total_amount: want.overall.total, payments_amount: want.overall.paid });
    expect(rows(res.structured.by_status, 'status')).toEqual(want.byStatus);
    r.pf.server.clearRequests();
    const plain = await r.call({ ...MAY, amount_min: 1500.5, amount_max: '9000', aggregate: false, limit: 10 });
    expect(plain.structured.plan).toBe('rows');
    expect(plain.structured.upstream_requests).toBe(1);
    expect(plain.structured.orders.map((o: any) => o.id)).toEqual(want.newest.slice(0, 10).map((o) => o.id));
    expect(plain.structured.totals).toMatchObject({ orders: want.overall.orders, total_amount: want.overall.total });
  });

  it('date_field due filters by filter[dueTime] and groups days by the due time', async () => {
    r.pf.server.clearRequests();
    const want = expected(r.pf.data, { from: '2026-06-01', to: '2026-06-07', tz: TZ, dateField: 'dueTime' });
    const res = await r.call({ date_from: '2026-06-01', date_to: '2026-06-07', date_field: 'due', group_by: ['day'], limit: 0 });
    expect(orderRequests(r.pf).every((q) => q['filter[dueTime][from]'] && q['filter[createdAt][from]'] === undefined)).toBe(true);
    expect(res.structured.by_day.grouped_by).toBe('dueTime');
    expect(rows(res.structured.by_day.rows, 'date')).toEqual(want.byDay);
    expect(res.structured.totals).toMatchObject({ orders: want.overall.orders, total_amount: want.overall.total });
    expect(res.text).toContain('By day of due (delivery) time');
  });

  it('schema-level input errors name the field and the fix; negative or non-numeric amounts are refused before any request', async () => {
    r.pf.server.clearRequests();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ limit: 500 }, /limit: must be at most 200, not 500\. Orders listed/],
      [{ limit: -1 }, /limit: must be at least 0, not -1/],
      [{ limit: 2.5 }, /limit: must be a whole number, not number 2\.5/],
      [{ amount_min: true }, /amount_min: boolean true is not accepted\. Roubles, e\.g\. 1000/],
      [{ amount_min: -5 }, /amount_min.*negative/],
      [{ amount_min: 'lots' }, /amount_min.*"lots" is not a number of roubles/],
    ];
    for (const [args, message] of cases) {
      const res = await r.call({ ...MAY, ...args });
      expect(res.isError, JSON.stringify(args)).toBe(true);
      expect(res.text).toMatch(message);
    }
    expect(r.pf.server.requests).toHaveLength(0);
  });

  it('upstream_requests counts real HTTP attempts, retries included', async () => {
    await r.call({ ...MAY, limit: 0 });
    r.pf.server.clearRequests();
    r.pf.server.inject({ kind: 'status', status: 503, headers: { 'content-type': 'application/vnd.api+json' }, body: { errors: [{ status: '503', title: 'Unavailable' }] } }, { match: (q) => q.path === '/v1/orders' });
    const res = await r.call({ ...MAY, limit: 0 });
    expect(res.isError).toBeFalsy();
    expect(r.pf.server.requests.filter((q) => q.method === 'GET')).toHaveLength(2);
    expect(res.structured.upstream_requests).toBe(2);
  });
});

describe('absent meta.orders_amounts (100,000 orders, POSIFLORA_RPS=5)', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig({ count: 100_000, omitOrdersAmounts: true }, { POSIFLORA_RPS: '5' });
  });
  afterAll(async () => r?.close());

  it('a cheap walk recovers the sums', async () => {
    const want = expected(r.pf.data, { from: '2026-06-01', to: '2026-06-05', tz: TZ });
    const res = await r.call({ date_from: '2026-06-01', date_to: '2026-06-05', limit: 0 });
    expect(res.structured.plan).toBe('walk');
    expect(res.structured.totals).toMatchObject({ orders: want.overall.orders, total_amount: want.overall.total, payments_amount: want.overall.paid });
    expect(res.text).toContain('no meta.orders_amounts');
  }, 30_000);

  it('when a walk is too long, the sums are null and the text says unknown — never 0', async () => {
    const res = await r.call({ date_from: '2025-07-01', date_to: '2026-06-30', group_by: ['status'], limit: 0 });
    expect(res.isError).toBeFalsy();
    const s = res.structured;
    expect(s.totals).toMatchObject({ total_amount: null, payments_amount: null, outstanding_amount: null });
    expect(s.by_status.every((b: any) => b.total_amount === null && b.orders > 0)).toBe(true);
    expect(res.text).not.toContain('0,00 ₽');
    expect(res.text).toContain('sums unknown');
    // 60 s: a year of a 100,000-order simulator at 5/s, on a loaded 2-core machine.
  }, 60_000);

  it('a walk over the time budget is not started: the answer says why and what to do', async () => {
    const res = await r.call({ date_from: '2025-07-01', date_to: '2026-06-30', sort: 'largest', limit: 5 });
    expect(res.isError).toBeFalsy();
    expect(res.structured.orders).toEqual([]);
    expect(res.structured.upstream_requests).toBeLessThan(5);
    expect(res.text).toMatch(/largest orders are not listed: a walk needs \d+ more requests .* over the 45 s budget/);
  }, 30_000);
});

describe('answers missing what the plan relies on', () => {
  it('no meta.statuses (addMetaStatuses not honoured): no counts by status, and the answer says so and how to get them', async () => {
    const r = await rig();
    try {
      r.pf.server.rewriteJson((body, req) => (req.path === '/v1/orders' ? { ...(body as object), meta: { ...(body as any).meta, statuses: undefined } } : body));
      const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ });
      const res = await r.call({ ...MAY, group_by: ['status'], limit: 0 });
      expect(res.structured.totals).toMatchObject({ orders: want.overall.orders, total_amount: want.overall.total, closed_orders: null });
      expect(res.structured.by_status).toEqual([]);
      expect(res.structured.notes).toContain('Posiflora sent no counts by status (meta.statuses, asked with addMetaStatuses=true); status_sums true adds 7 requests, one per status, for counts and sums.');
      expect(orderRequests(r.pf)).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  it('a store missing from the store list: the rows stay Posiflora\'s own and the answer says they do not add up', async () => {
    const r = await rig();
    try {
      const [hidden, ...listed] = r.pf.stores;
      // An archived store, say: its orders are in the overall meta but it is not in GET /v1/stores.
      r.pf.server.rewriteJson((body, req) => (req.path === '/v1/stores' ? { ...(body as object), data: (body as any).data.filter((s: any) => s.id !== hidden!.id), meta: { total: listed.length } } : body));
      const want = expected(r.pf.data, { from: MAY.date_from, to: MAY.date_to, tz: TZ });
      const res = await r.call({ ...MAY, group_by: ['status', 'store'], limit: 0 });
      expect(res.isError).toBeFalsy();
      const s = res.structured;
      expect(s.totals.orders).toBe(want.overall.orders);
      expect(rows(s.by_store, 'store_id')).toEqual(new Map(listed.map((x) => [x.id, want.byStore.get(x.id)])));
      const missing = want.byStore.get(hidden!.id)!;
      expect(s.notes[0]).toContain(`orders ${want.overall.orders - missing.orders} vs ${want.overall.orders}`);
      expect(s.notes[0]).toContain(`total ${new Decimal(want.overall.total).minus(missing.total).toFixed(2)} vs ${want.overall.total}`);
      expect(res.text).toContain("Note: The stores' figures do not add up to the overall ones");
    } finally {
      await r.close();
    }
  });
});

describe('wire variants', () => {
  it('money as mixed numbers and strings, and a page size the API clamps', async () => {
    const r = await rig({ money: 'mixed', maxPageSize: 50, record: true });
    try {
      const want = expected(r.pf.data, { from: '2026-06-01', to: '2026-06-14', tz: TZ, unit: 'week' });
      const res = await r.call({ date_from: '2026-06-01', date_to: '2026-06-14', aggregate: 'walk', group_by: ['week', 'store'], limit: 0 });
      expect(res.structured.totals).toMatchObject({ orders: want.overall.orders, total_amount: want.overall.total, payments_amount: want.overall.paid });
      expect(rows(res.structured.by_day.rows, 'date')).toEqual(want.byDay);
      expect(rows(res.structured.by_store, 'store_id')).toEqual(want.byStore);
      expect(res.structured.cross_check.matches).toBe(true);
      const ok = r.pf.sim.replies.filter((x) => x.path === '/v1/orders' && x.status === 200 && x.query.get('page[size]') === '50').map((x) => x.query.get('page[number]'));
      expect(new Set(ok).size).toBe(ok.length);
      expect(ok).toHaveLength(Math.ceil(want.overall.orders / 50));
    } finally {
      await r.close();
    }
  });
});

describe('shared session renewal', () => {
  it('one caller cancelling does not cancel the login the others wait for', async () => {
    const r = await rig();
    try {
      r.pf.server.inject({ kind: 'latency', ms: 800 }, { match: (q) => q.path === '/v1/sessions' });
      const controller = new AbortController();
      const cancelled = r.mcp.client.callTool({ name: 'list_posiflora_orders', arguments: { ...MAY, limit: 0 } }, undefined, { signal: controller.signal }).catch((e: unknown) => e);
      await new Promise((done) => setTimeout(done, 150));
      const other = r.call({ ...MAY, limit: 0 });
      await new Promise((done) => setTimeout(done, 100));
      controller.abort();
      expect(await cancelled).toBeInstanceOf(Error);
      const res = await other;
      expect(res.isError, res.text).toBeFalsy();
      expect(res.structured.orders_matching).toBeGreaterThan(0);
      expect(r.pf.server.requests.filter((q) => q.path === '/v1/sessions')).toHaveLength(1);
    } finally {
      await r.close();
    }
  });
});

