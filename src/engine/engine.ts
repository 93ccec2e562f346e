/**
 * TunnelEngine: one tunnel. It owns the MCP channels, the control-plane
 * client, the poll loop, the dispatcher, the health server and the trace, and
 * reports everything through typed events. It knows nothing about VS Code.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { isRequest, type JsonRpcMessage } from '../protocol/jsonrpc';
import { DEFAULT_CHANNEL, type Headers } from '../protocol/wire';
import { DEFAULTS, type EngineConfig, type McpTarget } from './config';
import { ControlPlaneClient, ControlPlaneError, serverInfoHeader } from './controlPlane';
import { ControlPlaneHealth } from './controlPlaneHealth';
import { Dispatcher } from './dispatcher';
import { DeadlineExceededError, TunnelFailureError, synthesizeFailure } from './failure';
import type { ChannelStatusEntry, EngineEvents, EngineState, EngineStatus, MetricsSnapshot } from './events';
import { HealthServer, type HealthRoute, type Readiness } from './health';
import { LatencyWindow } from './latency';
import { Logger, type LogLevel } from './log';
import type { McpChannel, McpOutcome } from './mcp/channel';
import { HttpChannel } from './mcp/http';
import { StdioChannel, StdioSessionPool } from './mcp/stdio';
import { McpReadiness } from './mcpReadiness';
import { StartupOAuthDiscovery } from './oauth/startup';
import type { HarpoonWiring } from './harpoon/wiring';
import type { Lookup } from './harpoon/caller';
import { EngineMetrics } from './metrics';
import { Poller, type PollerOptions } from './poller';
import { ResponsePoster, type PosterOptions } from './responsePoster';
import { answerOutcome, describeExchange, TraceBuffer, type TraceEntry, type TraceOutcome } from './trace';

export interface EngineOptions {
  logger?: Logger;
  /** Builds a channel for a target; tests may wrap the real ones. */
  channelFactory?: (target: McpTarget, logger: Logger) => McpChannel;
  poller?: PollerOptions;
  poster?: PosterOptions;
  /** Emit a `metrics` event this often (0 = never). */
  metricsIntervalMs?: number;
  /** Total time a stop may take before children are killed (default 5000). */
  stopTimeoutMs?: number;
  /** More routes on the health server (the web UI). */
  healthRoutes?: HealthRoute[];
  /** Name resolution for Harpoon target hosts (tests stand in a resolver whose answer changes). */
  harpoonLookup?: Lookup;
}

/** How long a call made by hand from the dashboard may take. */
export const LOCAL_CALL_TIMEOUT_MS = 60_000;

export interface LocalCallResult {
  /** A tunnel failure arrives as the JSON-RPC error the control plane would have been sent. */
  outcome: McpOutcome;
  /** The trace entry that recorded the call. */
  traceSeq: number;
}

export function defaultChannelFactory(target: McpTarget, logger: Logger): McpChannel {
  const child = logger.child(`mcp:${target.channel}`);
  if (target.kind === 'http') return new HttpChannel(target, child);
  // The transport is an object of the host's process, not configuration: only the host that holds it can build the channel.
  if (target.kind === 'transport') throw new Error(`MCP channel "${target.channel}" runs over an in-process transport: start this tunnel with startTunnel(options, transport), which supplies it`);
  const sessions = target.sessions;
  if (sessions?.mode === 'per_session') return new StdioSessionPool(target, child, { maxSessions: sessions.maxSessions, idleTimeoutMs: sessions.idleTimeoutMs });
  return new StdioChannel(target, child);
}

export declare interface TunnelEngine {
  on<E extends keyof EngineEvents>(event: E, listener: EngineEvents[E]): this;
  off<E extends keyof EngineEvents>(event: E, listener: EngineEvents[E]): this;
  once<E extends keyof EngineEvents>(event: E, listener: EngineEvents[E]): this;
  emit<E extends keyof EngineEvents>(event: E, ...args: Parameters<EngineEvents[E]>): boolean;
}

