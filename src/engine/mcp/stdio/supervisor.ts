/**
 * The child supervisor: keeps one stdio MCP server process running for the
 * channel. It spawns the child, restarts it with back-off when it dies, stops
 * it with its process group on close, and is the one place that says what
 * state the channel is in. That state is one value (`Phase`), so a child, a
 * restart timer and a crash can never be half-true at once.
 */
import { existsSync } from 'node:fs';
import type { StdioTarget } from '../../config';
import { formatMs } from '../../deadline';
import { DeadlineExceededError, TunnelFailureError } from '../../failure';
import type { Logger } from '../../log';
import type { ChannelEvents, ChannelState, ChannelStatus } from '../channel';
import { ServerProcess } from './serverProcess';

export interface SupervisorOptions {
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** A child that stayed up this long starts the back-off from scratch. */
  backoffResetAfterMs: number;
  stopGraceMs: number;
  maxMessageBytes: number;
}

export interface SupervisorHooks {
  /** A fresh child runs; the channel calls markReady(child) once it may serve. */
  spawned(child: ServerProcess): void;
  /** A line from the current child's stdout. */
  line(line: Buffer): void;
  /** The current child wrote a line over the size cap; it was dropped. */
  oversize(bytes: number, head: Buffer, tail: Buffer): void;
  /** Every call in flight fails: the child is gone, or the channel closes. */
  failCalls(makeError: () => Error): void;
  /** How many calls are in flight, for status(). */
  inFlight(): number;
  emit<E extends keyof ChannelEvents>(event: E, ...args: Parameters<ChannelEvents[E]>): void;
}

type Phase =
  /** Never started. */
  | { phase: 'idle' }
  /** Launched but not serving yet: waiting for 'spawn', then for the replayed `initialize`. */
  | { phase: 'spawning'; child: ServerProcess; shows: 'starting' | 'restarting'; reason: string | undefined }
  | { phase: 'ready'; child: ServerProcess }
  /** The child died; the next one is spawned when `timer` fires. */
  | { phase: 'backoff'; timer: NodeJS.Timeout; reason: string }
  /** The command cannot be started at all; start() tries again. */
  | { phase: 'crashed'; error: TunnelFailureError; reason: string }
  /** close() is stopping the child; the status still shows what it showed before. */
  | { phase: 'closing'; child: ServerProcess | null; shows: ChannelState; reason: string | undefined; done: Promise<void> }
  | { phase: 'closed' };

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

const channelClosed = () => new TunnelFailureError('transport_closed', { kind: 'connection_closed', message: 'MCP channel closed' });

