/**
 * Running tunnels: one supervised worker process per profile. The extension
 * host never runs engine code; it only forwards configuration and shows what
 * the workers report.
 */
import * as vscode from 'vscode';
import type { EngineStatus, MetricsSnapshot } from '../engine/events';
import { escapeControl, formatLogFields, type LogLevel, type LogRecord } from '../engine/log';
import type { TraceEntry } from '../engine/trace';
import type { EngineConfig } from '../engine/config';
import type { McpOutcome } from '../engine/mcp/channel';
import type { JsonRpcMessage } from '../protocol/jsonrpc';
import type { Headers } from '../protocol/wire';
import { WorkerHost } from '../host/workerHost';

export type TunnelPhase = 'starting' | 'running' | 'restarting' | 'stopped' | 'crashed';

/** What the tree, status bar and dashboard show for a profile. */
export interface TunnelView {
  name: string;
  phase: TunnelPhase;
  status?: EngineStatus;
  metrics?: MetricsSnapshot;
  /** Last problem: a worker crash, a fatal start error, or the engine's reason. */
  lastError?: string;
  pid?: number;
}

export type TunnelChange = { name: string; kind: 'lifecycle' | 'state' | 'metrics' };

/** Lines of MCP server stderr kept per profile for the dashboard, also after the tunnel stops. */
const STDERR_KEEP = 200;

export interface StderrTail {
  lines: string[];
  /** Lines seen since the tunnel last started; tells a reader what is new. */
  total: number;
}

/** Restart attempts of an MCP server that has not answered since it started, before the user is told. */
const CRASH_LOOP_ATTEMPTS = 3;

/**
 * A profile's trace, kept by the manager rather than by the running tunnel,
 * so it outlives a Stop or a crash (what happened before is what a user
 * wants to read then): dropped only by Clear or when the profile is removed.
 */
interface TraceHistory {
  entries: TraceEntry[];
  /** The last run's `trace.maxEntries`. */
  keep: number;
}

class Tunnel {
  view: TunnelView;
  /** The user was told this run's MCP server keeps exiting (once per run). */
  crashLoopShown = false;

  constructor(
    readonly name: string,
    readonly host: WorkerHost,
    readonly config: EngineConfig,
  ) {
    this.view = { name, phase: 'starting' };
  }
}

export class TunnelManager implements vscode.Disposable {
  private readonly tunnels = new Map<string, Tunnel>();
  private readonly changes = new vscode.EventEmitter<TunnelChange>();
  readonly onDidChange = this.changes.event;
  private readonly traceEvents = new vscode.EventEmitter<{ name: string; entry: TraceEntry }>();
  readonly onDidTrace = this.traceEvents.event;
  private readonly serverOutputs = new Map<string, vscode.OutputChannel>();
  private readonly logs: (LogRecord & { profile: string })[] = [];
  private readonly logEvents = new vscode.EventEmitter<LogRecord & { profile: string }>();
  readonly onDidLog = this.logEvents.event;
  private readonly stderrTails = new Map<string, StderrTail>();
  private readonly histories = new Map<string, TraceHistory>();

  constructor(
    private readonly workerPath: string,
    private readonly log: vscode.LogOutputChannel,
    private logLevel: LogLevel,
  ) {}

  get(name: string): TunnelView | undefined {
    return this.tunnels.get(name)?.view;
  }

  /** The profile's trace: of its current run and earlier ones, also while it is stopped, until cleared. */
  traces(name: string): readonly TraceEntry[] {
    return this.histories.get(name)?.entries ?? [];
  }

  /** Empties the profile's trace (the dashboard's Clear). */
  clearTrace(name: string): void {
    const history = this.histories.get(name);
    if (history) history.entries.length = 0;
  }

  /** Everything kept about a profile that no longer exists: its trace, its server's stderr and output channel. */
  forget(name: string): void {
    this.histories.delete(name);
    this.stderrTails.delete(name);
    this.serverOutputs.get(name)?.dispose();
    this.serverOutputs.delete(name);
  }

  /** What is kept about a stopped profile, under its new name. */
  rename(from: string, to: string): void {
    if (this.tunnels.has(from)) throw new Error(`tunnel "${from}" is running: stop it before renaming`);
    const history = this.histories.get(from);
    const tail = this.stderrTails.get(from);
    this.forget(to);
    this.forget(from);
    if (history) this.histories.set(to, history);
    if (tail) this.stderrTails.set(to, tail);
  }

