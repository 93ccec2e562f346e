import { strict as assert } from 'node:assert';
import { Backoff, parseRetryAfter, sleep } from '../../../src/engine/backoff';

describe('Backoff', () => {
  it('grows exponentially and stays under its cap', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000, 1000]);
    b.reset();
    assert.equal(b.next(), 100);
  });

  it('spreads delays with jitter between half and the full step', () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.5, random: () => 0 });
    const high = new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.5, random: () => 0.999 });
    assert.equal(low.next(), 500);
    assert.ok(high.next() >= 999);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');

  it('reads delta seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter(['7'], now), 7000);
    assert.equal(parseRetryAfter('Sun, 22 Nov 2026 10:00:05 GMT', now), 5000);
  });

  it('ignores malformed, zero and past values', () => {
    for (const v of [undefined, '', 'soon', '-5', '1.5', '0', 'Sun, 22 Nov 2026 09:59:00 GMT', '12:30']) {
      assert.equal(parseRetryAfter(v, now), undefined, String(v));
    }
  });
});

describe('sleep', () => {
  it('ends early when its signal aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 10);
    const started = Date.now();
    assert.equal(await sleep(5000, ac.signal), false);
    assert.ok(Date.now() - started < 1000);
  });
});
