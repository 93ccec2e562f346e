/**
 * A stdio MCP server: one child process per channel, shared by every remote
 * session and every concurrent command.
 *
 * The reference daemon runs one request at a time over the pipes. Here many
 * calls are in flight at once: each request's id is rewritten to a local id
 * that is unique for the channel's life (a counter that never resets, not even
 * across restarts), and restored in the answer. Because local ids are never
 * reused, the late answer to a cancelled request can never be mistaken for
 * someone else's.
 *
 * Sharing one child between remote sessions also means one MCP session for all
 * of them: the first `initialize` goes to the child, later ones are answered
 * from its cached result, and duplicate `notifications/initialized` are
 * swallowed. After a crash the child is restarted and, if it had been
 * initialized, re-initialized with the same parameters before calls resume, so
 * sessions that already initialized keep working.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { processTable } from '../processTable';
import { DEFAULTS, type StdioTarget } from '../config';
import { DeadlineExceededError, TunnelFailureError } from '../failure';
import { formatMs } from '../deadline';
import type { Logger } from '../log';
import {
  answerableId,
  invalidRequestError,
  isNotification,
  isRequest,
  isResponse,
  isValidId,
  JSONRPC_INTERNAL_ERROR,
  type JsonRpcId,
  type JsonRpcMessage,
} from '../../protocol/jsonrpc';
import { headerValue, type Headers } from '../../protocol/wire';
import type { ChannelEvents, ChannelState, ChannelStatus, McpCall, McpChannel, McpOutcome } from './channel';
import { buildChildEnv } from './childEnv';

export interface StdioChannelOptions {
  /** Delay before restart attempt n is initialMs·2^(n-1), capped at maxMs. */
  restartBackoff?: { initialMs: number; maxMs: number; resetAfterMs?: number };
  /** Budget for close(): stdin EOF, then SIGTERM, then SIGKILL of the process group. */
  stopGraceMs?: number;
  /** Largest message accepted from the server's stdout, or sent to its stdin, in bytes. */
  maxMessageBytes?: number;
  /**
   * A child that is alive but no longer answers: when requests have waited
   * `afterMs` with nothing read from its stdout, it is sent a `ping`; no answer
   * within `timeoutMs` and it is restarted. `false` turns the check off.
   */
  wedgeProbe?: { afterMs: number; timeoutMs: number } | false;
  /** How long the replayed `initialize` after a restart may take. */
  reinitializeTimeoutMs?: number;
}

export const STDIO_DEFAULTS = {
  restartInitialMs: 250,
  restartMaxMs: 30_000,
  /** A child that stayed up this long starts the backoff from scratch. */
  restartResetAfterMs: 30_000,
  stopGraceMs: 5_000,
  maxMessageBytes: DEFAULTS.maxMessageBytes,
  reinitializeTimeoutMs: 30_000,
  wedgeAfterMs: 15_000,
  wedgePingTimeoutMs: 10_000,
} as const;

/** How much of a dying child's stderr its restart reason quotes. */
const STDERR_TAIL_LINES = 3;
const STDERR_TAIL_CHARS = 200;

const RELATED_REQUEST_META_KEY = 'io.modelcontextprotocol/related-request-id';

type Obj = Record<string, unknown>;
type Req = Obj & { id: JsonRpcId; method: string };
type Note = Obj & { method: string };

interface Pending {
  localId: number;
  originalId: JsonRpcId;
  /** Null for the channel's own replayed `initialize`. */
  call: McpCall | null;
  method: string;
  /** The caller's progress token, when it was rewritten to the local id. */
  progressToken?: string | number;
  sessionId?: string;
  /** When it was handed to the child (ms since epoch). */
  sentAt: number;
  /** Both also detach the abort listener. */
  resolve(message: Obj): void;
  reject(err: Error): void;
}

/** One spawned process and everything that lives and dies with it. */
interface Child {
  proc: ChildProcess;
  pid: number | undefined;
  spawned: boolean;
  /** Settles on 'spawn' or on the spawn error, whichever comes. */
  launched: Promise<void>;
  startedAt: number;
  exited: boolean;
  exitHow: string;
  stdoutEnded: boolean;
  endTimer: NodeJS.Timeout | null;
  exitPromise: Promise<void>;
  /** Set once this child's end was handled (crash or deliberate stop). */
  finished: boolean;
  stopping: boolean;
  needDrain: boolean;
  drainPromise: Promise<void> | null;
  /** The server's `initialize` result, served to later sessions. */
  initResult: Obj | null;
  /** Settles when the `initialize` sent to this child is answered or fails. */
  initInFlight: Promise<void> | null;
  initializedSent: boolean;
  /** When this child last wrote a line to stdout (ms since epoch), or its start. */
  lastReadAt: number;
  /** Set once this child answered a request: it works, so a later crash starts the back-off afresh. */
  answered: boolean;
  /** A `ping` sent because requests stopped being answered is in flight. */
  probing: boolean;
  /** The last few lines the child wrote to stderr (bounded), to say why it died. */
  stderrTail: string[];
}

