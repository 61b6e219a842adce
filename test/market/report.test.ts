import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { strToU8, zipSync } from 'fflate';
import { parseCsvSheet, parseJsonSheet, parseReportFile, ReportFileError } from '../../src/sources/market/report-file.js';
import { summariseReport, summariseSheet } from '../../src/sources/market/report-summary.js';
import { nextPollDelay } from '../../src/sources/market/waiter.js';
import { seedOrders } from '../../src/sim/market/data.js';
import { buildSheets, encodeReport } from '../../src/sim/market/reports.js';

/** Report files → sheets → exact summaries, on hand-made files and on the simulator's own files. */

const zip = (files: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));

describe('report file parsing', () => {
  it('reads CSV with a BOM, ";" separators, quotes, doubled quotes and line breaks in cells', () => {
    const sheet = parseCsvSheet('s', '\uFEFFORDER_ID;OFFER_NAME;BILLING_PRICE\r\n1;"Розы; ""микс""\nкрасные";10.10\r\n2;Тюльпаны;\r\n');
    expect(sheet.columns).toEqual(['ORDER_ID', 'OFFER_NAME', 'BILLING_PRICE']);
    expect(sheet.rows).toEqual([
      { ORDER_ID: '1', OFFER_NAME: 'Розы; "микс"\nкрасные', BILLING_PRICE: '10.10' },
      { ORDER_ID: '2', OFFER_NAME: 'Тюльпаны', BILLING_PRICE: null },
    ]);
  });

  it('finds JSON rows under rows, at the top, or nested elsewhere, with a BOM', () => {
    expect(parseJsonSheet('a', '\uFEFF{"rows":[{"x":1}]}').rows).toEqual([{ x: 1 }]);
    expect(parseJsonSheet('b', '[{"x":2}]').rows).toEqual([{ x: 2 }]);
    expect(parseJsonSheet('c', '{"meta":{"v":1},"data":{"items":[{"x":3,"y":{"z":1}}]}}').rows).toEqual([{ x: 3, y: '{"z":1}' }]);
    expect(() => parseJsonSheet('d', '{oops')).toThrow(ReportFileError);
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
      columns: ['orderId', 'price', 'count', 'mysteryMetric', 'comment', 'bonusPaid', 'visibilityIndex', 'offerStatus', 'creationDate'],
      rows: [
        { orderId: 1, price: 0.1, count: 1, mysteryMetric: '7', comment: 'a', bonusPaid: '1 000,50', visibilityIndex: '1.5', offerStatus: 'Доставлен', creationDate: '03.10.2026' },
        { orderId: 2, price: 0.2, count: 2, mysteryMetric: '8', comment: 'b', bonusPaid: '0.49', visibilityIndex: '2', offerStatus: 'Отменён', creationDate: '2026-10-01' },
        { orderId: 3, price: '1234567890123.45', count: null, mysteryMetric: 'n/a', comment: null, bonusPaid: null, visibilityIndex: null, offerStatus: 'Доставлен', creationDate: '2026-10-05T10:00:00+03:00' },
      ],
    });
    const sums = Object.fromEntries(summary.sums.map((s) => [s.column, [s.kind, s.total.toFixed()]]));
    expect(sums).toEqual({ price: ['money', '1234567890123.75'], bonusPaid: ['money', '1000.99'], count: ['quantity', '3'] });
    expect(summary.mainAmount).toBe('price');
    expect(summary.statusCounts).toEqual([{ column: 'offerStatus', counts: [{ value: 'Доставлен', rows: 2 }, { value: 'Отменён', rows: 1 }] }]);
    expect(summary.dateRange).toEqual({ column: 'creationDate', from: '2026-10-01', to: '2026-10-05' });
    expect(summary.top.map((t) => [t.row, t.amount.toFixed()])).toEqual([[3, '1234567890123.45'], [2, '0.2'], [1, '0.1']]);
  });

  it('recognises the orders report from CSV headers (UPPER_SNAKE) as well', () => {
    const sheet = parseCsvSheet('orders_and_offers_transactions', 'ORDER_ID,SHOP_SKU,OFFER_NAME,BILLING_PRICE,TRANSFERRED_FOR_DELIVERY,OFFER_STATUS\n1,A,Alpha,100.10,1,Delivered\n1,B,Beta,50.05,2,Delivered\n2,A,Alpha,200.20,2,Cancelled\n');
    const { orders } = summariseReport([sheet]);
    expect(orders).toBeDefined();
    expect(orders!.orders).toBe(2);
    expect(orders!.items!.toFixed()).toBe('5');
    expect(orders!.amount.toFixed(2)).toBe('350.35');
    expect(orders!.byStatus.map((s) => [s.status, s.orders, s.amount.toFixed(2)])).toEqual([['Cancelled', 1, '200.20'], ['Delivered', 1, '150.15']]);
    expect(orders!.topSkus.map((s) => [s.sku, s.amount.toFixed(2)])).toEqual([['A', '300.30'], ['B', '50.05']]);
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
