import { strict as assert } from 'node:assert';
import { MetricsSeries, rate } from '../../../webview/model/metricsSeries';
import { snapshot } from './fixtures';

describe('metrics series', () => {
  it('turns cumulative outcome counters into calls and errors per second', () => {
    const series = new MetricsSeries();
    series.push([snapshot(10_000, { ok: 10 }), snapshot(11_000, { ok: 30, error: 2 }), snapshot(13_000, { ok: 40, error: 2, failure: 4 })]);
    const d = series.data;
    assert.deepEqual(d.time, [10, 11, 13]);
    assert.deepEqual(d.callsPerSec, [null, 22, 7]);
    assert.deepEqual(d.errorsPerSec.error, [null, 2, 0]);
    assert.deepEqual(d.errorsPerSec.failure, [null, 0, 2]);
  });

  it('charts latency percentiles only once there were calls', () => {
    const series = new MetricsSeries();
    series.push([snapshot(1000, {}, { latencyMs: { p50: 0, p95: 0, p99: 0, count: 0 } }), snapshot(2000, { ok: 1 })]);
    assert.deepEqual(series.data.p50, [null, 3]);
    assert.deepEqual(series.data.p99, [null, 20]);
  });

  it('ends the latency lines once the last minute holds no calls, and draws them again with new traffic', () => {
    const series = new MetricsSeries();
    const busy = { latencyMs: { p50: 40, p95: 900, p99: 1000, count: 30 } };
    const idle = { latencyMs: { p50: 0, p95: 0, p99: 0, count: 0 } };
    series.push([snapshot(1000, { ok: 30 }, busy), snapshot(61_000, { ok: 30 }, busy), snapshot(62_000, { ok: 30 }, idle), snapshot(63_000, { ok: 31 }, { latencyMs: { p50: 5, p95: 5, p99: 5, count: 1 } })]);
    assert.deepEqual(series.data.p99, [1000, 1000, null, 5]);
    assert.deepEqual(series.data.p50, [40, 40, null, 5]);
  });

  it('keeps in-flight, queue and capacity as they are', () => {
    const series = new MetricsSeries();
    series.push([snapshot(1000, {}, { inFlight: 5, queued: 2, queueCapacity: 64 })]);
    assert.deepEqual([series.data.inFlight, series.data.queued, series.data.capacity], [[5], [2], [64]]);
  });

  it('keeps only the window, measured from the newest point', () => {
    const series = new MetricsSeries(300);
    series.push(Array.from({ length: 400 }, (_, i) => snapshot(i * 1000, { ok: i })));
    assert.equal(series.length, 301);
    assert.equal(series.data.time[0], 99);
    assert.equal(series.data.callsPerSec.length, 301);
    assert.equal(series.data.errorsPerSec.expired.length, 301);
  });

  it('ignores a repeated or older snapshot', () => {
    const series = new MetricsSeries();
    const s = snapshot(5000, { ok: 1 });
    series.push([s, s, snapshot(4000, { ok: 0 })]);
    assert.equal(series.length, 1);
  });

  it('counts from zero again after a worker restart reset the counters', () => {
    assert.equal(rate(100, 5, 1), 5);
    assert.equal(rate(100, 110, 2), 5);
    assert.equal(rate(1, 2, 0), null);
  });

  it('sums the window for the text summary', () => {
    const series = new MetricsSeries();
    series.push([snapshot(0, { ok: 0 }), snapshot(1000, { ok: 10, expired: 1 }), snapshot(2000, { ok: 20, expired: 3 })]);
    const summary = series.summary();
    assert.equal(summary.calls, 23);
    assert.equal(summary.errors.expired, 3);
    assert.equal(summary.peakInFlight, 2);
  });

  it('reset starts over from the given snapshots', () => {
    const series = new MetricsSeries();
    series.push([snapshot(1000, { ok: 1 })]);
    series.reset([snapshot(500, { ok: 0 })]);
    assert.deepEqual(series.data.time, [0.5]);
  });
});
