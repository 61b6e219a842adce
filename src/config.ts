import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { Secret } from './secret.js';
import type { LogLevel } from './log.js';

/**
 * Configuration comes only from environment variables. Everything is validated once at start; a bad value
 * produces one line naming the variable (ConfigError), and the CLI exits with code 2.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
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
  yandexKey?: Secret;
  ofdKey?: Secret;
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

export interface Config {
  tz: string;
  logLevel: LogLevel;
  httpToken?: Secret;
  /** Extra Host header names and browser origins the HTTP transport accepts. */
  allowedHosts: string[];
  allowedOrigins: string[];
  /** A Streamable HTTP session unused this long is closed (clients that vanish never send DELETE). */
  sessionIdleMs: number;
  serving: ServingLimits;
  http: HttpSettings;
  lifepos: LifeposConfig;
  ofd: OfdConfig;
  market: MarketConfig;
  posiflora: PosifloraConfig;
}

type Env = Record<string, string | undefined>;

const url = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL such as https://api.example.com')
  .transform((v) => v.replace(/\/+$/, ''));
const positiveInt = z.coerce.number().int('must be a whole number').positive('must be greater than 0');
const positiveNumber = z.coerce.number().positive('must be greater than 0');
const nonEmpty = z.string().trim().min(1, 'must not be empty');

function read<T>(env: Env, name: string, schema: z.ZodType<T>, fallback?: T): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const shown = /KEY|TOKEN|PASSWORD|PHONE|USERNAME/.test(name) ? '(hidden)' : JSON.stringify(raw);
    throw new ConfigError(`${name}=${shown} is invalid: ${parsed.error.issues[0]?.message ?? 'bad value'}`);
  }
  return parsed.data;
}

function secret(env: Env, name: string): Secret | undefined {
  const value = read(env, name, nonEmpty);
  return value === undefined ? undefined : new Secret(value);
}

