/**
 * Percentiles of recent call durations for the once-a-second snapshots: only
 * calls that ended within the last `windowMs` count, so p50/p95/p99 age out
 * once traffic stops (no call in the window: count 0, nothing to chart)
 * instead of holding the last busy minute's values forever. At most `size`
 * of the newest durations are kept.
 */
export const LATENCY_WINDOW_MS = 60_000;

export interface LatencyPercentiles {
  p50: number;
  p95: number;
  p99: number;
  /** Calls in the window the percentiles are of. */
  count: number;
}

export class LatencyWindow {
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private next = 0;
  private stored = 0;

  constructor(
    readonly windowMs = LATENCY_WINDOW_MS,
    size = 2048,
    private readonly now: () => number = Date.now,
  ) {
    this.values = new Float64Array(size);
    this.times = new Float64Array(size);
  }

  /** A call that ended now and took `ms`. */
  add(ms: number): void {
    this.values[this.next] = ms;
    this.times[this.next] = this.now();
    this.next = (this.next + 1) % this.values.length;
    if (this.stored < this.values.length) this.stored++;
  }

  percentiles(): LatencyPercentiles {
    const since = this.now() - this.windowMs;
    const recent: number[] = [];
    for (let i = 0; i < this.stored; i++) if (this.times[i]! > since) recent.push(this.values[i]!);
    const count = recent.length;
    if (count === 0) return { p50: 0, p95: 0, p99: 0, count: 0 };
    recent.sort((a, b) => a - b);
    const at = (q: number) => recent[Math.min(count - 1, Math.floor(q * count))]!;
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), count };
  }
}
