/**
 * Supervises one tunnel worker process: forks it, hands it its config over
 * IPC, re-emits what it reports, restarts it when it crashes (with a cap), and
 * stops it with its whole process tree when asked. A worker stopped on purpose
 * is never restarted, and every event says which of the two happened.
 *
 * No `vscode` import: this runs under mocha and in any Node host.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { EngineConfig } from '../engine/config';
import type { EngineStatus, LogLevel, MetricsSnapshot } from '../engine/events';
import type { McpOutcome } from '../engine/mcp/channel';
import { killGroupIfOurs, killProcessTree } from '../engine/process/signals';
import { processStartTime } from '../engine/process/table';
import { redactText } from '../engine/redact';
import { within } from '../engine/timing';
import type { JsonRpcMessage } from '../protocol/jsonrpc';
import type { Headers } from '../protocol/wire';
import { IPC_VERSION, parseWorkerMessage, type HostMessage } from '../worker/ipc';
import { workerHeapFlags } from './heap';
import { configSecrets, workerEnvironment } from './workerEnv';
import type { RestartPolicy, SupervisorState, WorkerHostEvents, WorkerHostOptions } from './workerEvents';

export { workerEnvironment };
export type * from './workerEvents';

const STDERR_TAIL_LINES = 20;
const STDERR_LINE_MAX = 1000;
/** How long an exit waits for the worker's last stderr lines before it is reported. */
const STDERR_DRAIN_MS = 250;
/** After SIGKILL, how long stop() waits to see the exit. */
const KILL_WAIT_MS = 2000;

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `the tunnel worker was killed by ${signal}`;
  return `the tunnel worker exited with code ${code ?? 'unknown'}`;
}

