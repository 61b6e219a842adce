import { describe, expect, it } from 'vitest';
import { redact, Secret } from '../../src/secret.js';

/** A key containing `"` or `\` used to survive redaction when an upstream echoed it inside JSON. */
describe('redaction of JSON-escaped secrets', () => {
  it('scrubs a secret with quotes and backslashes in plain, JSON-escaped and doubly escaped form', () => {
    const value = 'k3y"with\\odd/chars';
    new Secret(value);
    const echoed = JSON.stringify({ error: `invalid key ${value}` });
    expect(echoed).not.toContain(value);
    expect(redact(echoed)).not.toContain(JSON.stringify(value).slice(1, -1));
    expect(redact(echoed)).toContain('***');
    const twice = JSON.stringify({ body: echoed });
    expect(redact(twice)).toContain('***');
    expect(redact(twice)).not.toMatch(/k3y/);
    expect(redact(`plain ${value}`)).toBe('plain ***');
    expect(redact(encodeURIComponent(value))).toBe('***');
  });
});
