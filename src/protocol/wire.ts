/**
 * Wire types of the Secure MCP Tunnel control-plane contract
 * (the reference client's docs/openapi.json, kept in test/fixtures/reference/). Decoding on the hot path is
 * done by hand in `decodeCommand` rather than through a schema library: a poll
 * batch may hold 25 commands with multi-megabyte payloads.
 */
import { answerableId, jsonRpcProblem, type JsonRpcId, type JsonRpcMessage } from './jsonrpc';

export type Headers = Record<string, string[]>;

export const HEADER_AUTHORIZATION = 'Authorization';
export const HEADER_CLIENT_NAME = 'X-Tunnel-Client-Name';
export const HEADER_CLIENT_VERSION = 'X-Tunnel-Client-Version';
export const HEADER_INSTANCE_ID = 'X-Tunnel-Client-Instance-Id';
export const HEADER_SERVER_INFO = 'X-Tunnel-MCP-Server-Info';
export const HEADER_SHARD_TOKEN = 'X-Tunnel-Shard-Token';
/**
 * What this project's tunnel client speaks beyond the hosted contract, sent on
 * every poll (comma-separated). The hosted service ignores it; the project's
 * own relay reads it to know whether it may send `session_stream` commands.
 */
export const HEADER_CLIENT_FEATURES = 'X-Mcp-Tunnel-Features';
export const FEATURE_SESSION_STREAM = 'session_stream';

/** Headers the engine owns on every control-plane request; callers may not override them. */
export const PROTOCOL_HEADERS: readonly string[] = [
  HEADER_AUTHORIZATION,
  HEADER_CLIENT_NAME,
  HEADER_CLIENT_VERSION,
  HEADER_INSTANCE_ID,
  HEADER_SERVER_INFO,
  HEADER_SHARD_TOKEN,
  HEADER_CLIENT_FEATURES,
];

/** The only MCP response headers relayed back through the control plane. */
export const RESPONSE_HEADER_ALLOWLIST: readonly string[] = [
  'Content-Type',
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
  'Last-Event-ID',
  'Access-Control-Expose-Headers',
  'WWW-Authenticate',
];

export const POLL_LIMIT_MAX = 25;
export const DEFAULT_CHANNEL = 'main';

export type CommandType = 'jsonrpc' | 'session_termination' | 'oauth_discovery' | 'session_stream';

interface CommandBase {
  request_id: string;
  shard_token: string;
  channel: string;
  created_at: string;
  /** Raw value as received; parsed by `parseResponseTimeout`. */
  response_timeout?: unknown;
  headers: Headers;
}

export interface JsonRpcCommand extends CommandBase {
  command_type: 'jsonrpc';
  jsonrpc: JsonRpcMessage;
}

export interface SessionTerminationCommand extends CommandBase {
  command_type: 'session_termination';
}

/**
 * The connector asks for the MCP server's OAuth protected-resource metadata
 * (RFC 9728), fetched from inside the network. Not in the public OpenAPI file;
 * the hosted service and the reference daemon speak it.
 */
export interface OAuthDiscoveryCommand extends CommandBase {
  command_type: 'oauth_discovery';
}

/**
 * Not in the hosted contract: the project's own relay sends it (only to a
 * client whose polls declare `session_stream` in X-Mcp-Tunnel-Features) while
 * a client holds the session's standalone `GET` stream open. The server's
 * messages outside any call are posted as `jsonrpc_notify` until shortly
 * before the deadline; the terminal answer is a `notify_ack` (200: the time
 * is up, send another; 204: the MCP server ended its stream; 404: no such
 * session; 405: no such stream here).
 */
export interface SessionStreamCommand extends CommandBase {
  command_type: 'session_stream';
}

export type PolledCommand = JsonRpcCommand | SessionTerminationCommand | OAuthDiscoveryCommand | SessionStreamCommand;

export type ResponseType = 'jsonrpc_response' | 'jsonrpc_notify' | 'notify_ack' | 'session_termination_response' | 'oauth_discovery_response';

export const TERMINAL_RESPONSE_TYPES: ReadonlySet<ResponseType> = new Set([
  'jsonrpc_response',
  'notify_ack',
  'session_termination_response',
  'oauth_discovery_response',
]);

/** Body of POST /v1/tunnels/{id}/response. The shard token never appears here. */
export interface TunnelResponsePayload {
  request_id: string;
  channel?: string | null;
  resp_json?: Record<string, unknown> | null;
  resp_headers?: Headers;
  resp_code: number;
  resp_type?: ResponseType;
}

export interface TunnelMetadata {
  id: string;
  name: string;
  description: string;
  [extra: string]: unknown;
}

export type TunnelFailureSource =
  | 'target_http'
  | 'dns'
  | 'tls'
  | 'connect'
  | 'transport_closed'
  | 'timeout'
  | 'protocol'
  | 'client_internal';

