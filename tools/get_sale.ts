import { z } from 'zod';
import { Decimal, formatNumber, formatRub, sum } from '../src/money.js';
import { toLocal } from '../src/period.js';
import { defineTool, ToolInputError } from '../src/tool.js';
import { LifeposClient, orgLabel } from '../src/sources/lifepos/client.js';
import { guidField } from '../src/sources/lifepos/input.js';
import { COMMENT_MAX, quoted, quotedCell, shownId, UNTRUSTED_NOTE } from '../src/untrusted.js';
import { responseFormatField } from './inputs.js';
import type { Sale, SalePosition } from '../src/sources/lifepos/sale.js';
import { exactMoney, finerThanKopeck, subKopeckNote } from '../src/sources/lifepos/units.js';

/**
 * get_sale: one LIFE POS sale in full — status in plain words, total, every position, customer, discounts.
 * The sale's `total_sum` is the truth; when the positions add up to something else, that is shown, not hidden.
 */

const EXAMPLE_GUID = '7564edaa-27bd-4f16-aa8a-6b1d0fecf4d0';
const CONCISE_POSITIONS = 20;

const input = z.strictObject({
  deal_guid: z.string().describe(`The sale's guid, e.g. "${EXAMPLE_GUID}".`),
  org_guid: z.string().optional().describe('Default LIFEPOS_ORG_GUID.'),
  response_format: responseFormatField(`positions past ${CONCISE_POSITIONS}, barcodes, times`),
});

/** Roubles as a decimal string, every digit LIFE POS sent; null when it sent none (absent, not zero). */
const money = z.string().nullable();
const position = z.object({
  n: z.number().int(),
  guid: z.string().nullable(),
  name: z.string().nullable(),
  quantity: z.string().nullable(),
  uom_guid: z.string().nullable(),
  uom_name: z.string().nullable(),
  price: money,
  sum: money,
  tax: z.string().nullable(),
  settlement_subject: z.string().nullable(),
  barcode: z.string().nullable(),
});

