import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { credentialFingerprint, shareOf } from '../../src/http/cluster.js';
import { Secret, redact } from '../../src/secret.js';

describe('shared limits: configuration', () => {
  it('REDIS_URL is a secret and REVENUE_INSTANCES a whole number of instances, each bad value named with a fix', () => {
    const ok = readConfig({ REDIS_URL: 'redis://:s3cret-pass@redis.internal:6380/2', REVENUE_INSTANCES: '3' });
    expect(ok.problems).toEqual([]);
    expect(ok.config.sharing.instances).toBe(3);
    expect(String(ok.config.sharing.redisUrl)).toBe('***');
    expect(redact('auth failed for s3cret-pass')).not.toContain('s3cret-pass');
    expect(readConfig({}).config.sharing).toEqual({ redisUrl: undefined, instances: 1 });

    const bad = readConfig({ REDIS_URL: 'http://:pw@host', REVENUE_INSTANCES: '0' });
    expect(bad.problems).toEqual([
      'REDIS_URL=(hidden) is invalid: must be a redis:// or rediss:// URL; e.g. REDIS_URL=redis://127.0.0.1:6379',
      'REVENUE_INSTANCES="0" is invalid: must be 1 or more (the number of instances that share the limits); e.g. REVENUE_INSTANCES=3',
    ]);
    expect(readConfig({ REVENUE_INSTANCES: '2.5' }).problems[0]).toContain('must be the whole number of instances that share the limits');
  });
});

describe('shared limits: an instance share while Redis is away', () => {
  it('keeps whole requests per window so that the instances together never exceed the limit', () => {
    expect(shareOf({ count: 6, intervalMs: 1000, maxConcurrent: 5 }, 3)).toEqual({ count: 2, intervalMs: 1000, maxConcurrent: 1 });
    expect(shareOf({ count: 5, intervalMs: 1000, maxConcurrent: 3 }, 3)).toEqual({ count: 1, intervalMs: 1000, maxConcurrent: 1 });
    // Market's 1 generate per 2 min over 3 instances: one each per 6 min.
    expect(shareOf({ count: 1, intervalMs: 120_000 }, 3)).toEqual({ count: 1, intervalMs: 360_000, maxConcurrent: undefined });
    expect(shareOf({ maxConcurrent: 4 }, 3)).toEqual({ maxConcurrent: 1 });
    expect(shareOf({ count: 5, intervalMs: 1000 }, 1)).toEqual({ count: 5, intervalMs: 1000 });
  });

  it('names credentials in Redis keys by a hash: equal credentials share, others do not, the secret never appears', () => {
    const a = credentialFingerprint(['https://api.example', new Secret('token-one-123')]);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(credentialFingerprint(['https://api.example', new Secret('token-one-123')])).toBe(a);
    expect(credentialFingerprint(['https://api.example', new Secret('token-two-456')])).not.toBe(a);
    expect(a).not.toContain('token');
  });
});
