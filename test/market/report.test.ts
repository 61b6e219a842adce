import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { strToU8, zipSync } from 'fflate';
import { parseCsvSheet, parseJsonSheet, parseReportFile, ReportFileError } from '../../src/sources/market/report-file.js';
import { summariseReport, summariseSheet } from '../../src/sources/market/report-summary.js';
import { nextPollDelay } from '../../src/sources/market/waiter.js';
import { seedOrders } from '../../src/sim/market/data.js';
import { buildSheets, encodeReport } from '../../src/sim/market/reports.js';
import { expectedOrders } from './expected.js';

/** Report files → sheets → exact summaries, on hand-made files and on the simulator's own files. */

const zip = (files: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));

describe('report file parsing', () => {
  it('reads CSV with a BOM, ";" separators, quotes, doubled quotes and line breaks in cells', () => {
    const sheet = parseCsvSheet('s', '\uFEFFORDER_ID;OFFER_NAME;BILLING_PRICE\r\n1;"Розы; ""микс""\nкрасные";10.10\r\n2;Тюльпаны;\r\n');
    expect(sheet.columns).toEqual(['ORDER_ID', 'OFFER_NAME', 'BILLING_PRICE']);
    expect(sheet.rows).toEqual([
      // A line break inside a cell is read, then folded to a space: cells are upstream text shown to a model.
      { ORDER_ID: '1', OFFER_NAME: 'Розы; "микс" красные', BILLING_PRICE: '10.10' },
      { ORDER_ID: '2', OFFER_NAME: 'Тюльпаны', BILLING_PRICE: null },
    ]);
  });

  it('finds JSON rows under rows, at the top, or nested elsewhere, with a BOM', () => {
    expect(parseJsonSheet('a', '\uFEFF{"rows":[{"x":1}]}').rows).toEqual([{ x: 1 }]);
    expect(parseJsonSheet('b', '[{"x":2}]').rows).toEqual([{ x: 2 }]);
    expect(parseJsonSheet('c', '{"meta":{"v":1},"data":{"items":[{"x":3,"y":{"z":1}}]}}').rows).toEqual([{ x: 3, y: '{"z":1}' }]);
    expect(() => parseJsonSheet('d', '{oops')).toThrow(ReportFileError);
  });

  it('reads JSON records whose keys change order, go missing or need cleaning', () => {
    const sheet = parseJsonSheet('s', JSON.stringify({ rows: [
      { a: 1, 'b\u200b': 'x', c: 'y' },
      { a: 2, 'b\u200b': 'x', c: 'y\u202e' },
      { c: 'z', a: 3 },
      { 'b\u200b': 'w', a: 4, d: null },
    ] }));
    expect(sheet.columns).toEqual(['a', 'b', 'c', 'd']);
    expect(sheet.rows).toEqual([
      { a: 1, b: 'x', c: 'y' },
      { a: 2, b: 'x', c: 'y' },
      { c: 'z', a: 3 },
      { b: 'w', a: 4, d: null },
    ]);
  });

  it('unzips every sheet (also in folders), skips other files, refuses non-ZIP and oversized archives', () => {
    const bytes = zip({ 'report/orders.json': '{"rows":[{"a":1}]}', 'margin.csv': 'A,B\n1,2\n', 'readme.txt': 'hi' });
    const { sheets, skipped } = parseReportFile(bytes, 1_000_000);
    expect(sheets.map((s) => s.name).sort()).toEqual(['margin', 'orders']);
    expect(skipped).toEqual(['readme.txt']);
    expect(() => parseReportFile(strToU8('<xlsx?>'), 1000)).toThrow(/not a ZIP/);
    expect(() => parseReportFile(zip({ 'big.csv': 'A\n'.repeat(10_000) }), 1000)).toThrow(/unpacks to more than/);
  });
});

