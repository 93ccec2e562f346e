/**
 * Fault injection: make the relay's control plane misbehave on demand (a 503
 * with Retry-After, a 401, a 404 on a response POST, a connection reset in the
 * middle of a long-poll, a slow answer, a malformed body). A hosted service
 * cannot be asked to do this, which is why the relay exists for tests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiError } from './http';

export type FaultTarget = 'poll' | 'response' | 'metadata';

export interface FaultSpec {
  /** Which control-plane endpoint misbehaves. */
  on: FaultTarget;
  /** Answer with this HTTP status instead of handling the request. */
  status?: number;
  /** `Retry-After` header value sent with `status` (seconds or an HTTP date, sent verbatim). */
  retryAfter?: string;
  /**
   * Body sent with `status` (a string or Buffer verbatim, anything else as JSON).
   * Default: an APIErrorResponse naming the injected status. A body without a
   * status is sent with 200, e.g. a malformed poll batch.
   */
  body?: unknown;
  /** Extra response headers sent with `status`. */
  headers?: Record<string, string>;
  /** Destroy the connection (TCP reset) instead of answering. */
  resetConnection?: boolean;
  /** How many matching requests it applies to (default 1; `Infinity` until cancelled). */
  times?: number;
  /** Only requests this accepts are faulted; response POSTs pass their body's request_id. */
  match?: (requestId?: string) => boolean;
  /**
   * Wait this long first. Alone (no status, body or reset) it only slows the
   * request down, then normal handling goes on. Default 0, except 100 ms for a
   * reset of a poll, so the poll is reset while it is waiting.
   */
  delayMs?: number;
}

export interface FaultHandle {
  readonly target: FaultTarget;
  /** Requests this fault has been applied to so far. */
  readonly hits: number;
  /** Uses left (0 once spent or cancelled). */
  readonly remaining: number;
  cancel(): void;
}

const DEFAULT_POLL_RESET_DELAY_MS = 100;

/** Stable error codes a real tunnel service would use for these statuses. */
const CODE_FOR_STATUS: Record<number, string> = {
  401: 'tunnel_use_forbidden',
  403: 'tunnel_use_forbidden',
  404: 'pending_request_not_found',
  413: 'request_body_too_large',
  429: 'rate_limit_exceeded',
  503: 'tunnel_transport_unavailable',
};

export class ArmedFault implements FaultHandle {
  hits = 0;
  remaining: number;

  constructor(readonly spec: FaultSpec) {
    this.remaining = spec.times ?? 1;
  }

  get target(): FaultTarget {
    return this.spec.on;
  }

  cancel(): void {
    this.remaining = 0;
  }
}

export class FaultInjector {
  private faults: ArmedFault[] = [];

  add(spec: FaultSpec): FaultHandle {
    if (spec.on !== 'poll' && spec.on !== 'response' && spec.on !== 'metadata') {
      throw new Error(`fault target must be 'poll', 'response' or 'metadata', not ${JSON.stringify(spec.on)}`);
    }
    if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) {
      throw new Error(`fault status must be an HTTP status code (100..599), not ${spec.status}`);
    }
    const times = spec.times ?? 1;
    if (!(times >= 1)) throw new Error(`fault times must be at least 1, not ${times}`);
    const fault = new ArmedFault(spec);
    this.faults.push(fault);
    return fault;
  }

  /** Takes one use of the first armed fault for `target` that matches. */
  take(target: FaultTarget, requestId?: string): ArmedFault | undefined {
    if (this.faults.length === 0) return undefined;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    for (const fault of this.faults) {
      if (fault.spec.on !== target) continue;
      if (fault.spec.match && !fault.spec.match(requestId)) continue;
      fault.remaining--;
      fault.hits++;
      return fault;
    }
    return undefined;
  }

  /** True when some fault for `target` is still armed (lets the hot path skip work). */
  has(target: FaultTarget): boolean {
    return this.faults.some((f) => f.remaining > 0 && f.spec.on === target);
  }

  clear(): void {
    for (const fault of this.faults) fault.cancel();
    this.faults = [];
  }
}

/**
 * Plays a fault on one request. Returns true when the request has been answered
 * (or its connection destroyed), false when normal handling should go on.
 */
export async function applyFault(fault: ArmedFault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const { spec } = fault;
  const delay = spec.delayMs ?? (spec.resetConnection && spec.on === 'poll' ? DEFAULT_POLL_RESET_DELAY_MS : 0);
  if (delay > 0) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (res.destroyed || res.writableEnded) return true;
  }
  if (spec.resetConnection) {
    const socket = req.socket;
    // resetAndDestroy sends a TCP RST (ECONNRESET on the client), like a dropped proxy.
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
    return true;
  }
  if (spec.status === undefined && spec.body === undefined) return false;
  const status = spec.status ?? 200;
  const headers: Record<string, string | number> = { ...spec.headers };
  if (spec.retryAfter !== undefined) headers['Retry-After'] = spec.retryAfter;
  if (status === 204 || status === 304) {
    res.writeHead(status, headers);
    res.end();
    return true;
  }
  let body: Buffer;
  if (spec.body === undefined) {
    body = Buffer.from(JSON.stringify(apiError(`injected fault: HTTP ${status}`, CODE_FOR_STATUS[status] ?? null, status >= 500 ? 'server_error' : 'invalid_request_error')));
  } else if (Buffer.isBuffer(spec.body)) {
    body = spec.body;
  } else {
    body = Buffer.from(typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body));
  }
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers, 'Content-Length': body.length });
  res.end(body);
  return true;
}
