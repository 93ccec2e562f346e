/**
 * The host side of the dashboard app when `mcp-tunnel run` serves it at /ui:
 * what the editor's dashboard panel does for one profile, for the engine of
 * this process. It batches what the engine reports (health, metrics, trace,
 * logs, MCP server stderr) into one 'update' about once a second for every
 * connected tab, answers a tab's requests (snapshot, trace details, log
 * level) and runs the tool runner's calls over the engine's direct path,
 * traced with origin 'local' (made from the UI, not by a remote agent).
 * Start/Stop are not offered: the process is the tunnel.
 */
import type { TunnelEngine } from '../engine/engine';
import type { MetricsSnapshot } from '../engine/events';
import type { LogLevel, LogRecord } from '../engine/log';
import { healthTone, localEntry, runDashboardRequest, type DashboardAnswer } from '../host/dashboardRequests';
import { LocalMcpClient } from '../host/mcpClient';
import { TraceKeys, traceExport } from '../host/traceRows';
import { CLIENT_VERSION } from '../version';
import type { HealthView, HostMessage, McpRequest, TraceRow, WebviewMessage } from '../../webview/protocol';
import type { LogRing } from './logRing';

const FLUSH_MS = 1000;
const METRICS_KEEP = 300;
const STDERR_KEEP = 100;

/** One open /api/events stream. */
export interface DashboardClient {
  send(message: HostMessage): void;
}

