/**
 * The data the host sends, kept for the views: health, metric series, trace
 * rows, logs, and the answers to MCP requests. Views re-render when it says so.
 */
import { MetricsSeries } from '../model/metricsSeries';
import { TraceStore } from '../model/traceFilter';
import { parseHostMessage, type HealthView, type HostMessage, type LogLevel, type LogRecord, type McpRequest, type TraceEntry } from '../protocol';
import { post } from './host';

const LOGS_KEEP = 2000;
const DETAILS_KEEP = 50;

export interface McpAnswer {
  result?: unknown;
  error?: string;
  traceKey?: number;
}

export class DashboardStore {
  profile = '';
  health: HealthView | undefined;
  logLevel: LogLevel = 'info';
  loopbackUrl: string | undefined;
  /** The host offers Start/Stop/Restart. */
  tunnelControls = true;
  /** False until the first snapshot. */
  loaded = false;
  readonly metrics = new MetricsSeries();
  readonly trace = new TraceStore();
  logs: LogRecord[] = [];
  /** Full entries fetched for the details pane: 'loading' while asked for, 'gone' when the host no longer keeps it. */
  readonly details = new Map<number, TraceEntry | 'loading' | 'gone'>();
  private readonly listeners = new Set<() => void>();
  private readonly pending = new Map<number, (answer: McpAnswer) => void>();
  private nextReq = 1;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  receive(data: unknown): void {
    const message = parseHostMessage(data);
    if (!message) {
      console.warn('MCP Tunnel dashboard: ignored a malformed message from the host');
      return;
    }
    this.apply(message);
    this.changed();
  }

  private apply(message: HostMessage): void {
    switch (message.type) {
      case 'snapshot':
        this.loaded = true;
        this.profile = message.profile;
        this.health = message.health;
        this.logLevel = message.logLevel;
        this.loopbackUrl = message.loopbackUrl;
        this.tunnelControls = message.tunnelControls !== false;
        this.metrics.reset(message.metrics);
        this.trace.setMax(message.maxEntries);
        this.trace.reset(message.trace);
        this.logs = message.logs.slice(-LOGS_KEEP);
        this.details.clear();
        return;
      case 'update':
        if (message.health) this.health = message.health;
        this.loopbackUrl = message.loopbackUrl;
        this.metrics.push(message.metrics);
        this.trace.append(message.trace);
        if (message.logs.length) {
          this.logs = this.logs.concat(message.logs);
          if (this.logs.length > LOGS_KEEP) this.logs = this.logs.slice(-LOGS_KEEP);
        }
        return;
      case 'traceDetail':
        this.details.set(message.key, message.entry ?? 'gone');
        if (this.details.size > DETAILS_KEEP) this.details.delete(this.details.keys().next().value!);
        return;
      case 'mcpResult': {
        const resolve = this.pending.get(message.reqId);
        this.pending.delete(message.reqId);
        resolve?.({ result: message.result, error: message.error, traceKey: message.traceKey });
        return;
      }
      case 'logLevel':
        this.logLevel = message.level;
        return;
    }
  }

  /** Asks for a row's full entry, unless it is here already. */
  loadDetail(key: number): void {
    if (this.details.has(key)) return;
    this.details.set(key, 'loading');
    post({ type: 'selectTrace', key });
  }

  clearTrace(): void {
    this.trace.clear();
    this.details.clear();
    post({ type: 'clearTrace' });
    this.changed();
  }

  setPaused(paused: boolean): void {
    this.trace.setPaused(paused);
    this.changed();
  }

  request(request: McpRequest): Promise<McpAnswer> {
    const reqId = this.nextReq++;
    return new Promise((resolve) => {
      this.pending.set(reqId, resolve);
      post({ type: 'mcp', reqId, request });
    });
  }
}
