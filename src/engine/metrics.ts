/** Prometheus metrics of one engine, in a registry of its own (several engines may share a process). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class EngineMetrics {
  readonly registry = new Registry();
  readonly pollCycles = new Counter({ name: 'mcp_tunnel_poll_cycles_total', help: 'Long-poll requests completed (200 or 204).', registers: [this.registry] });
  readonly pollErrors = new Counter({
    name: 'mcp_tunnel_poll_errors_total',
    help: 'Long-poll requests that failed, by kind (network, auth, not_found, rate_limited, server, client, decode).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly lastPollSuccess = new Gauge({
    name: 'mcp_tunnel_last_successful_poll_timestamp_seconds',
    help: 'Unix time of the last poll the control plane answered.',
    registers: [this.registry],
  });
  readonly queueLength = new Gauge({ name: 'mcp_tunnel_queue_length', help: 'Commands accepted and not yet finished.', registers: [this.registry] });
  readonly queueCapacity = new Gauge({ name: 'mcp_tunnel_queue_capacity', help: 'Local queue capacity (max in-flight requests).', registers: [this.registry] });
  readonly workersBusy = new Gauge({ name: 'mcp_tunnel_workers_busy', help: 'MCP requests running now.', registers: [this.registry] });
  readonly workersTotal = new Gauge({ name: 'mcp_tunnel_workers_total', help: 'Worker pool size (max concurrent MCP requests).', registers: [this.registry] });
  readonly commandDuration = new Histogram({
    name: 'mcp_tunnel_command_duration_seconds',
    help: 'Time from poll receipt to the terminal response POST, by JSON-RPC method and outcome.',
    labelNames: ['method', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly commands = new Counter({
    name: 'mcp_tunnel_commands_total',
    help: 'Commands finished, by command type and outcome.',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly skipped = new Counter({
    name: 'mcp_tunnel_commands_skipped_total',
    help: 'Polled commands skipped because their type was unknown or they could not be decoded.',
    registers: [this.registry],
  });
  readonly mcpRestarts = new Counter({ name: 'mcp_tunnel_mcp_restarts_total', help: 'MCP server (stdio child) restarts.', labelNames: ['channel'] as const, registers: [this.registry] });
  readonly bytes = new Counter({
    name: 'mcp_tunnel_bytes_total',
    help: 'Bytes exchanged, by hop (control_plane, mcp) and direction (in, out).',
    labelNames: ['hop', 'direction'] as const,
    registers: [this.registry],
  });
  private readonly commandChildren = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();

  /** Counts one finished command; labelled children are cached, since this runs once per call. */
  recordCommand(type: string, method: string, outcome: string, seconds: number): void {
    const key = `${type}\u0000${method}\u0000${outcome}`;
    let child = this.commandChildren.get(key);
    if (!child) {
      child = { count: this.commands.labels(type, outcome), duration: this.commandDuration.labels(method, outcome) };
      this.commandChildren.set(key, child);
    }
    child.count.inc();
    child.duration.observe(seconds);
  }

  readonly up = new Gauge({ name: 'mcp_tunnel_ready', help: '1 when the tunnel is ready (control plane answering and MCP server usable).', registers: [this.registry] });
}

/** Label used for command latency: JSON-RPC method names are bounded by the MCP spec, others folded. */
export function methodLabel(method: unknown): string {
  if (method === undefined) return 'none';
  if (typeof method !== 'string') return 'other';
  return /^[a-z]+(\/[a-zA-Z_]+)*$/.test(method) && method.length <= 64 ? method : 'other';
}
