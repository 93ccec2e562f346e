/**
 * A ring of recent JSON-RPC exchanges for the dashboard, diagnostics and
 * `--trace` output. Payloads are kept only when capture is on, and always
 * pass through redaction first.
 */
import type { Headers, TunnelFailure } from '../protocol/wire';
import { hasValidError } from '../protocol/jsonrpc';
import { redactValue } from './redact';

export type TraceOutcome =
  /** Answered with a JSON-RPC result, an ack, or a session close. */
  | 'ok'
  /** Answered with the server's own JSON-RPC error. */
  | 'error'
  /** Answered with a tool result that reports a failure (`isError: true`). */
  | 'tool_error'
  /** Answered with a synthesized tunnel failure. */
  | 'failure'
  /** Deadline passed; nothing was posted. */
  | 'expired'
  /** The control plane no longer held the command (404 on POST). */
  | 'gone'
  /** The response POST could not be delivered. */
  | 'post_failed'
  /** Engine stopped before the command finished. */
  | 'cancelled';

/** How a JSON-RPC answer reads: a result, the server's error, or a tool result that reports a failure. */
export function answerOutcome(json: unknown): 'ok' | 'error' | 'tool_error' {
  if (hasValidError(json)) return 'error';
  const result = (json as { result?: { isError?: unknown } } | null)?.result;
  return typeof result === 'object' && result !== null && result.isError === true ? 'tool_error' : 'ok';
}

export interface TraceEntry {
  seq: number;
  /** 'local': run from the dashboard straight on the MCP server, not polled from the control plane. */
  origin?: 'local';
  requestId: string;
  channel: string;
  commandType: 'jsonrpc' | 'session_termination';
  /** Wall-clock time the poll batch arrived (ms since epoch). */
  receivedAt: number;
  method?: string;
  toolName?: string;
  jsonrpcId?: string | number | null;
  sessionId?: string;
  phases: { queuedMs: number; mcpMs: number; postMs: number };
  durationMs: number;
  outcome: TraceOutcome;
  respCode?: number;
  /** Bytes of the request as written to the MCP server. */
  bytesIn: number;
  /** Bytes of the server's answer (the terminal response) as read from it. */
  bytesOut: number;
  notifications: number;
  failure?: TunnelFailure;
  errorCode?: number;
  respHeaders?: Headers;
  /** Present only with payload capture on, redacted. */
  request?: unknown;
  response?: unknown;
  notificationPayloads?: unknown[];
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
