/**
 * A stdio MCP server with one child per remote session (`session_mode:
 * per_session`): every session gets a child of its own, initialized with that
 * session's own `initialize` (capabilities, protocol version, clientInfo), so
 * it sees what it would see over a direct connection and shares no state
 * (roots, subscriptions, log level) with any other session.
 *
 * Each child is a `StdioChannel` of its own (supervisor, process group, id
 * mux, restarts replaying that session's own `initialize`); this class is the
 * pool around them:
 * - session identity: an `initialize` without `Mcp-Session-Id` opens a
 *   session; its id (a random UUID) is minted here and sent back in the
 *   answer's headers; later commands carrying it go to its child;
 * - bounds: at most `maxSessions` children; a new session beyond that closes
 *   the least recently used one (idle ones first); a child idle for
 *   `idleTimeoutMs` is closed. A closed session's next call gets HTTP 404 and
 *   a JSON-RPC error saying what happened and to reconnect;
 * - stateless clients (a call with no session id): served by one shared
 *   "sessionless" child the engine initializes itself, started on the first
 *   such call and closed when idle like any other.
 *
 * `sessions` is the session → child map. Messages a child sends outside a
 * call are its session's alone: its own StdioChannel holds them for that
 * session's stream or next request (serverMessages.ts), so no other session
 * ever sees them.
 */
import { randomUUID } from 'node:crypto';
import { isNotification, isRequest, type JsonRpcId } from '../../../protocol/jsonrpc';
import { headerValue, type Headers } from '../../../protocol/wire';
import { CLIENT_NAME, CLIENT_VERSION } from '../../../version';
import { DEFAULTS, type StdioTarget } from '../../config';
import { formatMs } from '../../deadline';
import { DeadlineExceededError } from '../../failure';
import type { Logger } from '../../log';
import type { ChannelEvents, ChannelStatus, McpCall, McpChannel, McpOutcome, SessionStream, SessionStreamEnd } from '../channel';
import { ChannelEventHub } from '../channelEvents';
import type { StdioChannelOptions } from './options';
import { StdioChannel } from './stdioChannel';

/** JSON-RPC error code Streamable HTTP servers (the MCP SDK's) use for an unknown session. */
export const SESSION_NOT_FOUND_CODE = -32001;
/** The protocol version of the sessionless child's own `initialize`. */
const SESSIONLESS_PROTOCOL_VERSION = '2025-11-25';
/** How many closed session ids are remembered, to say why their next call fails. */
const CLOSED_KEPT = 1024;

export const SESSION_DEFAULTS = {
  maxSessions: DEFAULTS.maxSessions,
  idleTimeoutMs: DEFAULTS.sessionIdleTimeoutMs,
} as const;

export interface SessionPoolOptions {
  maxSessions: number;
  /** 0: a session's child is never closed for being idle. */
  idleTimeoutMs: number;
}

/** One child of the pool. */
export interface PooledChild {
  /** The session id, or null for the sessionless child. */
  id: string | null;
  channel: StdioChannel;
  lastUsed: number;
  inFlight: number;
  idleTimer?: NodeJS.Timeout;
  /** Settles once the child answered the engine's own `initialize` (sessionless child only). */
  ready?: Promise<void>;
}

export class StdioSessionPool implements McpChannel {
  readonly kind = 'stdio' as const;
  readonly procAffinity = true;
  readonly name: string;

  /** Session id → its child. Insertion order is not use order: see lastUsed. */
  readonly sessions = new Map<string, PooledChild>();
  private sessionless: PooledChild | null = null;
  /** Ids of sessions closed by the pool (evicted, idle), with why. */
  private readonly closedIds = new Map<string, string>();
  private readonly hub: ChannelEventHub;
  private started = false;
  private closed = false;
  private evictions = 0;
  private idleReaped = 0;
  /** Restarts of children already closed, so the count never goes down. */
  private pastRestarts = 0;
  /** The last child that could not be started at all, shown until one starts. */
  private crash: string | undefined;

