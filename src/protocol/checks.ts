/**
 * Checking messages that cross a process or frame boundary (the worker IPC,
 * the dashboard webview): small composable checks, and a table type that
 * makes the compiler insist on a check for every field of every message of a
 * union. Node-free, so browser code uses it too.
 */
import { isObject } from './jsonrpc';

export type Check = (value: unknown) => boolean;

export const str: Check = (v) => typeof v === 'string';
export const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
export const int: Check = (v) => Number.isSafeInteger(v);
export const bool: Check = (v) => typeof v === 'boolean';
export const anything: Check = () => true;
export const object: Check = isObject;

export const opt =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);
export const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check);
export const oneOf =
  (...values: readonly unknown[]): Check =>
  (v) =>
    values.includes(v);
export const shape =
  (fields: Record<string, Check>): Check =>
  (v) =>
    isObject(v) && Object.keys(fields).every((k) => fields[k]!(v[k]));
export const stringRecord: Check = (v) => isObject(v) && Object.values(v).every(str);

/** Every key of every member of a union (plain `keyof` of a union keeps only the shared ones). */
type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/** A check for every field of every message of union `M` (optional fields included). */
export type Validators<M extends { type: string }> = {
  [T in M['type']]: { [K in Exclude<KeysOfUnion<Extract<M, { type: T }>>, 'type'>]-?: Check };
};

/** The message, when `data` has a known `type` and every field passes its check; otherwise undefined. */
export function parseMessage<M extends { type: string }>(table: Validators<M>, data: unknown): M | undefined {
  const checks = table as Record<string, Record<string, Check>>;
  if (!isObject(data) || typeof data.type !== 'string' || !Object.prototype.hasOwnProperty.call(checks, data.type)) return undefined;
  const fields = checks[data.type]!;
  return Object.keys(fields).every((k) => fields[k]!(data[k])) ? (data as M) : undefined;
}