/** Process groups to kill if the engine itself exits without close(). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/**
 * True while any process of the group is alive. Zombies do not count: in a
 * container whose init does not reap, orphaned grandchildren stay zombies
 * forever, yet they hold nothing and run nothing.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(process.platform === 'win32' ? pgid : -pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  // A group whose members are all zombies holds nothing: it counts as gone.
  return processTable().some((p) => p.pgid === pgid);
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves true when `promise` settles within `ms`. */
function within(promise: Promise<void>, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Splits stdout into lines without re-scanning or re-concatenating earlier chunks. */
class LineReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private discarding = false;
  private discardedBytes = 0;
  private head: Buffer = Buffer.alloc(0);
  private tail: Buffer = Buffer.alloc(0);

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: Buffer) => void,
    private readonly onOversize: (bytes: number, head: Buffer, tail: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        if (start < chunk.length) this.append(chunk.subarray(start));
        return;
      }
      if (nl > start) this.append(chunk.subarray(start, nl));
      this.endLine();
      start = nl + 1;
    }
  }

  private append(part: Buffer): void {
    if (this.discarding) {
      this.discardedBytes += part.length;
      this.keepTail(part);
      return;
    }
    if (this.size + part.length > this.maxBytes) {
      // Keep only a few bytes of either end: enough to find a top-level id.
      this.chunks.push(part);
      const all = Buffer.concat(this.chunks, this.size + part.length);
      this.head = Buffer.from(all.subarray(0, 128));
      this.discarding = true;
      this.discardedBytes = all.length;
      this.chunks = [];
      this.size = 0;
      this.keepTail(all);
      return;
    }
    this.chunks.push(part);
    this.size += part.length;
  }

  private keepTail(part: Buffer): void {
    const want = 128;
    this.tail =
      part.length >= want
        ? Buffer.from(part.subarray(part.length - want))
        : Buffer.concat([this.tail, part]).subarray(-want);
  }

  private endLine(): void {
    if (this.discarding) {
      const { discardedBytes, head, tail } = this;
      this.discarding = false;
      this.discardedBytes = 0;
      this.head = this.tail = Buffer.alloc(0);
      this.onOversize(discardedBytes, head, tail);
      return;
    }
    if (this.size === 0) return;
    const line = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    this.onLine(line);
  }
}

/**
 * Where serializers put a response's id: first after "jsonrpc" (pydantic:
 * `{"jsonrpc":"2.0","id":5,"result":…`), or last (TS SDK:
 * `{"result":…,"jsonrpc":"2.0","id":5}`). Server requests share the shapes
 * but carry "method", and their ids are the server's own, so they are excluded.
 */
