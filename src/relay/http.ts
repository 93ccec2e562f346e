/** Small node:http helpers shared by the relay's control plane and front door. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random characters from [a-z0-9], without modulo bias. */
export function randomAlnum(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 252 = 7 * 36: bytes above it would favour the first letters.
      if (byte < 252) out += ALNUM[byte % 36];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A random URL-safe secret (API key, front-door token). */
export function randomSecret(prefix: string): string {
  return prefix + randomBytes(24).toString('base64url');
}

/** Constant-time comparison of a presented secret (a header value, a path segment) with the expected one. */
export function secretMatches(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time check of an `Authorization: Bearer <secret>` header. */
export function bearerMatches(header: string | undefined, secret: string): boolean {
  if (header === undefined || header.length < 7 || header.slice(0, 7).toLowerCase() !== 'bearer ') return false;
  return secretMatches(header.slice(7).trim(), secret);
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Reads the whole request body; rejects with `BodyTooLargeError` past `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, status === 204 || status === 304 ? headers : { ...headers, 'Content-Length': 0 });
  res.end();
}

export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The control plane's error shape (OpenAPI `APIErrorResponse`). */
export function apiError(message: string, code: string | null, type = 'invalid_request_error', param: string | null = null): ApiErrorBody {
  return { error: { message, type, param, code } };
}

export function sendApiError(
  res: ServerResponse,
  status: number,
  message: string,
  code: string | null,
  options: { type?: string; param?: string | null; headers?: Record<string, string | string[]> } = {},
): void {
  const type = options.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  sendJson(res, status, apiError(message, code, type, options.param ?? null), options.headers);
}

/** A path segment, percent-decoded; undefined when its escapes are malformed. */
export function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
