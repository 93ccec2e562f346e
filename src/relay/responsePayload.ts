/**
 * Hand-written validation of POST /v1/tunnels/{id}/response bodies against the
 * OpenAPI `TunnelResponsePayload` (additionalProperties: false). No schema
 * library: this runs once per response on the relay's hot path.
 */
import type { Headers, ResponseType, TunnelResponsePayload } from '../protocol/wire';

const KNOWN_KEYS: ReadonlySet<string> = new Set(['request_id', 'channel', 'resp_json', 'resp_headers', 'resp_code', 'resp_type']);
const RESPONSE_TYPES: ReadonlySet<string> = new Set(['jsonrpc_response', 'jsonrpc_notify', 'notify_ack', 'session_termination_response', 'oauth_discovery_response']);

export type PayloadCheck =
  | { ok: true; payload: TunnelResponsePayload & { resp_type: ResponseType } }
  | { ok: false; reason: 'shard_token_in_body' | 'invalid_body'; message: string; param: string | null; requestId?: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHeaders(value: unknown): value is Headers {
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    const list = value[key];
    if (!Array.isArray(list)) return false;
    for (const item of list) if (typeof item !== 'string') return false;
  }
  return true;
}

/** Validates a parsed body; on success `resp_type` is filled with its default. */
export function checkResponsePayload(body: unknown): PayloadCheck {
  if (!isPlainObject(body)) return { ok: false, reason: 'invalid_body', message: 'body must be a JSON object', param: null };
  const requestId = typeof body.request_id === 'string' ? body.request_id : undefined;
  const fail = (message: string, param: string | null): PayloadCheck => ({ ok: false, reason: 'invalid_body', message, param, requestId });
  if ('shard_token' in body) {
    return {
      ok: false,
      reason: 'shard_token_in_body',
      message: 'shard_token must not appear in the body: send it only in the X-Tunnel-Shard-Token header',
      param: 'shard_token',
      requestId,
    };
  }
  for (const key in body) {
    if (!KNOWN_KEYS.has(key)) return fail(`unknown field "${key}" (TunnelResponsePayload allows no additional properties)`, key);
  }
  if (requestId === undefined) return fail('request_id is required and must be a string', 'request_id');
  const code = body.resp_code;
  if (typeof code !== 'number' || !Number.isInteger(code)) return fail('resp_code is required and must be an integer', 'resp_code');
  if (body.channel !== undefined && body.channel !== null && typeof body.channel !== 'string') {
    return fail('channel must be a string or null', 'channel');
  }
  if (body.resp_json !== undefined && body.resp_json !== null && !isPlainObject(body.resp_json)) {
    return fail('resp_json must be an object or null', 'resp_json');
  }
  if (body.resp_headers !== undefined && !isHeaders(body.resp_headers)) {
    return fail('resp_headers must map header names to lists of strings', 'resp_headers');
  }
  const type = body.resp_type === undefined ? 'jsonrpc_response' : body.resp_type;
  if (typeof type !== 'string' || !RESPONSE_TYPES.has(type)) {
    return fail('resp_type must be one of jsonrpc_response, jsonrpc_notify, notify_ack, session_termination_response, oauth_discovery_response', 'resp_type');
  }
  const payload = body as unknown as TunnelResponsePayload & { resp_type: ResponseType };
  payload.resp_type = type as ResponseType;
  return { ok: true, payload };
}
