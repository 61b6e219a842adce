import { SHOP, type ShopStory, type StoryPosition } from '../story/index.js';
import type { SimReceipt } from './data.js';

/**
 * The fiscal side of the demo story: an `income` receipt for every fiscalized counter sale and an
 * `income_return` for every refund, at the same Moscow wall-clock time, on the sale's cashbox, paid the
 * same way (card → ecash). Sales of an unfiscalized day's offline hours have none. Both OFD simulators
 * serve these receipts (the result is kept per story).
 */

const cache = new WeakMap<ShopStory, SimReceipt[]>();

const items = (positions: StoryPosition[]) => positions.map((p) => ({ name: p.name, priceKopecks: p.priceKop, quantity: p.quantity, sumKopecks: p.totalKop }));

export function receiptsFromStory(story: ShopStory): SimReceipt[] {
  let receipts = cache.get(story);
  if (receipts) return receipts;
  const company_id = SHOP.ofdCompanyId;
  const drafts: Array<{ at: number; receipt: SimReceipt }> = [];
  const add = (at: number, outlet: number, cashbox_id: string, date_time: string, operation_type: 'income' | 'income_return', cash: number, card: number, positions: StoryPosition[]) =>
    drafts.push({
      at,
      receipt: {
        id: '',
        company_id,
        retail_point_id: SHOP.outlets[outlet]!.retailPointId,
        cashbox_id,
        date_time,
        document_type: 'receipt',
        operation_type,
        taxation_type: 'usn_income',
        kopecks: { cashTotal: cash, ecashTotal: card, prepaid: 0, credit: 0, provision: 0, total: cash + card },
        items: items(positions),
      },
    });
  for (const s of story.sales) if (s.fiscalized) add(s.at, s.outlet, s.cashboxId, s.localTime, 'income', s.cashKop, s.cardKop, s.positions);
  for (const r of story.refunds) add(r.at, r.outlet, r.cashboxId, r.localTime, 'income_return', r.cashKop, r.cardKop, r.positions);
  drafts.sort((a, b) => a.at - b.at);
  receipts = drafts.map((d, i) => {
    d.receipt.id = String(i + 1);
    return d.receipt;
  });
  cache.set(story, receipts);
  return receipts;
}
