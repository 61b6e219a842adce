import { createHash } from 'node:crypto';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { Secret } from './secret.js';
import type { LogLevel } from './log.js';

/**
 * Configuration comes only from environment variables. Everything is validated once at start; every bad
 * value is collected as one line naming the variable, its problem and a valid example, and all of them are
 * reported together (ConfigError; the CLI exits with code 2). A value left empty or still a `<…>`
 * placeholder, as pasted from mcp.json, counts as unset.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} configuration problems:\n  ${problems.join('\n  ')}`);
  }
}

export type SourceName = 'lifepos' | 'ofd' | 'market' | 'posiflora';

export const SOURCE_LABEL: Record<SourceName, string> = {
  lifepos: 'LIFE POS',
  ofd: 'Yandex OFD',
  market: 'Yandex Market',
  posiflora: 'Posiflora',
};

/** A rate limit: at most `count` request starts per `intervalMs`, at most `maxConcurrent` in flight. */
export interface LimitSpec {
  maxConcurrent?: number;
  count?: number;
  intervalMs?: number;
}

export interface HttpSettings {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxResponseBytes: number;
  retries: number;
  deadlineMs: number;
  /** Base delay of the exponential backoff between attempts. */
  backoffMs: number;
  /**
   * Extra time before a rate-limit slot is used again, so that network jitter cannot bring two requests
   * closer at the upstream than they left here (see limits.ts).
   */
  rateMarginMs: number;
  /** Longest pause a 420/429 may impose on a source (default 15 min); after it the source is probed again. */
  maxPauseMs?: number;
}

/** Limits of the HTTP transport (Streamable HTTP and legacy SSE). */
export interface ServingLimits {
  maxBodyBytes: number;
  maxSessions: number;
  maxSessionsPerClient: number;
  maxConcurrentPerClient: number;
  /** How long a shutdown waits for calls in flight before cancelling them. */
  shutdownGraceMs: number;
}

interface SourceBase {
  baseUrl: string;
  limit: LimitSpec;
  /** Env vars still to set before the source can be used; empty when configured. */
  missing: string[];
}

export interface LifeposConfig extends SourceBase {
  token?: Secret;
  phone?: Secret;
  password?: Secret;
  orgGuid?: string;
  clientId: string;
  language: string;
  moneyUnit: 'minor' | 'major';
}
export interface OfdConfig extends SourceBase {
  /** Which Yandex OFD API answers: the public API (OFD_TOKEN, wins when both are set) or the legacy one. */
  api: 'public' | 'legacy';
  /** New-API token (`X-Yandex-Ofd-Token`). */
  token?: Secret;
  yandexKey?: Secret;
  ofdKey?: Secret;
  /** Days younger than this many days are never cached: offline cash registers send receipts late. */
  cacheSettleDays: number;
}
export interface MarketConfig extends SourceBase {
  apiKey?: Secret;
  oauthToken?: Secret;
  businessId?: number;
  campaignId?: number;
  /** Per-method quotas, keyed by method (e.g. `reports.info`, `generate.united-orders`). */
  methodLimits: Record<string, LimitSpec>;
  /** How often a waiting await_market_report sends a progress heartbeat (must stay under 15 s). */
  progressIntervalMs: number;
}
export interface PosifloraConfig extends SourceBase {
  username?: Secret;
  password?: Secret;
  pageSize: number;
}

/** revenue_overview: when fiscal figures count as too far below POS ones, and how long the whole answer may take. */
export interface OverviewSettings {
  /** A day is flagged when fiscal is below POS by more than this percent of POS net AND by more than `roubles`. */
  reconcile: { percent: string; roubles: string };
  /** Every source is cut off at this point; the overview answers with what it has. */
  deadlineMs: number;
}

/** Limits shared by several instances (src/http/cluster.ts). */
export interface SharingSettings {
  /** REDIS_URL: every upstream limit and pause is kept there; unset, this process keeps its own. */
  redisUrl?: Secret;
  /** REVENUE_INSTANCES: while Redis is unreachable each instance keeps 1/instances of every limit. */
  instances: number;
}

/** The on-disk cache of closed periods (src/cache/). */
export interface CacheSettings {
  enabled: boolean;
  dir: string;
}

