import { seededRandom } from '../framework.js';
import { DIRECTORY, type DocumentType, type OperationType, type SimReceipt, type TaxationType } from '../ofd/data.js';

/**
 * The new Yandex OFD public API's view of the legacy simulator's seeded receipts: the same documents,
 * enriched with what the receipt report shows (register and fiscal-drive numbers, shift and document
 * numbers, line items), and turned into the report's flattened rows. Field names follow the research
 * note on the new API: [C] where its example shows them, [I] where they fall after the example's cut-off.
 */

/** FFD tag 1054 codes [I: FFD standard] and the Russian labels the rows carry [I: public client]. */
export const OPERATION_CODES: Record<OperationType, { code: number; label: string }> = {
  income: { code: 1, label: 'Приход' },
  income_return: { code: 2, label: 'Возврат прихода' },
  outcome: { code: 3, label: 'Расход' },
  outcome_return: { code: 4, label: 'Возврат расхода' },
};

/** `docName` codes of `/reference/codes` [C]; labels in rows [I]. Only receipt kinds appear in the seed. */
export const DOC_NAME_CODES: Partial<Record<DocumentType, { code: number; label: string }>> = {
  fiscalReport: { code: 1, label: 'Отчёт о регистрации' },
  openShift: { code: 2, label: 'Отчёт об открытии смены' },
  receipt: { code: 3, label: 'Кассовый чек' },
  bso: { code: 4, label: 'Бланк строгой отчётности' },
  closeShift: { code: 5, label: 'Отчёт о закрытии смены' },
  closeArchive: { code: 6, label: 'Отчёт о закрытии фискального накопителя' },
  fiscalReportCorrection: { code: 11, label: 'Отчёт об изменении параметров регистрации' },
  currentStateReport: { code: 21, label: 'Отчёт о текущем состоянии расчётов' },
  receiptCorrection: { code: 31, label: 'Кассовый чек коррекции' },
  bsoCorrection: { code: 41, label: 'Бланк строгой отчётности коррекции' },
};

/** FFD tag 1055 bit codes and labels for the applied taxation system [I]. */
export const TAXATION_CODES: Record<TaxationType, { code: number; label: string }> = {
  osn: { code: 1, label: 'ОСН' },
  usn_income: { code: 2, label: 'УСН доход' },
  usn_income_wo_expenditure: { code: 4, label: 'УСН доход - расход' },
  esn_agricultural: { code: 16, label: 'ЕСХН' },
  psn: { code: 32, label: 'ПСН' },
};

/** How enumerations appear in rows: Russian labels (default, what the public client sees) or FFD codes. */
export type EnumStyle = 'labels' | 'codes';

/** Names and register numbers the new API's directories show (the legacy simulator has no names). */
export const CASHBOX_NAMES: Record<string, string> = {
  '5001': 'Касса 1 у входа',
  '5002': 'Касса 2 витрина',
  '5003': 'Касса у метро',
  '5004': 'Касса кофейни',
  '5005': 'Чужая касса',
};
export const kktRegId = (cashboxId: string) => `000${cashboxId}0${cashboxId}`.padStart(16, '0');
export const fiscalDriveNumber = (cashboxId: string) => `9999078${cashboxId}00${cashboxId.slice(-2)}`.padStart(16, '0');
export const COMPANY_INN: Record<string, string> = { '301': '772012345678', '302': '7705123456', '303': '7706654321' };
const RETAIL_ADDRESS: Record<string, string> = {
  '1001': 'г. Москва, ул. Тверская, д. 12',
  '1002': 'г. Москва, ул. Профсоюзная, д. 3',
  '1003': 'г. Москва, Чистопрудный б-р, д. 8',
  '1004': 'г. Казань, ул. Баумана, д. 1',
};
export const retailAddress = (id: string) => RETAIL_ADDRESS[id] ?? '';

const ITEM_NAMES: Record<string, readonly string[]> = {
  '301': ['Роза красная', 'Тюльпан', 'Букет «Весна»', 'Открытка', 'Лента', 'Упаковка крафт', 'Хризантема'],
  '302': ['Капучино', 'Латте', 'Эспрессо', 'Круассан', 'Чизкейк', 'Сахар', 'Вода 0,5'],
  '303': ['Товар'],
};

export interface PublicReceipt {
  receipt: SimReceipt;
  shiftNumber: number;
  fiscalDocumentNumber: number;
  /** Key of the shift this receipt belongs to: cashbox and local day. */
  shiftKey: string;
}

export interface Item {
  name: string;
  priceKopecks: number;
  quantity: number;
  sumKopecks: number;
}

const itemCache = new WeakMap<SimReceipt, Item[]>();