export class TunnelEngine extends EventEmitter {
  readonly logger: Logger;
  readonly metrics = new EngineMetrics();
  readonly trace: TraceBuffer;
  private readonly channels = new Map<string, McpChannel>();
  private readonly client: ControlPlaneClient;
  private readonly dispatcher: Dispatcher;
  private readonly poller: Poller;
  private health: HealthServer | undefined;
  private readonly pollAbort = new AbortController();
  private pollLoop: Promise<void> | undefined;
  private metricsTimer: NodeJS.Timeout | undefined;
  private readonly latency = new LatencyWindow();
  private readonly bytes = { controlPlaneIn: 0, controlPlaneOut: 0, mcpIn: 0, mcpOut: 0 };
  private readonly commandCounts: Record<string, number> = {};
  private restarts = 0;
  private readonly restartsSeen = new Map<string, number>();
  /** Sessions the pool closed (evicted, idle), already counted in the metrics, by channel and reason. */
  private readonly closedSeen = new Map<string, number>();
  private pollCycles = 0;

  private started = false;
  private stopped = false;
  private readonly controlPlane = new ControlPlaneHealth();
  private tunnelName: string | undefined;
  private tunnelDescription: string | undefined;
  private lastState: EngineState | undefined;
  private lastReason: string | undefined;
  private readyWaiters: (() => void)[] = [];
  private settleWaiters: ((readiness: Readiness) => void)[] = [];
  /** The probes of each channel: "ready" needs a passing one. */
  private readonly mcp: McpReadiness;
  /** OAuth discovery of a Streamable HTTP `main` server; none for stdio or a tunnel without `main`. */
  private readonly oauth: StartupOAuthDiscovery | undefined;
  /** The embedded Harpoon server, when the profile configures Harpoon. */
  readonly harpoon: HarpoonWiring | undefined;

  constructor(
    readonly config: EngineConfig,
    private readonly options: EngineOptions = {},
  ) {
    super();
    this.logger = options.logger ?? Logger.create(config.log.level);
    this.logger.addSecret(config.controlPlane.apiKey);
    for (const value of Object.values(config.controlPlane.extraHeaders)) this.logger.addSecret(value);
    this.logger.addSink((record) => this.emit('log', record));
    this.trace = new TraceBuffer(config.trace.maxEntries, config.trace.capturePayloads);

    const factory = options.channelFactory ?? defaultChannelFactory;
    for (const target of config.mcp.targets) {
      if (target.kind === 'http') for (const value of [...Object.values(target.headers), ...Object.values(target.discoveryHeaders ?? {})]) this.logger.addSecret(value);
      const channel = factory(target, this.logger);
      channel.on('status', () => this.updateState());
      channel.on('stderr', (line) => this.emit('mcpStderr', target.channel, line));
      channel.on('transportFailure', (reason) => this.mcp.onTransportFailure(channel, reason));
      channel.on('bytes', (direction, count) => {
        this.metrics.bytes.inc({ hop: 'mcp', direction }, count);
        if (direction === 'in') this.bytes.mcpIn += count;
        else this.bytes.mcpOut += count;
      });
      channel.on('serverMessage', (route) => this.metrics.serverMessages.inc({ channel: target.channel, route }));
      channel.on('serverMessageDropped', (reason) => this.metrics.serverMessagesDropped.inc({ channel: target.channel, reason }));
      this.channels.set(target.channel, channel);
    }
    this.mcp = new McpReadiness(this.channels, this.logger, this.pollAbort.signal, () => this.updateState());
    if (config.harpoon) {
      // Loaded only when configured: the channel's MCP server (the SDK, with its schemas) costs startup time and memory.
      const { HarpoonWiring } = require('./harpoon/wiring') as typeof import('./harpoon/wiring');
      this.harpoon = new HarpoonWiring({
        config: config.harpoon,
        channels: this.channels,
        logger: this.logger,
        metricsRegistry: this.metrics.registry,
        secrets: () => [config.controlPlane.apiKey],
        onServedChange: () => this.client.setServerInfo(this.serverInfo()),
        lookup: options.harpoonLookup,
      });
    }
    const main = this.channels.get(DEFAULT_CHANNEL);
    if (main instanceof HttpChannel) {
      this.oauth = new StartupOAuthDiscovery(main, this.logger.child('oauth'), this.pollAbort.signal, () => {
        if (this.oauth) this.harpoon?.discovered(this.oauth.status());
        this.updateState();
      });
    }
    this.client = new ControlPlaneClient(config.controlPlane, this.serverInfo());
    const poster = new ResponsePoster(this.client, this.logger.child('poster'), options.poster, (n) => {
      this.metrics.bytes.inc({ hop: 'control_plane', direction: 'out' }, n);
      this.bytes.controlPlaneOut += n;
    });
    this.dispatcher = new Dispatcher({
      channels: this.channels,
      poster,
      logger: this.logger.child('dispatcher'),
      metrics: this.metrics,
      trace: this.trace,
      maxInflight: config.controlPlane.maxInflightRequests,
      maxConcurrent: config.mcp.maxConcurrentRequests,
      connectionMaxTtlMs: config.mcp.connectionMaxTtlMs ?? DEFAULTS.connectionMaxTtlMs,
      rewriteDiscovery: (json) => this.harpoon?.rewriteDiscovery(json) ?? json,
      onTrace: (entry) => this.onTrace(entry),
    });
    this.poller = new Poller(
      this.client,
      this.dispatcher,
      this.logger.child('poller'),
      this.metrics,
      {
        onSuccess: () => {
          this.pollCycles++;
          // A poll answered as the one before it changes no state: skip the work on this hot path.
          const change = this.controlPlane.pollSucceeded(Date.now());
          if (!change) return;
          this.logger.info(change === 'recovered' ? 'control plane reachable again' : 'control plane answered the first poll');
          this.updateState();
        },
        onError: (error, retryInMs) => this.onPollError(error, retryInMs),
      },
      options.poller,
    );
  }