export interface Config {
  tz: string;
  cache: CacheSettings;
  logLevel: LogLevel;
  httpToken?: Secret;
  /** Extra Host header names and browser origins the HTTP transport accepts. */
  allowedHosts: string[];
  allowedOrigins: string[];
  /** A Streamable HTTP session unused this long is closed (clients that vanish never send DELETE). */
  sessionIdleMs: number;
  serving: ServingLimits;
  http: HttpSettings;
  overview: OverviewSettings;
  sharing: SharingSettings;
  /** Which tools to list: `only` names tools or sources (REVENUE_TOOLS / --tools); `all` lists unconfigured ones too. */
  tools: { only?: string[]; all: boolean };
  /** Variables left empty or as a `<…>` placeholder, treated as unset. */
  unset: string[];
  lifepos: LifeposConfig;
  ofd: OfdConfig;
  market: MarketConfig;
  posiflora: PosifloraConfig;
}

type Env = Record<string, string | undefined>;

/** The environment being read: records every variable asked for, the unset ones and the problems found. */
class Vars {
  readonly asked = new Set<string>();
  readonly unset: string[] = [];
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  /** The trimmed value, or undefined when absent, empty, still a `<…>` placeholder or an unfilled `${…}`. */
  get(name: string): string | undefined {
    this.asked.add(name);
    const raw = this.env[name]?.trim();
    if (raw === undefined) return undefined;
    // `${user_config.x}`: what Claude Desktop passes for an optional MCPB field left blank (mcpb#250).
    if (raw === '' || /^<.*>$/s.test(raw) || /^\$\{[^}]*\}$/.test(raw)) {
      this.unset.push(name);
      return undefined;
    }
    return raw;
  }

  /** Records a bad value; secrets are never shown. */
  problem(name: string, value: string, words: string, example: unknown): void {
    const shown = /KEY|TOKEN|PASSWORD|PHONE|USERNAME|SECRET|REDIS_URL/.test(name) ? '(hidden)' : JSON.stringify(value);
    this.problems.push(`${name}=${shown} is invalid: ${words}${example === undefined ? '' : `; e.g. ${name}=${String(example)}`}`);
  }
}

/**
 * A check of one variable's text: returns its value or throws Invalid with words saying what is wrong. Plain
 * functions rather than zod: `revenue-mcp tools` reads the configuration, and loading zod alone would take
 * about as long as starting Node.
 */
type Check<T> = (raw: string) => T;

class Invalid extends Error {}

/** A rule on a checked value: the value when `test` holds, else Invalid with `words`. */
const rule =
  <T>(test: (v: T) => boolean, words: string) =>
  (v: T): T => {
    if (!test(v)) throw new Invalid(words);
    return v;
  };