function describeSpan(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} minutes`;
}

function withTail(reason: string, tail: readonly string[]): string {
  return tail.length === 0 ? reason : `${reason}\nLast worker output:\n${tail.join('\n')}`;
}

/** One forked worker process, from fork to handled exit. */
interface Run {
  child: ChildProcess;
  pid: number | undefined;
  startedAt?: number;
  stopRequested: boolean;
  fatal?: string;
  spawnError?: string;
  stderrTail: string[];
  /** Process groups of the MCP servers this worker reported (pgid → start time), for cleanup after a crash. */
  groups: Map<number, string>;
  ended: boolean;
  streamsClosed: Promise<void>;
  /** Resolves once the exit has been handled and reported. */
  done: Promise<void>;
  markDone: () => void;
}

interface PendingCall {
  resolve: (result: { outcome: McpOutcome; traceSeq: number }) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface StartWaiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export declare interface WorkerHost {
  on<E extends keyof WorkerHostEvents>(event: E, listener: WorkerHostEvents[E]): this;
  once<E extends keyof WorkerHostEvents>(event: E, listener: WorkerHostEvents[E]): this;
  off<E extends keyof WorkerHostEvents>(event: E, listener: WorkerHostEvents[E]): this;
  emit<E extends keyof WorkerHostEvents>(event: E, ...args: Parameters<WorkerHostEvents[E]>): boolean;
}

export class WorkerHost extends EventEmitter {
  private config: EngineConfig;
  private readonly secrets: string[];
  private readonly policy: Required<RestartPolicy>;
  private supervisor: SupervisorState = 'stopped';
  private run: Run | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private waiters: StartWaiter[] = [];
  /** Times of recent crashes, oldest first. */
  private crashes: number[] = [];
  private status: EngineStatus | undefined;
  private metrics: MetricsSnapshot | undefined;
  private health: string | undefined;
  private readonly calls = new Map<number, PendingCall>();
  private nextCallId = 0;

  constructor(private readonly options: WorkerHostOptions) {
    super();
    this.config = options.config;
    this.secrets = configSecrets(options.config);
    this.policy = {
      initialMs: options.restart?.initialMs ?? 1000,
      maxMs: options.restart?.maxMs ?? 30_000,
      maxAttempts: Math.max(1, options.restart?.maxAttempts ?? 5),
      windowMs: options.restart?.windowMs ?? 120_000,
      stableAfterMs: options.restart?.stableAfterMs ?? 60_000,
    };
  }

  /** Pid of the current worker process, if one is alive. */
  get pid(): number | undefined {
    return this.run && !this.run.ended ? this.run.pid : undefined;
  }

  /** True while a worker has reported 'started' and has not exited. */
  get running(): boolean {
    return this.supervisor === 'running';
  }

  get state(): SupervisorState {
    return this.supervisor;
  }

  /** The last EngineStatus any worker reported (kept across restarts). */
  get lastStatus(): EngineStatus | undefined {
    return this.status;
  }

  get lastMetrics(): MetricsSnapshot | undefined {
    return this.metrics;
  }

  /** Health server URL of the running worker (changes on restart when the port is 0). */
  get healthUrl(): string | undefined {
    return this.health;
  }

  /**
   * Starts supervising. Resolves when a worker reports that its engine runs
   * (after restarts, if early attempts crash); rejects with the reason when
   * the supervisor gives up first (a 'fatal' from the worker, repeated
   * crashes, a missing worker file) or when stop() is called first. The same
   * reason is also emitted as 'gaveUp'.
   */
  async start(): Promise<void> {
    if (this.stopping) await this.stopping;
    if (this.supervisor === 'running') return;
    const started = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.supervisor === 'stopped' || this.supervisor === 'crashed') {
      this.crashes = [];
      this.launch();
    }
    return started;
  }

  /**
   * Stops on purpose: asks the worker to stop its engine (which closes the
   * MCP servers), and if it has not exited within `timeoutMs`, SIGKILLs the
   * worker, its descendants and their process groups. Cancels a pending
   * restart. Never followed by a restart. Safe to call twice or when stopped.
   */
  stop(timeoutMs = 5000): Promise<void> {
    this.stopping ??= this.stopNow(timeoutMs).finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  /** Applies at once, and to workers started later (restarts use it too). */
  setLogLevel(level: LogLevel): void {
    this.config = { ...this.config, log: { ...this.config.log, level } };
    this.post({ type: 'setLogLevel', level });
  }

  setCapturePayloads(on: boolean): void {
    this.config = { ...this.config, trace: { ...this.config.trace, capturePayloads: on } };
    this.post({ type: 'setCapturePayloads', on });
  }

  /**
   * Runs a JSON-RPC message on the worker's MCP server directly (not through
   * the control plane): the dashboard's tool runner. Rejects when no worker
   * runs, when it exits first, or after `timeoutMs` (a little over the
   * engine's own limit, so the engine's answer normally comes first).
   */
  call(message: JsonRpcMessage, headers: Headers = {}, timeoutMs = 65_000): Promise<{ outcome: McpOutcome; traceSeq: number }> {
    const id = ++this.nextCallId;
    return new Promise((resolve, reject) => {
      if (this.supervisor !== 'running') return reject(new Error('the tunnel is not running'));
      const timer = setTimeout(() => this.settleCall(id, new Error('the tunnel worker did not answer')), timeoutMs);
      this.calls.set(id, { resolve, reject, timer });
      if (!this.post({ type: 'call', id, message, headers })) this.settleCall(id, new Error('the tunnel worker is not reachable'));
    });
  }

  private settleCall(id: number, error?: Error, result?: { outcome: McpOutcome; traceSeq: number }): void {
    const pending = this.calls.get(id);
    if (!pending) return;
    this.calls.delete(id);
    clearTimeout(pending.timer);
    if (result) pending.resolve(result);
    else pending.reject(error ?? new Error('no answer'));
  }

  private async stopNow(timeoutMs: number): Promise<void> {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
    this.settleWaiters(new Error('the tunnel was stopped before its worker was running'));
    const run = this.run;
    if (run && !run.ended) {
      run.stopRequested = true;
      // Without IPC, SIGTERM asks for the same graceful shutdown.
      if (!this.post({ type: 'stop' })) run.child.kill('SIGTERM');
      if (!(await within(run.done, timeoutMs))) {
        if (run.pid !== undefined) killProcessTree(run.pid);
        this.killGroups(run);
        await within(run.done, KILL_WAIT_MS);
      }
    } else if (run) {
      await run.done;
    }
    this.setState('stopped');
  }

  private launch(): void {
    this.restartTimer = undefined;
    this.setState('starting');
    const { workerPath } = this.options;
    try {
      if (!statSync(workerPath).isFile()) throw new Error('not a file');
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      this.giveUp(`the tunnel worker cannot start: ${workerPath}: ${why}. Rebuild (npm run build) or reinstall the extension.`, []);
      return;
    }
    let child: ChildProcess;
    try {
      child = fork(workerPath, [], {
        env: workerEnvironment(this.options.env ?? process.env, this.secrets),
        execArgv: [...workerHeapFlags(), ...(this.options.execArgv ?? [])],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
    } catch (err) {
      this.giveUp(`the tunnel worker cannot start: could not fork ${workerPath}: ${(err as Error).message}`, []);
      return;
    }
    let markDone!: () => void;
    const run: Run = {
      child,
      pid: child.pid,
      stopRequested: false,
      stderrTail: [],
      groups: new Map(),
      ended: false,
      streamsClosed: Promise.all([this.readLines(child.stdout, child), this.readLines(child.stderr, child)]).then(() => undefined),
      done: new Promise<void>((resolve) => (markDone = resolve)),
      markDone: () => markDone(),
    };
    this.run = run;
    child.on('message', (message) => this.onMessage(run, message));
    child.once('exit', (code, signal) => void this.onExit(run, code, signal));
    child.on('error', (err) => {
      // A failed spawn emits 'error' and no 'exit'; failed sends and kills also land here and are harmless.
      if (child.pid === undefined) {
        run.spawnError = `the tunnel worker could not be started: ${err.message}`;
        void this.onExit(run, null, null);
      }
    });
    this.post({ type: 'start', version: IPC_VERSION, config: this.config, metricsIntervalMs: this.options.metricsIntervalMs });
  }

  /** Drains a worker stream line by line so the worker never blocks on a full pipe. */
  private readLines(stream: Readable | null, child: ChildProcess): Promise<void> {
    if (!stream) return Promise.resolve();
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (raw) => {
      const run = this.run;
      const line = this.redact(raw.length > STDERR_LINE_MAX ? `${raw.slice(0, STDERR_LINE_MAX)}…` : raw);
      if (run?.child === child) {
        run.stderrTail.push(line);
        if (run.stderrTail.length > STDERR_TAIL_LINES) run.stderrTail.shift();
      }
      this.emit('workerStderr', line);
    });
    return new Promise((resolve) => lines.once('close', () => resolve()));
  }

  private onMessage(run: Run, data: unknown): void {
    const message = run === this.run ? parseWorkerMessage(data) : undefined;
    if (!message) return;
    switch (message.type) {
      case 'started':
        run.startedAt = Date.now();
        if (run.stopRequested) return;
        this.health = message.healthUrl;
        this.setState('running');
        this.emit('started', { pid: message.pid, healthUrl: message.healthUrl });
        this.settleWaiters();
        return;
      case 'state':
        this.status = message.status;
        for (const channel of message.status.channels) {
          if (channel.pid !== undefined && !run.groups.has(channel.pid)) run.groups.set(channel.pid, processStartTime(channel.pid));
        }
        this.emit('state', message.status);
        return;
      case 'trace':
        this.emit('trace', message.entry);
        return;
      case 'metrics':
        this.metrics = message.snapshot;
        this.emit('metrics', message.snapshot);
        return;
      case 'log':
        this.emit('log', message.record);
        return;
      case 'mcpStderr':
        this.emit('mcpStderr', message.channel, this.redact(message.line));
        return;
      case 'callResult':
        if ('error' in message) this.settleCall(message.id, new Error(message.error));
        else this.settleCall(message.id, undefined, { outcome: message.outcome, traceSeq: message.traceSeq });
        return;
      case 'fatal':
        run.fatal = `the tunnel worker could not start: ${this.redact(message.message)}`;
        return;
      case 'stopped':
        return;
    }
  }

  private async onExit(run: Run, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (run.ended) return;
    run.ended = true;
    const expected = run.stopRequested;
    // The lines that explain a crash are often still in the pipe.
    await within(run.streamsClosed, STDERR_DRAIN_MS);
    if (this.run === run) this.run = undefined;
    this.health = undefined;
    for (const id of [...this.calls.keys()]) this.settleCall(id, new Error('the tunnel worker exited before it answered'));
    const reason = run.fatal ?? run.spawnError ?? describeExit(code, signal);
    this.emit('exit', { pid: run.pid, code, signal, expected, reason });
    // A worker that died without cleaning up leaves its MCP servers behind, in their own groups.
    this.killGroups(run);
    const onPurpose = expected || run.stopRequested || this.stopping !== undefined;
    run.markDone();
    if (onPurpose) return;

    const tail = run.stderrTail.slice(-10);
    if (run.fatal !== undefined || run.spawnError !== undefined) {
      // The worker said it cannot go on (bad config, port in use, IPC mismatch): a restart would say it again.
      this.giveUp(withTail(reason, tail), tail);
      return;
    }
    const now = Date.now();
    if (run.startedAt !== undefined && now - run.startedAt >= this.policy.stableAfterMs) this.crashes = [];
    this.crashes = this.crashes.filter((at) => now - at < this.policy.windowMs);
    this.crashes.push(now);
    const count = this.crashes.length;
    if (count >= this.policy.maxAttempts) {
      const times = count === 1 ? 'once' : `${count} times`;
      this.giveUp(withTail(`${reason}; it crashed ${times} within ${describeSpan(this.policy.windowMs)}, so it is not restarted again`, tail), tail);
      return;
    }
    const delayMs = Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** (count - 1));
    this.restartTimer = setTimeout(() => this.launch(), delayMs);
    this.emit('restarting', { attempt: count, delayMs, reason });
    this.setState('restarting');
  }

  private giveUp(reason: string, stderrTail: string[]): void {
    this.crashes = [];
    this.emit('gaveUp', { reason, stderrTail });
    this.setState('crashed');
    this.settleWaiters(new Error(reason));
  }

  private killGroups(run: Run): void {
    for (const [pgid, startTime] of run.groups) killGroupIfOurs(pgid, startTime);
  }

  /** Sends to the current worker; false when there is none to hear it. */
  private post(message: HostMessage): boolean {
    const child = this.run?.child;
    if (!child?.connected || this.run?.ended) return false;
    try {
      // With a callback a failed send is not an 'error' event; the exit handler reports a dead worker.
      child.send(message, () => undefined);
      return true;
    } catch {
      return false;
    }
  }

  private settleWaiters(error?: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private setState(state: SupervisorState): void {
    if (this.supervisor === state) return;
    this.supervisor = state;
    this.emit('supervisorState', state);
  }

  private redact(text: string): string {
    return redactText(text, this.secrets);
  }
}
