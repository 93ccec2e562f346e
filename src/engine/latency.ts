/** A fixed window of recent durations for cheap percentiles in snapshots. */
export class LatencyWindow {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(size = 2048) {
    this.values = new Float64Array(size);
  }

  add(ms: number): void {
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.values.length;
    if (this.count < this.values.length) this.count++;
  }

  percentiles(): { p50: number; p95: number; p99: number; count: number } {
    if (this.count === 0) return { p50: 0, p95: 0, p99: 0, count: 0 };
    const sorted = this.values.slice(0, this.count).sort();
    const at = (q: number) => sorted[Math.min(this.count - 1, Math.floor(q * this.count))]!;
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), count: this.count };
  }
}
