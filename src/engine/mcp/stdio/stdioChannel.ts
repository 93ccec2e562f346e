/**
 * A stdio MCP server as an `McpChannel`: one child process per channel,
 * shared by every remote session and every concurrent command
 * (`session_mode: shared`; in `per_session` mode `./sessionPool` runs one of
 * these per remote session).
 *
 * The reference daemon runs one request at a time over the pipes. Here many
 * calls are in flight at once, which takes four parts this class puts
 * together: the child supervisor (`./supervisor`, `./serverProcess`), id
 * multiplexing (`./ids`), one shared MCP session (`./session`) and a check
 * that the child still answers (`./wedge`). What is left here is the routing:
 * which part a caller's message goes to, and whose call each line from the
 * child belongs to.
 */
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
} from '../../../protocol/jsonrpc';
import type { Headers } from '../../../protocol/wire';
import type { StdioTarget } from '../../config';
import { DeadlineExceededError, TunnelFailureError } from '../../failure';
import type { Logger } from '../../log';
import type { ChannelEvents, ChannelStatus, McpCall, McpChannel, McpOutcome, SessionStream, SessionStreamEnd } from '../channel';
import { ChannelEventHub } from '../channelEvents';
import { ServerMessageBox } from '../serverMessages';
import type { ServerProcess } from './serverProcess';
import { MessageTooLargeError, oversizedResponseId } from './framing';
import { IdMux, type Note, type Obj, type Pending, type Req } from './ids';
import { STDIO_DEFAULTS, type StdioChannelOptions } from './options';
import { SharedSession } from './session';
import { Supervisor } from './supervisor';
import { WedgeWatch } from './wedge';

function jsonHeaders(): Headers {
  return { 'Content-Type': ['application/json'] };
}

function response(json: Obj, status = 200): McpOutcome {
  return { kind: 'response', json, status, headers: jsonHeaders() };
}

export class StdioChannel implements McpChannel {
  readonly kind = 'stdio' as const;
  readonly procAffinity = true;
  readonly name: string;

  private readonly maxMessageBytes: number;
  private readonly hub: ChannelEventHub;
  private readonly ids: IdMux;
  private readonly supervisor: Supervisor;
  private readonly session: SharedSession<ServerProcess>;
  private readonly wedge: WedgeWatch;
  /** The server's messages outside any call, for the session's streams and next requests. */
  private readonly box: ServerMessageBox;
  /** Ends every open session stream when the channel closes. */
  private readonly closing = new AbortController();

  constructor(
    target: StdioTarget,
    private readonly logger: Logger,
    options: StdioChannelOptions = {},
  ) {
    this.name = target.channel;
    this.hub = new ChannelEventHub(this.name, logger);
    this.maxMessageBytes = target.maxMessageBytes ?? options.maxMessageBytes ?? STDIO_DEFAULTS.maxMessageBytes;
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
    this.supervisor = new Supervisor(
      target,
      {
        backoffInitialMs: options.restartBackoff?.initialMs ?? STDIO_DEFAULTS.restartInitialMs,
        backoffMaxMs: options.restartBackoff?.maxMs ?? STDIO_DEFAULTS.restartMaxMs,
        backoffResetAfterMs: options.restartBackoff?.resetAfterMs ?? STDIO_DEFAULTS.restartResetAfterMs,
        stopGraceMs: options.stopGraceMs ?? STDIO_DEFAULTS.stopGraceMs,
        maxMessageBytes: this.maxMessageBytes,
      },
      {
        spawned: (child) => void this.prepare(child),
        line: (line) => this.onLine(line),
        oversize: (bytes, head, tail) => this.onOversize(bytes, head, tail),
        failCalls: (makeError) => this.ids.failAll(makeError),
        inFlight: () => this.ids.size,
        emit: (event, ...args) => this.hub.emit(event, ...args),
      },
      logger,
    );
    this.session = new SharedSession<ServerProcess>(
      {
        acquire: (signal) => this.supervisor.acquire(signal),
        send: (child, call, message, signal) => this.send(child, call, message, signal),
        write: (child, message) => child.write(message),
      },
      logger,
      this.name,
      options.reinitializeTimeoutMs ?? STDIO_DEFAULTS.reinitializeTimeoutMs,
    );
    this.wedge = new WedgeWatch(
      options.wedgeProbe ?? { afterMs: STDIO_DEFAULTS.wedgeAfterMs, timeoutMs: STDIO_DEFAULTS.wedgePingTimeoutMs },
      this.ids,
      this.supervisor,
      (child, signal) => this.send(child, null, { jsonrpc: '2.0', id: 0, method: 'ping' }, signal),
      logger,
      this.name,
    );
  }

