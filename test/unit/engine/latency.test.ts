import { strict as assert } from 'node:assert';
import { LatencyWindow } from '../../../src/engine/latency';

/** A clock the test moves by hand. */
function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('latency window', () => {
  it('gives percentiles of the calls in the window', () => {
    const c = clock();
    const w = new LatencyWindow(60_000, 2048, c.now);
    for (let i = 1; i <= 100; i++) w.add(i);
    assert.deepEqual(w.percentiles(), { p50: 51, p95: 96, p99: 100, count: 100 });
  });

  it('lets a slow burst age out: p99 drops once its calls are older than the window', () => {
    const c = clock();
    const w = new LatencyWindow(60_000, 2048, c.now);
    for (let i = 0; i < 50; i++) w.add(1000);
    c.advance(30_000);
    for (let i = 0; i < 50; i++) w.add(5);
    assert.equal(w.percentiles().p99, 1000, 'the burst is still in the window');
    c.advance(30_001);
    assert.deepEqual(w.percentiles(), { p50: 5, p95: 5, p99: 5, count: 50 });
  });

  it('reports no calls once traffic has stopped for a whole window', () => {
    const c = clock();
    const w = new LatencyWindow(60_000, 2048, c.now);
    w.add(250);
    c.advance(59_999);
    assert.equal(w.percentiles().count, 1);
    c.advance(2);
    assert.deepEqual(w.percentiles(), { p50: 0, p95: 0, p99: 0, count: 0 });
  });

  it('keeps only the newest durations when more calls end than it holds', () => {
    const c = clock();
    const w = new LatencyWindow(60_000, 4, c.now);
    for (const ms of [900, 900, 1, 2, 3, 4]) w.add(ms);
    assert.deepEqual(w.percentiles(), { p50: 3, p95: 4, p99: 4, count: 4 });
  });

  it('sorts durations as numbers, not as text', () => {
    const c = clock();
    const w = new LatencyWindow(60_000, 2048, c.now);
    for (const ms of [9, 10, 100, 20]) w.add(ms);
    assert.equal(w.percentiles().p99, 100);
    assert.equal(w.percentiles().p50, 20);
  });
});