const httpUrl = rule((v: string) => {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http(s) URL');
const url: Check<string> = (raw) => httpUrl(raw).replace(/\/+$/, '');
const number: Check<number> = (raw) => rule((n: number) => Number.isFinite(n), 'must be a number')(Number(raw));
const whole = rule((n: number) => Number.isInteger(n), 'must be a whole number');
const atLeast = (min: number, words = `must be ${min} or more`) => rule((n: number) => n >= min, words);
const atMost = (max: number, words = `must be at most ${max}`) => rule((n: number) => n <= max, words);
const aboveZero = rule((n: number) => n > 0, 'must be greater than 0');
const positiveInt: Check<number> = (raw) => aboveZero(whole(number(raw)));
const zeroOrMoreInt: Check<number> = (raw) => atLeast(0)(whole(number(raw)));
const positiveNumber: Check<number> = (raw) => aboveZero(number(raw));
const text: Check<string> = (raw) => raw;
/** RFC 9562: versions 1-8 with the RFC variant, or the nil and max UUIDs. */
const uuid = rule((v: string) => /^([0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/i.test(v), 'must be a UUID');
const oneOf =
  <T extends string>(values: readonly T[], words: string): Check<T> =>
  (raw) =>
    rule((v: string) => (values as readonly string[]).includes(v), words)(raw) as T;
const EXAMPLE_UUID = '6f1c2a9e-3b7d-4e58-9a10-2c4b6d8e0f12';

/**
 * One variable: its value passed by `check`, else `fallback`. A bad value is recorded (with `example`, by
 * default the fallback, as a valid value) and the fallback used, so every problem is found in one pass.
 */
function read<T>(env: Vars, name: string, check: Check<T>, fallback?: T, example: unknown = fallback): T | undefined {
  const raw = env.get(name);
  if (raw === undefined) return fallback;
  try {
    return check(raw);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    env.problem(name, raw, err.message, example);
    return fallback;
  }
}

function secret(env: Vars, name: string): Secret | undefined {
  const value = read(env, name, text);
  return value === undefined ? undefined : new Secret(value);
}

/** The bearer token of the HTTP transport: long enough that it cannot be guessed over the network. */
const MIN_TOKEN_LENGTH = 16;
function httpToken(env: Vars): Secret | undefined {
  const value = read(
    env,
    'MCP_HTTP_TOKEN',
    rule((v: string) => v.length >= MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters: a short token can be guessed by anyone who can reach the port`),
    undefined,
    '<output of: openssl rand -hex 32>',
  );
  return value === undefined ? undefined : new Secret(value);
}

function list(env: Vars, name: string): string[] {
  const raw = read(env, name, text);
  return raw ? raw.split(',').map((v) => v.trim()).filter(Boolean) : [];
}

const timeZone = rule((tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone');

/**
 * Per-second limit override `NAME_RPS`, falling back to the documented or assumed default. A whole
 * number is N per second; a fraction (0.5, 2.5) becomes one request per 1/rps seconds, never above it.
 */
function perSecond(env: Vars, name: string, fallback: number, maxConcurrent: number): LimitSpec {
  const rps = read(env, name, positiveNumber, fallback)!;
  if (Number.isInteger(rps)) return { count: rps, intervalMs: 1000, maxConcurrent };
  return { count: 1, intervalMs: Math.ceil(1000 / rps), maxConcurrent };
}

/** `1%,500`: a percent and an amount in roubles, both decimal, read as strings so money stays exact. */
const reconcileThreshold: Check<{ percent: string; roubles: string }> = (raw) => {
  const v = rule(
    (t: string) => /^\s*\d+(\.\d+)?\s*%\s*[,;]\s*\d+(\.\d+)?\s*(₽|rub)?\s*$/i.test(t),
    'must be a percent and an amount in roubles, comma-separated (a day is flagged when fiscal is below POS by more than both)',
  )(raw);
  const [percent, roubles] = v.split(/[,;]/).map((part) => part.replace(/%|₽|rub/gi, '').trim()) as [string, string];
  return { percent, roubles };
};

/** The OS cache directory + `revenue-mcp`: XDG_CACHE_HOME or ~/.cache, ~/Library/Caches, %LOCALAPPDATA%. */
function defaultCacheDir(env: Env): string {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'revenue-mcp');
  if (process.platform === 'darwin') return join(home, 'Library', 'Caches', 'revenue-mcp');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'revenue-mcp');
}

/** A stable installation id for LIFE POS `X-LP-Client-Identifier`, derived once from the host name. */
function derivedClientId(): string {
  const h = createHash('sha256').update(`revenue-mcp:${hostname()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The Redis URL as a secret, and its password on its own too, so that neither is ever printed. */
function redisSecret(value: string): Secret {
  const password = new URL(value).password;
  if (password) new Secret(decodeURIComponent(password));
  return new Secret(value);
}

/** Reads the whole configuration; `problems` lists every bad value (empty when all is well). */
export function readConfig(rawEnv: Env = process.env): { config: Config; problems: string[]; variables: string[] } {
  const env = new Vars(rawEnv);
  const logLevel = read(env, 'LOG_LEVEL', oneOf(['debug', 'info', 'warning', 'error'] as const, 'must be debug, info, warning or error'), 'info')!;

  const http: HttpSettings = {
    connectTimeoutMs: read(env, 'HTTP_CONNECT_TIMEOUT_MS', positiveInt, 10_000)!,
    headersTimeoutMs: read(env, 'HTTP_HEADERS_TIMEOUT_MS', positiveInt, 30_000)!,
    bodyTimeoutMs: read(env, 'HTTP_BODY_TIMEOUT_MS', positiveInt, 60_000)!,
    maxResponseBytes: read(env, 'HTTP_MAX_RESPONSE_BYTES', positiveInt, 32 * 1024 * 1024)!,
    retries: read(env, 'HTTP_RETRIES', zeroOrMoreInt, 4)!,
    deadlineMs: read(env, 'HTTP_DEADLINE_MS', positiveInt, 45_000)!,
    backoffMs: read(env, 'HTTP_BACKOFF_MS', positiveInt, 300)!,
    rateMarginMs: read(env, 'HTTP_RATE_MARGIN_MS', zeroOrMoreInt, 30)!,
    maxPauseMs: read(env, 'HTTP_MAX_PAUSE_SECONDS', positiveNumber, 900)! * 1000,
  };

  // LIFE POS: token, or phone + password.
  const lpToken = secret(env, 'LIFEPOS_TOKEN');
  const lpPhone = secret(env, 'LIFEPOS_PHONE');
  const lpPassword = secret(env, 'LIFEPOS_PASSWORD');
  const lifepos: LifeposConfig = {
    baseUrl: read(env, 'LIFEPOS_BASE_URL', url, 'https://api.life-pos.ru')!,
    token: lpToken,
    phone: lpPhone,
    password: lpPassword,
    orgGuid: read(env, 'LIFEPOS_ORG_GUID', uuid, undefined, EXAMPLE_UUID),
    clientId: read(env, 'LIFEPOS_CLIENT_ID', uuid, undefined, EXAMPLE_UUID) ?? derivedClientId(),
    language: read(env, 'LIFEPOS_LANGUAGE', text, 'ru-RU')!,
    moneyUnit: read(env, 'LIFEPOS_MONEY_UNIT', oneOf(['minor', 'major'] as const, 'must be minor or major'), 'minor')!,
    limit: perSecond(env, 'LIFEPOS_RPS', 5, 5),
    missing: lpToken || (lpPhone && lpPassword) ? [] : ['LIFEPOS_TOKEN (or LIFEPOS_PHONE and LIFEPOS_PASSWORD)'],
  };

  // Yandex OFD: a new-API token (what the cabinet issues today) wins over legacy keys when both are set.
  const ofdToken = secret(env, 'OFD_TOKEN');
  const ofdYandexKey = secret(env, 'OFD_YANDEX_KEY');
  const ofdKey = secret(env, 'OFD_KEY');
  const ofdPublicUrl = read(env, 'OFD_PUBLIC_BASE_URL', url, 'https://public-api.ofd.yandex.net/api')!;
  const ofdLegacyUrl = read(env, 'OFD_BASE_URL', url, 'https://api.ofd.yandex.net')!;
  // No limit is documented for either API: at most 2 requests in flight for the new one, where one
  // question can take a dozen pages; 429 + Retry-After pause the whole source (src/http/).
  const ofdConcurrency = read(env, 'OFD_CONCURRENCY', positiveInt, ofdToken ? 2 : 4)!;
  const ofd: OfdConfig = {
    api: ofdToken ? 'public' : 'legacy',
    baseUrl: ofdToken ? ofdPublicUrl : ofdLegacyUrl,
    token: ofdToken,
    yandexKey: ofdYandexKey,
    ofdKey,
    cacheSettleDays: read(env, 'OFD_CACHE_SETTLE_DAYS', zeroOrMoreInt, 2)!,
    limit: perSecond(env, 'OFD_RPS', 5, ofdConcurrency),
    missing: ofdToken || (ofdYandexKey && ofdKey) ? [] : ofdYandexKey || ofdKey ? [ofdYandexKey ? 'OFD_KEY' : 'OFD_YANDEX_KEY'] : ['OFD_TOKEN (or the legacy OFD_YANDEX_KEY and OFD_KEY)'],
  };

  const mApiKey = secret(env, 'MARKET_API_KEY');
  const mOauth = secret(env, 'MARKET_OAUTH_TOKEN');
  const minute = 60_000;
  const market: MarketConfig = {
    baseUrl: read(env, 'MARKET_BASE_URL', url, 'https://api.partner.market.yandex.ru')!,
    apiKey: mApiKey,
    oauthToken: mOauth,
    businessId: read(env, 'MARKET_BUSINESS_ID', positiveInt, undefined, 12345678),
    campaignId: read(env, 'MARKET_CAMPAIGN_ID', positiveInt, undefined, 21987654),
    // 4 parallel requests per business/campaign; beyond that the API answers 420.
    limit: { maxConcurrent: read(env, 'MARKET_MAX_PARALLEL', positiveInt, 4)! },
    methodLimits: {
      'reports.info': { count: read(env, 'MARKET_INFO_PER_MINUTE', positiveInt, 100)!, intervalMs: minute },
      'generate.united-orders': { count: 1, intervalMs: read(env, 'MARKET_GENERATE_ORDERS_INTERVAL_MS', positiveInt, 2 * minute)! },
      'generate.united-marketplace-services': { count: 1, intervalMs: read(env, 'MARKET_GENERATE_SERVICES_INTERVAL_MS', positiveInt, 2 * minute)! },
      'generate.shows-sales': { count: 1, intervalMs: read(env, 'MARKET_GENERATE_SHOWS_SALES_INTERVAL_MS', positiveInt, 10 * minute)! },
      'generate.goods-movement': { count: 1, intervalMs: read(env, 'MARKET_GENERATE_GOODS_MOVEMENT_INTERVAL_MS', positiveInt, 2 * minute)! },
    },
    progressIntervalMs: read(env, 'MARKET_PROGRESS_INTERVAL_MS', (raw) => atMost(15_000, 'must be at most 15000 (clients reset their timeout on progress)')(positiveInt(raw)), 10_000)!,
    missing: mApiKey || mOauth ? [] : ['MARKET_API_KEY (or MARKET_OAUTH_TOKEN)'],
  };

  const pfAccount = read(env, 'POSIFLORA_ACCOUNT', rule((v: string) => /^[a-z0-9-]+$/i.test(v), 'must be the account name, as in https://ACCOUNT.posiflora.com'), undefined, 'myshop');
  const pfUrl = read(env, 'POSIFLORA_URL', url, undefined, 'https://myshop.posiflora.com/api') ?? (pfAccount ? `https://${pfAccount}.posiflora.com/api` : undefined);
  const pfUser = secret(env, 'POSIFLORA_USERNAME');
  const pfPassword = secret(env, 'POSIFLORA_PASSWORD');
  const posiflora: PosifloraConfig = {
    baseUrl: pfUrl ?? '',
    username: pfUser,
    password: pfPassword,
    pageSize: read(env, 'POSIFLORA_PAGE_SIZE', positiveInt, 100)!,
    limit: perSecond(env, 'POSIFLORA_RPS', 5, 3),
    missing: [
      ...(pfUrl ? [] : ['POSIFLORA_URL (or POSIFLORA_ACCOUNT)']),
      ...(pfUser ? [] : ['POSIFLORA_USERNAME']),
      ...(pfPassword ? [] : ['POSIFLORA_PASSWORD']),
    ],
  };

  const redisUrl = read(
    env,
    'REDIS_URL',
    rule((v: string) => {
      try {
        return ['redis:', 'rediss:'].includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, 'must be a redis:// or rediss:// URL'),
    undefined,
    'redis://127.0.0.1:6379',
  );
  const sharing: SharingSettings = {
    redisUrl: redisUrl === undefined ? undefined : redisSecret(redisUrl),
    instances: read(
      env,
      'REVENUE_INSTANCES',
      // The number of instances sharing the limits: in a Redis outage each keeps 1/N of every limit.
      (raw) =>
        atMost(1000)(
          atLeast(1, 'must be 1 or more (the number of instances that share the limits)')(rule((n: number) => Number.isInteger(n), 'must be the whole number of instances that share the limits')(number(raw))),
        ),
      1,
      3,
    )!,
  };

  const only = list(env, 'REVENUE_TOOLS').map((n) => n.toLowerCase());
  const config: Config = {
    tz: read(env, 'REVENUE_TZ', timeZone, 'Europe/Moscow')!,
    cache: {
      enabled: read(env, 'REVENUE_CACHE', oneOf(['on', 'off'] as const, 'must be on or off'), 'on') !== 'off',
      dir: read(env, 'REVENUE_CACHE_DIR', text) ?? defaultCacheDir(rawEnv),
    },
    logLevel,
    httpToken: httpToken(env),
    allowedHosts: list(env, 'MCP_ALLOWED_HOSTS'),
    allowedOrigins: list(env, 'MCP_ALLOWED_ORIGINS'),
    sessionIdleMs: Math.round(read(env, 'MCP_SESSION_IDLE_MINUTES', positiveNumber, 30)! * 60_000),
    serving: {
      maxBodyBytes: read(env, 'MCP_MAX_BODY_BYTES', positiveInt, 1024 * 1024)!,
      maxSessions: read(env, 'MCP_MAX_SESSIONS', positiveInt, 1000)!,
      maxSessionsPerClient: read(env, 'MCP_MAX_SESSIONS_PER_CLIENT', positiveInt, 50)!,
      maxConcurrentPerClient: read(env, 'MCP_MAX_CONCURRENT_PER_CLIENT', positiveInt, 16)!,
      shutdownGraceMs: Math.round(read(env, 'MCP_SHUTDOWN_GRACE_SECONDS', (raw) => atLeast(0)(number(raw)), 10)! * 1000),
    },
    http,
    overview: {
      reconcile: read(env, 'REVENUE_RECONCILE_THRESHOLD', reconcileThreshold, { percent: '1', roubles: '500' }, '1%,500')!,
      deadlineMs: Math.round(read(env, 'REVENUE_OVERVIEW_DEADLINE_SECONDS', positiveNumber, 30)! * 1000),
    },
    sharing,
    tools: { only: only.length > 0 ? only : undefined, all: false },
    unset: env.unset,
    lifepos,
    ofd,
    market,
    posiflora,
  };
  return { config, problems: env.problems, variables: [...env.asked] };
}

/** The configuration, or a ConfigError listing every problem at once. */
export function loadConfig(env: Env = process.env): Config {
  const { config, problems } = readConfig(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Every environment variable the server reads. */
export const CONFIG_VARIABLES: readonly string[] = readConfig({}).variables;