  on<E extends keyof ChannelEvents>(event: E, listener: ChannelEvents[E]): void {
    this.hub.on(event, listener);
  }


  status(): ChannelStatus {
    return this.supervisor.status();
  }

  /** See Supervisor.start: resolves once the child runs or could not be started at all. */
  start(): Promise<void> {
    return this.supervisor.start();
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
      return response(invalidRequestError(answerableId(message), `${err.message}; send a smaller message`) as unknown as Obj, 413);
    }
  }

  private async route(call: McpCall): Promise<McpOutcome> {
    if (call.signal.aborted) throw new DeadlineExceededError();
    const message = call.message as unknown;
    if (isRequest(message)) {
      const req = message as unknown as Req;
      // A client's session begins with its initialize; messages before that are for nobody.
      if (req.method === 'initialize' && !call.engineOwn) this.box.claim();
      // While it runs, the request's own stream also carries the session's messages outside any call
      // (server-everything announces tools/list_changed while it answers initialize).
      const detach = this.box.attachCall((m) => this.deliver(call, m));
      try {
        if (req.method === 'initialize') return response(await this.session.initialize(call, req));
        return response(await this.send(await this.supervisor.acquire(call.signal), call, req, call.signal));
      } finally {
        detach();
      }
    }
    if (isNotification(message)) {
      await this.notify(call, message as unknown as Note);
      return { kind: 'ack', status: 202, headers: {} };
    }
    if (isResponse(message)) {
      // A remote client answering a server-initiated request: the id is the server's own.
      await (await this.supervisor.acquire(call.signal)).write(message);
      return { kind: 'ack', status: 202, headers: {} };
    }
    return response(invalidRequestError(answerableId(message), 'not a JSON-RPC 2.0 request, notification or response') as unknown as Obj, 400);
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

  /**
   * The session's standalone stream: the server's messages outside any call
   * go to it until `stream.signal` aborts (or the channel closes). A stdio
   * child has no session of its own to check, so every stream is accepted.
   */
  async openStream(stream: SessionStream): Promise<SessionStreamEnd> {
    if (this.closing.signal.aborted) throw new TunnelFailureError('client_internal', { kind: 'channel_closed' });
    await this.box.serveStream(stream.onNotify, stream.signal, this.closing.signal);
    return { status: 200, headers: {} };
  }

  close(): Promise<void> {
    this.wedge.stop();
    this.closing.abort();
    this.box.close();
    return this.supervisor.close();
  }

  /** A fresh child serves once it was initialized as the one before it, if there was one. */
  private async prepare(child: ServerProcess): Promise<void> {
    if (this.session.needsReplay && !(await this.session.replay(child))) return;
    this.supervisor.markReady(child);
  }

  // ---- outgoing ----------------------------------------------------------------

  /**
   * Sends one request under a fresh local id and resolves with the server's
   * answer, its id (and progress token) restored to the caller's.
   */
  private send(child: ServerProcess, call: McpCall | null, message: Req, signal: AbortSignal): Promise<Obj> {
    return new Promise<Obj>((resolve, reject) => {
      // Both settle functions also detach the abort listener.
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
      const onAbort = () => this.abandon(child, entry);
      signal.addEventListener('abort', onAbort, { once: true });
      if (call) this.wedge.watch();
      child.write(outgoing).then(
        (sent) => {
          if (call?.meter) call.meter.sent += sent;
        },
        (err: Error) => {
          if (this.ids.close(entry)) entry.reject(err);
        },
      );
    });
  }

  /**
   * The caller's deadline passed. The id is retired (its late answer is
   * dropped) and the server is asked to stop; the pipes stay open for
   * everyone else. `initialize` must not be cancelled (MCP spec), and a
   * half-initialized shared child is useless, so it is restarted instead.
   */
  private abandon(child: ServerProcess, entry: Pending): void {
    if (!this.ids.retire(entry, new DeadlineExceededError())) return;
    if (this.supervisor.child !== child || child.fate === 'ended') return;
    if (entry.method === 'initialize') {
      this.logger.warn('initialize did not finish before its deadline; restarting the MCP server', { channel: this.name });
      this.supervisor.restart(child, 'did not answer initialize in time');
      return;
    }
    child
      .write({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: entry.localId, reason: 'deadline exceeded' },
      })
      .catch(() => undefined);
  }

  private async notify(call: McpCall, message: Note): Promise<void> {
    const child = await this.supervisor.acquire(call.signal);
    if (message.method === 'notifications/initialized') {
      await this.session.initialized(child, message);
      return;
    }
    if (message.method === 'notifications/cancelled') {
      const forwarded = this.ids.clientCancel(call, message);
      if (forwarded) await child.write(forwarded);
      return;
    }
    await child.write(message);
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
    if (!isObject(message)) {
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
    const entry = this.ids.answer(message);
    if (!entry) return;
    const child = this.supervisor.child;
    if (child) child.answered = true;
    if (entry.call?.meter) entry.call.meter.received += size;
    entry.resolve(message);
  }

  /** A notification tied to a call (progress, related-request id) goes with it; any other is the session's (see serverMessages.ts). */
  private onServerNotification(message: Note): void {
    const call = this.ids.notificationCall(message);
    if (call) this.deliver(call, message);
    else this.box.push(message);
  }

  /**
   * sampling/createMessage, elicitation/create, roots/list…: only a remote
   * client can answer. It goes to the call it belongs to when the server says
   * so; one outside any call goes to the session's stream or next request
   * (see serverMessages.ts), and the client's answer comes back as a message
   * of its own, written to this child.
   */
  private onServerRequest(message: Note): void {
    const call = this.ids.serverRequestCall(message);
    if (call) this.deliver(call, message);
    else this.box.push(message);
  }

  /** Tells the server a request of its own will get no answer, so it stops waiting. */
  private refuseServerRequest(id: JsonRpcId, why: string): void {
    const child = this.supervisor.child;
    if (!child || child.fate === 'ended') return;
    child.write({ jsonrpc: '2.0', id, error: { code: JSONRPC_INTERNAL_ERROR, message: `No client answered this request: ${why}` } }).catch(() => undefined);
  }

  private deliver(call: McpCall, message: Obj): void {
    this.deliverTo(call.onNotify, message);
  }

  private deliverTo(onNotify: (message: JsonRpcMessage) => void, message: Obj): void {
    this.box.deliver(onNotify, message);
  }


  /**
   * A message over the cap is dropped. If its top-level id can be read from
   * the first or last bytes (servers put it first or last), the call it
   * answers fails now with a protocol error instead of waiting for its deadline.
   */
  private onOversize(bytes: number, head: Buffer, tail: Buffer): void {
    const id = oversizedResponseId(head, tail);
    const entry = id === undefined ? undefined : this.ids.byLocalId(id);
    this.logger.error(
      `MCP server sent a ${bytes}-byte message, over the ${this.maxMessageBytes}-byte limit; discarded it. ` +
        'Raise the channel\'s maximum message size or make the tool return less.',
      { channel: this.name, bytes, limitBytes: this.maxMessageBytes, failedCall: entry !== undefined },
    );
    if (!entry) return;
    this.ids.retire(
      entry,
      new TunnelFailureError('protocol', {
        kind: 'response_body_too_large',
        message: `MCP server response of ${bytes} bytes exceeds the ${this.maxMessageBytes}-byte limit`,
      }),
    );
  }
}
