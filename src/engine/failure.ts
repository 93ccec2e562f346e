/**
 * Synthesized tunnel failures. A failure carries bounded provenance only:
 * never a URL, a body, exception text or a secret.
 */
import { JSONRPC_INTERNAL_ERROR, type JsonRpcId } from '../protocol/jsonrpc';
import type { Headers, TunnelFailure, TunnelFailureSource } from '../protocol/wire';

/** Thrown by MCP channels when no real JSON-RPC answer can be produced. */
export class TunnelFailureError extends Error {
  readonly failure: TunnelFailure;
  /**
   * The target's allowlisted response headers when it answered with an HTTP
   * error (`target_http`): a 401's `WWW-Authenticate` challenge is what starts
   * the connector's OAuth flow, so it travels whatever the body was.
   */
  readonly headers: Headers | undefined;

  constructor(
    source: TunnelFailureSource,
    options: {
      kind?: string;
      upstreamStatus?: number;
      /** The target answered (headers arrived) before the failure; implied by `upstreamStatus`. */
      responseReceived?: boolean;
      message?: string;
      cause?: unknown;
      headers?: Headers;
    } = {},
  ) {
    super(options.message ?? `tunnel failure: ${source}${options.kind ? ` (${options.kind})` : ''}`, { cause: options.cause });
    this.name = 'TunnelFailureError';
    const failure: TunnelFailure = {
      version: 1,
      source,
      upstream_response_received: options.responseReceived ?? options.upstreamStatus !== undefined,
    };
    if (options.kind) failure.transport_error_kind = options.kind;
    if (options.upstreamStatus !== undefined) failure.upstream_status = options.upstreamStatus;
    this.failure = failure;
    this.headers = options.headers;
  }
}

/** Thrown when a command was cancelled because its deadline passed. */
export class DeadlineExceededError extends Error {
  constructor() {
    super('command deadline exceeded');
    this.name = 'DeadlineExceededError';
  }
}

const SOURCE_MESSAGES: Record<TunnelFailureSource, string> = {
  target_http: 'MCP server returned an HTTP error',
  dns: 'MCP server host name could not be resolved',
  tls: 'TLS handshake with the MCP server failed',
  connect: 'could not connect to the MCP server',
  transport_closed: 'connection to the MCP server closed before it answered',
  timeout: 'MCP server did not answer in time',
  protocol: 'MCP server sent an invalid response',
  client_internal: 'tunnel client internal error',
};

/** The JSON-RPC error body and outer HTTP status posted for a synthesized failure. */
export function synthesizeFailure(id: JsonRpcId | null, failure: TunnelFailure): {
  resp_json: Record<string, unknown>;
  resp_code: number;
} {
  return {
    resp_json: {
      jsonrpc: '2.0',
      id,
      error: {
        code: JSONRPC_INTERNAL_ERROR,
        message: `Tunnel failure: ${SOURCE_MESSAGES[failure.source]}`,
        data: { tunnel_failure: failure },
      },
    },
    resp_code: failure.source === 'target_http' && failure.upstream_status ? failure.upstream_status : 502,
  };
}

/** The code of a Node or undici error (`ECONNREFUSED`, `UND_ERR_SOCKET`, `ENOENT`…), its own or its cause's. */
export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null | undefined;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps a Node/undici network error to a failure source and transport kind. */
export function classifyNetworkError(err: unknown): TunnelFailureError {
  if (err instanceof TunnelFailureError) return err;
  const code = errorCode(err);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new TunnelFailureError('dns', { kind: 'dns', cause: err });
    case 'ECONNREFUSED':
      return new TunnelFailureError('connect', { kind: 'connection_refused', cause: err });
    case 'EHOSTUNREACH':
      return new TunnelFailureError('connect', { kind: 'host_unreachable', cause: err });
    case 'ENETUNREACH':
      return new TunnelFailureError('connect', { kind: 'network_unreachable', cause: err });
    case 'ECONNRESET':
      return new TunnelFailureError('transport_closed', { kind: 'connection_reset', cause: err });
    case 'EPIPE':
      return new TunnelFailureError('transport_closed', { kind: 'closed_pipe', cause: err });
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return new TunnelFailureError('transport_closed', { kind: 'connection_closed', cause: err });
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return new TunnelFailureError('timeout', { kind: 'timeout', cause: err });
    default:
      if (typeof code === 'string' && (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT'))) {
        return new TunnelFailureError('tls', { kind: 'tls', cause: err });
      }
      return new TunnelFailureError('client_internal', { kind: 'unknown', cause: err });
  }
}
