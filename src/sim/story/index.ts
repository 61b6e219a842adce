/**
 * One seeded flower shop told consistently by every simulator (see README.md here). Plain data and a
 * generator; imports nothing from the client side.
 */
export {
  shopStory,
  storyDayOf,
  storyLocalTime,
  utcIsoOf,
  STORY_EXAMPLE_SALE_GUID,
  type ShopStory,
  type StoryDay,
  type StoryFloristOrder,
  type StoryFloristStatus,
  type StoryMarketOrder,
  type StoryMarketStatus,
  type StoryOptions,
  type StoryPosition,
  type StoryRefund,
  type StorySale,
  type StorySaleStatus,
} from './story.js';
export { COUNTER_GOODS, HOLIDAYS, MARKET_CATALOG, MARKET_WAREHOUSE, REFUND_BURST, SHOP, STORY_DAYS, STORY_SEED, STORY_TZ, WEEKDAY_FACTOR } from './shop.js';