export class Supervisor {
  private phase: Phase = { phase: 'idle' };
  private restarts = 0;
  private attempt = 0;
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly target: StdioTarget,
    private readonly options: SupervisorOptions,
    private readonly hooks: SupervisorHooks,
    private readonly logger: Logger,
  ) {}

  /** The child that belongs to the channel now (running, starting, or being stopped by close()). */
  get child(): ServerProcess | null {
    const p = this.phase;
    return p.phase === 'spawning' || p.phase === 'ready' || p.phase === 'closing' ? p.child : null;
  }

  get closed(): boolean {
    return this.phase.phase === 'closing' || this.phase.phase === 'closed';
  }

  /** The child when the channel is ready, else null. */
  readyChild(): ServerProcess | null {
    return this.phase.phase === 'ready' ? this.phase.child : null;
  }

  /** True while `child` is the channel's, its end not handled, and the channel open. */
  serves(child: ServerProcess): boolean {
    return this.child === child && child.fate !== 'ended' && !this.closed;
  }

  status(): ChannelStatus {
    const { state, reason } = this.shown();
    const child = this.child;
    const s: ChannelStatus = { kind: 'stdio', state, restarts: this.restarts, inFlight: this.hooks.inFlight() };
    if (child?.pid !== undefined && child.spawned && !child.exited) s.pid = child.pid;
    if (state === 'restarting') s.attempt = this.attempt;
    if (reason !== undefined) s.reason = reason;
    if (child?.spawned) s.startedAt = child.startedAt;
    return s;
  }

  /**
   * Starts the child and resolves once it runs, or once it could not be
   * started at all (state 'crashed', see status().reason): a bad command is
   * an operator problem reported through status, not an exception.
   * From 'crashed', start() tries again.
   */
  async start(): Promise<void> {
    if (this.closed) throw new Error(`MCP channel "${this.target.channel}" is closed; create a new channel to start it again`);
    if (this.phase.phase === 'idle' || this.phase.phase === 'crashed') {
      this.attempt = 0;
      this.spawn('starting', undefined);
    }
    try {
      await this.whenReady(undefined);
    } catch {
      // Reported through status().
    }
  }

  /** The running child once ready; calls made while (re)starting wait here, bounded by `signal`. */
  async acquire(signal: AbortSignal): Promise<ServerProcess> {
    await this.whenReady(signal);
    const child = this.child;
    if (!child || child.fate === 'ended') throw new TunnelFailureError('transport_closed', { kind: 'eof', message: 'MCP server exited' });
    return child;
  }

  /** The channel may use `child` now (it is spawned, and initialized as before if it must be). */
  markReady(child: ServerProcess): void {
    if (this.closed || this.child !== child) return;
    this.enter({ phase: 'ready', child });
  }

  /** Kills a child on purpose (a timed-out initialize, a failed ping); it is then restarted like a crash. */
  restart(child: ServerProcess, how: string): void {
    child.kill();
    this.childEnded(child, how);
  }

  close(): Promise<void> {
    const p = this.phase;
    if (p.phase === 'closing') return p.done;
    if (p.phase === 'closed') return Promise.resolve();
    if (p.phase === 'backoff') clearTimeout(p.timer);
    const { state, reason } = this.shown();
    const child = this.child;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    this.phase = { phase: 'closing', child, shows: state, reason, done };
    this.hooks.failCalls(channelClosed);
    for (const waiter of this.waiters) waiter.reject(channelClosed());
    this.waiters.clear();
    void (async () => {
      if (child) await child.stop(this.options.stopGraceMs);
      this.enter({ phase: 'closed' });
      finish();
    })();
    return done;
  }

  private shown(): { state: ChannelState; reason: string | undefined } {
    const p = this.phase;
    switch (p.phase) {
      case 'idle':
      case 'closed':
        return { state: 'stopped', reason: undefined };
      case 'ready':
        return { state: 'ready', reason: undefined };
      case 'backoff':
        return { state: 'restarting', reason: p.reason };
      case 'crashed':
        return { state: 'crashed', reason: p.reason };
      case 'spawning':
      case 'closing':
        return { state: p.shows, reason: p.reason };
    }
  }

  private enter(next: Phase): void {
    this.phase = next;
    if (next.phase === 'ready') {
      for (const waiter of this.waiters) waiter.resolve();
      this.waiters.clear();
    } else if (next.phase === 'crashed') {
      for (const waiter of this.waiters) waiter.reject(next.error);
      this.waiters.clear();
    }
    this.hooks.emit('status', this.status());
  }

  /** Waits (bounded by `signal`) until a child is running and initialized as before. */
  private whenReady(signal: AbortSignal | undefined): Promise<void> {
    const p = this.phase;
    if (this.closed) return Promise.reject(channelClosed());
    if (p.phase === 'ready') return Promise.resolve();
    if (p.phase === 'crashed') return Promise.reject(p.error);
    if (p.phase === 'idle') this.spawn('starting', undefined);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        this.waiters.delete(waiter);
        reject(new DeadlineExceededError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  private spawn(shows: 'starting' | 'restarting', reason: string | undefined): void {
    const announce = this.shown().state !== shows;
    const child: ServerProcess = new ServerProcess(
      this.target,
      this.options.maxMessageBytes,
      {
        spawned: () => {
          if (!this.closed && this.child === child) this.hooks.spawned(child);
        },
        spawnFailed: (err) => {
          if (this.child === child) this.spawnFailed(err);
        },
        ended: (how) => this.childEnded(child, how),
        line: (line) => {
          if (this.child === child) this.hooks.line(line);
        },
        oversize: (bytes, head, tail) => {
          if (this.child === child) this.hooks.oversize(bytes, head, tail);
        },
        stderr: (line) => this.hooks.emit('stderr', line),
        bytes: (direction, count) => this.hooks.emit('bytes', direction, count),
      },
      this.logger,
    );
    this.phase = { phase: 'spawning', child, shows, reason };
    if (announce) this.hooks.emit('status', this.status());
    child.launch();
  }

  private spawnFailed(err: unknown): void {
    const reason = this.whyNotStarted(err);
    this.logger.error(`MCP server ${reason}`, { channel: this.target.channel });
    const error = new TunnelFailureError('connect', { kind: 'dial', message: `MCP server ${reason}` });
    this.hooks.failCalls(() => error);
    const p = this.phase;
    // close() was waiting for this launch: the status says why until the close ends.
    if (p.phase === 'closing') this.enter({ ...p, child: null, shows: 'crashed', reason });
    else this.enter({ phase: 'crashed', error, reason });
  }

  private whyNotStarted(err: unknown): string {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const command = this.target.argv[0];
    const cwd = this.target.cwd;
    if (!command) return 'command is empty: set the MCP command to the server executable and its arguments';
    if (code === 'ENOENT' && cwd && !existsSync(cwd)) return `working directory "${cwd}" does not exist: check the MCP server's cwd setting`;
    if (code === 'ENOENT') return `command "${command}" not found: check the MCP command setting and that it is on PATH`;
    if (code === 'EACCES') return `command "${command}" is not executable: check the MCP command setting and the file's permissions`;
    return `command "${command}" could not be started (${code ?? 'unknown error'}): check the MCP command setting`;
  }

  /** The child ended on its own, or stopped reading: fail its calls and restart it. */
  private childEnded(child: ServerProcess, how: string): void {
    if (!child.finish()) return;
    if (this.child !== child || this.closed) return;
    this.hooks.failCalls(() => new TunnelFailureError('transport_closed', { kind: 'eof', message: `MCP server ${how}` }));
    // Back-off grows only for children that die before they ever worked (answered
    // a request, or took the replayed initialize), or within moments of starting.
    const { backoffInitialMs, backoffMaxMs, backoffResetAfterMs } = this.options;
    const upFor = Date.now() - child.startedAt;
    this.attempt = child.answered || upFor >= backoffResetAfterMs ? 1 : this.attempt + 1;
    const wait = Math.min(backoffMaxMs, backoffInitialMs * 2 ** Math.min(this.attempt - 1, 30));
    this.logger.warn(`MCP server ${how}; restarting`, { channel: this.target.channel, pid: child.pid, attempt: this.attempt, delayMs: wait });
    // A child that died before it ever answered usually said why on stderr: show the last of it.
    const said = !child.answered && child.stderrTail.length > 0 ? `; last stderr: ${child.stderrTail.join(' | ')}` : '';
    const reason = `${how}; restart attempt ${this.attempt} in ${formatMs(wait)}${said}`;
    const timer = setTimeout(() => {
      if (this.phase.phase !== 'backoff') return;
      this.restarts++;
      this.spawn('restarting', reason);
    }, wait);
    this.enter({ phase: 'backoff', timer, reason });
  }
}
