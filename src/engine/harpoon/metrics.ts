/**
 * Harpoon's Prometheus metrics, under the reference daemon's names so its
 * dashboards carry over: calls, their latency and response sizes, by target
 * label, status class and outcome.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

const LABELS = ['label', 'status_class', 'outcome'] as const;
const LATENCY_BUCKETS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
const SIZE_BUCKETS = [0, 256, 1024, 4096, 16384, 65536, 102400];

export function statusClass(status: number): string {
  return status >= 100 && status <= 599 ? `${Math.floor(status / 100)}xx` : 'none';
}

export class HarpoonMetrics {
  private readonly calls: Counter<(typeof LABELS)[number]>;
  private readonly latency: Histogram<(typeof LABELS)[number]>;
  private readonly size: Histogram<(typeof LABELS)[number]>;

  constructor(registry: Registry) {
    this.calls = new Counter({ name: 'harpoon_call_total', help: 'Harpoon call_target invocations.', labelNames: LABELS, registers: [registry] });
    this.latency = new Histogram({ name: 'harpoon_call_latency_milliseconds', help: 'Latency of Harpoon call_target invocations in milliseconds.', labelNames: LABELS, buckets: LATENCY_BUCKETS, registers: [registry] });
    this.size = new Histogram({ name: 'harpoon_response_size_bytes', help: 'Response body size returned by Harpoon call_target, in bytes.', labelNames: LABELS, buckets: SIZE_BUCKETS, registers: [registry] });
  }

  record(label: string, status: number, outcome: string, bytes: number, latencyMs: number): void {
    const labels = { label, status_class: statusClass(status), outcome };
    this.calls.inc(labels);
    this.latency.observe(labels, Math.max(0, latencyMs));
    this.size.observe(labels, Math.max(0, bytes));
  }
}