export interface TunnelFailure {
  version: 1;
  source: TunnelFailureSource;
  transport_error_kind?: string;
  upstream_response_received: boolean;
  upstream_status?: number;
}

/** Tunnel ids are `tunnel_` followed by 32 lowercase letters or digits. */
export const TUNNEL_ID_PATTERN = /^tunnel_[a-z0-9]{32}$/;

/**
 * A `jsonrpc` command whose message is not valid JSON-RPC. It is answered
 * with the JSON-RPC error -32600 and never reaches an MCP server.
 */
export interface InvalidJsonRpcCommand extends CommandBase {
  command_type: 'jsonrpc';
  /** What arrived, for the trace; never sent anywhere. */
  jsonrpc: Record<string, unknown>;
  /** Why it is not JSON-RPC. */
  invalid: string;
  /** The id the error answer carries: the message's own when usable, else null. */
  answerId: JsonRpcId | null;
}

export type DecodedCommand =
  | { ok: true; command: PolledCommand }
  | { ok: 'invalid'; command: InvalidJsonRpcCommand }
  | { ok: false; requestId: string | undefined; commandType: unknown; reason: string };

/** What an HTTP header value may hold (RFC 9110 field-value: tab, visible ASCII, space, obs-text). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function isStringArrayRecord(value: unknown): value is Headers {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const v of Object.values(value)) {
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) return false;
  }
  return true;
}

/**
 * Decodes one entry of a poll batch. Dispatches on `command_type` only
 * (absent means `jsonrpc`, its schema default); unknown fields are ignored.
 */
export function decodeCommand(raw: unknown): DecodedCommand {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, requestId: undefined, commandType: undefined, reason: 'command is not an object' };
  }
  const c = raw as Record<string, unknown>;
  const requestId = typeof c.request_id === 'string' ? c.request_id : undefined;
  const commandType = c.command_type ?? 'jsonrpc';
  if (commandType !== 'jsonrpc' && commandType !== 'session_termination' && commandType !== 'oauth_discovery' && commandType !== 'session_stream') {
    return { ok: false, requestId, commandType, reason: 'unknown command_type' };
  }
  if (requestId === undefined) return { ok: false, requestId, commandType, reason: 'missing request_id' };
  if (typeof c.shard_token !== 'string') return { ok: false, requestId, commandType, reason: 'missing shard_token' };
  // Echoed in a request header: a token no HTTP header can carry (CR, LF, NUL…) makes every answer unpostable.
  if (!HEADER_VALUE.test(c.shard_token)) return { ok: false, requestId, commandType, reason: 'shard_token cannot be sent as an HTTP header value' };
  const headers = c.headers === undefined || c.headers === null ? {} : c.headers;
  if (!isStringArrayRecord(headers)) return { ok: false, requestId, commandType, reason: 'headers is not a map of string lists' };
  if (c.channel !== undefined && c.channel !== null && typeof c.channel !== 'string') return { ok: false, requestId, commandType, reason: 'channel is not a string' };
  const base = {
    request_id: requestId,
    shard_token: c.shard_token,
    // Echoed exactly as received; an empty name is routed to the main channel (see channelRoute).
    channel: typeof c.channel === 'string' ? c.channel : DEFAULT_CHANNEL,
    created_at: typeof c.created_at === 'string' ? c.created_at : '',
    response_timeout: c.response_timeout,
    headers,
  };
  if (commandType === 'session_termination') return { ok: true, command: { ...base, command_type: 'session_termination' } };
  if (commandType === 'oauth_discovery') return { ok: true, command: { ...base, command_type: 'oauth_discovery' } };
  if (commandType === 'session_stream') return { ok: true, command: { ...base, command_type: 'session_stream' } };
  if (typeof c.jsonrpc !== 'object' || c.jsonrpc === null || Array.isArray(c.jsonrpc)) {
    return { ok: false, requestId, commandType, reason: 'jsonrpc payload is not an object' };
  }
  const invalid = jsonRpcProblem(c.jsonrpc);
  if (invalid !== undefined) {
    return { ok: 'invalid', command: { ...base, command_type: 'jsonrpc', jsonrpc: c.jsonrpc as Record<string, unknown>, invalid, answerId: answerableId(c.jsonrpc) } };
  }
  return { ok: true, command: { ...base, command_type: 'jsonrpc', jsonrpc: c.jsonrpc as JsonRpcMessage } };
}

/** The channel a command runs on: its own, or `main` when it names none. */
export function channelRoute(channel: string): string {
  return channel === '' ? DEFAULT_CHANNEL : channel;
}

/** Case-insensitive lookup of the first value of a multi-valued header. */
export function headerValue(headers: Headers | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) return headers[key]?.[0];
  }
  return undefined;
}
