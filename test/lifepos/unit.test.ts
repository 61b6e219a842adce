import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { UpstreamError } from '../../src/http/errors.js';
import { Runtime } from '../../src/runtime.js';
import { seedData } from '../../src/sim/lifepos/data.js';
import { startLifeposSim } from '../../src/sim/lifepos/index.js';
import { saleJson } from '../../src/sim/lifepos/wire.js';
import { LifeposClient } from '../../src/sources/lifepos/client.js';
import { explain, parseLifeposError } from '../../src/sources/lifepos/errors.js';
import { toSale } from '../../src/sources/lifepos/sale.js';
import { enumName, parseTimestamp, SaleSchema, SETTLEMENT_SUBJECTS, TAXES } from '../../src/sources/lifepos/schemas.js';
import { exactMoney, finerThanKopeck, moneyOf, roubles } from '../../src/sources/lifepos/units.js';
import { growthScale, toRevenueWidget } from '../../src/sources/lifepos/widget.js';
import { WIDGET_PARAMS, widgetQuery } from '../../src/sources/lifepos/widget-query.js';

/** Pure parts of the LIFE POS client: timestamps, enums, the money unit, widget and sale parsing, errors. */

describe('LIFE POS parsing', () => {
  it('reads timestamps with 7 fractional digits and treats 0001-01-01 as not set', () => {
    expect(parseTimestamp('2025-09-22T12:18:04.7207937Z')?.toISOString()).toBe('2025-09-22T12:18:04.720Z');
    expect(parseTimestamp('2025-09-22T12:19:30.570Z')?.toISOString()).toBe('2025-09-22T12:19:30.570Z');
    expect(parseTimestamp('2025-09-22T15:18:04.1+03:00')?.toISOString()).toBe('2025-09-22T12:18:04.100Z');
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(parseTimestamp('0001-01-01T00:00:00.0000000Z')).toBeUndefined();
    expect(parseTimestamp(null)).toBeUndefined();
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });

  it('accepts enums as names in any case or as ordinal numbers', () => {
    expect(enumName(SETTLEMENT_SUBJECTS, 0)).toBe('Product');
    expect(enumName(SETTLEMENT_SUBJECTS, '3')).toBe('Service');
    expect(enumName(SETTLEMENT_SUBJECTS, 30)).toBe('TM');
    expect(enumName(TAXES, 'taxfree')).toBe('TaxFree');
    expect(enumName(TAXES, 99)).toBe('#99');
    expect(enumName(TAXES, 'Tax22')).toBe('Tax22');
    expect(enumName(TAXES, null)).toBeUndefined();
  });

  it('applies the money unit exactly, with no float arithmetic', () => {
    expect(roubles(1999999999999, 'minor')?.toFixed(2)).toBe('19999999999.99');
    expect(roubles(7, 'minor')?.toFixed(2)).toBe('0.07');
    expect(roubles(0.07, 'major')?.toFixed(2)).toBe('0.07');
    expect(roubles('123.45', 'major')?.toFixed(2)).toBe('123.45');
    expect(roubles(null, 'minor')).toBeUndefined();
    const three = [0.1, 0.2].map((v) => roubles(v, 'major')!).reduce((a, b) => a.plus(b));
    expect(three.toString()).toBe('0.3');
    expect(moneyOf({ value: 10000, currency: 0 }, 'minor')).toEqual({ amount: new Decimal(100), currency: 'RUB' });
    expect(moneyOf({ currency: 'RUB' }, 'minor').amount).toBeUndefined();
  });

  it('keeps every digit of an amount finer than a kopeck for structuredContent', () => {
    expect(exactMoney(new Decimal('123.456'))).toBe('123.456');
    expect(exactMoney(new Decimal('-0.005'))).toBe('-0.005');
    expect(exactMoney(new Decimal('12.3'))).toBe('12.30');
    expect(exactMoney(new Decimal(7))).toBe('7.00');
    expect(exactMoney(undefined)).toBeNull();
    expect(finerThanKopeck(new Decimal('0.001'))).toBe(true);
    expect(finerThanKopeck(new Decimal('0.01'))).toBe(false);
    expect(finerThanKopeck(undefined)).toBe(false);
  });

  it('keeps the widget period parameter names in one place', () => {
    const q = widgetQuery({ from: new Date('2026-11-15T21:00:00Z'), to: new Date('2026-11-22T20:59:59.999Z') }, { from: new Date('2026-11-08T21:00:00Z'), to: new Date('2026-11-15T20:59:59.999Z') }, 'abc');
    expect(Object.keys(q).sort()).toEqual(['presentation', ...Object.values(WIDGET_PARAMS)].sort());
    expect(q[WIDGET_PARAMS.to]).toBe('2026-11-22T20:59:59.999Z');
  });
});

