/**
 * A ring of recent JSON-RPC exchanges for the dashboard, diagnostics and
 * `--trace` output. Payloads are kept only when capture is on, and always
 * pass through redaction first.
 */
import { headerValue, type Headers } from '../protocol/wire';
import type { TraceEntry, TraceOutcome } from './events';
import { hasValidError } from '../protocol/jsonrpc';
import { redactValue } from './redact';

export type { TraceEntry, TraceOutcome } from './events';

/** How a JSON-RPC answer reads: a result, the server's error, or a tool result that reports a failure. */
export function answerOutcome(json: unknown): 'ok' | 'error' | 'tool_error' {
  if (hasValidError(json)) return 'error';
  const result = (json as { result?: { isError?: unknown } } | null)?.result;
  return typeof result === 'object' && result !== null && result.isError === true ? 'tool_error' : 'ok';
}

/** What one exchange was, for `describeExchange`. */
export interface Exchange {
  seq: number;
  origin?: 'local';
  requestId: string;
  channel: string;
  commandType: TraceEntry['commandType'];
  receivedAt: number;
  /** The JSON-RPC message sent to the server (absent for a session termination). */
  message?: Record<string, unknown>;
  headers: Headers;
  phases: TraceEntry['phases'];
  durationMs: number;
  outcome: TraceOutcome;
  respCode?: number;
  respHeaders?: Headers;
  /** The JSON-RPC answer, when there is one. */
  response?: Record<string, unknown>;
  meter?: { sent: number; received: number };
  notifications: number;
  /** Payloads to keep, when capture is on. */
  captured?: { notifications: unknown[] };
}

/** One trace entry, the same way for a polled command and a call made by hand. */
export function describeExchange(x: Exchange): TraceEntry {
  const method = typeof x.message?.method === 'string' ? x.message.method : undefined;
  const params = x.message && 'params' in x.message ? (x.message.params as Record<string, unknown> | undefined) : undefined;
  const id = x.message?.id;
  const error = (x.response as { error?: { code?: number; data?: { tunnel_failure?: TraceEntry['failure'] } } } | undefined)?.error;
  const entry: TraceEntry = {
    seq: x.seq,
    requestId: x.requestId,
    channel: x.channel,
    commandType: x.commandType,
    receivedAt: x.receivedAt,
    method,
    toolName: method === 'tools/call' && typeof params?.name === 'string' ? params.name : undefined,
    jsonrpcId: typeof id === 'string' || typeof id === 'number' || id === null ? id : undefined,
    sessionId: headerValue(x.headers, 'Mcp-Session-Id'),
    phases: x.phases,
    durationMs: x.durationMs,
    outcome: x.outcome,
    respCode: x.respCode,
    bytesIn: x.meter?.sent ?? 0,
    bytesOut: x.meter?.received ?? 0,
    notifications: x.notifications,
    failure: error?.data?.tunnel_failure,
    errorCode: error?.code,
    respHeaders: x.respHeaders,
  };
  if (x.origin) entry.origin = x.origin;
  if (x.captured) {
    entry.request = x.message;
    entry.response = x.response;
    entry.notificationPayloads = x.captured.notifications;
  }
  return entry;
}

export class TraceBuffer {
  private readonly entries: (TraceEntry | undefined)[];
  private next = 0;
  private count = 0;
  private seq = 0;

  constructor(
    private capacity: number,
    public capturePayloads: boolean,
  ) {
    this.entries = new Array(Math.max(1, capacity));
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** Redacts payloads, or strips them when capture is off, then stores. */
  add(entry: TraceEntry): TraceEntry {
    if (this.capturePayloads) {
      if (entry.request !== undefined) entry.request = redactValue(entry.request);
      if (entry.response !== undefined) entry.response = redactValue(entry.response);
      if (entry.notificationPayloads) entry.notificationPayloads = entry.notificationPayloads.map((p) => redactValue(p));
    } else {
      delete entry.request;
      delete entry.response;
      delete entry.notificationPayloads;
    }
    if (entry.respHeaders) entry.respHeaders = redactValue(entry.respHeaders) as Headers;
    this.entries[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
    return entry;
  }

  /** Oldest first. */
  list(): TraceEntry[] {
    const out: TraceEntry[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) out.push(this.entries[(start + i) % this.capacity]!);
    return out;
  }

  clear(): void {
    this.entries.fill(undefined);
    this.next = 0;
    this.count = 0;
  }

  get size(): number {
    return this.count;
  }
}
