import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig, readConfig } from '../../src/config.js';
import { Secret, redact } from '../../src/secret.js';

describe('config from the environment', () => {
  it('has working defaults and says which variables each source still needs', () => {
    const c = loadConfig({});
    expect(c.tz).toBe('Europe/Moscow');
    expect(c.ofd.baseUrl).toBe('https://api.ofd.yandex.net');
    expect(c.lifepos.baseUrl).toBe('https://api.life-pos.ru');
    expect(c.market.baseUrl).toBe('https://api.partner.market.yandex.ru');
    expect(c.ofd.missing).toEqual(['OFD_TOKEN (or the legacy OFD_YANDEX_KEY and OFD_KEY)']);
    expect(c.ofd.api).toBe('legacy');
    expect(c.cache.enabled).toBe(true);
    expect(c.ofd.cacheSettleDays).toBe(2);
    expect(c.lifepos.missing[0]).toMatch(/LIFEPOS_TOKEN/);
    expect(c.market.missing[0]).toMatch(/MARKET_API_KEY/);
    expect(c.posiflora.missing).toEqual(['POSIFLORA_URL (or POSIFLORA_ACCOUNT)', 'POSIFLORA_USERNAME', 'POSIFLORA_PASSWORD']);
    expect(c.http.maxResponseBytes).toBe(32 * 1024 * 1024);
    // HTTP serving defaults (README "Security"): 1 MiB bodies, session and concurrency caps, 10 s grace,
    // idle sessions closed after 30 min, rate-limit pauses capped at 15 min.
    expect(c.serving).toEqual({ maxBodyBytes: 1024 * 1024, maxSessions: 1000, maxSessionsPerClient: 50, maxConcurrentPerClient: 16, shutdownGraceMs: 10_000 });
    expect(c.sessionIdleMs).toBe(30 * 60_000);
    expect(c.http.maxPauseMs).toBe(15 * 60_000);
    expect(c.lifepos.moneyUnit).toBe('minor');
    expect(c.lifepos.clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(loadConfig({}).lifepos.clientId).toBe(c.lifepos.clientId);
  });

  it('reads overrides, credentials and limits', () => {
    const c = loadConfig({
      OFD_BASE_URL: 'http://127.0.0.1:9999/',
      OFD_YANDEX_KEY: 'yk-123456',
      OFD_KEY: 'ok-654321',
      OFD_RPS: '2',
      POSIFLORA_ACCOUNT: 'myshop',
      POSIFLORA_USERNAME: 'u',
      POSIFLORA_PASSWORD: 'p',
      MARKET_INFO_PER_MINUTE: '50',
      REVENUE_TZ: 'Asia/Yekaterinburg',
      LIFEPOS_MONEY_UNIT: 'major',
    });
    expect(c.ofd.baseUrl).toBe('http://127.0.0.1:9999');
    expect(c.ofd.missing).toEqual([]);
    expect(c.ofd.limit).toEqual({ count: 2, intervalMs: 1000, maxConcurrent: 4 });
    // fractions never round up past the configured rate
    expect(loadConfig({ LIFEPOS_RPS: '2.5' }).lifepos.limit).toEqual({ count: 1, intervalMs: 400, maxConcurrent: 5 });
    expect(loadConfig({ LIFEPOS_RPS: '0.5' }).lifepos.limit).toEqual({ count: 1, intervalMs: 2000, maxConcurrent: 5 });
    expect(c.ofd.yandexKey?.reveal()).toBe('yk-123456');
    expect(c.posiflora.baseUrl).toBe('https://myshop.posiflora.com/api');
    expect(c.posiflora.missing).toEqual([]);
    expect(c.market.methodLimits['reports.info']).toEqual({ count: 50, intervalMs: 60_000 });
    expect(c.tz).toBe('Asia/Yekaterinburg');
    expect(c.lifepos.moneyUnit).toBe('major');
  });

  it('revenue_overview: REVENUE_RECONCILE_THRESHOLD as a percent and roubles, the deadline in seconds; a malformed threshold in words', () => {
    expect(loadConfig({}).overview).toEqual({ reconcile: { percent: '1', roubles: '500' }, deadlineMs: 30_000 });
    expect(loadConfig({ REVENUE_RECONCILE_THRESHOLD: ' 2.5 % ; 1000.50 ₽', REVENUE_OVERVIEW_DEADLINE_SECONDS: '7.5' }).overview).toEqual({
      reconcile: { percent: '2.5', roubles: '1000.50' },
      deadlineMs: 7_500,
    });
    for (const bad of ['500', '1%', '1 % and 500', '-1%,500', 'one%,500']) {
      const { problems } = readConfig({ REVENUE_RECONCILE_THRESHOLD: bad });
      expect(problems, bad).toEqual([
        `REVENUE_RECONCILE_THRESHOLD=${JSON.stringify(bad)} is invalid: must be a percent and an amount in roubles, comma-separated (a day is flagged when fiscal is below POS by more than both); e.g. REVENUE_RECONCILE_THRESHOLD=1%,500`,
      ]);
    }
    expect(readConfig({ REVENUE_OVERVIEW_DEADLINE_SECONDS: '0' }).problems[0]).toMatch(/^REVENUE_OVERVIEW_DEADLINE_SECONDS="0" is invalid: must be greater than 0; e\.g\. REVENUE_OVERVIEW_DEADLINE_SECONDS=30$/);
  });

  it('OFD_TOKEN selects the public API and wins over legacy keys; cache settings', () => {
    const both = loadConfig({ OFD_TOKEN: 'tok-123456', OFD_YANDEX_KEY: 'yk-123456', OFD_KEY: 'ok-123456', REVENUE_CACHE: 'off', REVENUE_CACHE_DIR: '/tmp/x', OFD_CACHE_SETTLE_DAYS: '5' });
    expect(both.ofd.api).toBe('public');
    expect(both.ofd.baseUrl).toBe('https://public-api.ofd.yandex.net/api');
    expect(both.ofd.missing).toEqual([]);
    expect(both.ofd.limit.maxConcurrent).toBe(2);
    expect(both.cache).toEqual({ enabled: false, dir: '/tmp/x' });
    expect(both.ofd.cacheSettleDays).toBe(5);
    expect(loadConfig({ OFD_TOKEN: 'tok-123456', OFD_PUBLIC_BASE_URL: 'http://127.0.0.1:9/api/' }).ofd.baseUrl).toBe('http://127.0.0.1:9/api');
    expect(loadConfig({ OFD_YANDEX_KEY: 'yk-123456', OFD_KEY: 'ok-123456' }).ofd).toMatchObject({ api: 'legacy', baseUrl: 'https://api.ofd.yandex.net' });
    expect(loadConfig({ XDG_CACHE_HOME: '/var/cache/u' }).cache.dir).toBe(process.platform === 'linux' ? '/var/cache/u/revenue-mcp' : expect.any(String));
    expect(() => loadConfig({ OFD_TOKEN: 'tok-secret-99', OFD_CACHE_SETTLE_DAYS: '-1' })).toThrow(/OFD_CACHE_SETTLE_DAYS="-1" is invalid/);
  });

  it('a bad value gets one line naming the variable, its problem in words and a valid example', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ OFD_BASE_URL: 'api.ofd.yandex.net' }, /^OFD_BASE_URL="api\.ofd\.yandex\.net" is invalid: must be an http\(s\) URL; e\.g\. OFD_BASE_URL=https:\/\/api\.ofd\.yandex\.net$/],
      [{ REVENUE_TZ: 'Mars/Olympus' }, /^REVENUE_TZ="Mars\/Olympus" is invalid: must be an IANA time zone; e\.g\. REVENUE_TZ=Europe\/Moscow$/],
      [{ LIFEPOS_RPS: '-3' }, /^LIFEPOS_RPS="-3" is invalid: must be greater than 0; e\.g\. LIFEPOS_RPS=5$/],
      [{ HTTP_RETRIES: 'many' }, /^HTTP_RETRIES="many" is invalid: must be a number; e\.g\. HTTP_RETRIES=4$/],
      [{ HTTP_DEADLINE_MS: '1.5' }, /^HTTP_DEADLINE_MS="1\.5" is invalid: must be a whole number; e\.g\. HTTP_DEADLINE_MS=45000$/],
      [{ LIFEPOS_MONEY_UNIT: 'kopecks' }, /^LIFEPOS_MONEY_UNIT="kopecks" is invalid: must be minor or major; e\.g\. LIFEPOS_MONEY_UNIT=minor$/],
      [{ LIFEPOS_ORG_GUID: 'shop-1' }, /^LIFEPOS_ORG_GUID="shop-1" is invalid: must be a UUID; e\.g\. LIFEPOS_ORG_GUID=[0-9a-f-]{36}$/],
      [{ MARKET_BUSINESS_ID: '12a' }, /^MARKET_BUSINESS_ID="12a" is invalid: must be a number; e\.g\. MARKET_BUSINESS_ID=\d+$/],
      [{ MARKET_PROGRESS_INTERVAL_MS: '20000' }, /^MARKET_PROGRESS_INTERVAL_MS="20000" is invalid: must be at most 15000/],
      [{ POSIFLORA_ACCOUNT: 'my shop' }, /^POSIFLORA_ACCOUNT="my shop" is invalid: must be the account name.*; e\.g\. POSIFLORA_ACCOUNT=myshop$/],
      [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL="loud" is invalid: must be debug, info, warning or error; e\.g\. LOG_LEVEL=info$/],
    ];
    for (const [env, message] of cases) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    }
  });

  it('every variable, given garbage, is named with words of ours and an example — never zod text', () => {
    let checked = 0;
    for (const name of CONFIG_VARIABLES) {
      const { problems } = readConfig({ [name]: 'x!' });
      checked += problems.length;
      for (const p of problems) {
        expect(p).toMatch(new RegExp(`^${name}=\\S+ is invalid: must [^;]+; e\\.g\\. ${name}=\\S+`));
        expect(p).not.toMatch(/expected|received|Invalid input|NaN/i);
      }
    }
    expect(checked).toBeGreaterThan(20); // every validated variable, not a vacuous loop
    expect(CONFIG_VARIABLES).toContain('MARKET_BUSINESS_ID');
    expect(CONFIG_VARIABLES).toContain('REVENUE_TOOLS');
  });

  it('reports every problem at once, in one error', () => {
    const err = (() => {
      try {
        loadConfig({ HTTP_RETRIES: 'many', MARKET_BUSINESS_ID: '12a', REVENUE_TZ: 'Mars/Olympus' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems).toHaveLength(3);
    expect(err!.message.split('\n')).toEqual([
      '3 configuration problems:',
      expect.stringMatching(/^ {2}HTTP_RETRIES=/),
      expect.stringMatching(/^ {2}MARKET_BUSINESS_ID=/),
      expect.stringMatching(/^ {2}REVENUE_TZ=/),
    ]);
  });

  it('an empty value or a <…> placeholder counts as unset and is listed, never an error', () => {
    const { config, problems } = readConfig({
      MARKET_BUSINESS_ID: '<optional: default business id>',
      LIFEPOS_ORG_GUID: ' <optional:\nguid> ',
      OFD_YANDEX_KEY: '   ',
      OFD_KEY: 'k',
      HTTP_RETRIES: '',
      NOT_OURS: '<ignored>',
    });
    expect(problems).toEqual([]);
    expect(config.market.businessId).toBeUndefined();
    expect(config.lifepos.orgGuid).toBeUndefined();
    expect(config.http.retries).toBe(4);
    expect(config.ofd.missing).toEqual(['OFD_YANDEX_KEY']);
    expect(config.unset.sort()).toEqual(['HTTP_RETRIES', 'LIFEPOS_ORG_GUID', 'MARKET_BUSINESS_ID', 'OFD_YANDEX_KEY']);
    // a value merely containing angle brackets is a value
    expect(readConfig({ LIFEPOS_TOKEN: 'a<b>c' }).config.lifepos.token?.reveal()).toBe('a<b>c');
  });

  it('an MCPB field left blank (Claude Desktop passes the literal ${user_config.x}) counts as unset', () => {
    const { config, problems } = readConfig({
      LIFEPOS_TOKEN: '${user_config.lifepos_token}',
      LIFEPOS_ORG_GUID: '${user_config.lifepos_org_guid}',
      MARKET_BUSINESS_ID: '${user_config.market_business_id}',
      POSIFLORA_ACCOUNT: 'myshop',
      POSIFLORA_USERNAME: 'me',
      POSIFLORA_PASSWORD: 'secret',
    });
    expect(problems).toEqual([]);
    expect(config.lifepos.token).toBeUndefined();
    expect(config.lifepos.missing.length).toBeGreaterThan(0);
    expect(config.posiflora.missing).toEqual([]);
    expect(config.unset.sort()).toEqual(['LIFEPOS_ORG_GUID', 'LIFEPOS_TOKEN', 'MARKET_BUSINESS_ID']);
  });

  it('problems never echo a secret', () => {
    const env = { LIFEPOS_TOKEN: 'tok-visible?', OFD_KEY: 'ofd-visible?', MCP_HTTP_TOKEN: 'http-visible?', LIFEPOS_RPS: 'fast', OFD_BASE_URL: 'nowhere' };
    const { problems } = readConfig(env);
    // LIFEPOS_RPS, OFD_BASE_URL and the too-short MCP_HTTP_TOKEN, whose value is hidden too.
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain('visible?');
  });

  it('REVENUE_TOOLS is read as lower-case names', () => {
    expect(loadConfig({ REVENUE_TOOLS: ' OFD, get_sale ,' }).tools).toEqual({ only: ['ofd', 'get_sale'], all: false });
    expect(loadConfig({ REVENUE_TOOLS: '<optional: tools>' }).tools).toEqual({ only: undefined, all: false });
  });
});

describe('Secret', () => {
  it('prints as *** however it is printed', () => {
    const s = new Secret('super-secret-value');
    expect(String(s)).toBe('***');
    expect(`${s}`).toBe('***');
    expect(JSON.stringify({ s })).toBe('{"s":"***"}');
    expect(inspect({ s })).not.toContain('super-secret-value');
    expect(s.reveal()).toBe('super-secret-value');
  });

  it('redact() scrubs known secret values, also URL-encoded', () => {
    new Secret('k3y/with+chars');
    expect(redact('key=k3y/with+chars and k3y%2Fwith%2Bchars')).toBe('key=*** and ***');
  });

  it('session tokens are scrubbed while recent; the oldest drop out so redaction stays bounded', () => {
    const tokens = Array.from({ length: 70 }, (_, i) => `session-token-${String(i).padStart(3, '0')}-xyz`);
    for (const t of tokens) new Secret(t, { rotating: true });
    const config = new Secret('config-key-never-forgotten');
    expect(redact(tokens[69]!)).toBe('***');
    expect(redact(tokens[6]!)).toBe('***');
    expect(redact(tokens[0]!)).toBe(tokens[0]); // the oldest six of seventy are no longer listed
    for (let i = 0; i < 100; i++) new Secret(`later-token-${i}-abcd`, { rotating: true });
    expect(redact('config-key-never-forgotten')).toBe('***');
    expect(String(config)).toBe('***');
  });

  it('a loaded config serialises without any credential', () => {
    const c = loadConfig({ OFD_YANDEX_KEY: 'yk-visible?', OFD_KEY: 'ofd-visible?', MCP_HTTP_TOKEN: 'tok-visible?-long-enough' });
    const text = JSON.stringify(c) + inspect(c, { depth: 10 });
    expect(text).not.toContain('visible?');
  });
});