describe('LIFE POS widget parsing', () => {
  const summary = (share: { p: [number, number]; r: [number, number]; t: [number, number] }) => ({
    count: { payments: 3, refunds: 1, total: 4 },
    sum: { payments: { value: 30000, currency: 'RUB' }, refunds: { value: 1000, currency: 'RUB' }, total: { value: 29000, currency: 'RUB' } },
    share: {
      payments: { by_sum: share.p[0], by_count: share.p[1] },
      refunds: { by_sum: share.r[0], by_count: share.r[1] },
      total: { by_sum: share.t[0], by_count: share.t[1] },
    },
    period: { date_from: '2026-11-15T21:00:00.0000000Z', date_to: '0001-01-01T00:00:00Z' },
  });

  it('detects fraction and percent shares and reports percent either way', () => {
    const fraction = toRevenueWidget({ current_summary: summary({ p: [0.9677, 0.75], r: [0.0323, 0.25], t: [1, 1] }), previous_summary: {}, growth_rate: { percentage: 12.5, is_calculated: true } }, 'minor');
    expect(fraction.current.shareScale).toBe('fraction');
    expect(fraction.current.refunds.shareBySum?.toString()).toBe('3.23');
    expect(fraction.current.total.sum?.toFixed(2)).toBe('290.00');
    expect(fraction.current.period.from?.toISOString()).toBe('2026-11-15T21:00:00.000Z');
    expect(fraction.current.period.to).toBeUndefined();
    const percent = toRevenueWidget({ current_summary: summary({ p: [96.77, 75], r: [3.23, 25], t: [100, 100] }), previous_summary: {} }, 'minor');
    expect(percent.current.shareScale).toBe('percent');
    expect(percent.current.refunds.shareBySum?.toString()).toBe('3.23');
    // A missing previous summary gives absent figures, never zeros.
    expect(percent.previous.total.sum).toBeUndefined();
    expect(percent.previous.payments.count).toBeUndefined();
    expect(percent.growth.percentage).toBeUndefined();
  });
});

describe('LIFE POS growth rate scale', () => {
  const d = (v: string) => new Decimal(v);
  it('reads growth_rate.percentage as percent or as a fraction by comparing it with the recomputed growth', () => {
    expect(growthScale(d('12.4'), d('12.3981'))).toBe('percent');
    expect(growthScale(d('0.124'), d('12.3981'))).toBe('fraction');
    expect(growthScale(d('-0.0833'), d('-8.3333'))).toBe('fraction');
    expect(growthScale(d('-8.33'), d('-8.3333'))).toBe('percent');
    // Large growth: a relative tolerance, since rounding the sums moves big percentages more.
    expect(growthScale(d('15234.5'), d('15240.1'))).toBe('percent');
    // Near zero both readings fit: the closer one wins, percent on a tie.
    expect(growthScale(d('0'), d('0'))).toBe('percent');
    expect(growthScale(d('0.0004'), d('0.04'))).toBe('fraction');
  });

  it('says unknown when neither scale matches or there is nothing to compare with', () => {
    expect(growthScale(d('3.5'), d('12.3981'))).toBe('unknown');
    expect(growthScale(d('1240'), d('12.4'))).toBe('unknown');
    expect(growthScale(d('12.4'), undefined)).toBe('unknown');
    expect(growthScale(undefined, d('12.4'))).toBe('unknown');
  });
});