  /**
   * Starts channels, fetches tunnel metadata, binds health and begins polling.
   * Resolves once polling has begun, or once it waits for the MCP server
   * (`mcp.startupWaitMs`).
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('engine already started');
    this.started = true;
    this.updateState();
    const cp = this.config.controlPlane;
    if (this.config.health) {
      this.health = new HealthServer(this.config.health.listenAddr, () => this.readiness(), this.metrics.registry, this.logger.child('health'), this.config.health.urlFile, this.config.health.setting, this.options.healthRoutes);
      await this.health.start();
    }
    this.harpoon?.start();
    for (const channel of this.channels.values()) {
      if (channel === this.harpoon?.channel) continue;
      channel.start().catch((err: Error) => this.logger.error(`MCP channel "${channel.name}" failed to start: ${err.message}`));
    }
    const mayPoll = this.mcp.start(this.config.mcp.targets, this.config.mcp.startupWaitMs ?? 0);
    this.oauth?.start(mayPoll);
    try {
      const meta = await this.client.getMetadata(this.pollAbort.signal);
      this.tunnelName = typeof meta.name === 'string' ? meta.name : undefined;
      this.tunnelDescription = typeof meta.description === 'string' && meta.description !== '' ? meta.description : undefined;
      this.logger.info('connected to the control plane', { tunnel_id: cp.tunnelId, tunnel_name: this.tunnelName ?? '', client_instance_id: this.client.instanceId });
    } catch (err) {
      if (err instanceof ControlPlaneError && (err.kind === 'auth' || err.kind === 'not_found')) {
        this.onPollError(err, 0);
      } else if (!this.pollAbort.signal.aborted) {
        this.logger.warn(`could not fetch tunnel metadata: ${(err as Error).message}; polling anyway`);
      }
    }
    this.pollLoop = mayPoll.then(() => this.poller.run(this.pollAbort.signal));
    if (this.options.metricsIntervalMs) {
      this.metricsTimer = setInterval(() => this.emit('metrics', this.snapshot()), this.options.metricsIntervalMs);
      this.metricsTimer.unref();
    }
    this.updateState();
  }

  /** Resolves the first time the tunnel is ready. */
  whenReady(): Promise<void> {
    if (this.lastState === 'ready') return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /**
   * Resolves the first time the tunnel is ready, or as soon as an MCP server
   * could not be started at all (a command that is not found or not
   * executable): then `ready` is false and `reason` says why. A command-line
   * host uses it to fail fast instead of waiting for a readiness that cannot
   * come.
   */
  whenReadyOrFailed(): Promise<Readiness> {
    const failed = this.unstartable();
    if (this.lastState === 'ready') return Promise.resolve({ ready: true, reason: 'ready' });
    if (failed) return Promise.resolve(failed);
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  /** The first MCP server that could not be started, as a not-ready readiness. */
  private unstartable(): Readiness | undefined {
    const crashed = this.channelStatuses().find((s) => s.state === 'crashed');
    return crashed ? { ready: false, reason: `MCP server "${crashed.channel}" could not be started: ${crashed.reason ?? 'unknown error'}` } : undefined;
  }

  get healthUrl(): string | undefined {
    return this.health?.url;
  }

  setLogLevel(level: LogLevel): void {
    this.logger.setLevel(level);
    this.logger.info(`log level set to ${level}`);
  }

  setCapturePayloads(on: boolean): void {
    this.trace.capturePayloads = on;
  }

  /**
   * Runs one JSON-RPC message on an MCP channel directly, for a person calling
   * tools by hand (the dashboard): no control plane, no dispatcher queue. The
   * call is traced with origin 'local' but left out of the command metrics,
   * which describe what remote agents get. Rejects only when there is no
   * answer at all (no channel, timeout, stop).
   */
  async callLocal(message: JsonRpcMessage, headers: Headers = {}, timeoutMs = LOCAL_CALL_TIMEOUT_MS): Promise<LocalCallResult> {
    const channel = this.channels.get('main') ?? this.channels.values().next().value;
    if (!channel) throw new Error('this tunnel has no MCP server');
    if (!this.started || this.stopped) throw new Error('the tunnel is not running');
    const signal = AbortSignal.any([this.pollAbort.signal, AbortSignal.timeout(timeoutMs)]);
    const capture = this.trace.capturePayloads;
    const notifications: unknown[] = [];
    let count = 0;
    const receivedAt = Date.now();
    const began = performance.now();
    let outcome: McpOutcome | undefined;
    let result: TraceOutcome;
    let problem: Error | undefined;
    const meter = { sent: 0, received: 0 };
    try {
      outcome = await channel.call({
        message,
        headers,
        signal,
        meter,
        onNotify: (m) => {
          count++;
          if (capture) notifications.push(m);
        },
      });
      result = outcome.kind === 'response' ? answerOutcome(outcome.json) : 'ok';
    } catch (err) {
      if (signal.aborted || err instanceof DeadlineExceededError) {
        const stopped = this.pollAbort.signal.aborted;
        result = stopped ? 'cancelled' : 'expired';
        problem = new Error(stopped ? 'the tunnel stopped before the MCP server answered' : `the MCP server did not answer within ${Math.round(timeoutMs / 1000)} s`);
      } else {
        const failure = err instanceof TunnelFailureError ? err : new TunnelFailureError('client_internal', { kind: 'unknown' });
        const { resp_json, resp_code } = synthesizeFailure(isRequest(message) ? message.id : null, failure.failure);
        outcome = { kind: 'response', json: resp_json, status: resp_code, headers: {} };
        result = 'failure';
      }
    }
    const mcpMs = performance.now() - began;
    const seq = this.trace.nextSeq();
    const entry = describeExchange({
      seq,
      origin: 'local',
      requestId: `local-${seq}`,
      channel: channel.name,
      commandType: 'jsonrpc',
      receivedAt,
      message: message as unknown as Record<string, unknown>,
      headers,
      phases: { queuedMs: 0, mcpMs, postMs: 0 },
      durationMs: mcpMs,
      outcome: result,
      respCode: outcome?.status,
      respHeaders: outcome?.headers,
      response: outcome?.kind === 'response' ? outcome.json : undefined,
      meter,
      notifications: count,
      captured: capture ? { notifications } : undefined,
    });
    this.emit('trace', this.trace.add(entry));
    if (problem || !outcome) throw problem ?? new Error('no answer');
    return { outcome, traceSeq: seq };
  }

  /**
   * Graceful stop within `stopTimeoutMs`: stop polling, let running commands
   * finish, answer the rest as failures, close the MCP servers (whole process
   * groups), then cancel whatever is left.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const budget = this.options.stopTimeoutMs ?? 5000;
    const began = Date.now();
    const left = () => Math.max(0, budget - (Date.now() - began));
    this.pollAbort.abort();
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    await this.dispatcher.drain(Math.min(1500, left() * 0.3));
    this.dispatcher.beginStop();
    await Promise.allSettled([...this.channels.values()].map((c) => c.close()));
    await this.harpoon?.close();
    await this.dispatcher.drain(Math.min(1000, left() - 200));
    this.dispatcher.abortAll();
    await this.pollLoop?.catch(() => undefined);
    await this.health?.close();
    await this.client.close();
    this.updateState();
    this.logger.info('tunnel stopped');
  }

  status(): EngineStatus {
    const { state, reason } = this.deriveState();
    return {
      state,
      reason,
      tunnelId: this.config.controlPlane.tunnelId,
      tunnelName: this.tunnelName,
      tunnelDescription: this.tunnelDescription,
      controlPlane: safeOrigin(this.config.controlPlane.baseUrl),
      healthUrl: this.health?.url,
      ...this.controlPlane.statusFields(),
      channels: this.channelStatuses(),
      ...(this.oauth ? { oauth: this.oauth.status() } : {}),
    };
  }

  snapshot(): MetricsSnapshot {
    return {
      time: Date.now(),
      commands: { ...this.commandCounts },
      inFlight: this.dispatcher.inFlight,
      queued: this.dispatcher.queued,
      running: this.dispatcher.running,
      queueCapacity: this.config.controlPlane.maxInflightRequests,
      workers: this.config.mcp.maxConcurrentRequests,
      latencyMs: this.latency.percentiles(),
      bytes: { ...this.bytes },
      pollCycles: this.pollCycles,
      mcpRestarts: this.restarts,
      lastPollAt: this.controlPlane.lastSuccessAt,
    };
  }

  readiness(): Readiness {
    const { state, reason } = this.deriveState();
    return { ready: state === 'ready', reason };
  }

  private serverInfo(): string {
    return serverInfoHeader([...this.channels.values()].map((c) => ({ name: c.name, procAffinity: c.procAffinity })));
  }

  private channelStatuses(): ChannelStatusEntry[] {
    return [...this.channels.entries()].map(([channel, c]) => ({ channel, ...c.status() }));
  }

  private onTrace(entry: TraceEntry): void {
    this.commandCounts[entry.outcome] = (this.commandCounts[entry.outcome] ?? 0) + 1;
    if (entry.outcome !== 'expired' && entry.outcome !== 'cancelled') this.latency.add(entry.durationMs);
    this.emit('trace', entry);
  }

  private onPollError(error: ControlPlaneError, retryInMs: number): void {
    this.controlPlane.pollFailed(error, retryInMs, Date.now());
    this.updateState();
  }

  private deriveState(): { state: EngineState; reason: string } {
    if (!this.started || this.stopped) return { state: 'stopped', reason: 'tunnel is stopped' };
    const polled = this.controlPlane.everPolled;
    if (this.controlPlane.authProblem) return { state: 'auth_error', reason: `auth error: ${this.controlPlane.authProblem}` };
    const statuses = this.channelStatuses();
    const restarting = statuses.find((s) => s.state === 'restarting');
    if (restarting) {
      // The channel's reason already names the attempt ("exited with code 1; restart attempt 2 in 500 ms; last stderr: …").
      const why = restarting.reason ? `: ${restarting.reason}` : restarting.attempt ? ` (attempt ${restarting.attempt})` : '';
      return { state: 'restarting', reason: `MCP server "${restarting.channel}" restarting${why}` };
    }
    const crashed = statuses.find((s) => s.state === 'crashed' || s.state === 'stopped');
    if (crashed) {
      const what = crashed.state === 'crashed' ? 'crashed' : 'not started';
      return { state: polled ? 'degraded' : 'starting', reason: `MCP server "${crashed.channel}" ${what}${crashed.reason ? `: ${crashed.reason}` : ''}` };
    }
    const mcp = this.mcp.view();
    if (mcp.kind === 'waiting') return { state: 'starting', reason: mcp.reason };
    if (mcp.kind === 'failed') return { state: polled ? 'degraded' : 'starting', reason: mcp.reason };
    // A failed OAuth discovery blocks readiness only for a server that asks for a token: a connector could not sign in.
    const oauth = this.oauth?.view() ?? { kind: 'none' };
    const needsAuth = mcp.kind === 'ok' && mcp.note !== undefined;
    if (oauth.kind === 'failed' && needsAuth) return { state: polled ? 'degraded' : 'starting', reason: oauth.reason };
    const failing = this.controlPlane.failing;
    if (failing) return { state: polled ? 'degraded' : 'starting', reason: failing };
    if (!polled) return { state: 'starting', reason: 'waiting for the control plane to answer a poll' };
    const starting = statuses.find((s) => s.state === 'starting');
    if (starting) return { state: 'starting', reason: `MCP server "${starting.channel}" starting` };
    if (mcp.kind === 'probing') return { state: 'starting', reason: mcp.reason };
    if (oauth.kind === 'pending') return { state: 'starting', reason: 'oauth discovery pending' };
    // A server that wants no token is usable whatever its metadata says; the status still shows the failure.
    return { state: 'ready', reason: mcp.note ? `ready (${mcp.note})` : 'ready' };
  }

  private updateState(): void {
    if (this.oauth && this.started && !this.stopped && this.mcp.view().kind === 'ok') this.oauth.serverAnswered();
    const { state, reason } = this.deriveState();
    this.metrics.readiness.set(state === 'ready' ? 1 : 0);
    for (const s of this.channelStatuses()) {
      const seen = this.restartsSeen.get(s.channel) ?? 0;
      if (s.restarts > seen) {
        this.metrics.mcpRestarts.inc({ channel: s.channel }, s.restarts - seen);
        this.restarts += s.restarts - seen;
        this.restartsSeen.set(s.channel, s.restarts);
      }
      if (s.sessions !== undefined) this.metrics.stdioSessions.set({ channel: s.channel }, s.sessions);
      if (s.children !== undefined) this.metrics.stdioChildren.set({ channel: s.channel }, s.children);
      for (const [reason, count] of [['lru', s.evictions], ['idle', s.idleClosed]] as const) {
        if (count === undefined) continue;
        const key = `${s.channel}\u0000${reason}`;
        const seen = this.closedSeen.get(key) ?? 0;
        if (count > seen) this.metrics.stdioSessionsClosed.inc({ channel: s.channel, reason }, count - seen);
        this.closedSeen.set(key, count);
      }
    }
    if (state === this.lastState && reason === this.lastReason) return;
    this.lastState = state;
    this.lastReason = reason;
    if (state === 'ready') {
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      for (const w of waiters) w();
    }
    const settled = state === 'ready' ? { ready: true, reason } : this.settleWaiters.length > 0 ? this.unstartable() : undefined;
    if (settled) {
      const waiters = this.settleWaiters;
      this.settleWaiters = [];
      for (const w of waiters) w(settled);
    }
    this.emit('state', this.status());
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
