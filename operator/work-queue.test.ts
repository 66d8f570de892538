import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limiter.js';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key being processed to a second worker, and re-queues it when it was added meanwhile', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    const second = q.get();
    let got: string | undefined;
    void second.then((v) => (got = v));
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toBeUndefined();
    q.done(k!);
    expect(await second).toBe('a');
  });

  it('backs off exponentially per key until forgotten', () => {
    const q = new WorkQueue({ baseMs: 100, maxMs: 350 });
    expect(q.addRateLimited('a')).toBe(100);
    expect(q.addRateLimited('a')).toBe(200);
    expect(q.addRateLimited('a')).toBe(350);
    expect(q.addRateLimited('b')).toBe(100);
    q.forget('a');
    expect(q.addRateLimited('a')).toBe(100);
    q.shutdown();
  });

  it('delivers delayed keys after their delay, keeping the earliest', async () => {
    const q = new WorkQueue();
    q.addAfter('a', 30);
    q.addAfter('a', 5000);
    const t0 = Date.now();
    expect(await q.get()).toBe('a');
    expect(Date.now() - t0).toBeLessThan(1000);
    q.shutdown();
  });

  it('releases waiting workers on shutdown', async () => {
    const q = new WorkQueue();
    const w = q.get();
    q.shutdown();
    expect(await w).toBeUndefined();
  });
});

describe('TokenBucket', () => {
  it('allows the burst at once, then paces to the rate', async () => {
    const b = new TokenBucket(50, 5);
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await b.take();
    expect(Date.now() - t0).toBeLessThan(50);
    for (let i = 0; i < 10; i++) await b.take();
    // 10 more tokens at 50/s need ~200 ms
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });

  it('rejects a nonsensical configuration', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(/qps/);
  });
});