describe('sheet summaries', () => {
  it('sums money exactly, keeps quantities apart, and never fails on unknown or text columns', () => {
    const summary = summariseSheet({
      name: 'x',
      columns: ['orderId', 'amount', 'count', 'mysteryMetric', 'comment', 'bonusPaid', 'visibilityIndex', 'offerStatus', 'creationDate'],
      rows: [
        { orderId: 1, amount: 0.1, count: 1, mysteryMetric: '7', comment: 'a', bonusPaid: '1 000,50', visibilityIndex: '1.5', offerStatus: 'Доставлен', creationDate: '03.10.2026' },
        { orderId: 2, amount: 0.2, count: 2, mysteryMetric: '8', comment: 'b', bonusPaid: '0.49', visibilityIndex: '2', offerStatus: 'Отменён', creationDate: '2026-10-01' },
        { orderId: 3, amount: '1234567890123.45', count: null, mysteryMetric: 'n/a', comment: null, bonusPaid: null, visibilityIndex: null, offerStatus: 'Доставлен', creationDate: '2026-10-05T10:00:00+03:00' },
      ],
    });
    const sums = Object.fromEntries(summary.sums.map((s) => [s.column, [s.kind, s.total.toFixed()]]));
    expect(sums).toEqual({ amount: ['money', '1234567890123.75'], bonusPaid: ['money', '1000.99'], count: ['quantity', '3'] });
    expect(summary.mainAmount).toBe('amount');
    expect(summary.statusCounts).toEqual([{ column: 'offerStatus', counts: [{ value: 'Доставлен', rows: 2 }, { value: 'Отменён', rows: 1 }] }]);
    expect(summary.dateRange).toEqual({ column: 'creationDate', from: '2026-10-01', to: '2026-10-05' });
    expect(summary.top.map((t) => [t.row, t.amount.toFixed()])).toEqual([[3, '1234567890123.45'], [2, '0.2'], [1, '0.1']]);
  });

  it('orders revenue = billingPrice (sale price PER ITEM) × transferredForDelivery, cancelled/returned left out, CSV headers too', () => {
    // Units per row are 1, 2, 2, 3: summing billingPrice as a line total would give 100.10 + 50.05 + 200.20 + 10.00.
    const sheet = parseCsvSheet(
      'orders_and_offers_transactions',
      [
        'ORDER_ID,SHOP_SKU,OFFER_NAME,PARTNER_PRICE_FOR_DELIVERY,BILLING_PRICE,TRANSFERRED_FOR_DELIVERY,OFFER_STATUS,BUYER_PAYMENT_AMOUNT',
        '1,A,Alpha,110.00,100.10,1,Delivered,100.10',
        '1,B,Beta,55.00,50.05,2,Delivered,100.10',
        '2,A,Alpha,210.00,200.20,2,Cancelled,0',
        '3,C,Gamma,10.00,10.00,3,Return accepted,30.00',
      ].join('\n'),
    );
    const { orders, sheets } = summariseReport([sheet], 'united-orders');
    expect(orders).toBeDefined();
    expect(orders!.basis).toBe('BILLING_PRICE × TRANSFERRED_FOR_DELIVERY');
    expect([orders!.revenue.orders, orders!.revenue.items!.toFixed(), orders!.revenue.amount.toFixed(2)]).toEqual([1, '3', '200.20']);
    expect([orders!.allStatuses.orders, orders!.allStatuses.items!.toFixed(), orders!.allStatuses.amount.toFixed(2)]).toEqual([3, '8', '630.60']);
    expect(orders!.excludedStatuses).toEqual(['Cancelled', 'Return accepted']);
    expect(orders!.byStatus.map((s) => [s.status, s.orders, s.amount.toFixed(2), s.inRevenue])).toEqual([
      ['Cancelled', 1, '400.40', false],
      ['Delivered', 1, '200.20', true],
      ['Return accepted', 1, '30.00', false],
    ]);
    // Top SKUs by revenue: cancelled A and returned C sold nothing.
    expect(orders!.topSkus.map((s) => [s.sku, s.items!.toFixed(), s.amount.toFixed(2)])).toEqual([['A', '1', '100.10'], ['B', '2', '100.10']]);
    // Per-item prices are never summed as money; they come out as min / max / mean.
    const tx = sheets[0]!;
    expect(tx.sums.map((x) => x.column)).not.toContain('BILLING_PRICE');
    expect(tx.sums.map((x) => x.column)).not.toContain('PARTNER_PRICE_FOR_DELIVERY');
    expect(tx.mainAmount).toBe('BUYER_PAYMENT_AMOUNT');
    const billing = tx.unitPrices.find((u) => u.column === 'BILLING_PRICE')!;
    expect([billing.min.toFixed(2), billing.max.toFixed(2), billing.mean.toFixed(2)]).toEqual(['10.00', '200.20', '90.09']);
  });

  it('leaves rows without a price or unit count out of revenue (absent, not 0) and counts them', () => {
    const sheet = parseJsonSheet('orders_and_offers_transactions', JSON.stringify({ rows: [
      { orderId: 1, shopSku: 'A', billingPrice: 10.5, transferredForDelivery: 2, offerStatus: 'Доставлен покупателю' },
      { orderId: 2, shopSku: 'A', billingPrice: null, transferredForDelivery: 1, offerStatus: 'Доставлен покупателю' },
      { orderId: 3, shopSku: 'B', billingPrice: 7, transferredForDelivery: null, offerStatus: 'Отменён' },
    ] }));
    const { orders } = summariseReport([sheet]);
    expect(orders!.revenue.amount.toFixed(2)).toBe('21.00');
    expect(orders!.revenue.orders).toBe(2);
    expect(orders!.rowsWithoutAmount).toBe(2);
    expect(orders!.excludedStatuses).toEqual(['Отменён']);
  });

  it('builds the orders headline only for united-orders: a services sheet with orderId and money is labelled as service charges', () => {
    const placement = parseJsonSheet('placement', JSON.stringify({ rows: [
      { orderId: 1, shopSku: 'A', price: 1000, count: 2, totalAmount: 120 },
      { orderId: 2, shopSku: 'B', price: 500, count: 1, totalAmount: 30.5 },
    ] }));
    const processing = parseJsonSheet('order_processing', JSON.stringify({ rows: [{ orderId: 1, servicePrice: 45 }, { orderId: 2, servicePrice: 45 }] }));
    const services = summariseReport([placement, processing], 'united-marketplace-services');
    expect(services.orders).toBeUndefined();
    expect(services.services!.total.toFixed(2)).toBe('240.50');
    expect(services.services!.bySheet.map((x) => [x.sheet, x.column, x.amount.toFixed(2)])).toEqual([['placement', 'totalAmount', '150.50'], ['order_processing', 'servicePrice', '90.00']]);
    // "price" is the seller's price per item: not a sum, not the sheet's main amount.
    const p = services.sheets[0]!;
    expect(p.mainAmount).toBe('totalAmount');
    expect(p.sums.map((x) => x.column)).toEqual(['totalAmount', 'count']);
    expect(p.unitPrices.map((u) => [u.column, u.min.toFixed(), u.max.toFixed(), u.mean.toFixed()])).toEqual([['price', '500', '1000', '750']]);
    // Of unknown origin, only the orders report's transactions sheet gives an orders headline.
    expect(summariseReport([placement, processing]).orders).toBeUndefined();
    // A united-orders report's margin sheet is not the headline either.
    const margin = parseJsonSheet('services_and_orders_margin', JSON.stringify({ rows: [{ orderId: 1, orderStatus: 'Доставлен', sumBillingPriceOfItems: 100 }] }));
    expect(summariseReport([margin], 'united-orders').orders).toBeUndefined();
  });

  it('labels top rows of shows-sales OFFERS by offer name before category name', () => {
    const sheet = parseJsonSheet('sales_funnel_report', JSON.stringify({ rows: [
      { day: '01-10-2026', categoryName: 'Цветы и букеты', offerId: 'ROSE-1', offerName: 'Розы', orderItemsTotalAmount: 900 },
    ] }));
    const summary = summariseSheet(sheet);
    expect(summary.top[0]!.label).toBe('ROSE-1 · Розы · 01-10-2026');
  });

  it('the simulator writes per-item prices: its united-orders file gives the revenue computed from the seeded orders (JSON and CSV)', () => {
    const orders = seedOrders({ seed: 3, from: '2026-10-01', days: 31, campaignIds: [5] });
    const shop = { businessId: 9, shopName: 'S', inn: '1' };
    const expected = expectedOrders(orders, '2026-10-01', '2026-10-31');
    expect(orders.some((o) => o.items.some((i) => i.count > 1))).toBe(true);
    for (const format of ['JSON', 'CSV'] as const) {
      const sheets = parseReportFile(encodeReport(buildSheets(orders, { type: 'united-orders', businessId: 9, dateFrom: '2026-10-01', dateTo: '2026-10-31', language: 'RU' }, shop), format), 1e7).sheets;
      const { orders: o } = summariseReport(sheets, 'united-orders');
      expect(o!.revenue.amount.toFixed(2), format).toBe(expected.revenue.amount);
      expect(o!.revenue.orders).toBe(expected.revenue.orders);
      expect(o!.revenue.items!.toFixed()).toBe(String(expected.revenue.items));
      expect(o!.allStatuses.amount.toFixed(2)).toBe(expected.all.amount);
      expect(o!.topSkus.map((s) => [s.sku, s.amount.toFixed(2)])).toEqual(expected.topSkus.slice(0, 10).map((s) => [s.sku, s.amount]));
    }
  });

  it("summarises each simulator report type, matching sums computed from the seeded orders", () => {
    const orders = seedOrders({ seed: 11, from: '2026-10-01', days: 31, campaignIds: [5] });
    const shop = { businessId: 9, shopName: 'S', inn: '1' };
    const request = { dateFrom: '2026-10-01', dateTo: '2026-10-31', language: 'RU' as const };
    const live = orders.filter((o) => o.status !== 'CANCELLED');
    const units = live.reduce((n, o) => n + o.items.reduce((m, i) => m + i.count, 0), 0);
    const movement = parseReportFile(encodeReport(buildSheets(orders, { ...request, type: 'goods-movement', campaignId: 5 }, shop), 'CSV'), 1e7).sheets;
    const bySku = summariseSheet(movement.find((s) => s.name === 'movement_by_sku')!);
    expect(bySku.sums.find((s) => s.column === 'ORDERS_OUTCOME')).toMatchObject({ kind: 'quantity' });
    expect(bySku.sums.find((s) => s.column === 'ORDERS_OUTCOME')!.total.toFixed()).toBe(String(units));
    expect(bySku.sums.some((s) => s.kind === 'money')).toBe(false);

    const services = parseReportFile(encodeReport(buildSheets(orders, { ...request, type: 'united-marketplace-services', businessId: 9 }, shop), 'JSON'), 1e7).sheets;
    const processing = summariseSheet(services.find((s) => s.name === 'order_processing')!);
    expect(processing.mainAmount).toBe('servicePrice');
    expect(processing.sums.find((s) => s.column === 'servicePrice')!.total.toFixed(2)).toBe(new Decimal(45).times(live.length).toFixed(2));

    const funnel = parseReportFile(encodeReport(buildSheets(orders, { ...request, type: 'shows-sales', businessId: 9, grouping: 'OFFERS' }, shop), 'JSON'), 1e7).sheets;
    const f = summariseSheet(funnel[0]!);
    const ordered = orders.reduce((n, o) => n + o.items.reduce((m, i) => m + i.count, 0), 0);
    expect(f.sums.find((s) => s.column === 'orderItems')).toMatchObject({ kind: 'quantity' });
    expect(f.sums.find((s) => s.column === 'orderItems')!.total.toFixed()).toBe(String(ordered));
    expect(f.sums.find((s) => s.column === 'orderItemsTotalAmount')!.kind).toBe('money');
    expect(f.sums.some((s) => s.column === 'year' || s.column === 'visibilityIndex')).toBe(false);
    expect(f.dateRange).toMatchObject({ column: 'day' });
  });
});

describe('poll spacing', () => {
  it('follows the remaining estimate, backs off without one, and never polls faster than the info quota', () => {
    expect(nextPollDelay({ status: 'PROCESSING', estimatedMs: 4_000 }, 1_000, 600)).toBe(4_100);
    expect(nextPollDelay({ status: 'PROCESSING', estimatedMs: 10 }, 1_000, 600)).toBe(600);
    expect(nextPollDelay({ status: 'PROCESSING' }, 2_000, 600)).toBe(3_000);
    expect(nextPollDelay({ status: 'PROCESSING' }, 14_000, 600)).toBe(15_000);
    expect(nextPollDelay({ status: 'PENDING', estimatedMs: 600_000 }, 1_000, 600)).toBe(15_000);
  });
});
