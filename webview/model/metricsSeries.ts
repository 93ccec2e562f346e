/**
 * Turns the engine's once-a-second MetricsSnapshots (cumulative counters,
 * gauges and a latency window) into chart series over the last few minutes:
 * rates come from the difference between consecutive snapshots.
 */
import type { MetricsSnapshot } from '../protocol';

/** Outcomes that are not a plain success, in the order the errors chart draws them. */
export const ERROR_OUTCOMES = ['error', 'tool_error', 'failure', 'expired', 'gone', 'post_failed', 'cancelled'] as const;
export type ErrorOutcome = (typeof ERROR_OUTCOMES)[number];

export const DEFAULT_WINDOW_SECONDS = 300;

/** Column-oriented, as uPlot wants it: `time` in seconds, null where a value is unknown. */
export interface ChartSeries {
  time: number[];
  callsPerSec: (number | null)[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  inFlight: number[];
  queued: number[];
  running: number[];
  capacity: number[];
  workers: number[];
  errorsPerSec: Record<ErrorOutcome, (number | null)[]>;
}

function emptySeries(): ChartSeries {
  const errorsPerSec = {} as Record<ErrorOutcome, (number | null)[]>;
  for (const o of ERROR_OUTCOMES) errorsPerSec[o] = [];
  return { time: [], callsPerSec: [], p50: [], p95: [], p99: [], inFlight: [], queued: [], running: [], capacity: [], workers: [], errorsPerSec };
}

function total(commands: Record<string, number>): number {
  let sum = 0;
  for (const v of Object.values(commands)) sum += v;
  return sum;
}

/**
 * Per-second rate between two cumulative readings. A counter that went down
 * belongs to a restarted worker: it counts from zero again.
 */
export function rate(previous: number, current: number, seconds: number): number | null {
  if (!(seconds > 0)) return null;
  const delta = current >= previous ? current - previous : current;
  return delta / seconds;
}

export class MetricsSeries {
  private series = emptySeries();
  private last: MetricsSnapshot | undefined;

  constructor(readonly windowSeconds = DEFAULT_WINDOW_SECONDS) {}

  get data(): ChartSeries {
    return this.series;
  }

  get latest(): MetricsSnapshot | undefined {
    return this.last;
  }

  get length(): number {
    return this.series.time.length;
  }

  reset(snapshots: readonly MetricsSnapshot[] = []): void {
    this.series = emptySeries();
    this.last = undefined;
    this.push(snapshots);
  }

  push(snapshots: readonly MetricsSnapshot[]): void {
    for (const s of snapshots) this.add(s);
    this.trim();
  }

  private add(s: MetricsSnapshot): void {
    const prev = this.last;
    // Out of order or repeated: ignore.
    if (prev && s.time <= prev.time) return;
    const seconds = prev ? (s.time - prev.time) / 1000 : 0;
    const d = this.series;
    d.time.push(s.time / 1000);
    d.callsPerSec.push(prev ? rate(total(prev.commands), total(s.commands), seconds) : null);
    const hasLatency = s.latencyMs.count > 0;
    d.p50.push(hasLatency ? s.latencyMs.p50 : null);
    d.p95.push(hasLatency ? s.latencyMs.p95 : null);
    d.p99.push(hasLatency ? s.latencyMs.p99 : null);
    d.inFlight.push(s.inFlight);
    d.queued.push(s.queued);
    d.running.push(s.running);
    d.capacity.push(s.queueCapacity);
    d.workers.push(s.workers);
    for (const o of ERROR_OUTCOMES) d.errorsPerSec[o].push(prev ? rate(prev.commands[o] ?? 0, s.commands[o] ?? 0, seconds) : null);
    this.last = s;
  }

  /** Drops points older than the window, measured from the newest. */
  private trim(): void {
    const d = this.series;
    const n = d.time.length;
    if (n === 0) return;
    const oldest = d.time[n - 1]! - this.windowSeconds;
    let drop = 0;
    while (drop < n && d.time[drop]! < oldest) drop++;
    if (drop === 0) return;
    for (const key of ['time', 'callsPerSec', 'p50', 'p95', 'p99', 'inFlight', 'queued', 'running', 'capacity', 'workers'] as const) d[key].splice(0, drop);
    for (const o of ERROR_OUTCOMES) d.errorsPerSec[o].splice(0, drop);
  }

  /** Totals over the window, for the text beside the charts (and screen readers). */
  summary(): { calls: number; errors: Record<ErrorOutcome, number>; peakInFlight: number } {
    const d = this.series;
    const errors = {} as Record<ErrorOutcome, number>;
    let calls = 0;
    for (let i = 1; i < d.time.length; i++) {
      const dt = d.time[i]! - d.time[i - 1]!;
      calls += (d.callsPerSec[i] ?? 0) * dt;
    }
    for (const o of ERROR_OUTCOMES) {
      let n = 0;
      for (let i = 1; i < d.time.length; i++) n += (d.errorsPerSec[o][i] ?? 0) * (d.time[i]! - d.time[i - 1]!);
      errors[o] = Math.round(n);
    }
    return { calls: Math.round(calls), errors, peakInFlight: d.inFlight.reduce((a, b) => Math.max(a, b), 0) };
  }
}
