import Bottleneck from 'bottleneck';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { localLimiter } from '../../src/http/limits.js';

/** setTimeout calls made while `work` runs. */
async function timersDuring(work: () => Promise<unknown>): Promise<number> {
  const spy = vi.spyOn(globalThis, 'setTimeout');
  try {
    await work();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

const JOBS = 50;
const emptyJobs = (limiter: Bottleneck) => () => Promise.all(Array.from({ length: JOBS }, () => limiter.schedule(() => Promise.resolve())));

describe('the limiter each source gets in this process (limits.ts localLimiter)', () => {
  afterEach(() => vi.restoreAllMocks());

  it("yields between bottleneck's steps without a timer: only the run timer is left per job (the installed bottleneck still has the hook)", async () => {
    const stock = await timersDuring(emptyJobs(new Bottleneck({ maxConcurrent: 4 })));
    const local = await timersDuring(emptyJobs(localLimiter({ maxConcurrent: 4 })));
    // Stock bottleneck 2.x: register, submit and free each yield by setTimeout(0), beside the run timer.
    expect(stock).toBeGreaterThanOrEqual(3 * JOBS);
    expect(local).toBeLessThanOrEqual(JOBS);
  });

  it('keeps bottleneck scheduling: concurrency cap, reservoir, queue order', async () => {
    const limiter = localLimiter({ maxConcurrent: 2, reservoir: 5 });
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const jobs = Array.from({ length: 5 }, (_, i) =>
      limiter.schedule(async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        order.push(i);
      }),
    );
    await Promise.all(jobs);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(await limiter.currentReservoir()).toBe(0);
    // With the reservoir spent, a sixth job waits until a slot is given back.
    let sixth = false;
    const late = limiter.schedule(async () => (sixth = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sixth).toBe(false);
    await limiter.incrementReservoir(1);
    await late;
    expect(sixth).toBe(true);
  });
});