  constructor(
    private readonly target: StdioTarget,
    private readonly logger: Logger,
    private readonly pool: SessionPoolOptions,
    private readonly childOptions: StdioChannelOptions = {},
  ) {
    this.name = target.channel;
    this.hub = new ChannelEventHub(this.name, logger);
  }

  on<E extends keyof ChannelEvents>(event: E, listener: ChannelEvents[E]): void {
    this.hub.on(event, listener);
  }


  /** Children start with their sessions; the startup probe's `initialize` opens (and closes) one. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`MCP channel "${this.name}" is closed; create a new channel to start it again`));
    this.started = true;
    this.hub.emit('status', this.status());
    return Promise.resolve();
  }

  status(): ChannelStatus {
    const children = this.children();
    let restarts = this.pastRestarts;
    let inFlight = 0;
    for (const c of children) {
      const s = c.channel.status();
      restarts += s.restarts;
      inFlight += s.inFlight;
    }
    const state = this.closed || !this.started ? 'stopped' : this.crash ? 'crashed' : 'ready';
    const s: ChannelStatus = {
      kind: 'stdio',
      state,
      restarts,
      inFlight,
      sessionMode: 'per_session',
      sessions: this.sessions.size,
      maxSessions: this.pool.maxSessions,
      children: children.filter((c) => c.channel.status().pid !== undefined).length,
      evictions: this.evictions,
      idleClosed: this.idleReaped,
    };
    if (this.crash && state === 'crashed') s.reason = this.crash;
    const pid = this.sessionless?.channel.status().pid;
    if (pid !== undefined) s.pid = pid;
    return s;
  }

  async call(call: McpCall): Promise<McpOutcome> {
    const message = call.message as unknown;
    const id = headerValue(call.headers, 'Mcp-Session-Id');
    if (id === undefined) {
      if (isRequest(message) && (message as { method: string }).method === 'initialize') return this.open(call);
      if (!isRequest(message) && !this.sessionless) {
        // Nobody to tell: a stateless notification or answer with no sessionless child running.
        return { kind: 'ack', status: 202, headers: {} };
      }
      return this.use(await this.sessionlessChild(call.signal), call);
    }
    const child = this.sessions.get(id);
    if (!child) return this.notFound(id, message);
    return this.use(child, call);
  }

  /**
   * The session's standalone stream, served by its own child: 404 for a
   * session the pool does not have (closed, evicted, never opened), 405 for a
   * stateless client while no sessionless child runs (it has nothing to say).
   * An open stream keeps its session in use, so it is not closed as idle.
   */
  async openStream(stream: SessionStream): Promise<SessionStreamEnd> {
    const id = headerValue(stream.headers, 'Mcp-Session-Id');
    const child = id === undefined ? this.sessionless : this.sessions.get(id);
    if (!child) return { status: id === undefined ? 405 : 404, headers: {} };
    return this.use(child, (channel) => channel.openStream(stream));
  }

  /** DELETE of a session: its child is stopped (204); an unknown session is 404, as a Streamable HTTP server answers. */
  async terminateSession(headers: Headers, _signal: AbortSignal): Promise<{ status: number; headers: Headers }> {
    const id = headerValue(headers, 'Mcp-Session-Id');
    if (id === undefined) return { status: 400, headers: {} };
    const child = this.sessions.get(id);
    if (!child) {
      this.logger.debug('session termination for a session this channel does not have', { channel: this.name, known: this.closedIds.has(id) });
      return { status: 404, headers: {} };
    }
    this.logger.debug('session terminated by the client; stopping its MCP server', { channel: this.name, pid: child.channel.status().pid });
    await this.retire(child, null);
    return { status: 204, headers: {} };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = this.children();
    this.sessions.clear();
    this.sessionless = null;
    for (const c of all) if (c.idleTimer) clearTimeout(c.idleTimer);
    await Promise.allSettled(all.map((c) => c.channel.close()));
    this.hub.emit('status', this.status());
  }

