/**
 * The answer to a command naming a channel this tunnel does not serve, as
 * the reference daemon gives it: HTTP 400 and, for a JSON-RPC request, an
 * error the connector shows. It never falls back to `main`, which could send
 * an agent's request to the wrong private MCP server.
 */
import { JSONRPC_INTERNAL_ERROR, isRequest } from '../protocol/jsonrpc';
import { oauthDiscoveryError } from './oauth/errorBody';
import type { Headers, InvalidJsonRpcCommand, PolledCommand, ResponseType } from '../protocol/wire';

export const UNSUPPORTED_CHANNEL_STATUS = 400;

/** Longest channel name quoted back in the error message. */
const QUOTED_NAME_MAX = 64;

export interface UnsupportedChannelAnswer {
  type: ResponseType;
  status: number;
  headers: Headers;
  json?: Record<string, unknown>;
}

/**
 * A request (or a message that is not JSON-RPC but has an id to answer) gets
 * a `jsonrpc_response` with -32603 "Bad Request: unsupported channel …"; a
 * notification or a client's response a bodiless `notify_ack`; a session
 * termination a bodiless `session_termination_response`; an OAuth discovery
 * an `oauth_discovery_response` with an API error body; a session stream a
 * bodiless `notify_ack`; all with 400.
 */
export function unsupportedChannelAnswer(command: PolledCommand | InvalidJsonRpcCommand): UnsupportedChannelAnswer {
  const status = UNSUPPORTED_CHANNEL_STATUS;
  if (command.command_type === 'session_termination') return { type: 'session_termination_response', status, headers: {} };
  if (command.command_type === 'oauth_discovery') return oauthDiscoveryRefusal(command.channel);
  if (command.command_type === 'session_stream') return { type: 'notify_ack', status, headers: {} };
  const id = 'invalid' in command ? command.answerId : isRequest(command.jsonrpc) ? command.jsonrpc.id : undefined;
  if (id === undefined) return { type: 'notify_ack', status, headers: {} };
  const message = `Bad Request: unsupported channel ${JSON.stringify(command.channel.slice(0, QUOTED_NAME_MAX))}`;
  return { type: 'jsonrpc_response', status, headers: {}, json: { jsonrpc: '2.0', id, error: { code: JSONRPC_INTERNAL_ERROR, message } } };
}

/**
 * OAuth discovery is served on the main channel only, and only when it is a
 * Streamable HTTP server (a stdio server has no URL to publish metadata at):
 * anything else gets the reference's `unsupported_channel` error body.
 */
export function oauthDiscoveryRefusal(channel: string): UnsupportedChannelAnswer {
  return {
    type: 'oauth_discovery_response',
    status: UNSUPPORTED_CHANNEL_STATUS,
    headers: {},
    json: oauthDiscoveryError(`unsupported channel ${JSON.stringify(channel.slice(0, QUOTED_NAME_MAX))}`, 'unsupported_channel', 'invalid_request_error'),
  };
}
