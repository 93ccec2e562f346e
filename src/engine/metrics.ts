/**
 * Prometheus metrics of one engine, in a registry of its own (several engines
 * may share a process). Two sets: the reference daemon's names, units and
 * labels, so dashboards and alerts written for it carry over, and ours
 * (`mcp_tunnel_*`) where they say more (outcomes, restarts, bytes).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The reference's histogram boundaries (OpenTelemetry's defaults), in each histogram's own unit. */
const REFERENCE_BUCKETS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

interface Observer {
  observe(value: number): void;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string): Gauge {
  return new Gauge({ name, help, registers: [registry] });
}

function labelledGauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}

export class EngineMetrics {
  readonly registry = new Registry();

  // The reference daemon's poller.
  readonly commandsPolled = counter(this.registry, 'commands_polled_total', 'Commands received from the control plane.');
  readonly commandsEnqueued = counter(this.registry, 'commands_enqueued_total', 'Polled commands accepted into the local queue.');
  readonly pollCyclesStarted = counter(this.registry, 'commands_poll_cycles_total', 'Poll requests started.');
  private readonly pollLatency = histogram(this.registry, 'commands_poll_latency_seconds', 'Time a poll request took, by whether it failed.', ['error'], REFERENCE_BUCKETS);
  readonly pollLatencyOk: Observer = this.pollLatency.labels('false');
  readonly pollLatencyFailed: Observer = this.pollLatency.labels('true');
  readonly pollErrorsByKind = counter(this.registry, 'commands_poll_errors_total', 'Poll requests that failed, by error_kind (timeout, other).', ['error_kind']);
  readonly queueDrops = counter(
    this.registry,
    'commands_queue_drops_total',
    'Polled commands not queued, by drop_reason (invalid_command_type: unknown command_type; invalid_command: not decodable).',
    ['drop_reason'],
  );
  readonly commandAge: Observer = histogram(this.registry, 'commands_age_seconds', "Seconds from a command's created_at to its poll.", [], REFERENCE_BUCKETS);
  readonly lastPollSuccess = gauge(this.registry, 'commands_poll_last_successful_timestamp_seconds', 'Unix time (whole seconds) of the last poll the control plane answered.');
  readonly queueCapacity = gauge(this.registry, 'commands_queue_capacity', 'Local queue capacity (max in-flight requests).');
  /** Where the two gauges below read their value when scraped (the dispatcher's counts); nothing is set per command. */
  private occupancy: { queued(): number; running(): number } = { queued: () => 0, running: () => 0 };
  /** Polling pauses when this reaches the capacity. */
  readonly queueLength: Gauge = new Gauge({
    name: 'commands_queue_length',
    help: 'Commands in the local queue, waiting for a worker.',
    registers: [this.registry],
    collect: (): void => this.queueLength.set(this.occupancy.queued()),
  });

  // The reference daemon's dispatcher.
  readonly workerPoolCapacity = gauge(this.registry, 'dispatcher_worker_pool_capacity', 'Worker pool size (max concurrent MCP requests).');
  readonly workerPoolOccupancy: Gauge = new Gauge({
    name: 'dispatcher_worker_pool_occupancy',
    help: 'Workers running a command now.',
    registers: [this.registry],
    collect: (): void => this.workerPoolOccupancy.set(this.occupancy.running()),
  });
  private readonly endToEnd = histogram(
    this.registry,
    'command_end_to_end_latency_milliseconds',
    'Milliseconds to a delivered terminal response, from the poll (latency_type=poll_to_response) or from created_at (enqueue_to_response).',
    ['request_kind', 'request_method', 'channel', 'tunnel_service_status', 'latency_type'],
    REFERENCE_BUCKETS,
  );
  readonly unsupportedChannel = counter(
    this.registry,
    'command_unsupported_channel_total',
    'Commands refused with unsupported_channel because they name a channel this tunnel does not serve, by command_type.',
    ['command_type'],
  );

  // The reference daemon's health.
  readonly liveness = gauge(this.registry, 'liveness', '1 while the tunnel client process is live.');
  readonly readiness = gauge(this.registry, 'readiness', '1 when /readyz answers 200.');