  /** Every child of the pool, the sessionless one included. */
  children(): PooledChild[] {
    const all = [...this.sessions.values()];
    if (this.sessionless) all.push(this.sessionless);
    return all;
  }

  // ---- sessions ----------------------------------------------------------------

  /** A new session: a child of its own, initialized with this very `initialize`. */
  private async open(call: McpCall): Promise<McpOutcome> {
    if (this.closed) throw new Error(`MCP channel "${this.name}" is closed`);
    const id = randomUUID();
    await this.makeRoom();
    const child = this.spawn(id);
    this.sessions.set(id, child);
    this.hub.emit('status', this.status());
    let outcome: McpOutcome;
    try {
      outcome = await this.use(child, call);
    } catch (err) {
      await this.retire(child, null);
      throw err;
    }
    if (outcome.kind !== 'response' || typeof outcome.json.result !== 'object' || outcome.json.result === null) {
      // Refused: there is no session to keep.
      await this.retire(child, null);
      return outcome;
    }
    this.logger.debug('new session with an MCP server of its own', { channel: this.name, pid: child.channel.status().pid, sessions: this.sessions.size });
    return { ...outcome, headers: { ...outcome.headers, 'Mcp-Session-Id': [id] } };
  }

  /** At most maxSessions: the least recently used session goes, idle ones before busy ones. */
  private async makeRoom(): Promise<void> {
    while (this.sessions.size >= this.pool.maxSessions) {
      let victim: PooledChild | undefined;
      for (const c of this.sessions.values()) {
        if (!victim) victim = c;
        else if ((c.inFlight === 0) !== (victim.inFlight === 0)) {
          if (c.inFlight === 0) victim = c;
        } else if (c.lastUsed < victim.lastUsed) victim = c;
      }
      if (!victim) return;
      this.evictions++;
      this.logger.info(`closing the least recently used session's MCP server: ${this.pool.maxSessions} sessions at most (max_sessions)`, {
        channel: this.name,
        pid: victim.channel.status().pid,
      });
      await this.retire(
        victim,
        `it was the least recently used of ${this.pool.maxSessions} sessions (max_sessions) when a new session opened, and its MCP server was stopped`,
      );
    }
  }

