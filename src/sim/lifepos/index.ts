import type { SimServer } from '../framework.js';
import { seedData, type SeedOptions, type SimData } from './data.js';
import { createLifeposServer, LifeposSimState } from './server.js';
import type { MoneyUnit } from './wire.js';
import type { ShareScale } from './widget.js';
import { lifeposDataFromStory } from './story.js';
import type { ShopStory } from '../story/index.js';

export type { SimData, SimOrg, SimSale, SimRefund, SimPosition } from './data.js';
export { moneyValue } from './wire.js';

export interface LifeposSimOptions extends SeedOptions {
  /** Serve the demo shop's story (then the seeding options are ignored; the clock starts at the story's `now`). */
  story?: ShopStory;
  moneyUnit?: MoneyUnit;
  /** Scale of the widget's shares (default fraction) and of growth_rate.percentage (default percent). */
  shareScale?: ShareScale;
  growthScale?: ShareScale;
  /** false: the widget's summaries carry no `period` (the API does not echo what it reported). */
  echoPeriod?: boolean;
  /** Name the unit inside each position's `uom` reference (the documented Reference has only a guid). */
  uomNames?: boolean;
  /**
   * The simulator's clock: its "today" (the widget's default window) and token expiry. Default: time runs
   * from the seeding `now` (so a sim seeded at a fixed date lives on that date), else the real clock.
   */
  clock?: () => Date;
  tokenTtlMs?: number;
  rps?: number;
  orgsPageSize?: number;
  /** Items per page of reports/revenue/periods (default 31: a month of days in one page). */
  periodsPageSize?: number;
  ignorePeriodParams?: boolean;
  extraRequiredHeaders?: string[];
  /** Credentials the simulator accepts instead of the demo ones. */
  credentials?: Partial<typeof DEMO_CREDENTIALS>;
}

export interface LifeposSim {
  server: SimServer;
  url: string;
  /** Demo credentials: a phone login and a static API token. */
  credentials: { phone: string; password: string; token: string };
  data: SimData;
  /** Shortcuts into `data`: the organizations the demo user sees, every sale and every refund operation. */
  orgs: SimData['orgs'];
  sales: SimData['sales'];
  refunds: SimData['refunds'];
  state: LifeposSimState;
  moneyUnit: MoneyUnit;
  /** Environment that points revenue-mcp at this simulator (phone login by default). */
  env(auth?: 'phone' | 'token'): Record<string, string>;
  close(): Promise<void>;
}

export const DEMO_CREDENTIALS = {
  phone: '+79001234567',
  password: 'demo-pass-2026',
  token: 'lp-demo-static-token-6f1e2d3c4b5a',
};

/** Start the LIFE POS simulator on 127.0.0.1 with seeded data. */
export async function startLifeposSim(options: LifeposSimOptions = {}): Promise<LifeposSim> {
  const data = options.story ? lifeposDataFromStory(options.story) : seedData(options);
  const credentials = { ...DEMO_CREDENTIALS, ...options.credentials };
  const moneyUnit = options.moneyUnit ?? 'minor';
  const state = new LifeposSimState();
  const startedAt = Date.now();
  const seededAt = options.story?.now ?? options.now?.getTime();
  const clock = options.clock
    ? () => options.clock!().getTime()
    : seededAt === undefined
      ? () => Date.now()
      : () => seededAt + (Date.now() - startedAt);
  const server = createLifeposServer(
    {
      data,
      moneyUnit,
      widget: { shareScale: options.shareScale ?? 'fraction', growthScale: options.growthScale ?? 'percent', echoPeriod: options.echoPeriod ?? true },
      sale: { uomNames: options.uomNames ?? false },
      clock,
      ...credentials,
      apiToken: credentials.token,
      tokenTtlMs: options.tokenTtlMs ?? 30 * 24 * 3_600_000,
      rps: options.rps ?? 20,
      orgsPageSize: options.orgsPageSize ?? 2,
      periodsPageSize: options.periodsPageSize ?? 31,
      ignorePeriodParams: options.ignorePeriodParams ?? false,
      extraRequiredHeaders: options.extraRequiredHeaders ?? [],
    },
    state,
  );
  const url = await server.start();
  return {
    server,
    url,
    credentials,
    data,
    orgs: data.orgs,
    get sales() {
      return data.sales;
    },
    get refunds() {
      return data.refunds;
    },
    state,
    moneyUnit,
    env(auth = 'phone') {
      return {
        LIFEPOS_BASE_URL: url,
        LIFEPOS_MONEY_UNIT: moneyUnit,
        ...(auth === 'phone' ? { LIFEPOS_PHONE: credentials.phone, LIFEPOS_PASSWORD: credentials.password } : { LIFEPOS_TOKEN: credentials.token }),
      };
    },
    close: () => server.close(),
  };
}
