/**
 * The one interface the dispatcher sees for an MCP server, whether it is a
 * stdio child or a Streamable HTTP URL.
 */
import type { JsonRpcMessage } from '../../protocol/jsonrpc';
import type { Headers } from '../../protocol/wire';
import type { ChannelStatus } from '../events';
import type { ServerMessageDrop, ServerMessageRoute } from './serverMessages';

export type { ChannelState, ChannelStatus } from '../events';

export interface McpCall {
  /** The JSON-RPC request or notification from the command, untouched. */
  message: JsonRpcMessage;
  /** The command's multi-valued headers (Mcp-Session-Id, …). */
  headers: Headers;
  /** Aborted when the command's deadline passes or the engine stops. */
  signal: AbortSignal;
  /** Intermediate server messages for this call (progress, logging, server requests). */
  onNotify(message: JsonRpcMessage): void;
  /** When present, the channel adds the bytes it sent to and received from the server for this call. */
  meter?: ByteMeter;
  /**
   * The engine's own call (the startup probe, a sessionless child's
   * initialize), not a remote client's: until a client's call arrives, the
   * server's messages outside a call are for nobody and are not held.
   */
  engineOwn?: boolean;
}

export interface ByteMeter {
  sent: number;
  received: number;
}

/** The terminal outcome of a call. Failures are thrown as `TunnelFailureError`. */
export type McpOutcome =
  /** A JSON-RPC response (result or a real error) for a request. */
  | { kind: 'response'; json: Record<string, unknown>; status: number; headers: Headers }
  /** A notification (or a client response to a server request) was accepted. */
  | { kind: 'ack'; status: number; headers: Headers };

/**
 * A session's stream of server messages outside any call (a `session_stream`
 * command: the relay's front door holds a client's standalone `GET` stream
 * open). It lasts until `signal` aborts.
 */
export interface SessionStream {
  /** The command's headers: Mcp-Session-Id names the session (none: a stateless client). */
  headers: Headers;
  signal: AbortSignal;
  onNotify(message: JsonRpcMessage): void;
}

/** How a session stream ended: 200 when its time was up, else why there is none (404 unknown session, 405 none offered). */
export interface SessionStreamEnd {
  status: number;
  headers: Headers;
}

/** The terminal answer to an `oauth_discovery` command: the metadata document, or an API error body. */
export interface OAuthDiscoveryAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

export interface ChannelEvents {
  status(status: ChannelStatus): void;
  /** One line the server wrote to stderr (stdio only). */
  stderr(line: string): void;
  bytes(direction: 'in' | 'out', count: number): void;
  /** A call could not reach the server at all (connect, DNS, TLS): the server may be gone. */
  transportFailure(reason: string): void;
  /** A server message outside any call, and where it went (see serverMessages.ts). */
  serverMessage(route: ServerMessageRoute): void;
  /** A server message outside any call that will never be delivered. */
  serverMessageDropped(reason: ServerMessageDrop): void;
}

export interface McpChannel {
  readonly name: string;
  readonly kind: 'stdio' | 'http' | 'harpoon';
  /** Process-local state (a stdio child): declared as proc_affinity in X-Tunnel-MCP-Server-Info. */
  readonly procAffinity: boolean;
  start(): Promise<void>;
  call(call: McpCall): Promise<McpOutcome>;
  /**
   * Answers an `oauth_discovery` command: the server's OAuth protected-resource
   * metadata, fetched from inside the network. Only a Streamable HTTP server
   * has one; a channel without this method refuses the command.
   */
  oauthDiscovery?(signal: AbortSignal): Promise<OAuthDiscoveryAnswer>;
  /**
   * Carries the session's server messages outside any call until
   * `stream.signal` aborts. A channel without it has no such stream.
   */
  openStream?(stream: SessionStream): Promise<SessionStreamEnd>;
  /** Closes the Streamable HTTP session named by the headers. */
  terminateSession(headers: Headers, signal: AbortSignal): Promise<{ status: number; headers: Headers }>;
  status(): ChannelStatus;
  close(): Promise<void>;
  on<E extends keyof ChannelEvents>(event: E, listener: ChannelEvents[E]): void;
}
