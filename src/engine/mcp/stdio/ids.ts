/**
 * Id multiplexing for one shared stdio child. Remote sessions pick JSON-RPC
 * ids and progress tokens independently, so they collide; every request is
 * sent under a local id from a counter that never resets (not even across
 * restarts), and the caller's id is restored in the answer and in the
 * messages tied to it. Because local ids are never reused, the late answer to
 * a cancelled or expired request can never be mistaken for someone else's:
 * its id is retired and the answer dropped.
 */
import { isObject, isValidId, type JsonRpcId } from '../../../protocol/jsonrpc';
import { headerValue } from '../../../protocol/wire';
import { TunnelFailureError } from '../../failure';
import type { Logger } from '../../log';
import type { McpCall } from '../channel';

export type Obj = Record<string, unknown>;
export type Req = Obj & { id: JsonRpcId; method: string };
export type Note = Obj & { method: string };

const RELATED_REQUEST_META_KEY = 'io.modelcontextprotocol/related-request-id';

/** How many retired ids are remembered, only to say precisely why a late answer is dropped. */
const RETIRED_KEPT = 4096;

export interface Pending {
  localId: number;
  originalId: JsonRpcId;
  /** Null for the channel's own requests (the replayed `initialize`, the wedge `ping`). */
  call: McpCall | null;
  method: string;
  /** The caller's progress token, when it was rewritten to the local id. */
  progressToken?: string | number;
  sessionId?: string;
  /** When it was handed to the child (ms since epoch). */
  sentAt: number;
  resolve(message: Obj): void;
  reject(err: Error): void;
}

export class IdMux {
  private nextLocalId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Recently retired local ids, kept only to log their late answers precisely. */
  private readonly retired = new Set<number>();

  constructor(
    private readonly logger: Logger,
    private readonly channel: string,
  ) {}

  /** Requests in flight, the channel's own included. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Puts `message` in flight under a fresh local id and returns what to send:
   * shallow copies only, the payload itself is shared, never cloned.
   */
  open(call: McpCall | null, message: Req, settle: Pick<Pending, 'resolve' | 'reject'>): { entry: Pending; outgoing: Obj } {
    const localId = this.nextLocalId++;
    const outgoing: Obj = { ...message, id: localId };
    let progressToken: string | number | undefined;
    const params = message.params;
    if (isObject(params) && isObject(params._meta)) {
      const token = params._meta.progressToken;
      if (typeof token === 'string' || typeof token === 'number') {
        // Remote sessions pick tokens independently (the SDK uses the request id),
        // so they collide; the local id is unique on this child.
        progressToken = token;
        outgoing.params = { ...params, _meta: { ...params._meta, progressToken: localId } };
      }
    }
    const entry: Pending = {
      localId,
      originalId: message.id,
      call,
      method: message.method,
      progressToken,
      sessionId: call ? headerValue(call.headers, 'Mcp-Session-Id') : undefined,
      sentAt: Date.now(),
      resolve: settle.resolve,
      reject: settle.reject,
    };
    this.pending.set(localId, entry);
    return { entry, outgoing };
  }

  /** Takes `entry` out of flight; false when it already left (answered, failed or retired). */
  close(entry: Pending): boolean {
    if (this.pending.get(entry.localId) !== entry) return false;
    this.pending.delete(entry.localId);
    return true;
  }

  /** Takes `entry` out of flight for good: a late answer to it is dropped. It fails with `err`. */
  retire(entry: Pending, err: Error): boolean {
    if (!this.close(entry)) return false;
    this.retired.add(entry.localId);
    // Local ids never repeat, so forgetting old ones only changes a log line.
    if (this.retired.size > RETIRED_KEPT) {
      const oldest = this.retired.values().next().value;
      if (oldest !== undefined) this.retired.delete(oldest);
    }
    entry.reject(err);
    return true;
  }

