import { request } from 'undici';
import { expect } from 'vitest';
import type { LifeposSim } from '../../src/sim/lifepos/index.js';

/**
 * What the simulator sends, read with plain HTTP (no client code), for tests that derive crafted answers
 * from it. `path` is below the first organization, e.g. `/widgets/revenue?…`.
 */
export async function rawOrgGet(sim: LifeposSim, path: string, extensions?: string): Promise<any> {
  const res = await request(`${sim.url}/orgs/${sim.orgs[0]!.guid}${path}`, {
    headers: {
      'X-LP-Client-Identifier': '1f0c2d3e-4a5b-4c6d-8e7f-001122334455',
      'X-LP-Client-Type': 'Service',
      'Accept-Language': 'ru-RU',
      ...(extensions ? { 'X-LP-Client-Extensions': extensions } : {}),
      Authorization: `Bearer ${sim.credentials.token}`,
    },
  });
  expect(res.statusCode).toBe(200);
  return res.body.json();
}