/** The bearer token of the HTTP transport: long enough that it cannot be guessed over the network. */
const MIN_TOKEN_LENGTH = 16;
function httpToken(env: Env): Secret | undefined {
  const value = read(
    env,
    'MCP_HTTP_TOKEN',
    nonEmpty.min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters: a short token can be guessed by anyone who can reach the port (generate one with: openssl rand -hex 32)`),
  );
  return value === undefined ? undefined : new Secret(value);
}

function list(env: Env, name: string): string[] {
  const raw = read(env, name, nonEmpty);
  return raw ? raw.split(',').map((v) => v.trim()).filter(Boolean) : [];
}

function timeZone(env: Env): string {
  const tz = read(env, 'REVENUE_TZ', nonEmpty, 'Europe/Moscow')!;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new ConfigError(`REVENUE_TZ=${JSON.stringify(tz)} is invalid: must be an IANA time zone such as Europe/Moscow`);
  }
  return tz;
}

/**
 * Per-second limit override `NAME_RPS`, falling back to the documented or assumed default. A whole
 * number is N per second; a fraction (0.5, 2.5) becomes one request per 1/rps seconds, never above it.
 */
function perSecond(env: Env, name: string, fallback: number, maxConcurrent: number): LimitSpec {
  const rps = read(env, name, positiveNumber, fallback)!;
  if (Number.isInteger(rps)) return { count: rps, intervalMs: 1000, maxConcurrent };
  return { count: 1, intervalMs: Math.ceil(1000 / rps), maxConcurrent };
}

/** A stable installation id for LIFE POS `X-LP-Client-Identifier`, derived once from the host name. */
function derivedClientId(): string {
  const h = createHash('sha256').update(`revenue-mcp:${hostname()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = read(env, 'LOG_LEVEL', z.enum(['debug', 'info', 'warning', 'error']), 'info')!;

  const http: HttpSettings = {
    connectTimeoutMs: read(env, 'HTTP_CONNECT_TIMEOUT_MS', positiveInt, 10_000)!,
    headersTimeoutMs: read(env, 'HTTP_HEADERS_TIMEOUT_MS', positiveInt, 30_000)!,
    bodyTimeoutMs: read(env, 'HTTP_BODY_TIMEOUT_MS', positiveInt, 60_000)!,
    maxResponseBytes: read(env, 'HTTP_MAX_RESPONSE_BYTES', positiveInt, 32 * 1024 * 1024)!,
    retries: read(env, 'HTTP_RETRIES', z.coerce.number().int().min(0, 'must be 0 or more'), 4)!,
    deadlineMs: read(env, 'HTTP_DEADLINE_MS', positiveInt, 45_000)!,
    backoffMs: read(env, 'HTTP_BACKOFF_MS', positiveInt, 300)!,
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
    orgGuid: read(env, 'LIFEPOS_ORG_GUID', z.uuid('must be a UUID such as 1f0c…-…')),
    clientId: read(env, 'LIFEPOS_CLIENT_ID', z.uuid('must be a UUID')) ?? derivedClientId(),
    language: read(env, 'LIFEPOS_LANGUAGE', nonEmpty, 'ru-RU')!,
    moneyUnit: read(env, 'LIFEPOS_MONEY_UNIT', z.enum(['minor', 'major'], 'must be minor or major'), 'minor')!,
    limit: perSecond(env, 'LIFEPOS_RPS', 5, 5),
    missing: lpToken || (lpPhone && lpPassword) ? [] : ['LIFEPOS_TOKEN (or LIFEPOS_PHONE and LIFEPOS_PASSWORD)'],
  };

  const ofdYandexKey = secret(env, 'OFD_YANDEX_KEY');
  const ofdKey = secret(env, 'OFD_KEY');
  const ofd: OfdConfig = {
    baseUrl: read(env, 'OFD_BASE_URL', url, 'https://api.ofd.yandex.net')!,
    yandexKey: ofdYandexKey,
    ofdKey,
    limit: perSecond(env, 'OFD_RPS', 5, 4),
    missing: [...(ofdYandexKey ? [] : ['OFD_YANDEX_KEY']), ...(ofdKey ? [] : ['OFD_KEY'])],
  };

  const mApiKey = secret(env, 'MARKET_API_KEY');
  const mOauth = secret(env, 'MARKET_OAUTH_TOKEN');
  const minute = 60_000;
  const market: MarketConfig = {
    baseUrl: read(env, 'MARKET_BASE_URL', url, 'https://api.partner.market.yandex.ru')!,
    apiKey: mApiKey,
    oauthToken: mOauth,
    businessId: read(env, 'MARKET_BUSINESS_ID', positiveInt),
    campaignId: read(env, 'MARKET_CAMPAIGN_ID', positiveInt),
    // 4 parallel requests per business/campaign; beyond that the API answers 420.
    limit: { maxConcurrent: read(env, 'MARKET_MAX_PARALLEL', positiveInt, 4)! },
    methodLimits: {
      'reports.info': { count: read(env, 'MARKET_INFO_PER_MINUTE', positiveInt, 100)!, intervalMs: minute },
      'generate.united-orders': { count: 1, intervalMs: read(env, 'MARKET_GENERATE_ORDERS_INTERVAL_MS', positiveInt, 2 * minute)! },
      'generate.united-marketplace-services': { count: 1, intervalMs: read(env, 'MARKET_GENERATE_SERVICES_INTERVAL_MS', positiveInt, 2 * minute)! },
      'generate.shows-sales': { count: 1, intervalMs: read(env, 'MARKET_GENERATE_SHOWS_SALES_INTERVAL_MS', positiveInt, 10 * minute)! },
      'generate.goods-movement': { count: 1, intervalMs: read(env, 'MARKET_GENERATE_GOODS_MOVEMENT_INTERVAL_MS', positiveInt, 2 * minute)! },
    },
    progressIntervalMs: read(env, 'MARKET_PROGRESS_INTERVAL_MS', positiveInt.max(15_000, 'must be at most 15000 (clients reset their timeout on progress)'), 10_000)!,
    missing: mApiKey || mOauth ? [] : ['MARKET_API_KEY (or MARKET_OAUTH_TOKEN)'],
  };

  const pfAccount = read(env, 'POSIFLORA_ACCOUNT', z.string().trim().regex(/^[a-z0-9-]+$/i, 'must be the account name, e.g. myshop'));
  const pfUrl = read(env, 'POSIFLORA_URL', url) ?? (pfAccount ? `https://${pfAccount}.posiflora.com/api` : undefined);
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

  return {
    tz: timeZone(env),
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
      shutdownGraceMs: Math.round(read(env, 'MCP_SHUTDOWN_GRACE_SECONDS', z.coerce.number().min(0, 'must be 0 or more'), 10)! * 1000),
    },
    http,
    lifepos,
    ofd,
    market,
    posiflora,
  };
}

