/**
 * Messages an MCP server sends outside any call: notifications
 * (`notifications/message` after `logging/setLevel`,
 * `notifications/resources/updated`, list changes) and requests (`roots/list`,
 * `sampling/createMessage`, `elicitation/create`) that belong to no request in
 * flight. A direct Streamable HTTP connection gets them on the session's
 * standalone `GET` stream, or on any response stream of the session that is
 * open; the tunnel does the same with what it has:
 *
 * 1. an open session stream (a `session_stream` command, which the project's
 *    own relay sends while a client holds its `GET` stream open) gets them at
 *    once: notifications go to every open stream, a request to the newest one
 *    only, so it is answered once;
 * 2. else a request of the same session in flight carries them as
 *    `jsonrpc_notify` before its own answer (the newest one: it has the most
 *    time left);
 * 3. else they are held, at most `limit`, until the session's next request or
 *    stream; past the limit the oldest is dropped and counted.
 *
 * Before a client opened a session here (its `initialize`, or a stream), the
 * messages are nobody's: a shared child's startup-probe session, or calls
 * from clients that never initialized. They are dropped and counted.
 *
 * One box serves one MCP session as the server sees it: a `per_session`
 * child's own session, or the one session a shared child has for everybody.
 */
import type { JsonRpcMessage } from '../../protocol/jsonrpc';
import type { Logger } from '../log';

export type Obj = Record<string, unknown>;

/** Where a message went when it arrived. */
export type ServerMessageRoute = 'stream' | 'call' | 'held';
/** Why a message was never delivered. */
export type ServerMessageDrop = 'held_limit' | 'session_closed' | 'no_client';

export interface ServerMessageReport {
  routed(route: ServerMessageRoute, message: Obj): void;
  /** A message that will never be delivered; a request among them should be answered with an error so the server stops waiting. */
  dropped(reason: ServerMessageDrop, message: Obj): void;
}

/** One open stream or request that can carry server messages to its client. */
export type MessageSink = (message: Obj) => void;

export const HELD_MESSAGES_LIMIT = 256;

export class ServerMessageBox {
  private held: Obj[] = [];
  private readonly streams: MessageSink[] = [];
  private readonly calls: MessageSink[] = [];
  /** Whether a client opened a session here yet. */
  private claimed = false;

  constructor(
    private readonly report: ServerMessageReport,
    private readonly logger: Logger,
    private readonly channel: string,
    private readonly limit = HELD_MESSAGES_LIMIT,
  ) {}

  /** Messages waiting for the session's next request or stream. */
  get heldCount(): number {
    return this.held.length;
  }

  /** A server message that belongs to no call in flight. */
  push(message: Obj): void {
    if (!this.claimed) {
      this.report.dropped('no_client', message);
      return;
    }
    const request = 'id' in message;
    if (this.streams.length > 0) {
      if (request) this.streams[this.streams.length - 1](message);
      else for (const stream of this.streams) stream(message);
      this.report.routed('stream', message);
      return;
    }
    if (this.calls.length > 0) {
      this.calls[this.calls.length - 1](message);
      this.report.routed('call', message);
      return;
    }
    this.held.push(message);
    this.report.routed('held', message);
    if (this.held.length > this.limit) {
      const oldest = this.held.shift()!;
      this.logger.warn(`more than ${this.limit} MCP server messages outside a call are waiting for this session's next request; dropped the oldest`, {
        channel: this.channel,
        method: typeof oldest.method === 'string' ? oldest.method : '(none)',
      });
      this.report.dropped('held_limit', oldest);
    }
  }

  /** A client opened a session here (initialize, or a stream): from now on its messages are delivered or held. */
  claim(): void {
    this.claimed = true;
  }

  /** A session stream opened: what is held goes to it now, later messages as they come. Returns the detach function. */
  attachStream(sink: MessageSink): () => void {
    this.flush(sink, 'stream');
    return attach(this.streams, sink);
  }

  /** A request of the session is in flight: what is held goes first on its stream. Returns the detach function. */
  attachCall(sink: MessageSink): () => void {
    this.flush(sink, 'call');
    return attach(this.calls, sink);
  }

  /**
   * A session stream (`McpChannel.openStream`): it claims the session and
   * carries its messages until the stream's signal or `closing` aborts.
   */
  async serveStream(onNotify: (message: JsonRpcMessage) => void, signal: AbortSignal, closing: AbortSignal): Promise<void> {
    this.claim();
    const detach = this.attachStream((m) => this.deliver(onNotify, m));
    try {
      await untilAborted(signal, closing);
    } finally {
      detach();
    }
  }

  /** Hands a server message to a client's call or stream; a listener that throws is logged, and the channel goes on. */
  deliver(onNotify: (message: JsonRpcMessage) => void, message: Obj): void {
    try {
      onNotify(message as unknown as JsonRpcMessage);
    } catch (err) {
      this.logger.warn('delivering a server message to its client failed', { channel: this.channel, error: (err as Error).name });
    }
  }

  /** The session is gone: whatever is held is dropped and counted. */
  close(): void {
    const held = this.held;
    this.held = [];
    for (const message of held) this.report.dropped('session_closed', message);
  }

  private flush(sink: MessageSink, route: ServerMessageRoute): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const message of held) {
      sink(message);
      this.report.routed(route, message);
    }
  }
}

function attach(list: MessageSink[], sink: MessageSink): () => void {
  list.push(sink);
  return () => {
    const at = list.lastIndexOf(sink);
    if (at >= 0) list.splice(at, 1);
  };
}

/** Resolves once either signal aborts. */
export function untilAborted(a: AbortSignal, b: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (a.aborted || b.aborted) return resolve();
    const done = () => {
      a.removeEventListener('abort', done);
      b.removeEventListener('abort', done);
      resolve();
    };
    a.addEventListener('abort', done, { once: true });
    b.addEventListener('abort', done, { once: true });
  });
}
