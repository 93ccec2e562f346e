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

export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Why `msg` is not a JSON-RPC 2.0 message MCP accepts, or undefined when it
 * is. Checked once, where a message enters (poll decoding, the relay's front
 * door), so that nothing further in can meet a method that is not a string.
 * A request or notification has a string `method` (and a string or number
 * `id` for a request, never null in MCP) and object `params`; a
 * response has an `id` (null allowed) and exactly one of `result` or a
 * well-formed `error`.
 */
export function jsonRpcProblem(msg: unknown): string | undefined {
  if (!isObject(msg)) return 'a JSON-RPC message must be an object';
  if (msg.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  if ('method' in msg) {
    if (typeof msg.method !== 'string' || msg.method === '') return 'method must be a non-empty string';
    if ('id' in msg && !isValidId(msg.id)) return 'id must be a string or a number';
    // JSON-RPC allows array params; MCP's are always an object, and servers ignore a request with any other.
    if ('params' in msg && msg.params !== undefined && !isObject(msg.params)) return 'params must be an object';
    if ('result' in msg || 'error' in msg) return 'a request or notification has no result or error';
    return undefined;
  }
  if (!('id' in msg)) return 'a message needs a method, or an id with a result or an error';
  if (msg.id !== null && !isValidId(msg.id)) return 'id must be a string, a number or null';
  const hasResult = 'result' in msg;
  const hasError = 'error' in msg;
  if (hasResult === hasError) return 'a response has exactly one of result or error';
  if (hasError) {
    const error = msg.error;
    if (!isObject(error) || !Number.isInteger(error.code) || typeof error.message !== 'string') return 'error must be an object with an integer code and a string message';
  }
  return undefined;
}

/** The id to answer an invalid message with: its own when usable, else null. */
export function answerableId(msg: unknown): JsonRpcId | null {
  return isObject(msg) && isValidId(msg.id) ? msg.id : null;
}

/** The JSON-RPC error for a message that is not valid JSON-RPC (-32600). */
export function invalidRequestError(id: JsonRpcId | null, problem: string): JsonRpcResponse & { error: JsonRpcErrorObject } {
  return { jsonrpc: '2.0', id, error: { code: JSONRPC_INVALID_REQUEST, message: `Invalid Request: ${problem}` } };
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