/** Line items of a receipt, derived deterministically from its id: they add up to its total exactly. */
export function itemsOf(r: SimReceipt, seed: number): Item[] {
  let items = itemCache.get(r);
  if (!items) itemCache.set(r, (items = r.items ?? deriveItems(r, seed)));
  return items;
}

function deriveItems(r: SimReceipt, seed: number): Item[] {
  const rnd = seededRandom((seed ^ Math.imul(Number(r.id), 2_654_435_761)) >>> 0);
  const total = r.kopecks.total;
  const lines = Math.max(1, Math.min(total, 1 + Math.floor(rnd() * 4)));
  const names = ITEM_NAMES[r.company_id] ?? ITEM_NAMES['303']!;
  const items: Item[] = [];
  let left = total;
  for (let i = 0; i < lines; i++) {
    // Leave at least one kopeck for each later line; the last line takes the rest.
    const part = i === lines - 1 ? left : Math.min(Math.max(1, Math.floor(left * (0.2 + rnd() * 0.5))), left - (lines - 1 - i));
    left -= part;
    const quantity = [3, 2].find((q) => part % q === 0 && rnd() < 0.4) ?? 1;
    items.push({ name: names[Math.floor(rnd() * names.length)]!, priceKopecks: part / quantity, quantity, sumKopecks: part });
  }
  return items;
}

/** Shift and fiscal document numbers per cashbox, in time order: one shift per cashbox and working day. */
export function enrich(receipts: readonly SimReceipt[]): PublicReceipt[] {
  const perBox = new Map<string, { day: string; shift: number; doc: number }>();
  return receipts.map((receipt) => {
    const day = receipt.date_time.slice(0, 10);
    let box = perBox.get(receipt.cashbox_id);
    if (!box) perBox.set(receipt.cashbox_id, (box = { day: '', shift: 0, doc: 1 }));
    if (box.day !== day) {
      if (box.day) box.doc += 1; // the previous shift's close report
      box.day = day;
      box.shift += 1;
      box.doc += 1; // this shift's open report
    }
    box.doc += 1;
    return { receipt, shiftNumber: box.shift, fiscalDocumentNumber: box.doc, shiftKey: `${receipt.cashbox_id} ${day}` };
  });
}

const rub = (kopecks: number) => kopecks / 100;

function enumValue(table: { code: number; label: string } | undefined, style: EnumStyle): string | number | null {
  if (!table) return null;
  return style === 'labels' ? table.label : table.code;
}

/** A receipt row of `/reports/receipts`. */
export function receiptRow(p: PublicReceipt, style: EnumStyle): Record<string, unknown> {
  const r = p.receipt;
  const k = r.kopecks;
  const company = DIRECTORY.companies.find((c) => c.id === r.company_id);
  const point = DIRECTORY.retailPoints.find((x) => x.id === r.retail_point_id);
  return {
    Id: r.id,
    appliedTaxationType: enumValue(TAXATION_CODES[r.taxation_type], style),
    buyerPhoneOrAddress: null,
    cashTotalSum: rub(k.cashTotal),
    creditSum: rub(k.credit),
    dateTime: r.date_time,
    docName: enumValue(DOC_NAME_CODES[r.document_type], style),
    ecashTotalSum: rub(k.ecashTotal),
    fiscalDocumentNumber: p.fiscalDocumentNumber,
    fiscalDriveNumber: fiscalDriveNumber(r.cashbox_id),
    fiscalSign: String(1_000_000_000 + ((Number(r.id) * 2_654_435_761) >>> 0) % 3_000_000_000),
    kktRegId: kktRegId(r.cashbox_id),
    link: null,
    operationType: enumValue(OPERATION_CODES[r.operation_type], style),
    prepaidSum: rub(k.prepaid),
    provisionSum: rub(k.provision),
    retailPlace: point?.name ?? null,
    retailPlaceAddress: retailAddress(r.retail_point_id),
    shiftNumber: p.shiftNumber,
    totalSum: rub(k.total),
    user: company?.name ?? null,
    userInn: COMPANY_INN[r.company_id] ?? null,
  };
}

/** The item rows of a receipt: `Parent` is the receipt row's `Id`. */
export function itemRows(p: PublicReceipt, seed: number): Record<string, unknown>[] {
  return itemsOf(p.receipt, seed).map((item, i) => ({
    Id: `${p.receipt.id}.${i + 1}`,
    Parent: p.receipt.id,
    itemNameFlat: item.name,
    itemNdsFlat: 'НДС не облагается',
    itemPaymentTypeFlat: 'Полный расчёт',
    itemPriceFlat: rub(item.priceKopecks),
    itemProductTypeFlat: 'Товар',
    itemQuantityFlat: item.quantity,
    itemSumFlat: rub(item.sumKopecks),
  }));
}