const output = z.object({
  deal_guid: z.string(),
  org_guid: z.string(),
  number: z.string().nullable(),
  opened_at: z.string().nullable(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  deleted_at: z.string().nullable(),
  tz: z.string(),
  state: z.string().nullable(),
  payment_status: z.string().nullable(),
  shipping_status: z.string().nullable(),
  status_text: z.string(),
  outlet_guid: z.string().nullable(),
  outlet_name: z.string().nullable(),
  workplace_guid: z.string().nullable(),
  cashier_guid: z.string().nullable(),
  comment: z.string().nullable(),
  currency: z.string(),
  money_unit: z.enum(['minor', 'major']),
  /** The truth when positions differ. */
  total: money,
  positions_sum: money,
  positions_match_total: z.boolean().nullable(),
  positions_difference: money,
  positions_count: z.number().int(),
  positions_omitted: z.number().int(),
  positions: z.array(position),
  customer: z.object({ name: z.string().nullable(), inn: z.string().nullable(), contacts: z.string().nullable(), address: z.string().nullable() }).nullable(),
  discounts: z
    .object({
      sale_discount_percent: z.string().nullable(),
      positions: z.array(
        z.object({
          position_n: z.number().int().nullable(),
          position_guid: z.string().nullable(),
          position_name: z.string().nullable(),
          type: z.string().nullable(),
          amount: z.string().nullable(),
          original_price: money,
        }),
      ),
    })
    .nullable(),
  payment_methods_allowed: z.array(z.string()).nullable(),
  payment_recipient: z
    .object({ inn: z.string().nullable(), agent_inn: z.string().nullable() })
    .nullable(),
  notes: z.array(z.string()),
});

type Out = z.infer<typeof output>;

const STATE_WORDS: Record<string, string> = { New: 'new (open)', InProgress: 'in progress', Completed: 'completed', Cancelled: 'cancelled' };
const PAYMENT_WORDS: Record<string, string> = {
  NotPaid: 'not paid',
  Paid: 'paid',
  PartiallyPaid: 'partially paid',
  Refunded: 'refunded',
  PartiallyRefunded: 'partially refunded',
};
const SHIPPING_WORDS: Record<string, string> = {
  NotShipped: 'not handed over',
  Shipped: 'handed over',
  PartiallyShipped: 'partly handed over',
  Returned: 'returned',
  PartiallyReturned: 'partly returned',
};
const TAX_WORDS: Record<string, string> = { Tax20: 'VAT 20 %', Tax10: 'VAT 10 %', Tax0: 'VAT 0 %', TaxFree: 'no VAT', Tax5: 'VAT 5 %', Tax7: 'VAT 7 %' };

const words = (map: Record<string, string>, v: string | undefined, what: string) => (v === undefined ? `${what} unknown` : (map[v] ?? shownId(v)));
const dec = exactMoney;
const rub = (d: Decimal | undefined) => (d === undefined ? '—' : formatRub(d));
const cell = (s: string | undefined) => (s === undefined ? '—' : quotedCell(s));

function quantityText(q: Decimal | undefined): string {
  if (q === undefined) return '—';
  return formatNumber(q, Math.max(0, q.decimalPlaces()));
}

function positionOut(p: SalePosition, n: number): z.infer<typeof position> {
  return {
    n,
    guid: p.guid ?? null,
    name: p.name ?? null,
    quantity: p.quantity === undefined ? null : p.quantity.toString(),
    uom_guid: p.uomGuid ?? null,
    uom_name: p.uomName ?? null,
    price: dec(p.price),
    sum: dec(p.sum),
    tax: p.tax ?? null,
    settlement_subject: p.settlementSubject ?? null,
    barcode: p.barcode ?? null,
  };
}

function render(sale: Sale, o: Out, ctx: { org: string; detailed: boolean; tz: string }): string {
  const local = (d: Date | undefined) => (d ? toLocal(d, ctx.tz).replace('T', ' ') : 'not set');
  const lines: string[] = [];
  lines.push(`**LIFE POS sale ${sale.number ? `№${shownId(sale.number)}` : '(no number)'}** — ${shownId(o.deal_guid)}, organization ${ctx.org}`);
  lines.push(`Opened ${local(sale.openedAt)} (${ctx.tz}) · ${o.status_text}`);
  const id = (v: string | undefined) => (v === undefined ? '—' : shownId(v));
  lines.push(`Outlet ${o.outlet_name ? `${quoted(o.outlet_name)} (${id(sale.outletGuid)})` : id(sale.outletGuid)} · cashier (opened by) ${id(sale.cashierGuid)}${ctx.detailed ? ` · workplace ${id(sale.workplaceGuid)}` : ''}`);
  lines.push(`**Total: ${rub(sale.total)}**${o.currency !== 'RUB' ? ` (${o.currency})` : ''} — the sale's total_sum`);
  if (o.positions_match_total === false) {
    const diff = sale.total!.minus(new Decimal(o.positions_sum!));
    lines.push(
      `⚠ The positions add up to ${formatRub(new Decimal(o.positions_sum!))}, not the sale total ${formatRub(sale.total!)} (difference ${formatRub(diff)}). ` +
        'The total is LIFE POS’s own figure and is taken as the truth; positions may be missing, discounted or repriced.',
    );
  } else if (o.positions_match_total === null && o.positions_count > 0) {
    lines.push('⚠ Some positions or the total came without an amount, so the positions could not be checked against the total.');
  }
  lines.push('');
  if (sale.positions === undefined) lines.push('LIFE POS sent no positions for this sale.');
  else if (sale.positions.length === 0) lines.push('The sale has no positions.');
  else {
    lines.push(`Positions (${o.positions_count}):`);
    lines.push('| # | name | qty | unit | price | sum | tax | subject |');
    lines.push('|---|---|---|---|---|---|---|---|');
    sale.positions.slice(0, o.positions.length).forEach((p, i) => {
      // The documented uom reference has only a guid, which means nothing to a reader: no name, no unit shown.
      const unit = p.uomName;
      lines.push(
        `| ${i + 1} | ${cell(p.name)} | ${quantityText(p.quantity)} | ${cell(unit)} | ${rub(p.price)} | ${rub(p.sum)} | ${p.tax ? (TAX_WORDS[p.tax] ?? shownId(p.tax)) : '—'} | ${p.settlementSubject ? shownId(p.settlementSubject) : '—'} |`,
      );
    });
    if (o.positions_omitted > 0) {
      lines.push(`…and ${o.positions_omitted} more positions (${o.positions_count} in all); response_format "detailed" lists every one.`);
    }
  }
  if (sale.customer) {
    const c = sale.customer;
    lines.push('');
    const said = (v: string | undefined) => (v === undefined ? undefined : quoted(v, COMMENT_MAX));
    lines.push(`Customer: ${[said(c.name), c.inn ? `INN ${shownId(c.inn)}` : undefined, said(c.contacts), said(c.address)].filter(Boolean).join(' · ')}`);
  }
  if (o.discounts) {
    const parts: string[] = [];
    if (o.discounts.sale_discount_percent !== null) parts.push(`sale discount ${formatNumber(new Decimal(o.discounts.sale_discount_percent), 2)} %`);
    for (const d of o.discounts.positions) {
      const amount = d.amount === null ? '?' : d.type === 'Percentage' ? `${formatNumber(new Decimal(d.amount), 2)} %` : formatRub(new Decimal(d.amount));
      // "#n name": names repeat within a sale (two loaves of the same bread), numbers do not.
      const which = d.position_n !== null ? `#${d.position_n} ${d.position_name === null ? '(no name)' : quoted(d.position_name)}` : `position ${d.position_guid ?? '(not named)'}`;
      parts.push(`${which}: −${amount}${d.original_price !== null ? ` (price before ${formatRub(new Decimal(d.original_price))})` : ''}`);
    }
    if (parts.length > 0) lines.push(`Discounts: ${parts.join('; ')}`);
  }
  if (o.payment_methods_allowed && o.payment_methods_allowed.length > 0) lines.push(`Payment methods allowed: ${o.payment_methods_allowed.join(', ')}`);
  if (o.payment_recipient) {
    lines.push(`Payment recipient: ${[o.payment_recipient.inn ? `INN ${o.payment_recipient.inn}` : undefined, o.payment_recipient.agent_inn ? `agent INN ${o.payment_recipient.agent_inn}` : undefined].filter(Boolean).join(' · ')}`);
  }
  for (const note of o.notes) lines.push(`⚠ ${note}`);
  if (sale.comment) lines.push(`Comment: ${quoted(sale.comment, COMMENT_MAX)}`);
  if (sale.comment || sale.customer || sale.positions?.length) lines.push(UNTRUSTED_NOTE);
  if (ctx.detailed) {
    lines.push(`Created ${local(sale.createdAt)}, updated ${local(sale.updatedAt)}${sale.deletedAt ? `, deleted ${local(sale.deletedAt)}` : ''}.`);
  } else if (sale.deletedAt) lines.push(`Deleted ${local(sale.deletedAt)}.`);
  return lines.join('\n');
}

export default defineTool({
  name: 'get_sale',
  title: 'LIFE POS sale',
  description:
    'Use for one LIFE POS sale (receipt) by guid: positions, total, statuses, customer, discounts. ' +
    `Example: {"deal_guid":"${EXAMPLE_GUID}"}`,
  input,
  output,
  annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: true },
  source: 'lifepos',
  async run(args, ctx) {
    const format = args.response_format ?? 'concise';
    const dealGuid = guidField('deal_guid', args.deal_guid, EXAMPLE_GUID);
    if (!dealGuid) throw new ToolInputError('deal_guid', `deal_guid is required: the sale's guid, e.g. ${EXAMPLE_GUID}.`);
    const tz = ctx.runtime.config.tz;
    const client = LifeposClient.for(ctx.runtime);
    const org = await client.resolveOrg(args.org_guid, ctx.signal);
    const sale = await client.sale(org, dealGuid, ctx.signal);

    const positions = sale.positions ?? [];
    const sums = positions.map((p) => p.sum);
    const positionsSum = sums.every((a): a is Decimal => a !== undefined) ? sum(sums as Decimal[]) : undefined;
    const comparable = sale.total !== undefined && positionsSum !== undefined && positions.length > 0;
    const shown = format === 'detailed' ? positions.length : Math.min(CONCISE_POSITIONS, positions.length);
    const numbers = new Map<string | undefined, number>();
    positions.forEach((p, i) => numbers.has(p.guid) || numbers.set(p.guid, i + 1));
    const amounts = [sale.total, ...positions.flatMap((p) => [p.price, p.sum]), ...(sale.discounts?.positions ?? []).flatMap((d) => [d.type === 'Percentage' ? undefined : d.amount, d.originalPrice])];
    const notes = amounts.some(finerThanKopeck) ? [subKopeckNote(client.config.moneyUnit)] : [];
    const local = (d: Date | undefined) => (d ? toLocal(d, tz) : null);

    const o: Out = {
      deal_guid: sale.guid ?? dealGuid,
      org_guid: org.guid,
      number: sale.number ?? null,
      opened_at: local(sale.openedAt),
      created_at: local(sale.createdAt),
      updated_at: local(sale.updatedAt),
      deleted_at: local(sale.deletedAt),
      tz,
      state: sale.state ?? null,
      payment_status: sale.paymentStatus ?? null,
      shipping_status: sale.shippingStatus ?? null,
      status_text: `${words(STATE_WORDS, sale.state, 'state')}, ${words(PAYMENT_WORDS, sale.paymentStatus, 'payment')}, ${words(SHIPPING_WORDS, sale.shippingStatus, 'shipping')}`,
      outlet_guid: sale.outletGuid ?? null,
      outlet_name: (sale.outletGuid && (await client.outletNames(org, ctx.signal)).names.get(sale.outletGuid.toLowerCase())) || null,
      workplace_guid: sale.workplaceGuid ?? null,
      cashier_guid: sale.cashierGuid ?? null,
      comment: sale.comment ?? null,
      currency: sale.currency ?? 'RUB',
      money_unit: client.config.moneyUnit,
      total: dec(sale.total),
      positions_sum: positions.length > 0 ? dec(positionsSum) : null,
      positions_match_total: comparable ? sale.total!.eq(positionsSum!) : null,
      positions_difference: comparable ? dec(sale.total!.minus(positionsSum!)) : null,
      positions_count: positions.length,
      positions_omitted: positions.length - shown,
      positions: positions.slice(0, shown).map((p, i) => positionOut(p, i + 1)),
      customer: sale.customer
        ? { name: sale.customer.name ?? null, inn: sale.customer.inn ?? null, contacts: sale.customer.contacts ?? null, address: sale.customer.address ?? null }
        : null,
      discounts: sale.discounts
        ? {
            sale_discount_percent: sale.discounts.salePercentage === undefined ? null : sale.discounts.salePercentage.toString(),
            positions: sale.discounts.positions.map((d) => {
              const n = d.positionGuid === undefined ? undefined : numbers.get(d.positionGuid);
              return {
              position_n: n ?? null,
              position_guid: d.positionGuid ?? null,
              position_name: n === undefined ? null : (positions[n - 1]!.name ?? null),
              type: d.type ?? null,
              amount: d.amount === undefined ? null : d.type === 'Percentage' ? d.amount.toString() : dec(d.amount),
              original_price: dec(d.originalPrice),
              };
            }),
          }
        : null,
      payment_methods_allowed: sale.paymentMethods ?? null,
      payment_recipient: sale.paymentRecipient ? { inn: sale.paymentRecipient.inn ?? null, agent_inn: sale.paymentRecipient.agentInn ?? null } : null,
      notes,
    };
    return { text: render(sale, o, { org: orgLabel(org), detailed: format === 'detailed', tz }), structured: o };
  },
});
