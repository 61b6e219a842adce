import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { Secret, redact } from '../../src/secret.js';

describe('config from the environment', () => {
  it('has working defaults and says which variables each source still needs', () => {
    const c = loadConfig({});
    expect(c.tz).toBe('Europe/Moscow');
    expect(c.ofd.baseUrl).toBe('https://api.ofd.yandex.net');
    expect(c.lifepos.baseUrl).toBe('https://api.life-pos.ru');
    expect(c.market.baseUrl).toBe('https://api.partner.market.yandex.ru');
    expect(c.ofd.missing).toEqual(['OFD_YANDEX_KEY', 'OFD_KEY']);
    expect(c.lifepos.missing[0]).toMatch(/LIFEPOS_TOKEN/);
    expect(c.market.missing[0]).toMatch(/MARKET_API_KEY/);
    expect(c.posiflora.missing).toEqual(['POSIFLORA_URL (or POSIFLORA_ACCOUNT)', 'POSIFLORA_USERNAME', 'POSIFLORA_PASSWORD']);
    expect(c.http.maxResponseBytes).toBe(32 * 1024 * 1024);
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

  it('a bad value gets one line naming the variable', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ OFD_BASE_URL: 'api.ofd.yandex.net' }, /^OFD_BASE_URL="api\.ofd\.yandex\.net" is invalid: must be an http\(s\) URL/],
      [{ REVENUE_TZ: 'Mars/Olympus' }, /^REVENUE_TZ="Mars\/Olympus" is invalid: must be an IANA time zone/],
      [{ LIFEPOS_RPS: '-3' }, /^LIFEPOS_RPS="-3" is invalid: must be greater than 0/],
      [{ HTTP_RETRIES: 'many' }, /^HTTP_RETRIES="many" is invalid/],
      [{ LIFEPOS_MONEY_UNIT: 'kopecks' }, /^LIFEPOS_MONEY_UNIT="kopecks" is invalid: must be minor or major/],
      [{ LIFEPOS_ORG_GUID: 'shop-1' }, /^LIFEPOS_ORG_GUID="shop-1" is invalid: must be a UUID/],
      [{ MARKET_BUSINESS_ID: '12a' }, /^MARKET_BUSINESS_ID="12a" is invalid/],
      [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL="loud" is invalid/],
    ];
    for (const [env, message] of cases) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    }
    // Whitespace-only credentials count as unset, so the source reports them missing.
    expect(loadConfig({ OFD_YANDEX_KEY: '   ', OFD_KEY: 'k' }).ofd.missing).toEqual(['OFD_YANDEX_KEY']);
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
