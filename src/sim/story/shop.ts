/**
 * Who the demo shop is: one flower shop with two counters (each a LIFE POS outlet and an OFD retail point),
 * a florist CRM (Posiflora) and a Yandex Market storefront. Plain data only: the simulators map it onto
 * their own wire shapes.
 */

export const STORY_TZ = 'Europe/Moscow';
/** Moscow has had no DST since 2014: local time is UTC+3 all year. */
export const STORY_UTC_OFFSET_MS = 3 * 3_600_000;
export const STORY_SEED = 20_261_130;
export const STORY_DAYS = 400;

export interface StoryOutlet {
  /** LIFE POS outlet guid. */
  guid: string;
  name: string;
  /** The OFD retail point and cashboxes that fiscalize this counter's sales. */
  retailPointId: string;
  cashboxIds: readonly string[];
  /** Part of the counter traffic. */
  share: number;
}

export const SHOP = {
  /** The legal entity: LIFE POS organization and OFD company 301. */
  name: 'ИП Цветкова «Цветочная лавка»',
  orgGuid: '3f1c0a52-7d4e-4b8a-9c1f-2a6e5d7b8c90',
  ofdCompanyId: '301',
  outlets: [
    { guid: '6b2d9e14-31a7-4c5e-8f02-9d4b7a1c3e55', name: 'Цветы на Тверской', retailPointId: '1001', cashboxIds: ['5001', '5002'], share: 0.65 },
    { guid: 'a4e7c2b9-58d1-4f36-b0a3-7e1f9c2d4b68', name: 'Цветы у метро', retailPointId: '1002', cashboxIds: ['5003'], share: 0.35 },
  ] as readonly StoryOutlet[],
  cashiers: [
    { guid: 'c7a1e3f5-2b4d-4a6c-8e0f-1a3c5e7b9d21', name: 'Иванова Мария' },
    { guid: 'd8b2f4a6-3c5e-4b7d-9f1a-2b4d6f8a0c32', name: 'Петров Алексей' },
    { guid: 'e9c3a5b7-4d6f-4c8e-a02b-3c5e7a9b1d43', name: 'Сидорова Анна' },
  ],
  workplaces: ['f0d4b6c8-5e7a-4d9f-b13c-4d6f8b0c2e54', '01e5c7d9-6f8b-4eaa-824d-5e7a9c1d3f65'],
  /** Posiflora stores: the two counters take orders too; most florist orders come from the website. */
  floristStores: [
    { title: 'Цветы на Тверской', address: 'ул. Тверская, 12', share: 0.3 },
    { title: 'Цветы у метро', address: 'ул. Профсоюзная, 3', share: 0.2 },
    { title: 'Доставка (сайт)', address: 'ул. Тверская, 12', share: 0.5 },
  ],
  market: { businessId: 7_710_001, campaignIds: [21_000_101, 21_000_102] as readonly number[], shopName: 'Цветочная лавка', inn: '772012345678' },
} as const;

export interface CounterGood {
  sku: string;
  name: string;
  /** Kopecks per unit. */
  priceKop: number;
  /** Units usually bought at once: [min, max]. */
  quantity: readonly [number, number];
  /** Relative weight on ordinary days; flowers weigh more on holidays. */
  weight: number;
  flower: boolean;
}