describe('LIFE POS sale parsing', () => {
  it('reads the documented example: enum number, 0001 timestamps, total as sent', () => {
    const sale = toSale(
      {
        guid: '7564edaa-27bd-4f16-aa8a-6b1d0fecf4d0',
        opened_at: '2025-09-22T12:18:04.7207937Z',
        state: 'New',
        payment_status: 1,
        shipping_status: 'NotShipped',
        total_sum: { value: 10000, currency: 'RUB', type_of: 'Money' },
        positions: [{ settlement_subject: 0, name: 'Конфеты', tax: 'Tax20', sale_price: { value: 1000 }, quantity: 5, total_sum: { value: 5000 } }],
        created_at: '0001-01-01T00:00:00Z',
      },
      'minor',
    );
    expect(sale.total?.toFixed(2)).toBe('100.00');
    expect(sale.paymentStatus).toBe('Paid');
    expect(sale.positions?.[0]?.settlementSubject).toBe('Product');
    expect(sale.positions?.[0]?.sum?.toFixed(2)).toBe('50.00');
    expect(sale.createdAt).toBeUndefined();
    expect(sale.openedAt?.toISOString()).toBe('2025-09-22T12:18:04.720Z');
    expect(sale.customer).toBeUndefined();
  });
});

describe('LIFE POS sale parsing of the simulator\'s full documented shape', () => {
  it('reads every seeded sale with every extension declared, ignoring what it does not use', () => {
    const data = seedData({ now: new Date('2026-11-25T09:00:00Z'), days: 3, seed: 31 });
    const all = new Set(['retail_app', 'payment_methods', 'payment_recipients', 'discounts']);
    const deleted = data.sales.find((s) => s.guid === data.fixtures.deletedSale)!;
    for (const sale of [deleted, ...data.sales.slice(0, 40)]) {
      for (const unit of ['minor', 'major'] as const) {
        const wire = JSON.parse(JSON.stringify(saleJson(sale, unit, all, true, { uomNames: unit === 'major' })));
        const parsed = SaleSchema.safeParse(wire);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
        const out = toSale(parsed.data!, unit);
        expect(out.total?.toFixed(2)).toBe(new Decimal(sale.total).div(100).toFixed(2));
        expect(out.positions?.map((p) => p.sum?.toFixed(2))).toEqual(sale.positions.map((p) => new Decimal(p.total).div(100).toFixed(2)));
        expect(out.positions?.map((p) => p.uomName)).toEqual(sale.positions.map((p) => (unit === 'major' ? p.uom_name : undefined)));
      }
    }
    const wire = saleJson(deleted, 'minor', all, true) as Record<string, any>;
    expect(wire.deleted_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
    expect(toSale(SaleSchema.parse(wire), 'minor').deletedAt?.toISOString()).toBe(wire.deleted_at.replace(/(\.\d{3})\d+Z$/, '$1Z'));
    expect(wire.positions[0].marking_attributes.marks).toHaveLength(2);
    expect(wire.positions[1].additional_attributes).toMatchObject({ as_agent_type_of: 'Agent', type_of: 'DealPositionAdditionalAttributes' });
    expect(wire.extensions.retail_app.deal_position_permissions).toHaveLength(2);
  });
});

describe('LIFE POS static token cooldown', () => {
  it('tries a refused LIFEPOS_TOKEN again after the cooldown when there is no phone login', async () => {
    const sim = await startLifeposSim({ now: new Date('2026-11-25T09:00:00Z'), days: 2, seed: 3 });
    let now = Date.parse('2026-11-25T09:00:00Z');
    try {
      const runtime = new Runtime(loadConfig({ LIFEPOS_BASE_URL: sim.url, LIFEPOS_TOKEN: sim.credentials.token, HTTP_RETRIES: '0' }), () => new Date(now));
      const client = LifeposClient.for(runtime);
      const signal = new AbortController().signal;
      // The token is refused once (revoked for a moment, say)…
      sim.server.inject({ kind: 'status', status: 401, body: { code: 'Unauthorized', message: 'Token is invalid', info: '' } }, { times: 1 });
      await expect(client.organizations(signal)).rejects.toThrow(/LIFE POS refused LIFEPOS_TOKEN/);
      // …then, within the cooldown, it is not sent again.
      sim.server.clearRequests();
      now += 59_000;
      await expect(client.organizations(signal)).rejects.toThrow(/tried again in 1 s/);
      expect(sim.server.requests).toHaveLength(0);
      // After the cooldown the same token is tried and works.
      now += 1_000;
      const orgs = await client.organizations(signal);
      expect(orgs.map((o) => o.guid)).toEqual(sim.orgs.map((o) => o.guid));
      expect(sim.server.requests.length).toBeGreaterThan(0);
      expect(sim.server.requests.every((r) => r.headers.authorization === `Bearer ${sim.credentials.token}`)).toBe(true);
    } finally {
      await sim.close();
    }
  });
});

describe('LIFE POS errors', () => {
  const error = (status: number, body: unknown) => new UpstreamError({ source: 'lifepos', status, code: 'x', retryable: false, message: 'raw', body });

  it('reads {code, message, info} and maps statuses to advice', () => {
    expect(parseLifeposError(404, { code: 'NotFound', message: 'Не найдено', info: 'Sale x' })).toEqual({ code: 'NotFound', message: 'Не найдено — Sale x' });
    expect(parseLifeposError(500, 'oops')).toBeUndefined();
    const nf = explain(error(404, { code: 'NotFound', message: 'm', info: '' }), { what: 'sale 1', notFound: 'No sale 1 in organization O; check the guid and org' }) as Error;
    // The API's own words are upstream text: quoted data (src/untrusted.ts).
    expect(nf.message).toBe('No sale 1 in organization O; check the guid and org (404, NotFound: "m").');
    expect((explain(error(403, { code: 'NoPermissions' }), { what: 'the revenue widget', org: 'O' }) as Error).message).toContain('no permission for the revenue widget in organization O');
    expect((explain(error(429, {}), { what: 'w' }) as Error).message).toContain('LIFEPOS_RPS');
    expect((explain(error(503, {}), { what: 'w' }) as Error).message).toContain('try again later');
    const other = new Error('not upstream');
    expect(explain(other, { what: 'w' })).toBe(other);
  });
});

describe('LIFE POS simulator independence', () => {
  const importsOf = (path: string) => [...readFileSync(path, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);

  it('imports nothing from tools/, src/sources/ or src/money.ts — nor does the framework it builds on', () => {
    const dir = fileURLToPath(new URL('../../src/sim/lifepos/', import.meta.url));
    const framework = fileURLToPath(new URL('../../src/sim/framework.ts', import.meta.url));
    const storyDir = fileURLToPath(new URL('../../src/sim/story/', import.meta.url));
    const ts = (d: string) => readdirSync(d).filter((f) => f.endsWith('.ts')).map((f) => `${d}${f}`);
    const files = [...ts(dir), ...ts(storyDir), framework];
    expect(files.length).toBeGreaterThan(4);
    for (const file of files) {
      const imports = importsOf(file);
      for (const spec of imports) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(/tools\/|sources\/|money(\.js)?$/);
        // Out of its own folder, the simulator reaches the framework and the demo story only (no config, http, runtime…).
        if (file !== framework && spec.startsWith('../')) expect(['../framework.js', '../story/index.js'], `${file} imports ${spec}`).toContain(spec);
        if (file === framework) expect(spec.startsWith('.'), `framework.ts imports ${spec}`).toBe(false);
      }
    }
  });
});
