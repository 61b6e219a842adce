import { z } from 'zod';
import { cleanText, ID_MAX, shownId } from '../../untrusted.js';
import { parseOptionalAmount, type Decimal } from '../../money.js';

/**
 * Lenient readers of Posiflora's JSON:API answers. Money arrives as JSON numbers (spec: int32, but
 * fractional in practice) or decimal strings ("491519.50"); meta.total as a number or a string.
 */

export const JSON_API = 'application/vnd.api+json';
export const ORDER_STATUSES = ['new', 'done', 'canceled', 'returned', 'courier', 'assembled', 'notAccepted'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const amount = z.union([z.number(), z.string()]).nullish();
const ref = z.object({ data: z.object({ id: z.string(), type: z.string().optional() }).nullish() }).loose().nullish();

const orderResource = z
  .object({
    id: z.string(),
    attributes: z
      .object({
        status: z.string().nullish(),
        docNo: z.string().nullish(),
        createdAt: z.string().nullish(),
        updatedAt: z.string().nullish(),
        dueTime: z.string().nullish(),
        postedAt: z.string().nullish(),
        delivery: z.boolean().nullish(),
        totalAmount: amount,
        paymentsAmount: amount,
      })
      .loose(),
    relationships: z.object({ store: ref, customer: ref }).loose().nullish(),
  })
  .loose();

const includedResource = z
  .object({ type: z.string(), id: z.string(), attributes: z.object({ title: z.string().nullish() }).loose().nullish() })
  .loose();

export const orderListSchema = z
  .object({
    data: z.array(orderResource),
    meta: z
      .object({
        page: z.object({ number: z.coerce.number().optional(), size: z.coerce.number().optional() }).loose().nullish(),
        total: z.union([z.number(), z.string()]).nullish(),
        statuses: z.record(z.string(), z.union([z.string(), z.number()]).nullish()).nullish(),
        orders_amounts: z.record(z.string(), amount).nullish(),
      })
      .loose()
      .nullish(),
    included: z.array(includedResource).nullish(),
  })
  .loose();

export const storeListSchema = z
  .object({
    data: z.array(z.object({ id: z.string(), attributes: z.object({ title: z.string().nullish() }).loose().nullish() }).loose()),
    meta: z.object({ total: z.union([z.number(), z.string()]).nullish() }).loose().nullish(),
  })
  .loose();

export const sessionSchema = z.object({
  data: z.object({
    attributes: z
      .object({
        accessToken: z.string().min(1),
        refreshToken: z.string().nullish(),
        expireAt: z.string().nullish(),
        refreshExpireAt: z.string().nullish(),
      })
      .loose(),
  }).loose(),
}).loose();

export const errorBodySchema = z
  .object({
    errors: z.array(
      z
        .object({
          status: z.union([z.string(), z.number()]).nullish(),
          code: z.union([z.string(), z.number()]).nullish(),
          title: z.string().nullish(),
          detail: z.string().nullish(),
          source: z.object({ pointer: z.string().nullish(), parameter: z.string().nullish() }).loose().nullish(),
        })
        .loose(),
    ),
  })
  .loose();

export interface ApiError {
  code?: string;
  title?: string;
  detail?: string;
  parameter?: string;
}

/** The first JSON:API error of a body, if it is one. */
export function firstError(body: unknown): ApiError | undefined {
  const parsed = errorBodySchema.safeParse(body);
  const e = parsed.success ? parsed.data.errors[0] : undefined;
  if (!e) return undefined;
  return {
    code: e.code === null || e.code === undefined ? undefined : String(e.code),
    title: e.title ?? undefined,
    detail: e.detail ?? undefined,
    parameter: e.source?.parameter ?? e.source?.pointer ?? undefined,
  };
}

export interface ParsedOrder {
  id: string;
  docNo: string;
  status: string;
  createdAt: string | undefined;
  /** The value of the date field the listing is filtered by (for per-day grouping). */
  dated: string | undefined;
  storeId: string | undefined;
  /** Absent (undefined) when the API sent no amount: never treated as zero. */
  total: Decimal | undefined;
  paid: Decimal | undefined;
  delivery: boolean;
}

export interface ParsedMeta {
  total: number | undefined;
  pageSize: number | undefined;
  statuses: Partial<Record<string, number>> | undefined;
  ordersAmount: Decimal | undefined;
  paymentsAmount: Decimal | undefined;
}

export interface ParsedPage {
  orders: ParsedOrder[];
  meta: ParsedMeta;
  storeNames: Map<string, string>;
}

export type DateAttribute = 'createdAt' | 'updatedAt' | 'dueTime' | 'postedAt';

/** A count; one beyond 2^53 (no shop has that many orders, and it cannot be counted exactly) is an error naming the field. */
function count(v: unknown, field: string): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
    throw new ResponseShapeError(`Posiflora sent ${field} = ${String(v).slice(0, 40)}, which is not a plausible count (at most 2^53 − 1); no figures were produced rather than wrong ones.`);
  }
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function money(v: unknown, where: string): Decimal | undefined {
  return parseOptionalAmount(v, 'major', where);
}

export class ResponseShapeError extends Error {
  override name = 'ResponseShapeError';
}

/** One page of GET /v1/orders, reduced to what summaries need. */
export function parseOrderPage(body: unknown, dateAttribute: DateAttribute): ParsedPage {
  const parsed = orderListSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ResponseShapeError(`Posiflora sent an order list in an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}); no figures were produced rather than wrong ones.`);
  }
  const { data, meta, included } = parsed.data;
  const storeNames = new Map<string, string>();
  for (const inc of included ?? []) if (inc.type === 'stores' && inc.attributes?.title) storeNames.set(cleanText(inc.id, ID_MAX), cleanText(inc.attributes.title));
  const statuses = meta?.statuses
    ? Object.fromEntries(Object.entries(meta.statuses).map(([k, v]) => [cleanText(k, ID_MAX), count(v, `meta.statuses.${cleanText(k, ID_MAX)}`)]).filter(([, v]) => v !== undefined))
    : undefined;
  const amounts = meta?.orders_amounts ?? undefined;
  return {
    storeNames,
    meta: {
      total: count(meta?.total, 'meta.total'),
      pageSize: count(meta?.page?.size, 'meta.page.size'),
      statuses,
      // The spec names it orderAmount; real answers say ordersAmount. Read both.
      ordersAmount: amounts ? money(amounts.ordersAmount ?? amounts.orderAmount, 'meta.orders_amounts.ordersAmount') : undefined,
      paymentsAmount: amounts ? money(amounts.paymentsAmount, 'meta.orders_amounts.paymentsAmount') : undefined,
    },
    orders: data.map((o) => {
      const a = o.attributes;
      // Ids, numbers and statuses are upstream text too: cleaned and bounded (src/untrusted.ts).
      const id = cleanText(o.id, ID_MAX);
      const docNo = a.docNo ? cleanText(a.docNo, ID_MAX) : id;
      const storeId = o.relationships?.store?.data?.id;
      return {
        id,
        docNo,
        status: a.status ? cleanText(a.status, ID_MAX) : 'unknown',
        createdAt: a.createdAt ?? undefined,
        dated: a[dateAttribute] ?? undefined,
        storeId: storeId ? cleanText(storeId, ID_MAX) : undefined,
        total: money(a.totalAmount, `order ${shownId(docNo)} totalAmount`),
        paid: money(a.paymentsAmount, `order ${shownId(docNo)} paymentsAmount`),
        delivery: a.delivery === true,
      };
    }),
  };
}