  /** The child for stateless calls, initialized by the engine's own `initialize`. */
  private async sessionlessChild(signal: AbortSignal): Promise<PooledChild> {
    if (this.closed) throw new Error(`MCP channel "${this.name}" is closed`);
    let child = this.sessionless;
    if (!child) {
      const fresh = this.spawn(null);
      this.sessionless = child = fresh;
      fresh.ready = (async () => {
        const initialize = {
          jsonrpc: '2.0' as const,
          id: 'mcp-tunnel-sessionless',
          method: 'initialize',
          params: { protocolVersion: SESSIONLESS_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: `${CLIENT_NAME}-sessionless`, version: CLIENT_VERSION } },
        };
        const noop = () => undefined;
        const outcome = await fresh.channel.call({ message: initialize, headers: {}, signal: AbortSignal.timeout(30_000), onNotify: noop, engineOwn: true });
        if (outcome.kind !== 'response' || typeof outcome.json.result !== 'object') throw new Error('the MCP server refused the initialize of the sessionless child');
        await fresh.channel.call({ message: { jsonrpc: '2.0', method: 'notifications/initialized' }, headers: {}, signal: AbortSignal.timeout(30_000), onNotify: noop, engineOwn: true });
      })();
      fresh.ready.catch(() => {
        if (this.sessionless === fresh) void this.retire(fresh, null);
      });
      this.hub.emit('status', this.status());
    }
    await raceSignal(child.ready!, signal);
    return child;
  }

  private spawn(id: string | null): PooledChild {
    const channel = new StdioChannel(this.target, this.logger, this.childOptions);
    const child: PooledChild = { id, channel, lastUsed: Date.now(), inFlight: 0 };
    channel.on('stderr', (line) => this.hub.emit('stderr', line));
    channel.on('bytes', (direction, count) => this.hub.emit('bytes', direction, count));
    channel.on('serverMessage', (route) => this.hub.emit('serverMessage', route));
    channel.on('serverMessageDropped', (reason) => this.hub.emit('serverMessageDropped', reason));
    channel.on('status', (s) => {
      if (s.state === 'crashed') this.crash = s.reason ?? 'the MCP server could not be started';
      else if (s.state === 'ready') this.crash = undefined;
      this.hub.emit('status', this.status());
    });
    return child;
  }

  /** Runs one call (or stream) on a child, keeping its use time and idle timer. */
  private async use<T = McpOutcome>(child: PooledChild, work: McpCall | ((channel: StdioChannel) => Promise<T>)): Promise<T> {
    child.inFlight++;
    child.lastUsed = Date.now();
    if (child.idleTimer) clearTimeout(child.idleTimer);
    child.idleTimer = undefined;
    try {
      return typeof work === 'function' ? await work(child.channel) : ((await child.channel.call(work)) as T);
    } finally {
      child.inFlight--;
      child.lastUsed = Date.now();
      if (child.inFlight === 0) this.armIdle(child);
    }
  }

  private armIdle(child: PooledChild): void {
    const ms = this.pool.idleTimeoutMs;
    if (ms <= 0 || this.closed || !this.owns(child)) return;
    child.idleTimer = setTimeout(() => {
      if (child.inFlight > 0 || !this.owns(child)) return;
      this.idleReaped++;
      this.logger.info(`closing an MCP server idle for ${formatMs(ms)} (session_idle_timeout)`, { channel: this.name, pid: child.channel.status().pid, sessionless: child.id === null });
      void this.retire(child, `it was idle for ${formatMs(ms)} (session_idle_timeout), and its MCP server was stopped`);
    }, ms);
    child.idleTimer.unref();
  }

  private owns(child: PooledChild): boolean {
    return child.id === null ? this.sessionless === child : this.sessions.get(child.id) === child;
  }

  /** Takes a child out of the pool and stops it with its process group; `why` is told to the session's next call. */
  private async retire(child: PooledChild, why: string | null): Promise<void> {
    if (!this.owns(child)) return;
    if (child.idleTimer) clearTimeout(child.idleTimer);
    if (child.id === null) this.sessionless = null;
    else {
      this.sessions.delete(child.id);
      if (why) {
        this.closedIds.set(child.id, why);
        if (this.closedIds.size > CLOSED_KEPT) this.closedIds.delete(this.closedIds.keys().next().value!);
      }
    }
    this.pastRestarts += child.channel.status().restarts;
    this.hub.emit('status', this.status());
    await child.channel.close();
    this.hub.emit('status', this.status());
  }

  /** HTTP 404 and a JSON-RPC error, as a Streamable HTTP server answers a session it does not know. */
  private notFound(id: string, message: unknown): McpOutcome {
    const why = this.closedIds.get(id);
    const text = why
      ? `MCP session not found: it was closed because ${why}. Reconnect: start a new session (initialize without Mcp-Session-Id).`
      : 'MCP session not found: this tunnel has no session with that Mcp-Session-Id (it was terminated, or the tunnel restarted). Reconnect: start a new session (initialize without Mcp-Session-Id).';
    const requestId: JsonRpcId | null = isRequest(message) ? (message as { id: JsonRpcId }).id : null;
    if (isNotification(message)) this.logger.debug('notification for an unknown session', { channel: this.name });
    return {
      kind: 'response',
      status: 404,
      headers: { 'Content-Type': ['application/json'] },
      json: { jsonrpc: '2.0', id: requestId, error: { code: SESSION_NOT_FOUND_CODE, message: text } },
    };
  }
}

/** Waits for `promise`, or fails when `signal` aborts first. */
function raceSignal(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new DeadlineExceededError());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}
