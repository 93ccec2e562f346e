/**
 * An MCP server in the host's own process as an `McpChannel`: JSON-RPC goes
 * through any MCP SDK `Transport` the host hands over (the SDK's in-memory
 * pair, typically), with no child process and no port.
 *
 * It behaves as a shared stdio child does, minus the process: one logical
 * server for every remote session. The server is initialized once (the
 * engine's startup probe, or the first session) and later sessions get the
 * cached answer; ids and progress tokens are renumbered so sessions that
 * reuse an id never meet; a call past its deadline, or cancelled by its
 * client, is cancelled on the server; server messages outside any call go to
 * the session's stream or next request. What a process needs and a
 * transport does not is left out: no restarts (a closed transport ends the
 * channel, and the tunnel reports it degraded), no wedge check, no message
 * size limit, no stderr.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  answerableId,
  invalidRequestError,
  isNotification,
  isObject,
  isRequest,
  isResponse,
  isValidId,
  JSONRPC_INTERNAL_ERROR,
  type JsonRpcId,
  type JsonRpcMessage,
} from '../../protocol/jsonrpc';
import type { Headers } from '../../protocol/wire';
import type { TransportTarget } from '../config';
import { DeadlineExceededError, TunnelFailureError } from '../failure';
import type { Logger } from '../log';
import type { ChannelEvents, ChannelState, ChannelStatus, McpCall, McpChannel, McpOutcome, SessionStream, SessionStreamEnd } from './channel';
import { ChannelEventHub } from './channelEvents';
import { ServerMessageBox } from './serverMessages';
import { IdMux, SharedSession, STDIO_DEFAULTS, type Note, type Obj, type Pending, type Req } from './stdio';

/** The one connection a transport is; `answered` is what the shared session marks. */
interface Link {
  answered: boolean;
}

function response(json: Obj, status = 200): McpOutcome {
  return { kind: 'response', json, status, headers: { 'Content-Type': ['application/json'] } };
}

function byteLength(message: unknown): number {
  return Buffer.byteLength(JSON.stringify(message), 'utf8');
}

export class TransportChannel implements McpChannel {
  readonly kind = 'transport' as const;
  /** The server's state lives in this process, as a stdio child's does in its own. */
  readonly procAffinity = true;
  readonly name: string;

