import { afterEach, describe, expect, it } from 'vitest';
import { setLogLevel, withLogSink } from '../../src/log.js';
import { IdleCollector } from '../../src/transports/idle-collect.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('IdleCollector (garbage given back when HTTP calls stop)', () => {
  afterEach(() => setLogLevel('info'));

  it('collects once quiet after the heap grew, never while a call is in flight or without growth', async () => {
    setLogLevel('debug');
    const lines: string[] = [];
    const sink = (_level: string, message: string) => lines.push(message);
    const collector = new IdleCollector(20, 8 * 1024 * 1024, 300);

    // Quiet, but nothing grew: no collection.
    withLogSink(sink, () => collector.quiet());
    await sleep(80);
    expect(lines).toEqual([]);

    // 20 MB of Buffers dropped: garbage V8 has no reason to collect while nothing allocates.
    let junk: Buffer[] | undefined = Array.from({ length: 200 }, () => Buffer.alloc(100_000, 1));
    const dropped = new WeakRef(junk);
    junk = undefined;

    // A call starts before the quiet spell ends: nothing happens.
    withLogSink(sink, () => {
      collector.quiet();
      collector.busy();
    });
    await sleep(80);
    expect(lines).toEqual([]);

    withLogSink(sink, () => collector.quiet());
    await sleep(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^HTTP: quiet, collected garbage: heap \+ external \d+ → \d+ MB in \d+ ms$/);
    expect(dropped.deref()).toBeUndefined();

    // Still quiet a while later: one more collection, which lets V8 shrink the young generation.
    await sleep(400);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^HTTP: still quiet, collected again: heap \+ external \d+ MB$/);
  });
});