  /** Whether the running tunnel keeps JSON-RPC payloads in its trace. */
  capturesPayloads(name: string): boolean {
    return this.tunnels.get(name)?.config.trace.capturePayloads ?? false;
  }

  /** The last lines the profile's MCP server wrote to stderr. */
  stderrTail(name: string): StderrTail {
    return this.stderrTails.get(name) ?? { lines: [], total: 0 };
  }

  /** Runs a JSON-RPC message on the profile's MCP server directly (the dashboard's tool runner); traced with origin 'local'. */
  call(name: string, message: JsonRpcMessage, headers: Headers = {}): Promise<{ outcome: McpOutcome; traceSeq: number }> {
    const tunnel = this.tunnels.get(name);
    if (!tunnel) return Promise.reject(new Error(`tunnel "${name}" is not running: start it first`));
    return tunnel.host.call(message, headers);
  }

  isRunning(name: string): boolean {
    return this.tunnels.has(name);
  }

  runningNames(): string[] {
    return [...this.tunnels.keys()];
  }

  serverOutput(name: string): vscode.OutputChannel {
    let channel = this.serverOutputs.get(name);
    if (!channel) {
      channel = vscode.window.createOutputChannel(`MCP Tunnel: ${name} (server)`);
      this.serverOutputs.set(name, channel);
    }
    return channel;
  }

  /** Starts a worker for the profile; resolves once the worker has started the engine. */
  async start(name: string, config: EngineConfig, token?: vscode.CancellationToken): Promise<void> {
    if (this.tunnels.has(name)) return;
    const host = new WorkerHost({ workerPath: this.workerPath, config, metricsIntervalMs: 1000 });
    const tunnel = new Tunnel(name, host, config);
    this.tunnels.set(name, tunnel);
    this.stderrTails.set(name, { lines: [], total: 0 });
    const history = this.histories.get(name) ?? { entries: [], keep: config.trace.maxEntries };
    history.keep = config.trace.maxEntries;
    this.histories.set(name, history);
    this.wire(tunnel);
    this.changes.fire({ name, kind: 'lifecycle' });
    const cancelled = token?.onCancellationRequested(() => void this.stop(name));
    try {
      await host.start();
      tunnel.view.pid = host.pid;
      host.setLogLevel(this.logLevel);
    } catch (err) {
      this.tunnels.delete(name);
      await host.stop().catch(() => undefined);
      this.changes.fire({ name, kind: 'lifecycle' });
      throw err;
    } finally {
      cancelled?.dispose();
    }
  }