  /** Fails every request in flight. */
  failAll(makeError: () => Error): void {
    if (this.pending.size === 0) return;
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const p of calls) p.reject(makeError());
  }

  /** The request a response from the child answers, out of flight now and with the caller's id restored in `message`. */
  answer(message: Obj): Pending | undefined {
    const id = message.id;
    const entry = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!entry) {
      if (typeof id === 'number' && this.retired.delete(id)) {
        this.logger.debug('discarded the late answer to a cancelled request', { channel: this.channel, localId: id });
      } else {
        this.logger.warn('MCP server answered a request id that is not in flight; discarded it', { channel: this.channel });
      }
      return undefined;
    }
    this.pending.delete(entry.localId);
    // The parsed object is ours alone: restore the caller's id in place.
    message.id = entry.originalId;
    return entry;
  }

  /** The request in flight under `localId` (a local id read from a discarded oversized message). */
  byLocalId(localId: number): Pending | undefined {
    return this.pending.get(localId);
  }

  /**
   * The call a server notification belongs to (by progress token or by
   * related-request id), with the caller's token or id restored in `message`.
   */
  notificationCall(message: Note): McpCall | undefined {
    const params = isObject(message.params) ? message.params : undefined;
    let owner: Pending | undefined;
    if (message.method === 'notifications/progress' && params) {
      const token = params.progressToken;
      const p = typeof token === 'number' ? this.pending.get(token) : undefined;
      if (p && p.progressToken !== undefined) {
        owner = p;
        params.progressToken = p.progressToken;
      }
    } else if (params && isObject(params._meta)) {
      const related = params._meta[RELATED_REQUEST_META_KEY];
      const p = typeof related === 'number' ? this.pending.get(related) : undefined;
      if (p) {
        owner = p;
        params._meta[RELATED_REQUEST_META_KEY] = p.originalId;
      }
    }
    return owner?.call ?? undefined;
  }

  /**
   * The call that should answer a server request: the one the server says it
   * belongs to (its related-request id restored in `message`), else the most
   * recent call in flight.
   */
  serverRequestCall(message: Note): McpCall | undefined {
    const params = isObject(message.params) ? message.params : undefined;
    let target: Pending | undefined;
    const related = params && isObject(params._meta) ? params._meta[RELATED_REQUEST_META_KEY] : undefined;
    if (typeof related === 'number') {
      target = this.pending.get(related);
      if (target && params && isObject(params._meta)) params._meta[RELATED_REQUEST_META_KEY] = target.originalId;
    }
    if (!target?.call) {
      target = undefined;
      for (const p of this.pending.values()) if (p.call) target = p;
    }
    return target?.call ?? undefined;
  }

  /**
   * A remote client cancels one of its requests by its own id, which the
   * child never saw. Find the call (same id, same session when known), retire
   * it, and return the cancellation under the local id; null when it matches
   * no call, or several.
   */
  clientCancel(call: McpCall, message: Obj): Obj | null {
    const params = message.params;
    if (!isObject(params) || !isValidId(params.requestId)) return null;
    const sessionId = headerValue(call.headers, 'Mcp-Session-Id');
    let match: Pending | undefined;
    for (const p of this.pending.values()) {
      if (p.call && p.originalId === params.requestId && p.sessionId === sessionId) {
        if (match) {
          this.logger.debug('client cancellation matches several calls; not forwarded', { channel: this.channel });
          return null;
        }
        match = p;
      }
    }
    if (!match || match.method === 'initialize') return null;
    // The server will not answer it any more: the call ends now.
    this.retire(match, new TunnelFailureError('transport_closed', { kind: 'connection_aborted', message: 'request cancelled by the client' }));
    return { ...message, params: { ...params, requestId: match.localId } };
  }

  /** The oldest call from a remote caller still in flight. */
  oldestCall(): Pending | undefined {
    for (const p of this.pending.values()) if (p.call) return p;
    return undefined;
  }

  /** How many calls from remote callers are in flight. */
  callsWaiting(): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.call) n++;
    return n;
  }
}