export const COUNTER_GOODS: readonly CounterGood[] = [
  { sku: 'ROSE-60', name: 'Роза красная 60 см', priceKop: 25_000, quantity: [1, 15], weight: 5, flower: true },
  { sku: 'TULIP', name: 'Тюльпан', priceKop: 12_000, quantity: [3, 25], weight: 4, flower: true },
  { sku: 'CHRYS', name: 'Хризантема кустовая', priceKop: 18_990, quantity: [1, 7], weight: 3, flower: true },
  { sku: 'BQ-SPRING', name: 'Букет «Весна»', priceKop: 249_000, quantity: [1, 1], weight: 2, flower: true },
  { sku: 'BQ-TENDER', name: 'Букет «Нежность»', priceKop: 389_900, quantity: [1, 1], weight: 1, flower: true },
  { sku: 'BOX-COMP', name: 'Композиция в коробке', priceKop: 459_000, quantity: [1, 1], weight: 1, flower: true },
  { sku: 'ORCHID', name: 'Орхидея в горшке', priceKop: 189_900, quantity: [1, 2], weight: 1, flower: true },
  { sku: 'WRAP', name: 'Упаковка крафт', priceKop: 15_000, quantity: [1, 2], weight: 4, flower: false },
  { sku: 'CARD', name: 'Открытка', priceKop: 9_950, quantity: [1, 2], weight: 3, flower: false },
  { sku: 'RIBBON', name: 'Лента атласная', priceKop: 2_990, quantity: [1, 3], weight: 2, flower: false },
  { sku: 'FEED', name: 'Подкормка для срезанных цветов', priceKop: 4_550, quantity: [1, 3], weight: 1, flower: false },
];

/** What the shop sells on Yandex Market (shipped from its own warehouse: FBS). */
export const MARKET_CATALOG: ReadonlyArray<{ shopSku: string; offerName: string; basePriceKop: number }> = [
  { shopSku: 'ROSE-RED-51', offerName: 'Букет из 51 красной розы', basePriceKop: 1_249_000 },
  { shopSku: 'ROSE-MIX-25', offerName: 'Розы микс, 25 шт.', basePriceKop: 589_950 },
  { shopSku: 'TULIP-15', offerName: 'Тюльпаны, 15 шт.', basePriceKop: 219_990 },
  { shopSku: 'PEONY-7', offerName: 'Пионы, 7 шт.', basePriceKop: 349_900 },
  { shopSku: 'BOX-CHAMO', offerName: 'Ромашки в коробке', basePriceKop: 189_050 },
  { shopSku: 'VASE-GLASS', offerName: 'Ваза стеклянная 30 см', basePriceKop: 99_999 },
  { shopSku: 'CARD-01', offerName: 'Открытка', basePriceKop: 15_000 },
  { shopSku: 'ORCHID-2', offerName: 'Орхидея фаленопсис, 2 ствола', basePriceKop: 412_345 },
  { shopSku: 'LILY-5', offerName: 'Лилии, 5 шт.', basePriceKop: 275_555 },
  { shopSku: 'GYPSO-1', offerName: 'Гипсофила, ветка', basePriceKop: 45_075 },
  { shopSku: 'CHRYS-9', offerName: 'Хризантемы кустовые, 9 шт.', basePriceKop: 199_001 },
  { shopSku: 'BALLOON', offerName: 'Шар фольгированный', basePriceKop: 35_090 },
];

/** The warehouse Market orders ship from (FBS: the shop's own stock, not a Market warehouse). */
export const MARKET_WAREHOUSE = 'Склад магазина';

/** Demand multipliers: a florist's year has two peaks and one late-summer bump. */
export const HOLIDAYS: ReadonlyArray<{ monthDay: string; counter: number; florist: number; name: string }> = [
  { monthDay: '02-13', counter: 1.6, florist: 2.5, name: 'eve of Valentine’s Day' },
  { monthDay: '02-14', counter: 2.8, florist: 4, name: 'Valentine’s Day' },
  { monthDay: '03-06', counter: 1.8, florist: 3, name: 'International Women’s Day, two days before' },
  { monthDay: '03-07', counter: 3, florist: 5, name: 'International Women’s Day, the eve' },
  { monthDay: '03-08', counter: 4, florist: 6, name: 'International Women’s Day' },
  { monthDay: '09-01', counter: 2.2, florist: 1.5, name: 'Day of Knowledge' },
];

/** Monday … Sunday. */
export const WEEKDAY_FACTOR = [0.85, 0.9, 0.95, 1, 1.2, 1.4, 1.15] as const;

/**
 * Tulips bought for 8 March wilt: sales of these days are returned far more often, refunds land in the
 * following days (the "refunds burst").
 */
export const REFUND_BURST = { salesFrom: '03-07', salesTo: '03-14', probability: 0.2 } as const;
export const REFUND_PROBABILITY = 0.025;