  async stop(name: string): Promise<void> {
    const tunnel = this.tunnels.get(name);
    if (!tunnel) return;
    this.tunnels.delete(name);
    await tunnel.host.stop();
    this.safely(() => this.log.info(`[${name}] tunnel stopped`));
    this.changes.fire({ name, kind: 'lifecycle' });
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.runningNames().map((n) => this.stop(n)));
  }

  setLogLevel(level: LogLevel): void {
    this.logLevel = level;
    for (const t of this.tunnels.values()) t.host.setLogLevel(level);
  }

  private wire(tunnel: Tunnel): void {
    const { host, name, view } = tunnel;
    host.on('state', (status: EngineStatus) => {
      view.status = status;
      view.phase = 'running';
      view.lastError = status.state === 'ready' ? undefined : status.reason;
      this.changes.fire({ name, kind: 'state' });
      this.noticeCrashLoop(tunnel, status);
    });
    host.on('metrics', (snapshot: MetricsSnapshot) => {
      view.metrics = snapshot;
      // Routine polls change no state; the time of the last one arrives with the metrics, once a second.
      if (view.status && snapshot.lastPollAt !== undefined && snapshot.lastPollAt !== view.status.lastPollAt) {
        view.status = { ...view.status, lastPollAt: snapshot.lastPollAt };
      }
      this.changes.fire({ name, kind: 'metrics' });
    });
    host.on('trace', (entry: TraceEntry) => {
      // A tunnel stopped meanwhile still reports to its own history, never to a later run's.
      const history = this.histories.get(name);
      if (!history) return;
      history.entries.push(entry);
      if (history.entries.length > history.keep) history.entries.splice(0, history.entries.length - history.keep);
      this.traceEvents.fire({ name, entry });
    });
    host.on('log', (record: LogRecord) => this.writeLog(name, record));
    host.on('mcpStderr', (channel: string, line: string) => {
      const text = channel === 'main' ? line : `[${channel}] ${line}`;
      this.safely(() => this.serverOutput(name).appendLine(text));
      const tail = this.stderrTails.get(name) ?? { lines: [], total: 0 };
      tail.lines.push(text);
      tail.total++;
      if (tail.lines.length > STDERR_KEEP) tail.lines.splice(0, tail.lines.length - STDERR_KEEP);
      this.stderrTails.set(name, tail);
    });
    host.on('workerStderr', (line: string) => this.safely(() => this.log.warn(`[${name}] worker: ${line}`)));
    host.on('restarting', (info: { attempt: number; delayMs: number; reason: string }) => {
      view.phase = 'restarting';
      view.lastError = `worker crashed (${info.reason}); restarting in ${Math.round(info.delayMs / 1000)} s, attempt ${info.attempt}`;
      this.log.error(`[${name}] ${view.lastError}`);
      this.changes.fire({ name, kind: 'lifecycle' });
    });
    host.on('gaveUp', (info: { reason: string }) => {
      view.phase = 'crashed';
      view.lastError = `worker keeps crashing, not restarting again: ${info.reason}`;
      this.log.error(`[${name}] ${view.lastError}`);
      this.changes.fire({ name, kind: 'lifecycle' });
      void vscode.window.showErrorMessage(`MCP Tunnel "${name}" stopped: ${info.reason}`, 'Show Logs', 'Run Doctor').then((action) => {
        if (action === 'Show Logs') this.log.show();
        else if (action === 'Run Doctor') void vscode.commands.executeCommand('mcpTunnel.runDoctor', name);
      });
    });
  }

  /**
   * An MCP server that keeps exiting before it ever answers would otherwise
   * only show "restarting" in the tree: say it once, with where to look.
   */
  private noticeCrashLoop(tunnel: Tunnel, status: EngineStatus): void {
    if (tunnel.crashLoopShown || status.state !== 'restarting') return;
    const looping = status.channels.find((c) => c.state === 'restarting' && (c.attempt ?? 0) >= CRASH_LOOP_ATTEMPTS);
    if (!looping) return;
    tunnel.crashLoopShown = true;
    const { name } = tunnel;
    this.log.error(`[${name}] ${status.reason}`);
    void vscode.window
      .showErrorMessage(`MCP server of "${name}" keeps exiting (${looping.reason ?? `restart attempt ${looping.attempt}`})`, 'Show MCP Server Output', 'Run Doctor')
      .then((action) => {
        if (action === 'Show MCP Server Output') void vscode.commands.executeCommand('mcpTunnel.showServerOutput', name);
        else if (action === 'Run Doctor') void vscode.commands.executeCommand('mcpTunnel.runDoctor', name);
      });
  }

  /** Recent engine log records of every tunnel (already redacted by the engine), oldest first. */
  recentLogs(): readonly (LogRecord & { profile: string })[] {
    return this.logs;
  }

  private writeLog(name: string, record: LogRecord): void {
    const entry = { ...record, profile: name };
    this.logs.push(entry);
    if (this.logs.length > 500) this.logs.splice(0, this.logs.length - 500);
    this.logEvents.fire(entry);
    const line = `[${name}] [${escapeControl(record.scope)}] ${escapeControl(record.msg)}${formatLogFields(record.fields)}`;
    this.safely(() => this.writeLine(record.level, line));
  }

  private writeLine(level: LogLevel, line: string): void {
    switch (level) {
      case 'debug':
        this.log.debug(line);
        break;
      case 'info':
        this.log.info(line);
        break;
      case 'warn':
        this.log.warn(line);
        break;
      case 'error':
        this.log.error(line);
        break;
    }
  }

  /**
   * Output channels throw once the window is closing (a reload stops the
   * tunnels while the extension host's channel is already gone); a log line
   * is not worth an error then.
   */
  private safely(write: () => void): void {
    try {
      write();
    } catch {
      // The window is going away.
    }
  }

  dispose(): void {
    void this.stopAll();
    for (const c of this.serverOutputs.values()) c.dispose();
    this.changes.dispose();
    this.traceEvents.dispose();
    this.logEvents.dispose();
  }
}