const HEAD_ID = /^\s*\{\s*"jsonrpc"\s*:\s*"2\.0"\s*,\s*"id"\s*:\s*(\d+)\s*,\s*"(?:result|error)"/;
const HEAD_OF_RESPONSE = /^\s*\{\s*"(?:result|error)"/;
const TAIL_ID = /[,{]\s*"id"\s*:\s*(\d+)\s*\}\s*$/;

/** The local id a discarded oversized message answered, when it can be told from its ends. */
function oversizedResponseId(head: Buffer, tail: Buffer): number | undefined {
  const start = head.toString('latin1');
  const found = HEAD_ID.exec(start) ?? (HEAD_OF_RESPONSE.test(start) ? TAIL_ID.exec(tail.toString('latin1')) : null);
  return found ? Number(found[1]) : undefined;
}

/** A message over the channel's size limit, refused before it reaches the server. */
class MessageTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the message is ${bytes} bytes, over the ${limit}-byte limit of this stdio MCP server (mcp.maxMessageBytes)`);
    this.name = 'MessageTooLargeError';
  }
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonHeaders(): Headers {
  return { 'Content-Type': ['application/json'] };
}

export class StdioChannel implements McpChannel {
  readonly kind = 'stdio' as const;
  readonly procAffinity = true;
  readonly name: string;

  private readonly argv: string[];
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly backoffResetAfterMs: number;
  private readonly stopGraceMs: number;
  private readonly maxMessageBytes: number;
  private readonly reinitializeTimeoutMs: number;
  private readonly wedgeProbe: { afterMs: number; timeoutMs: number } | false;
  private wedgeTimer: NodeJS.Timeout | null = null;
  private readonly events = new EventEmitter();

  private state: ChannelState = 'stopped';
  private reason: string | undefined;
  private restarts = 0;
  private attempt = 0;
  private child: Child | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private closePromise: Promise<void> | null = null;
  /** Error for calls while the command cannot be started at all. */
  private crashError: TunnelFailureError | null = null;

  private nextLocalId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Recently cancelled local ids, kept only to log their late answers precisely. */
  private readonly retired = new Set<number>();
  private readonly readyWaiters = new Set<{ resolve(): void; reject(err: Error): void }>();
  /** The first successful `initialize` params, replayed after a restart. */
  private initParams: unknown = undefined;
  private initializedEver = false;

  constructor(
    private readonly target: StdioTarget,
    private readonly logger: Logger,
    options: StdioChannelOptions = {},
  ) {
    this.name = target.channel;
    this.argv = target.argv;
    this.backoffInitialMs = options.restartBackoff?.initialMs ?? STDIO_DEFAULTS.restartInitialMs;
    this.backoffMaxMs = options.restartBackoff?.maxMs ?? STDIO_DEFAULTS.restartMaxMs;
    this.backoffResetAfterMs = options.restartBackoff?.resetAfterMs ?? STDIO_DEFAULTS.restartResetAfterMs;
    this.stopGraceMs = options.stopGraceMs ?? STDIO_DEFAULTS.stopGraceMs;
    this.maxMessageBytes = target.maxMessageBytes ?? options.maxMessageBytes ?? STDIO_DEFAULTS.maxMessageBytes;
    this.reinitializeTimeoutMs = options.reinitializeTimeoutMs ?? STDIO_DEFAULTS.reinitializeTimeoutMs;
    this.wedgeProbe = options.wedgeProbe ?? { afterMs: STDIO_DEFAULTS.wedgeAfterMs, timeoutMs: STDIO_DEFAULTS.wedgePingTimeoutMs };
  }

  on<E extends keyof ChannelEvents>(event: E, listener: ChannelEvents[E]): void {
    this.events.on(event, listener as (...args: unknown[]) => void);
  }

  /** A throwing listener must not break the channel's own bookkeeping. */
  private emit<E extends keyof ChannelEvents>(event: E, ...args: Parameters<ChannelEvents[E]>): void {
    try {
      this.events.emit(event, ...args);
    } catch (err) {
      this.logger.warn(`a "${event}" listener of the MCP channel threw`, { channel: this.name, error: (err as Error)?.name });
    }
  }

  status(): ChannelStatus {
    const s: ChannelStatus = {
      kind: 'stdio',
      state: this.state,
      restarts: this.restarts,
      inFlight: this.pending.size,
    };
    if (this.child?.pid !== undefined && this.child.spawned && !this.child.exited) s.pid = this.child.pid;
    if (this.state === 'restarting') s.attempt = this.attempt;
    if (this.reason !== undefined) s.reason = this.reason;
    if (this.child?.spawned) s.startedAt = this.child.startedAt;
    return s;
  }

  /**
   * Starts the child and resolves once it runs, or once it could not be
   * started at all (state 'crashed', see status().reason): a bad command is
   * an operator problem reported through status, not an exception.
   * From 'crashed', start() tries again.
   */
  async start(): Promise<void> {
    if (this.closed) throw new Error(`MCP channel "${this.name}" is closed; create a new channel to start it again`);
    if (this.state === 'stopped' || this.state === 'crashed') {
      this.crashError = null;
      this.attempt = 0;
      this.spawnChild('starting');
    }
    try {
      await this.whenReady(undefined);
    } catch {
      // Reported through status().
    }
  }

  async call(call: McpCall): Promise<McpOutcome> {
    try {
      return await this.route(call);
    } catch (err) {
      if (!(err instanceof MessageTooLargeError)) throw err;
      // The server never saw it: a message this size would overflow its read buffer and wedge it.
      const message = call.message as unknown;
      this.logger.warn(err.message, { channel: this.name, bytes: err.bytes, limitBytes: err.limit });
      // A notification or a client response has no id to answer: it is refused with the status alone.
      if (!isRequest(message)) return { kind: 'ack', status: 413, headers: {} };
      return {
        kind: 'response',
        json: invalidRequestError(answerableId(message), `${err.message}; send a smaller message`) as unknown as Obj,
        status: 413,
        headers: jsonHeaders(),
      };
    }
  }

  private async route(call: McpCall): Promise<McpOutcome> {
    if (call.signal.aborted) throw new DeadlineExceededError();
    const message = call.message as unknown;
    if (isRequest(message)) {
      const req = message as unknown as Req;
      if (req.method === 'initialize') return this.initialize(call, req);
      const response = await this.request(call, req);
      return { kind: 'response', json: response, status: 200, headers: jsonHeaders() };
    }
    if (isNotification(message)) {
      await this.notify(call, message as unknown as Note);
      return { kind: 'ack', status: 202, headers: {} };
    }
    if (isResponse(message)) {
      // A remote client answering a server-initiated request: the id is the server's own.
      await this.writeMessage(await this.acquire(call.signal), message);
      return { kind: 'ack', status: 202, headers: {} };
    }
    return {
      kind: 'response',
      json: invalidRequestError(answerableId(message), 'not a JSON-RPC 2.0 request, notification or response') as unknown as Obj,
      status: 400,
      headers: jsonHeaders(),
    };
  }

  /**
   * A stdio server has no per-session state to close and is shared by every
   * session, so nothing is stopped: the termination is acknowledged with 204
   * and the child keeps serving the other sessions.
   */
  async terminateSession(_headers: Headers, _signal: AbortSignal): Promise<{ status: number; headers: Headers }> {
    this.logger.debug('session termination on a stdio channel: nothing to close, the server keeps running', { channel: this.name });
    return { status: 204, headers: {} };
  }

  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closed = true;
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    this.stopWedgeWatch();
    const closedError = () => new TunnelFailureError('transport_closed', { kind: 'connection_closed', message: 'MCP channel closed' });
    this.failInFlight(closedError);
    for (const waiter of this.readyWaiters) waiter.reject(closedError());
    this.readyWaiters.clear();
    const child = this.child;
    this.closePromise = (async () => {
      if (child && !child.finished) {
        child.stopping = true;
        if (child.endTimer) clearTimeout(child.endTimer);
        await child.launched;
        child.finished = true;
        if (child.spawned) await this.stopChild(child, this.stopGraceMs);
      }
      this.child = null;
      this.setState('stopped', undefined);
    })();
    return this.closePromise;
  }

  // ---- lifecycle -------------------------------------------------------------

  private setState(state: ChannelState, reason: string | undefined): void {
    this.state = state;
    this.reason = reason;
    if (state === 'ready') {
      for (const waiter of this.readyWaiters) waiter.resolve();
      this.readyWaiters.clear();
    } else if (state === 'crashed') {
      const err = this.crashError ?? new TunnelFailureError('connect', { kind: 'dial' });
      for (const waiter of this.readyWaiters) waiter.reject(err);
      this.readyWaiters.clear();
    }
    this.emit('status', this.status());
  }

  /** Waits (bounded by `signal`) until a child is running and initialized as before. */
  private whenReady(signal: AbortSignal | undefined): Promise<void> {
    if (this.closed) {
      return Promise.reject(new TunnelFailureError('transport_closed', { kind: 'connection_closed', message: 'MCP channel closed' }));
    }
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'crashed') return Promise.reject(this.crashError ?? new TunnelFailureError('connect', { kind: 'dial' }));
    if (this.state === 'stopped') this.spawnChild('starting');
    return new Promise<void>((resolve, reject) => {
      const waiter = {
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
        this.readyWaiters.delete(waiter);
        reject(new DeadlineExceededError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.readyWaiters.add(waiter);
    });
  }

  /** The running child once ready; calls made while (re)starting wait here. */
  private async acquire(signal: AbortSignal): Promise<Child> {
    await this.whenReady(signal);
    const child = this.child;
    if (!child || child.finished) throw new TunnelFailureError('transport_closed', { kind: 'eof', message: 'MCP server exited' });
    return child;
  }

  private spawnChild(state: 'starting' | 'restarting'): void {
    const command = this.argv[0];
    if (this.state !== state) this.setState(state, state === 'starting' ? undefined : this.reason);
    if (!command) {
      this.spawnFailed(undefined, 'command is empty: set the MCP command to the server executable and its arguments');
      return;
    }
    let proc: ChildProcess;
    try {
      proc = spawn(command, this.argv.slice(1), {
        shell: false,
        // Its own process group, so close() can reach npx/uvx grandchildren.
        detached: process.platform !== 'win32',
        windowsHide: true,
        cwd: this.target.cwd,
        env: buildChildEnv(this.target.env),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      this.spawnFailed(err);
      return;
    }
    let resolveExit!: () => void;
    let resolveLaunched!: () => void;
    const child: Child = {
      proc,
      pid: undefined,
      spawned: false,
      launched: new Promise<void>((resolve) => (resolveLaunched = resolve)),
      startedAt: 0,
      exited: false,
      exitHow: '',
      stdoutEnded: false,
      endTimer: null,
      exitPromise: new Promise<void>((resolve) => (resolveExit = resolve)),
      finished: false,
      stopping: false,
      needDrain: false,
      drainPromise: null,
      initResult: null,
      initInFlight: null,
      initializedSent: false,
      lastReadAt: Date.now(),
      answered: false,
      probing: false,
      stderrTail: [],
    };
    this.child = child;

    proc.once('spawn', () => {
      child.spawned = true;
      child.pid = proc.pid;
      child.startedAt = Date.now();
      resolveLaunched();
      if (child.pid !== undefined) trackGroup(child.pid);
      this.logger.info('MCP server started', { channel: this.name, pid: child.pid, command });
      this.onSpawned(child);
    });
    proc.on('error', (err: NodeJS.ErrnoException) => {
      if (!child.spawned) {
        child.finished = true;
        resolveExit();
        resolveLaunched();
        if (this.child === child) this.spawnFailed(err);
        return;
      }
      this.logger.warn('MCP server process error', { channel: this.name, code: err.code });
    });
    proc.once('exit', (code, signal) => {
      child.exited = true;
      child.exitHow = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      resolveExit();
      this.settleEnd(child);
    });

    const reader = new LineReader(
      this.maxMessageBytes,
      (line) => this.onLine(line),
      (bytes, head, tail) => this.onOversize(bytes, head, tail),
    );
    proc.stdout!.on('data', (chunk: Buffer) => {
      this.emit('bytes', 'in', chunk.length);
      child.lastReadAt = Date.now();
      if (this.child === child) reader.push(chunk);
    });
    proc.stdout!.once('end', () => {
      child.stdoutEnded = true;
      this.settleEnd(child);
    });
    proc.stdout!.on('error', (err: NodeJS.ErrnoException) => this.logger.debug('MCP server stdout error', { code: err.code }));
    proc.stdin!.on('error', (err: NodeJS.ErrnoException) => this.logger.debug('MCP server stdin error', { code: err.code }));
    proc.stdin!.on('drain', () => (child.needDrain = false));
    proc.stdin!.on('close', () => (child.needDrain = false));

    // stderr is the server's log: always drained (a full pipe would block the
    // server), never inherited, never parsed.
    proc.stderr!.setEncoding('utf8');
    let partial = '';
    proc.stderr!.on('data', (text: string) => {
      partial += text;
      let nl: number;
      while ((nl = partial.indexOf('\n')) !== -1) {
        this.emitStderr(child, partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
      // A server that logs without newlines must not grow this forever.
      if (partial.length > 64 * 1024) {
        this.emitStderr(child, partial);
        partial = '';
      }
    });
    proc.stderr!.on('end', () => {
      if (partial) this.emitStderr(child, partial);
      partial = '';
    });
    proc.stderr!.on('error', () => undefined);
  }

  private emitStderr(child: Child, raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') {
      child.stderrTail.push(line.length > STDERR_TAIL_CHARS ? `${line.slice(0, STDERR_TAIL_CHARS)}…` : line);
      if (child.stderrTail.length > STDERR_TAIL_LINES) child.stderrTail.shift();
    }
    this.emit('stderr', line);
    this.logger.debug(line, { channel: this.name, stream: 'stderr' });
  }

  private spawnFailed(err: unknown, knownReason?: string): void {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const command = this.argv[0];
    let reason: string;
    if (knownReason) {
      reason = knownReason;
    } else if (code === 'ENOENT' && this.target.cwd && !existsSync(this.target.cwd)) {
      reason = `working directory "${this.target.cwd}" does not exist: check the MCP server's cwd setting`;
    } else if (code === 'ENOENT') {
      reason = `command "${command}" not found: check the MCP command setting and that it is on PATH`;
    } else if (code === 'EACCES') {
      reason = `command "${command}" is not executable: check the MCP command setting and the file's permissions`;
    } else {
      reason = `command "${command}" could not be started (${code ?? 'unknown error'}): check the MCP command setting`;
    }
    this.logger.error(`MCP server ${reason}`, { channel: this.name });
    this.child = null;
    this.crashError = new TunnelFailureError('connect', { kind: 'dial', message: `MCP server ${reason}` });
    this.failInFlight(() => this.crashError!);
    this.setState('crashed', reason);
  }

  private onSpawned(child: Child): void {
    if (this.closed || this.child !== child) return;
    if (this.initParams !== undefined) {
      void this.reinitialize(child);
      return;
    }
    this.setState('ready', undefined);
  }

  /**
   * After a restart, replays the first session's `initialize` (and
   * `notifications/initialized`) so sessions that initialized before the
   * crash keep working against the fresh child.
   */
  private async reinitialize(child: Child): Promise<void> {
    const timeout = AbortSignal.timeout(this.reinitializeTimeoutMs);
    let done!: () => void;
    child.initInFlight = new Promise<void>((resolve) => (done = resolve));
    try {
      const response = await this.send(child, null, { jsonrpc: '2.0', id: 0, method: 'initialize', params: this.initParams }, timeout);
      if (isObj(response.result)) {
        child.initResult = response.result;
        child.answered = true;
        if (this.initializedEver) {
          await this.writeMessage(child, { jsonrpc: '2.0', method: 'notifications/initialized' });
          child.initializedSent = true;
        }
      } else {
        this.logger.warn('MCP server refused the replayed initialize; the next session initialize goes through', { channel: this.name });
        this.initParams = undefined;
      }
    } catch {
      // A timeout restarts the child (see abandon); a crash restarts it anyway.
      return;
    } finally {
      child.initInFlight = null;
      done();
    }
    if (this.child === child && !this.closed) this.setState('ready', undefined);
  }

  /**
   * 'exit' may come before the last stdout bytes are read (an answer written
   * just before exiting), and stdout may close before 'exit': wait briefly for
   * the other one so answers are not lost and the reason names the exit.
   */
  private settleEnd(child: Child): void {
    if (child.finished || child.stopping) return;
    if (child.exited && child.stdoutEnded) {
      this.childEnded(child, child.exitHow);
      return;
    }
    child.endTimer ??= setTimeout(() => this.childEnded(child, child.exitHow || 'closed its stdout'), 200);
  }

  /** The child ended on its own, or stopped reading: fail its calls and restart it. */
  private childEnded(child: Child, how: string): void {
    if (child.finished) return;
    child.finished = true;
    if (child.endTimer) clearTimeout(child.endTimer);
    if (child.pid !== undefined) {
      // Orphaned grandchildren (npx → node) must not outlive their leader.
      signalGroup(child.pid, 'SIGKILL');
      liveGroups.delete(child.pid);
    }
    if (this.child !== child || this.closed) return;
    this.child = null;
    this.failInFlight(() => new TunnelFailureError('transport_closed', { kind: 'eof', message: `MCP server ${how}` }));
    // Back-off grows only for children that die before they ever worked (answered
    // a request, or took the replayed initialize), or within moments of starting.
    const upFor = Date.now() - child.startedAt;
    this.attempt = child.answered || upFor >= this.backoffResetAfterMs ? 1 : this.attempt + 1;
    const wait = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** Math.min(this.attempt - 1, 30));
    this.logger.warn(`MCP server ${how}; restarting`, { channel: this.name, pid: child.pid, attempt: this.attempt, delayMs: wait });
    // A child that died before it ever answered usually said why on stderr: show the last of it.
    const said = !child.answered && child.stderrTail.length > 0 ? `; last stderr: ${child.stderrTail.join(' | ')}` : '';
    this.setState('restarting', `${how}; restart attempt ${this.attempt} in ${formatMs(wait)}${said}`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.closed) return;
      this.restarts++;
      this.spawnChild('restarting');
    }, wait);
  }

  /** Kills a child on purpose (a timed-out initialize); it is then restarted like a crash. */
  private restartChild(child: Child, how: string): void {
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    this.childEnded(child, how);
  }

  /** stdin EOF, then SIGTERM, then SIGKILL to the whole group, within `graceMs`. */
  private async stopChild(child: Child, graceMs: number): Promise<void> {
    child.stopping = true;
    const deadline = Date.now() + graceMs;
    const step = Math.max(1, Math.floor(graceMs / 3));
    const pid = child.pid;
    try {
      child.proc.stdin?.end();
    } catch {
      // Already closed.
    }
    if (!child.exited && !(await within(child.exitPromise, step)) && pid !== undefined) {
      this.logger.debug('MCP server still running after stdin closed; sending SIGTERM', { channel: this.name, pid });
      signalGroup(pid, 'SIGTERM');
      if (!(await within(child.exitPromise, Math.min(step, deadline - Date.now())))) {
        this.logger.warn('MCP server ignored SIGTERM; sending SIGKILL', { channel: this.name, pid });
        signalGroup(pid, 'SIGKILL');
        await within(child.exitPromise, Math.max(1000, deadline - Date.now()));
      }
    }
    if (pid === undefined || process.platform === 'win32') return;
    // The leader is gone; grandchildren it left behind share its group.
    if (groupAlive(pid)) {
      signalGroup(pid, 'SIGTERM');
      const termUntil = Math.min(deadline, Date.now() + step);
      while (groupAlive(pid) && Date.now() < termUntil) await delay(20);
      if (groupAlive(pid)) {
        signalGroup(pid, 'SIGKILL');
        const killUntil = Date.now() + 1000;
        while (groupAlive(pid) && Date.now() < killUntil) await delay(10);
      }
    }
    liveGroups.delete(pid);
  }

  private failInFlight(makeError: () => Error): void {
    if (this.pending.size === 0) return;
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const p of calls) p.reject(makeError());
  }

  // ---- a child that stopped answering ------------------------------------------

  /** Checks now and then, while requests wait, that the child still answers. */
  private watchForWedge(): void {
    if (!this.wedgeProbe || this.wedgeTimer) return;
    const period = Math.max(100, Math.floor(this.wedgeProbe.afterMs / 4));
    this.wedgeTimer = setInterval(() => this.checkWedge(), period);
    this.wedgeTimer.unref();
  }

  private stopWedgeWatch(): void {
    if (this.wedgeTimer) clearInterval(this.wedgeTimer);
    this.wedgeTimer = null;
  }

  /**
   * A request has waited `afterMs` and the child wrote nothing meanwhile. A
   * slow tool is no fault (MCP servers answer `ping` while they work), so the
   * child is pinged, and restarted only when the ping goes unanswered too.
   */
  private checkWedge(): void {
    const probe = this.wedgeProbe;
    const child = this.child;
    let oldest: Pending | undefined;
    for (const p of this.pending.values()) {
      if (p.call) {
        oldest = p;
        break;
      }
    }
    if (!probe || !oldest) {
      this.stopWedgeWatch();
      return;
    }
    if (!child || child.finished || child.probing || this.state !== 'ready') return;
    const silentFor = Date.now() - Math.max(child.lastReadAt, oldest.sentAt);
    if (silentFor < probe.afterMs) return;
    child.probing = true;
    const waiting = [...this.pending.values()].filter((p) => p.call).length;
    this.logger.warn(`MCP server has not answered for ${Math.round(silentFor / 1000)} s while ${waiting} request(s) wait; checking it with ping`, { channel: this.name, pid: child.pid });
    this.send(child, null, { jsonrpc: '2.0', id: 0, method: 'ping' }, AbortSignal.timeout(probe.timeoutMs)).then(
      () => {
        child.probing = false;
        child.lastReadAt = Date.now();
        this.logger.info('MCP server answered ping: it is slow, not stuck', { channel: this.name, pid: child.pid });
      },
      () => {
        child.probing = false;
        if (this.child !== child || child.finished || this.closed) return;
        const seconds = Math.round(probe.timeoutMs / 1000);
        this.logger.error(`MCP server stopped answering: no reply to ping within ${seconds} s while ${waiting} request(s) waited; restarting it`, {
          channel: this.name,
          pid: child.pid,
        });
        this.restartChild(child, `stopped answering (no reply to ping within ${seconds} s)`);
      },
    );
  }

  // ---- outgoing ----------------------------------------------------------------

  /**
   * `initialize` from a remote session. The child is initialized once; every
   * later session gets the cached result under its own id. The protocol
   * version is the one the server negotiated: MCP servers answer the client's
   * version when they support it and otherwise their own, and this child is
   * already bound to the version it answered, so that is the only one it can
   * honour for anybody.
   */
  private async initialize(call: McpCall, message: Req): Promise<McpOutcome> {
    for (;;) {
      const child = await this.acquire(call.signal);
      if (child.initResult) {
        return {
          kind: 'response',
          json: { jsonrpc: '2.0', id: message.id, result: child.initResult },
          status: 200,
          headers: jsonHeaders(),
        };
      }
      if (child.initInFlight) {
        await this.raceSignal(child.initInFlight, call.signal);
        continue;
      }
      let done!: () => void;
      child.initInFlight = new Promise<void>((resolve) => (done = resolve));
      try {
        const response = await this.send(child, call, message, call.signal);
        if (isObj(response.result)) {
          child.initResult = response.result;
          this.initParams = message.params;
        }
        return { kind: 'response', json: response, status: 200, headers: jsonHeaders() };
      } finally {
        child.initInFlight = null;
        done();
      }
    }
  }

  private raceSignal(promise: Promise<void>, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new DeadlineExceededError());
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  private async request(call: McpCall, message: Req): Promise<Obj> {
    return this.send(await this.acquire(call.signal), call, message, call.signal);
  }

  /**
   * Sends one request under a fresh local id and resolves with the server's
   * answer, its id (and progress token) restored to the caller's.
   */
  private send(child: Child, call: McpCall | null, message: Req, signal: AbortSignal): Promise<Obj> {
    const localId = this.nextLocalId++;
    // Shallow copies only: the payload itself is shared, never cloned.
    const outgoing: Obj = { ...message, id: localId };
    let progressToken: string | number | undefined;
    const params = message.params;
    if (isObj(params) && isObj(params._meta)) {
      const token = params._meta.progressToken;
      if (typeof token === 'string' || typeof token === 'number') {
        // Remote sessions pick tokens independently (the SDK uses the request id),
        // so they collide; the local id is unique on this child.
        progressToken = token;
        outgoing.params = { ...params, _meta: { ...params._meta, progressToken: localId } };
      }
    }
    return new Promise<Obj>((resolve, reject) => {
      const pending: Pending = {
        localId,
        originalId: message.id,
        call,
        method: message.method,
        progressToken,
        sessionId: call ? headerValue(call.headers, 'Mcp-Session-Id') : undefined,
        sentAt: Date.now(),
        resolve: (response) => {
          signal.removeEventListener('abort', onAbort);
          resolve(response);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => this.abandon(child, pending);
      this.pending.set(localId, pending);
      signal.addEventListener('abort', onAbort, { once: true });
      if (call) this.watchForWedge();
      this.writeMessage(child, outgoing).then((sent) => {
        if (call?.meter) call.meter.sent += sent;
      }, (err: Error) => {
        if (this.pending.get(localId) === pending) {
          this.pending.delete(localId);
          pending.reject(err);
        }
      });
    });
  }

  /**
   * The caller's deadline passed. The id is retired (its late answer is
   * dropped) and the server is asked to stop; the pipes stay open for
   * everyone else. `initialize` must not be cancelled (MCP spec), and a
   * half-initialized shared child is useless, so it is restarted instead.
   */
  private abandon(child: Child, pending: Pending): void {
    if (this.pending.get(pending.localId) !== pending) return;
    this.pending.delete(pending.localId);
    this.retire(pending.localId);
    pending.reject(new DeadlineExceededError());
    if (this.child !== child || child.finished) return;
    if (pending.method === 'initialize') {
      this.logger.warn('initialize did not finish before its deadline; restarting the MCP server', { channel: this.name });
      this.restartChild(child, 'did not answer initialize in time');
      return;
    }
    this.writeMessage(child, {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: pending.localId, reason: 'deadline exceeded' },
    }).catch(() => undefined);
  }

  private retire(localId: number): void {
    this.retired.add(localId);
    // Local ids never repeat, so forgetting old ones only changes a log line.
    if (this.retired.size > 4096) {
      const oldest = this.retired.values().next().value;
      if (oldest !== undefined) this.retired.delete(oldest);
    }
  }

  private async notify(call: McpCall, message: Note): Promise<void> {
    const child = await this.acquire(call.signal);
    if (message.method === 'notifications/initialized') {
      this.initializedEver = true;
      // The child is one MCP session: it hears `initialized` once.
      if (child.initializedSent) return;
      child.initializedSent = true;
      await this.writeMessage(child, message);
      return;
    }
    if (message.method === 'notifications/cancelled') {
      const forwarded = this.mapClientCancel(call, message);
      if (forwarded) await this.writeMessage(child, forwarded);
      return;
    }
    await this.writeMessage(child, message);
  }

  /**
   * A remote client cancels one of its requests by its own id, which the
   * child never saw. Find the call (same id, same session when known), rewrite
   * the id, and finish that call: the server will not answer it any more.
   */
  private mapClientCancel(call: McpCall, message: Obj): Obj | null {
    const params = message.params;
    if (!isObj(params) || !isValidId(params.requestId)) return null;
    const sessionId = headerValue(call.headers, 'Mcp-Session-Id');
    let match: Pending | undefined;
    for (const p of this.pending.values()) {
      if (p.call && p.originalId === params.requestId && p.sessionId === sessionId) {
        if (match) {
          this.logger.debug('client cancellation matches several calls; not forwarded', { channel: this.name });
          return null;
        }
        match = p;
      }
    }
    if (!match || match.method === 'initialize') return null;
    this.pending.delete(match.localId);
    this.retire(match.localId);
    match.reject(new TunnelFailureError('transport_closed', { kind: 'connection_aborted', message: 'request cancelled by the client' }));
    return { ...message, params: { ...params, requestId: match.localId } };
  }

  /** Writes one line to the child's stdin, waiting for 'drain' when the pipe is full; resolves with its size in bytes. */
  private async writeMessage(child: Child, message: unknown): Promise<number> {
    const data = Buffer.from(JSON.stringify(message) + '\n', 'utf8');
    if (data.length - 1 > this.maxMessageBytes) throw new MessageTooLargeError(data.length - 1, this.maxMessageBytes);
    const stdin = child.proc.stdin!;
    while (child.needDrain && !child.finished) {
      child.drainPromise ??= new Promise<void>((resolve) => {
        const done = () => {
          stdin.off('drain', done);
          stdin.off('close', done);
          child.drainPromise = null;
          resolve();
        };
        stdin.on('drain', done);
        stdin.on('close', done);
      });
      await child.drainPromise;
    }
    if (child.finished || stdin.destroyed || !stdin.writable) {
      throw new TunnelFailureError('transport_closed', { kind: 'closed_pipe', message: 'MCP server stdin is closed' });
    }
    // A poll batch arrives as many calls in one tick: cork so they leave in one writev.
    if (stdin.writableCorked === 0) {
      stdin.cork();
      process.nextTick(() => stdin.uncork());
    }
    // Done once queued: a failed write (EPIPE) means the child is going away,
    // and its exit fails every call in flight.
    if (!stdin.write(data)) child.needDrain = true;
    this.emit('bytes', 'out', data.length);
    return data.length;
  }

  // ---- incoming ----------------------------------------------------------------

  private onLine(line: Buffer): void {
    let message: unknown;
    try {
      message = JSON.parse(line.toString('utf8'));
    } catch {
      const text = line.toString('utf8').trim();
      if (text) {
        this.logger.warn('MCP server wrote a line to stdout that is not JSON; skipped it (servers must log to stderr)', {
          channel: this.name,
          bytes: line.length,
        });
      }
      return;
    }
    if (!isObj(message)) {
      this.logger.warn('MCP server wrote a JSON value that is not a JSON-RPC message; skipped it', { channel: this.name });
      return;
    }
    if (typeof message.method === 'string') {
      if ('id' in message) this.onServerRequest(message as Note);
      else this.onServerNotification(message as Note);
      return;
    }
    if ('id' in message) {
      this.onResponse(message, line.length);
      return;
    }
    this.logger.warn('MCP server wrote a JSON object that is not a JSON-RPC message; skipped it', { channel: this.name });
  }

  private onResponse(message: Obj, size: number): void {
    const id = message.id;
    const pending = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!pending) {
      if (typeof id === 'number' && this.retired.delete(id)) {
        this.logger.debug('discarded the late answer to a cancelled request', { channel: this.name, localId: id });
      } else {
        this.logger.warn('MCP server answered a request id that is not in flight; discarded it', { channel: this.name });
      }
      return;
    }
    this.pending.delete(pending.localId);
    if (this.child) this.child.answered = true;
    if (pending.call?.meter) pending.call.meter.received += size;
    // The parsed object is ours alone: restore the caller's id in place.
    message.id = pending.originalId;
    pending.resolve(message);
  }

  private onServerNotification(message: Note): void {
    const params = isObj(message.params) ? message.params : undefined;
    let pending: Pending | undefined;
    if (message.method === 'notifications/progress' && params) {
      const token = params.progressToken;
      const p = typeof token === 'number' ? this.pending.get(token) : undefined;
      if (p && p.progressToken !== undefined) {
        pending = p;
        params.progressToken = p.progressToken;
      }
    } else if (params && isObj(params._meta)) {
      const related = params._meta[RELATED_REQUEST_META_KEY];
      const p = typeof related === 'number' ? this.pending.get(related) : undefined;
      if (p) {
        pending = p;
        params._meta[RELATED_REQUEST_META_KEY] = p.originalId;
      }
    }
    if (!pending?.call) {
      this.logger.debug('MCP server notification not tied to a call in flight; dropped', { channel: this.name, method: message.method });
      return;
    }
    this.deliver(pending.call, message);
  }

  /**
   * sampling/createMessage, elicitation/create, roots/list…: only a remote
   * client can answer. It goes to the call it belongs to when the server says
   * so, else to the most recent call in flight. With no call in flight nobody
   * could ever answer, so the server gets an error instead of waiting forever.
   */
  private onServerRequest(message: Note): void {
    const params = isObj(message.params) ? message.params : undefined;
    let target: Pending | undefined;
    const related = params && isObj(params._meta) ? params._meta[RELATED_REQUEST_META_KEY] : undefined;
    if (typeof related === 'number') {
      target = this.pending.get(related);
      if (target && params && isObj(params._meta)) params._meta[RELATED_REQUEST_META_KEY] = target.originalId;
    }
    if (!target?.call) {
      target = undefined;
      for (const p of this.pending.values()) if (p.call) target = p;
    }
    if (target?.call) {
      this.deliver(target.call, message);
      return;
    }
    this.logger.debug('MCP server sent a request while no call was in flight; answered it with an error', {
      channel: this.name,
      method: message.method,
    });
    const child = this.child;
    if (child && isValidId(message.id)) {
      this.writeMessage(child, {
        jsonrpc: '2.0',
        id: message.id,
        error: { code: JSONRPC_INTERNAL_ERROR, message: 'No client request is in flight through the tunnel to answer this request' },
      }).catch(() => undefined);
    }
  }

  private deliver(call: McpCall, message: Obj): void {
    try {
      call.onNotify(message as unknown as JsonRpcMessage);
    } catch (err) {
      this.logger.warn('delivering a server message to its call failed', { channel: this.name, error: (err as Error).name });
    }
  }

  /**
   * A message over the cap is dropped. If its top-level id can be read from
   * the first or last bytes (servers put it first or last), the call it
   * answers fails now with a protocol error instead of waiting for its deadline.
   */
  private onOversize(bytes: number, head: Buffer, tail: Buffer): void {
    const id = oversizedResponseId(head, tail);
    const pending = id === undefined ? undefined : this.pending.get(id);
    this.logger.error(
      `MCP server sent a ${bytes}-byte message, over the ${this.maxMessageBytes}-byte limit; discarded it. ` +
        'Raise the channel\'s maximum message size or make the tool return less.',
      { channel: this.name, bytes, limitBytes: this.maxMessageBytes, failedCall: pending !== undefined },
    );
    if (!pending) return;
    this.pending.delete(pending.localId);
    this.retire(pending.localId);
    pending.reject(
      new TunnelFailureError('protocol', {
        kind: 'response_body_too_large',
        message: `MCP server response of ${bytes} bytes exceeds the ${this.maxMessageBytes}-byte limit`,
      }),
    );
  }
}
