/**
 * The contract rules an accepted response must keep that its schema cannot
 * express (channel echoed, resp_type for the command's kind, resp_json id,
 * allowed headers). A broken one is recorded as a violation, not refused, so
 * tests can see what a tunnel client got wrong while the call still goes on.
 */
import { isRequest, jsonRpcProblem } from '../protocol/jsonrpc';
import { DEFAULT_CHANNEL, RESPONSE_HEADER_ALLOWLIST, type ResponseType, type TunnelResponsePayload } from '../protocol/wire';
import type { PendingCommand } from './commandQueue';

const ALLOWED_RESP_HEADERS: ReadonlySet<string> = new Set(RESPONSE_HEADER_ALLOWLIST.map((h) => h.toLowerCase()));

const EXPECTED_TERMINAL: Record<string, ResponseType> = {
  request: 'jsonrpc_response',
  message: 'notify_ack',
  session_termination: 'session_termination_response',
  oauth_discovery: 'oauth_discovery_response',
  session_stream: 'notify_ack',
  /** Not JSON-RPC at all: answered with the JSON-RPC error -32600. */
  invalid: 'jsonrpc_response',
};

/** The broken rules of one accepted response, in the order they are checked. */
export function responseViolations(command: PendingCommand, payload: TunnelResponsePayload & { resp_type: ResponseType }): Array<{ kind: string; detail: string }> {
  const found: Array<{ kind: string; detail: string }> = [];
  const violation = (kind: string, detail: string) => found.push({ kind, detail });
  const type = payload.resp_type;
  if (payload.channel === undefined || payload.channel === null) violation('channel_not_echoed', `${type} without channel`);
  else if (payload.channel !== (command.command.channel ?? DEFAULT_CHANNEL)) violation('channel_mismatch', `${type} for channel ${String(command.command.channel)} says ${payload.channel}`);
  if (!Number.isInteger(payload.resp_code) || payload.resp_code < 100 || payload.resp_code > 599) {
    violation('invalid_resp_code', `resp_code ${payload.resp_code}`);
  }
  if (payload.resp_headers) {
    for (const name in payload.resp_headers) {
      const lower = name.toLowerCase();
      if (!ALLOWED_RESP_HEADERS.has(lower)) violation('resp_header_not_allowed', name);
      else if (payload.resp_headers[name].length === 0 || payload.resp_headers[name].includes('')) violation('resp_header_empty', name);
    }
  }
  const kind =
    command.commandType === 'session_termination' || command.commandType === 'oauth_discovery' || command.commandType === 'session_stream'
      ? command.commandType
      : jsonRpcProblem(command.jsonrpc) !== undefined
        ? 'invalid'
        : isRequest(command.jsonrpc)
          ? 'request'
          : 'message';
  if (type === 'jsonrpc_notify') {
    if (kind !== 'request' && kind !== 'session_stream') violation('notify_for_non_request', `jsonrpc_notify for a ${kind} command`);
    if (!payload.resp_json) violation('missing_resp_json', 'jsonrpc_notify without resp_json');
    return found;
  }
  const expected = EXPECTED_TERMINAL[kind];
  if (type !== expected) violation('unexpected_resp_type', `${type} answering a ${kind} command (expected ${expected})`);
  if (type === 'oauth_discovery_response') {
    if (!payload.resp_json) violation('missing_resp_json', 'oauth_discovery_response without resp_json');
  } else if (type === 'jsonrpc_response') {
    const json = payload.resp_json;
    if (!json) {
      violation('missing_resp_json', 'jsonrpc_response without resp_json');
    } else if (kind === 'request' && json.id !== null && json.id !== (command.jsonrpc as { id: unknown }).id) {
      violation('resp_json_id_mismatch', `resp_json.id ${JSON.stringify(json.id)} does not match the request id`);
    }
  } else if (payload.resp_json) {
    violation('unexpected_resp_json', `${type} carries resp_json`);
  }
  return found;
}