  // Ours.
  readonly pollCycles = counter(this.registry, 'mcp_tunnel_poll_cycles_total', 'Poll requests the control plane answered (200 or 204).');
  readonly pollErrors = counter(this.registry, 'mcp_tunnel_poll_errors_total', 'Failed polls by kind: network, auth, not_found, rate_limited, server, client, decode.', ['kind']);
  readonly commandDuration = histogram(
    this.registry,
    'mcp_tunnel_command_duration_seconds',
    'Time from poll receipt to the terminal response POST, by JSON-RPC method and outcome.',
    ['method', 'outcome'],
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );
  readonly commands = counter(this.registry, 'mcp_tunnel_commands_total', 'Commands finished, by command type and outcome.', ['type', 'outcome']);
  readonly mcpRestarts = counter(this.registry, 'mcp_tunnel_mcp_restarts_total', 'MCP server (stdio child) restarts.', ['channel']);
  readonly stdioSessions = labelledGauge(this.registry, 'mcp_tunnel_stdio_sessions', 'Remote sessions with a stdio MCP server child of their own (session_mode per_session).', ['channel']);
  readonly stdioChildren = labelledGauge(this.registry, 'mcp_tunnel_stdio_children', 'stdio MCP server children running in a per_session pool, the sessionless one included.', ['channel']);
  readonly stdioSessionsClosed = counter(
    this.registry,
    'mcp_tunnel_stdio_sessions_closed_total',
    'Sessions whose stdio MCP server child the pool closed, by reason (lru: evicted for a new session over max_sessions; idle: session_idle_timeout).',
    ['channel', 'reason'],
  );
  readonly serverMessages = counter(
    this.registry,
    'mcp_tunnel_server_messages_total',
    'MCP server messages outside any call (notifications, server requests), by route: stream (a session stream took it at once), call (a request of the session in flight carried it), held (it waited for the session\'s next request or stream; counted again under the route that took it).',
    ['channel', 'route'],
  );
  readonly serverMessagesDropped = counter(
    this.registry,
    'mcp_tunnel_server_messages_dropped_total',
    'MCP server messages outside any call that never reached a client, by reason (held_limit: over the held limit, oldest dropped; session_closed: the session ended with messages held; no_client: no client had opened a session yet (initialize or a stream), e.g. after the startup probe). A dropped server request is answered with an error.',
    ['channel', 'reason'],
  );
  readonly bytes = counter(this.registry, 'mcp_tunnel_bytes_total', 'Bytes exchanged, by hop (control_plane, mcp) and direction (in, out).', ['hop', 'direction']);
  private readonly commandChildren = new Map<string, { count: { inc(): void }; duration: Observer }>();
  private readonly endToEndChildren = new Map<string, { sincePoll: Observer; sinceCreated: Observer }>();

  constructor() {
    this.liveness.set(1);
  }

  /** The queue length and worker occupancy gauges read these when scraped. */
  readOccupancy(from: { queued(): number; running(): number }): void {
    this.occupancy = from;
  }

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

  /**
   * One delivered terminal response, as the reference records it: from the
   * poll and, when the command carried a readable created_at, from then.
   * `method` is undefined for commands without one (the label is left out).
   * `channel` must be one this tunnel serves, so the label stays bounded.
   */
  recordDelivered(kind: string, method: string | undefined, channel: string, status: number, sincePollMs: number, sinceCreatedMs: number): void {
    const key = `${kind}\u0000${method ?? ''}\u0000${channel}\u0000${status}`;
    let pair = this.endToEndChildren.get(key);
    if (!pair) {
      const labels: Record<string, string> = { request_kind: kind, channel, tunnel_service_status: String(status) };
      if (method !== undefined) labels.request_method = method;
      pair = { sincePoll: this.endToEnd.labels({ ...labels, latency_type: 'poll_to_response' }), sinceCreated: this.endToEnd.labels({ ...labels, latency_type: 'enqueue_to_response' }) };
      this.endToEndChildren.set(key, pair);
    }
    pair.sincePoll.observe(Math.floor(sincePollMs));
    if (sinceCreatedMs >= 0) pair.sinceCreated.observe(Math.floor(sinceCreatedMs));
  }
}

/** Label used for command latency: JSON-RPC method names are bounded by the MCP spec, others folded. */
export function methodLabel(method: unknown): string {
  if (method === undefined) return 'none';
  if (typeof method !== 'string') return 'other';
  return /^[a-z]+(\/[a-zA-Z_]+)*$/.test(method) && method.length <= 64 ? method : 'other';
}
