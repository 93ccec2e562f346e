/** Minimal JSON-RPC 2.0 shapes used across the engine, relay and tests. */

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown> | unknown[];
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown> | unknown[];
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  result?: unknown;
  error?: JsonRpcErrorObject;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export const JSONRPC_INTERNAL_ERROR = -32603;
export const JSONRPC_INVALID_REQUEST = -32600;
export const JSONRPC_PARSE_ERROR = -32700;

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isValidId(id: unknown): id is JsonRpcId {
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

/** A message with a method and an id: expects exactly one response. */
export function isRequest(msg: unknown): msg is JsonRpcRequest {
  return isObject(msg) && typeof msg.method === 'string' && 'id' in msg && isValidId(msg.id);
}

/** A message with a method and no id: expects no response. */
export function isNotification(msg: unknown): msg is JsonRpcNotification {
  return isObject(msg) && typeof msg.method === 'string' && !('id' in msg);
}

/** A result or error for an earlier request. */
export function isResponse(msg: unknown): msg is JsonRpcResponse {
  return isObject(msg) && typeof msg.method !== 'string' && ('result' in msg || 'error' in msg) && 'id' in msg;
}

/** True when `msg` is a response carrying a well-formed JSON-RPC error object. */
export function hasValidError(msg: unknown): msg is JsonRpcResponse & { error: JsonRpcErrorObject } {
  if (!isResponse(msg) || !isObject(msg.error)) return false;
  const { code, message } = msg.error as Obj;
  return Number.isInteger(code) && typeof message === 'string';
}
