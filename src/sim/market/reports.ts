import { zipSync, strToU8 } from 'fflate';
import { MARKET_WAREHOUSE } from '../story/index.js';
import { STATUS_TEXT, kopToNumber, ruDate, type SimOrder } from './data.js';

/**
 * Report files as Yandex Market builds them: one sheet per file, JSON (`{"rows":[…]}` keyed by the
 * camelCase column names) or CSV (UPPER_SNAKE header row), zipped. Sheet and column names follow the
 * report pages of the Partner API docs.
 */

export type ReportType = 'united-orders' | 'united-marketplace-services' | 'shows-sales' | 'goods-movement';
export type Row = Record<string, string | number | null>;
export type Sheets = Record<string, Row[]>;

export interface ReportRequest {
  type: ReportType;
  businessId?: number;
  campaignId?: number;
  campaignIds?: number[];
  placementPrograms?: string[];
  dateFrom: string;
  dateTo: string;
  grouping?: 'CATEGORIES' | 'OFFERS';
  shopSku?: string;
  language: 'RU' | 'EN';
}

export interface ShopInfo {
  businessId: number;
  shopName: string;
  inn: string;
}

const inPeriod = (o: SimOrder, r: ReportRequest) => o.creationDate >= r.dateFrom && o.creationDate <= r.dateTo;

function ordersFor(orders: SimOrder[], r: ReportRequest): SimOrder[] {
  return orders.filter((o) => {
    if (!inPeriod(o, r)) return false;
    if (r.campaignId !== undefined && o.campaignId !== r.campaignId) return false;
    if (r.campaignIds && !r.campaignIds.includes(o.campaignId)) return false;
    return true;
  });
}

function unitedOrders(orders: SimOrder[], r: ReportRequest, shop: ShopInfo): Sheets {
  const transactions: Row[] = [];
  const margin: Row[] = [];
  for (const o of ordersFor(orders, r)) {
    let orderKop = 0;
    for (const item of o.items) {
      const rowKop = item.unitPriceKop * item.count;
      orderKop += rowKop;
      const paid = o.status === 'CANCELLED' ? 0 : rowKop;
      transactions.push({
        businessId: shop.businessId,
        model: 'FBS',
        partnerId: o.campaignId,
        shopName: shop.shopName,
        inn: shop.inn,
        placementContract: '1234567/23',
        orderId: o.orderId,
        partnerOrderId: `S-${o.orderId}`,
        creationDate: ruDate(o.creationDate),
        orderType: r.language === 'RU' ? 'Обычный' : 'Regular',
        shopSku: item.shopSku,
        offerName: item.offerName,
        // Both are prices PER ITEM (report docs: "Your price (per item)", "Sale price (per item)");
        // the units of the row are in transferredForDelivery.
        partnerPriceForDelivery: kopToNumber(item.unitPriceKop),
        billingPrice: kopToNumber(item.unitPriceKop),
        transferredForDelivery: item.count,
        deliveredOrReturned: o.status === 'DELIVERED' || o.status === 'RETURNED' ? item.count : 0,
        deliveryDate: o.status === 'DELIVERED' ? o.statusChanged.slice(0, 10) : null,
        offerStatus: STATUS_TEXT[o.status][r.language],
        statusChanged: o.statusChanged,
        paymentType: o.paymentType === 'PREPAID' ? (r.language === 'RU' ? 'Предоплата' : 'Prepaid') : r.language === 'RU' ? 'Постоплата' : 'Postpaid',
        shipmentWarehouse: MARKET_WAREHOUSE,
        deliveryRegion: 'Москва',
        buyerPaymentAmount: kopToNumber(paid),
        refundBuyerPaymentAmount: o.status === 'RETURNED' ? kopToNumber(rowKop) : null,
      });
    }
    const commissionKop = Math.round((orderKop * 5) / 100);
    margin.push({
      orderId: o.orderId,
      partnerOrderId: `S-${o.orderId}`,
      orderStatus: STATUS_TEXT[o.status][r.language],
      creationDate: ruDate(o.creationDate),
      orderType: r.language === 'RU' ? 'Обычный' : 'Regular',
      sumBillingPriceOfItems: kopToNumber(orderKop),
      summaryCommission: kopToNumber(commissionKop + 4500),
      saleCommission: kopToNumber(commissionKop),
      orderProcessing: 45,
      buyerPayment: kopToNumber(o.status === 'CANCELLED' ? 0 : orderKop),
    });
  }
  return { orders_and_offers_transactions: transactions, services_and_orders_margin: margin };
}

function marketplaceServices(orders: SimOrder[], r: ReportRequest, shop: ShopInfo): Sheets {
  if (r.placementPrograms && !r.placementPrograms.includes('FBS')) return {};
  const common = { businessId: shop.businessId, placementModel: 'FBS', partnerName: shop.shopName, inn: shop.inn };
  const placement: Row[] = [];
  const processing: Row[] = [];
  for (const o of ordersFor(orders, r)) {
    if (o.status === 'CANCELLED') continue;
    for (const item of o.items) {
      const rowKop = item.unitPriceKop * item.count;
      placement.push({
        ...common,
        partnerId: o.campaignId,
        orderId: o.orderId,
        shopSku: item.shopSku,
        offerName: item.offerName,
        count: item.count,
        price: kopToNumber(item.unitPriceKop),
        tariff: '6%',
        totalAmount: kopToNumber(Math.round((rowKop * 6) / 100)),
        serviceDateTime: `${o.creationDate}T12:00:00+03:00`,
      });
    }
    processing.push({ ...common, partnerId: o.campaignId, orderId: o.orderId, serviceName: r.language === 'RU' ? 'Обработка заказа' : 'Order processing', servicePrice: 45, serviceDate: ruDate(o.creationDate) });
  }
  return { placement, order_processing: processing };
}