export class DaemonDashboard {
  private readonly keys = new TraceKeys();
  private readonly metrics: MetricsSnapshot[] = [];
  private readonly stderr: string[] = [];
  private readonly clients = new Map<string, DashboardClient>();
  /** Clients that said 'ready': only they get updates. */
  private readonly ready = new Set<string>();
  private pending = { trace: [] as TraceRow[], metrics: [] as MetricsSnapshot[], logs: [] as LogRecord[], health: false };
  private readonly client: LocalMcpClient;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly engine: TunnelEngine,
    private readonly logs: LogRing,
    private readonly profile: string,
  ) {
    for (const entry of engine.trace.list()) this.keys.keyOf(entry);
    this.client = new LocalMcpClient((message, headers) => engine.callLocal(message, headers), { name: 'mcp-tunnel-web-ui', version: CLIENT_VERSION });
    engine.on('trace', (entry) => {
      this.keys.keyOf(entry);
      if (this.ready.size) this.pending.trace.push(this.keys.rowOf(entry));
    });
    engine.on('state', () => {
      this.pending.health = true;
    });
    engine.on('mcpStderr', (channel, line) => {
      this.stderr.push(channel === 'main' ? line : `[${channel}] ${line}`);
      if (this.stderr.length > STDERR_KEEP) this.stderr.shift();
      this.pending.health = true;
    });
    this.unsubscribe = logs.subscribe((record) => {
      if (this.ready.size) this.pending.logs.push(record);
    });
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  connect(id: string, client: DashboardClient): void {
    this.clients.set(id, client);
  }

  disconnect(id: string): void {
    this.clients.delete(id);
    this.ready.delete(id);
  }

  get connected(): number {
    return this.clients.size;
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
    this.clients.clear();
    this.ready.clear();
  }

  /** A log level change, from /api/log-level or a tab: every tab shows it. */
  setLogLevel(level: LogLevel): void {
    const previous = this.engine.logger.level;
    if (level !== previous) this.engine.setLogLevel(level);
    // At the new level, so a switch to debug shows its first debug line at once.
    this.engine.logger.child('web-ui').log(level, 'runtime log level updated', { previous_level: previous, new_level: level });
    this.broadcast({ type: 'logLevel', level: this.engine.logger.level });
  }

  /** One message of a tab; `false` when that tab has no open event stream. */
  async handle(id: string, message: WebviewMessage): Promise<boolean> {
    const client = this.clients.get(id);
    if (!client) return false;
    switch (message.type) {
      case 'ready':
        this.ready.add(id);
        client.send(this.snapshot());
        break;
      case 'selectTrace':
        client.send({ type: 'traceDetail', key: message.key, entry: this.keys.find(this.engine.trace.list(), message.key) });
        break;
      case 'clearTrace':
        this.engine.trace.clear();
        this.keys.clear();
        this.pending.trace = [];
        break;
      case 'mcp':
        client.send(this.answer(message.reqId, await this.run(message.request)));
        break;
      case 'setLogLevel':
        this.setLogLevel(message.level);
        break;
      case 'exportTrace':
      case 'exportLogs':
      case 'copyCurl':
      case 'copyEndpoint':
      case 'tunnel':
        // Downloads go through /api/trace/export and /api/logs/export (the browser saves them); the
        // loopback front door's copy buttons and Start/Stop have no counterpart here, and the app does not show them.
        this.engine.logger.child('web-ui').debug(`web UI: "${message.type}" is not available outside the editor`);
        break;
    }
    return true;
  }

  /** The trace table's "Export as JSON" for the rows with these keys. */
  traceExport(keys: readonly number[]): { fileName: string; text: string; count: number } {
    return traceExport(this.profile, this.engine.trace.list(), this.keys, keys);
  }

  private async run(request: McpRequest): Promise<DashboardAnswer> {
    if (this.engine.status().state === 'stopped') return { error: 'The tunnel is stopping: no more calls.' };
    return runDashboardRequest(this.client, request, (key) => this.keys.find(this.engine.trace.list(), key));
  }

  private answer(reqId: number, fields: DashboardAnswer): HostMessage {
    const entry = fields.traceSeq === undefined ? undefined : localEntry(this.engine.trace.list(), fields.traceSeq);
    return { type: 'mcpResult', reqId, result: fields.result, error: fields.error, traceKey: entry && this.keys.keyOf(entry) };
  }

  private broadcast(message: HostMessage): void {
    for (const id of this.ready) this.clients.get(id)?.send(message);
  }

  private sampleMetrics(): void {
    const snapshot = this.engine.snapshot();
    const last = this.metrics[this.metrics.length - 1];
    if (last && last.time >= snapshot.time) return;
    if (last?.lastPollAt !== snapshot.lastPollAt) this.pending.health = true;
    this.metrics.push(snapshot);
    if (this.metrics.length > METRICS_KEEP) this.metrics.splice(0, this.metrics.length - METRICS_KEEP);
    if (this.ready.size) this.pending.metrics.push(snapshot);
  }

  private flush(): void {
    this.sampleMetrics();
    if (!this.ready.size) {
      this.pending = { trace: [], metrics: [], logs: [], health: false };
      return;
    }
    const { trace, metrics, logs, health } = this.pending;
    if (!health && !trace.length && !metrics.length && !logs.length) return;
    this.pending = { trace: [], metrics: [], logs: [], health: false };
    this.broadcast({ type: 'update', health: health ? this.health() : undefined, trace, metrics, logs });
  }

  private snapshot(): HostMessage {
    if (!this.metrics.length) this.sampleMetrics();
    return {
      type: 'snapshot',
      profile: this.profile,
      health: this.health(),
      metrics: [...this.metrics],
      trace: this.engine.trace
        .list()
        .filter((e) => this.keys.visible(e))
        .map((e) => this.keys.rowOf(e)),
      logs: this.logs.query(),
      logLevel: this.engine.logger.level,
      maxEntries: this.engine.config.trace.maxEntries,
      tunnelControls: false,
    };
  }

  private health(): HealthView {
    const status = this.engine.status();
    return {
      state: status.state,
      tone: healthTone(status.state),
      reason: status.state === 'ready' ? undefined : status.reason,
      running: status.state !== 'stopped',
      status,
      workerPid: process.pid,
      stderr: [...this.stderr],
      capturePayloads: this.engine.trace.capturePayloads,
    };
  }
}
