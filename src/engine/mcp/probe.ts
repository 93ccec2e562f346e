/**
 * The MCP startup probe: before a channel counts as usable, the engine sends
 * it its own `initialize` (and `notifications/initialized`), so "ready" means
 * a call would work. On a stdio channel the answer becomes the shared child's
 * cached `initialize`; on Streamable HTTP it is a real request, and the
 * probe's session is closed again (DELETE) when the server opened one.
 */
import { CLIENT_NAME, CLIENT_VERSION } from '../../version';
import { headerValue, type Headers, type TunnelFailure } from '../../protocol/wire';
import { DeadlineExceededError, TunnelFailureError } from '../failure';
import type { McpChannel } from './channel';

/** The protocol version the probe asks for; a server answers its own when it does not support it. */
export const PROBE_PROTOCOL_VERSION = '2025-11-25';
export const PROBE_TIMEOUT_MS = 10_000;

export type ProbeResult =
  /** Usable. `note` says why with a caveat (an OAuth-protected server a connector must bring a token to). */
  | { ok: true; note?: string }
  /** `refused`: nothing accepted the connection (the server is not listening yet). */
  | { ok: false; reason: string; refused?: boolean };

const AUTH_STATUSES = new Set([401, 403]);

/** A failed probe in words; the transport kind follows in parentheses. */
const SOURCE_REASONS: Record<string, string> = {
  connect: 'cannot connect',
  dns: 'cannot resolve the host name',
  tls: 'the TLS handshake failed',
  transport_closed: 'the server went away before it answered initialize',
  timeout: 'no answer to initialize in time',
  protocol: 'the answer to initialize is not valid MCP',
  client_internal: 'the probe could not be sent',
};

function bounded(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max)}…`;
}

function authNote(status: number, headers: Headers): string {
  const challenge = headerValue(headers, 'WWW-Authenticate');
  return `MCP initialize requires auth: HTTP ${status}${challenge ? ` (${bounded(challenge, 160)})` : ''}`;
}

/** A transport failure in words: "cannot connect (connection_refused)". */
export function describeFailure(failure: TunnelFailure): string {
  const kind = failure.transport_error_kind;
  return `${SOURCE_REASONS[failure.source] ?? failure.source}${kind ? ` (${kind})` : ''}`;
}

/** Sends the engine's own `initialize` to a channel and says whether it is usable. */
export async function probeChannel(channel: McpChannel, stop: AbortSignal, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const signal = AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]);
  const initialize = {
    jsonrpc: '2.0' as const,
    id: 'mcp-tunnel-probe',
    method: 'initialize',
    params: { protocolVersion: PROBE_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: `${CLIENT_NAME}-probe`, version: CLIENT_VERSION } },
  };
  let outcome;
  try {
    outcome = await channel.call({ message: initialize, headers: {}, signal, onNotify: () => undefined, engineOwn: true });
  } catch (err) {
    if (err instanceof TunnelFailureError) {
      const { source, upstream_status: status } = err.failure;
      if (source === 'target_http' && status !== undefined && AUTH_STATUSES.has(status)) return { ok: true, note: authNote(status, err.headers ?? {}) };
      if (source === 'target_http') return { ok: false, reason: `the server answered HTTP ${status ?? 'error'} to initialize` };
      const refused = source === 'connect' && err.failure.transport_error_kind === 'connection_refused';
      return refused ? { ok: false, reason: describeFailure(err.failure), refused } : { ok: false, reason: describeFailure(err.failure) };
    }
    if (err instanceof DeadlineExceededError || signal.aborted) {
      return { ok: false, reason: stop.aborted ? 'the tunnel stopped' : `no answer to initialize within ${Math.round(timeoutMs / 1000)} s` };
    }
    return { ok: false, reason: bounded((err as Error).message ?? String(err)) };
  }
  if (outcome.kind !== 'response') return { ok: false, reason: `the server answered initialize with HTTP ${outcome.status} and no JSON-RPC response` };
  if (AUTH_STATUSES.has(outcome.status)) return { ok: true, note: authNote(outcome.status, outcome.headers) };
  const json = outcome.json as { result?: unknown; error?: { message?: unknown } };
  if (typeof json.result !== 'object' || json.result === null) {
    const message = typeof json.error?.message === 'string' ? `: ${bounded(json.error.message)}` : '';
    return { ok: false, reason: `the server refused initialize${message}` };
  }
  const session = headerValue(outcome.headers, 'Mcp-Session-Id');
  const sessionHeaders: Headers = session ? { 'Mcp-Session-Id': [session] } : {};
  const protocol = headerValue(outcome.headers, 'Mcp-Protocol-Version');
  if (protocol) sessionHeaders['Mcp-Protocol-Version'] = [protocol];
  // Best effort: the answer to initialize already proved the server works.
  await channel.call({ message: { jsonrpc: '2.0', method: 'notifications/initialized' }, headers: sessionHeaders, signal, onNotify: () => undefined, engineOwn: true }).catch(() => undefined);
  if (session) await channel.terminateSession(sessionHeaders, signal).catch(() => undefined);
  return { ok: true };
}