  private readonly hub: ChannelEventHub;
  private readonly ids: IdMux;
  private readonly box: ServerMessageBox;
  private readonly session: SharedSession<Link>;
  private readonly link: Link = { answered: false };
  /** Ends every open session stream when the channel closes. */
  private readonly closing = new AbortController();
  private state: ChannelState = 'stopped';
  private reason: string | undefined;
  private startedAt: number | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    target: TransportTarget,
    private readonly transport: Transport,
    private readonly logger: Logger,
  ) {
    this.name = target.channel;
    this.hub = new ChannelEventHub(this.name, logger);
    this.ids = new IdMux(logger, this.name);
    this.box = new ServerMessageBox(
      {
        routed: (route) => this.hub.emit('serverMessage', route),
        dropped: (reason, message) => {
          this.hub.emit('serverMessageDropped', reason);
          if (isValidId(message.id)) this.refuseServerRequest(message.id as JsonRpcId, 'the tunnel could not deliver it to a client (no request or stream of the session came in time)');
        },
      },
      logger,
      this.name,
    );
    this.session = new SharedSession<Link>(
      {
        acquire: () => this.acquire(),
        send: (_link, call, message, signal) => this.send(call, message, signal),
        write: (_link, message) => this.write(message),
      },
      logger,
      this.name,
      // A transport is never restarted, so the session is never replayed: the bound is never used.
      STDIO_DEFAULTS.reinitializeTimeoutMs,
    );
  }

  on<E extends keyof ChannelEvents>(event: E, listener: ChannelEvents[E]): void {
    this.hub.on(event, listener);
  }

  status(): ChannelStatus {
    const status: ChannelStatus = { kind: 'transport', state: this.state, restarts: 0, inFlight: this.ids.callsWaiting() };
    if (this.reason) status.reason = this.reason;
    if (this.startedAt !== undefined) status.startedAt = this.startedAt;
    return status;
  }

  /** Starts the transport once; a transport that fails to start leaves the channel crashed, with the reason. */
  start(): Promise<void> {
    this.starting ??= this.open();
    return this.starting;
  }

  private async open(): Promise<void> {
    this.transport.onmessage = (message) => this.onMessage(message as unknown);
    this.transport.onerror = (err) => this.logger.warn(`the in-process MCP transport reported an error: ${err?.message ?? String(err)}`, { channel: this.name });
    this.transport.onclose = () => this.onClose();
    this.setState('starting');
    try {
      await this.transport.start();
    } catch (err) {
      this.setState('crashed', `the transport did not start: ${(err as Error)?.message ?? String(err)}`);
      return;
    }
    if (this.state !== 'starting') return;
    this.startedAt = Date.now();
    this.setState('ready');
  }

  async call(call: McpCall): Promise<McpOutcome> {
    if (call.signal.aborted) throw new DeadlineExceededError();
    const message = call.message as unknown;
    if (isRequest(message)) {
      const req = message as unknown as Req;
      // A client's session begins with its initialize; messages before that are for nobody.
      if (req.method === 'initialize' && !call.engineOwn) this.box.claim();
      const detach = this.box.attachCall((m) => this.deliverTo(call.onNotify, m));
      try {
        if (req.method === 'initialize') {
          const answer = await this.session.initialize(call, req);
          const version = isObject(answer.result) ? answer.result.protocolVersion : undefined;
          if (typeof version === 'string') this.transport.setProtocolVersion?.(version);
          return response(answer);
        }
        await this.acquire();
        return response(await this.send(call, req, call.signal));
      } finally {
        detach();
      }
    }
    if (isNotification(message)) {
      const note = message as unknown as Note;
      const link = await this.acquire();
      if (note.method === 'notifications/initialized') await this.session.initialized(link, note);
      else if (note.method === 'notifications/cancelled') {
        const forwarded = this.ids.clientCancel(call, note);
        if (forwarded) await this.write(forwarded);
      } else await this.write(note, call);
      return { kind: 'ack', status: 202, headers: {} };
    }
    if (isResponse(message)) {
      // A remote client answering a server-initiated request: the id is the server's own.
      await this.acquire();
      await this.write(message, call);
      return { kind: 'ack', status: 202, headers: {} };
    }
    return response(invalidRequestError(answerableId(message), 'not a JSON-RPC 2.0 request, notification or response') as unknown as Obj, 400);
  }

  /** One server for every session: ending a session closes nothing, the server keeps serving the others. */
  async terminateSession(_headers: Headers, _signal: AbortSignal): Promise<{ status: number; headers: Headers }> {
    this.logger.debug('session termination on an in-process transport: nothing to close, the server keeps running', { channel: this.name });
    return { status: 204, headers: {} };
  }

  /** The session's standalone stream: the server's messages outside any call go to it until `stream.signal` aborts. */
  async openStream(stream: SessionStream): Promise<SessionStreamEnd> {
    if (this.closing.signal.aborted) throw new TunnelFailureError('client_internal', { kind: 'channel_closed' });
    await this.box.serveStream(stream.onNotify, stream.signal, this.closing.signal);
    return { status: 200, headers: {} };
  }

  /** Closes the transport: the server on its other end sees it close. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.box.close();
    this.ids.failAll(() => new TunnelFailureError('transport_closed', { kind: 'connection_closed', message: 'MCP channel closed' }));
    this.setState('stopped');
    await this.transport.close().catch((err: Error) => this.logger.debug(`closing the in-process MCP transport failed: ${err?.message}`, { channel: this.name }));
  }

  // ---- outgoing ----------------------------------------------------------------

  /** The connection once the transport started; a closed one fails at once rather than waiting for a restart that never comes. */
  private async acquire(): Promise<Link> {
    if (this.state === 'stopped' && !this.closing.signal.aborted) await this.start();
    else if (this.state === 'starting') await this.starting;
    if (this.state === 'ready') return this.link;
    throw new TunnelFailureError('transport_closed', { kind: 'eof', message: this.reason ?? 'the in-process MCP transport is closed' });
  }

  private async write(message: unknown, call?: McpCall): Promise<number> {
    const bytes = byteLength(message);
    try {
      await this.transport.send(message as JSONRPCMessage);
    } catch (err) {
      throw new TunnelFailureError('transport_closed', { kind: 'send_failed', message: `the in-process MCP transport refused the message: ${(err as Error)?.message ?? String(err)}`, cause: err });
    }
    this.hub.emit('bytes', 'out', bytes);
    if (call?.meter) call.meter.sent += bytes;
    return bytes;
  }

  /** Sends one request under a fresh local id; resolves with the server's answer under the caller's id. */
  private send(call: McpCall | null, message: Req, signal: AbortSignal): Promise<Obj> {
    return new Promise<Obj>((resolve, reject) => {
      const { entry, outgoing } = this.ids.open(call, message, {
        resolve: (answer) => {
          signal.removeEventListener('abort', onAbort);
          resolve(answer);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      });
      const onAbort = () => this.abandon(entry);
      signal.addEventListener('abort', onAbort, { once: true });
      this.write(outgoing, call ?? undefined).catch((err: Error) => {
        if (this.ids.close(entry)) entry.reject(err);
      });
    });
  }

  /**
   * The caller's deadline passed: the id is retired (a late answer is
   * dropped) and the server is asked to stop. `initialize` must not be
   * cancelled (MCP spec); its late answer is simply dropped.
   */
  private abandon(entry: Pending): void {
    if (!this.ids.retire(entry, new DeadlineExceededError())) return;
    if (entry.method === 'initialize' || this.state !== 'ready') return;
    this.write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: entry.localId, reason: 'deadline exceeded' } }).catch(() => undefined);
  }

  /** Tells the server a request of its own will get no answer, so it stops waiting. */
  private refuseServerRequest(id: JsonRpcId, why: string): void {
    if (this.state !== 'ready') return;
    this.write({ jsonrpc: '2.0', id, error: { code: JSONRPC_INTERNAL_ERROR, message: `No client answered this request: ${why}` } }).catch(() => undefined);
  }

  // ---- incoming ----------------------------------------------------------------

  private onMessage(raw: unknown): void {
    if (!isObject(raw)) {
      this.logger.warn('the in-process MCP server sent a value that is not a JSON-RPC message; skipped it', { channel: this.name });
      return;
    }
    // The transport hands over its own object: a copy is ours to restore ids in.
    const message: Obj = { ...raw };
    if (isObject(message.params)) message.params = { ...message.params, ...(isObject(message.params._meta) ? { _meta: { ...message.params._meta } } : {}) };
    const size = byteLength(message);
    this.hub.emit('bytes', 'in', size);
    if (typeof message.method === 'string') {
      const note = message as Note;
      const call = 'id' in message ? this.ids.serverRequestCall(note) : this.ids.notificationCall(note);
      if (call) this.deliverTo(call.onNotify, message);
      else this.box.push(message);
      return;
    }
    if ('id' in message) {
      const entry = this.ids.answer(message);
      if (!entry) return;
      this.link.answered = true;
      if (entry.call?.meter) entry.call.meter.received += size;
      entry.resolve(message);
      return;
    }
    this.logger.warn('the in-process MCP server sent a JSON object that is not a JSON-RPC message; skipped it', { channel: this.name });
  }

  private onClose(): void {
    if (this.closing.signal.aborted) return;
    this.logger.error('the in-process MCP server closed its transport; the tunnel cannot reach it any more (start a new tunnel with a new transport)', { channel: this.name });
    this.box.close();
    this.ids.failAll(() => new TunnelFailureError('transport_closed', { kind: 'eof', message: 'the in-process MCP server closed its transport' }));
    this.setState('crashed', 'the in-process MCP server closed its transport');
  }

  private deliverTo(onNotify: (message: JsonRpcMessage) => void, message: Obj): void {
    this.box.deliver(onNotify, message);
  }


  private setState(state: ChannelState, reason?: string): void {
    this.state = state;
    this.reason = reason;
    this.hub.emit('status', this.status());
  }
}