function showsSales(orders: SimOrder[], r: ReportRequest): Sheets {
  const byKey = new Map<string, Row>();
  for (const o of ordersFor(orders, r)) {
    for (const item of o.items) {
      const [y, m, d] = o.creationDate.split('-');
      const group = r.grouping === 'CATEGORIES' ? 'Цветы и букеты' : item.shopSku;
      const key = `${o.creationDate}|${group}`;
      let row = byKey.get(key);
      if (!row) {
        row = {
          day: `${d}-${m}-${y}`,
          month: `${m}-${y}`,
          year: Number(y),
          categoryName: 'Цветы и букеты',
          ...(r.grouping === 'OFFERS' ? { offerId: item.shopSku, offerName: item.offerName } : {}),
          shows: 0,
          clicks: 0,
          toCart: 0,
          orderItems: 0,
          orderItemsTotalAmount: 0,
          orderItemsDeliveredCount: 0,
          orderItemsDeliveredTotalAmount: 0,
          orderItemsCanceledCount: 0,
          visibilityIndex: '12.5',
        };
        byKey.set(key, row);
      }
      const add = (k: string, v: number) => (row![k] = (row![k] as number) + v);
      add('shows', 40 * item.count + 11);
      add('clicks', 4 * item.count + 1);
      add('toCart', item.count + 1);
      add('orderItems', item.count);
      // Sales analytics carries whole roubles.
      add('orderItemsTotalAmount', Math.round((item.unitPriceKop * item.count) / 100));
      if (o.status === 'DELIVERED') {
        add('orderItemsDeliveredCount', item.count);
        add('orderItemsDeliveredTotalAmount', Math.round((item.unitPriceKop * item.count) / 100));
      }
      if (o.status === 'CANCELLED') add('orderItemsCanceledCount', item.count);
    }
  }
  return { sales_funnel_report: [...byKey.values()] };
}

/**
 * FBS: goods leave the shop's own warehouse with each order and come back with each return, so there are no
 * supplies to Market. Every movement is one row of movement_by_type; movement_by_sku adds them up per SKU
 * (orders as ordersOutcome, returns as returnsIncome), so the two sheets agree unit for unit.
 */
function goodsMovement(orders: SimOrder[], r: ReportRequest): Sheets {
  const bySku = new Map<string, Row>();
  const byType: Row[] = [];
  for (const o of ordersFor(orders, r)) {
    if (o.status === 'CANCELLED') continue;
    for (const item of o.items) {
      if (r.shopSku && item.shopSku !== r.shopSku) continue;
      let row = bySku.get(item.shopSku);
      if (!row) {
        row = { shopSku: item.shopSku, skuName: item.offerName, shipmentsIncome: 0, returnsIncome: 0, inventorySurplus: 0, ordersOutcome: 0, warehouseWithdrawal: 0, recycling: 0, inventoryShortage: 0, warehouseName: MARKET_WAREHOUSE };
        bySku.set(item.shopSku, row);
      }
      row.ordersOutcome = (row.ordersOutcome as number) + item.count;
      byType.push({ movementType: 'Заказ', movementNumber: `M-${o.orderId}`, orderId: o.orderId, shopSku: item.shopSku, date: o.creationDate, income: 0, outcome: item.count, warehouseName: MARKET_WAREHOUSE });
      if (o.status === 'RETURNED') {
        row.returnsIncome = (row.returnsIncome as number) + item.count;
        byType.push({ movementType: 'Возврат', movementNumber: `R-${o.orderId}`, orderId: o.orderId, shopSku: item.shopSku, date: o.statusChanged.slice(0, 10), income: item.count, outcome: 0, warehouseName: MARKET_WAREHOUSE });
      }
    }
  }
  return { movement_by_sku: [...bySku.values()], movement_by_type: byType };
}

export function buildSheets(orders: SimOrder[], r: ReportRequest, shop: ShopInfo): Sheets {
  switch (r.type) {
    case 'united-orders':
      return unitedOrders(orders, r, shop);
    case 'united-marketplace-services':
      return marketplaceServices(orders, r, shop);
    case 'shows-sales':
      return showsSales(orders, r);
    case 'goods-movement':
      return goodsMovement(orders, r);
  }
}

export const rowCount = (sheets: Sheets) => Object.values(sheets).reduce((n, rows) => n + rows.length, 0);

const upperSnake = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toCsv(rows: Row[]): string {
  const columns: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  const lines = [columns.map(upperSnake).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(','));
  // Excel-friendly files from Market start with a byte-order mark.
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** The downloadable file: a ZIP of one JSON or CSV per sheet. */
export function encodeReport(sheets: Sheets, format: 'JSON' | 'CSV' | 'FILE'): Buffer {
  const files: Record<string, Uint8Array> = {};
  for (const [name, rows] of Object.entries(sheets)) {
    if (format === 'CSV') files[`${name}.csv`] = strToU8(toCsv(rows));
    else files[`${name}.json`] = strToU8(JSON.stringify({ rows }));
  }
  return Buffer.from(zipSync(files, { level: 6 }));
}
