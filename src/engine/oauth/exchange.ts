/**
 * One discovery request: redirects followed by hand within the origin the
 * request started at, headers chosen per hop, a body read up to a limit, a
 * deadline per attempt under the caller's signal, and every failure turned
 * into a short phrase that names no URL and carries no secret.
 */
import { request, type Dispatcher } from 'undici';
import { formatMs } from '../deadline';
import { errorCode } from '../failure';
import type { RawHeaders } from '../mcp/responseHeaders';
import { isTlsCode } from '../tls';
import { sameOrigin } from './urls';

/** Redirects one request follows before it gives up. */
export const MAX_REDIRECTS = 10;
/** Largest metadata document read. */
export const MAX_METADATA_BYTES = 1024 * 1024;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers a caller's map may not set: the connection's own. */
const CONNECTION_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer', 'proxy-connection']);

/** The reason a time budget aborts its signal with. */
export class BudgetExpired extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${formatMs(ms)}`);
    this.name = 'BudgetExpired';
  }
}

export interface Budget {
  signal: AbortSignal;
  dispose(): void;
}

/** A signal that aborts with the parent, or with BudgetExpired after `ms` (none without `ms`). */
export function budget(parent: AbortSignal, ms?: number): Budget {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  let timer: NodeJS.Timeout | undefined;
  if (parent.aborted) controller.abort(parent.reason);
  else {
    parent.addEventListener('abort', onAbort, { once: true });
    if (ms !== undefined && Number.isFinite(ms)) timer = setTimeout(() => controller.abort(new BudgetExpired(ms)), Math.max(0, ms));
  }
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/** Whether an abort reason is a deadline (ours, or AbortSignal.timeout's) rather than a stop. */
export function isTimeoutReason(reason: unknown): boolean {
  return reason instanceof BudgetExpired || (reason instanceof Error && reason.name === 'TimeoutError');
}

function abortPhrase(reason: unknown): string {
  if (reason instanceof BudgetExpired) return reason.message;
  if (isTimeoutReason(reason)) return 'timed out';
  return 'stopped before an answer came';
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** A network failure in a few words; never the error's own message, which may name addresses. */
function networkPhrase(err: unknown): { phrase: string; timeout: boolean } {
  const code = errorCode(err);
  if (code !== undefined && TIMEOUT_CODES.has(code)) return { phrase: 'timed out', timeout: true };
  switch (code) {
    case 'ECONNREFUSED':
      return { phrase: 'connection refused', timeout: false };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { phrase: 'host name not found (DNS)', timeout: false };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { phrase: 'host unreachable', timeout: false };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { phrase: 'connection closed before an answer', timeout: false };
    default:
      if (isTlsCode(code)) return { phrase: `TLS failed (${code})`, timeout: false };
      return { phrase: `request failed (${code ?? (err instanceof Error ? err.name : 'error')})`, timeout: false };
  }
}

export interface ExchangeOptions {
  dispatcher: Dispatcher;
  method?: 'GET' | 'POST';
  /** The headers of a request to `url`; asked again on every hop. */
  headersFor: (url: URL) => Record<string, string>;
  /** The caller's signal: an abort ends the exchange. */
  signal: AbortSignal;
  /** Deadline of this attempt, redirects and body included; none when unset. */
  timeoutMs?: number;
  /** Whether a final answer's body is read (else it is discarded). */
  readBody?: (status: number) => boolean;
  maxBodyBytes?: number;
}

export type ExchangeResult =
  | {
      ok: true;
      status: number;
      headers: RawHeaders;
      /** Read when `readBody` asked for it and it fit. */
      body?: Buffer;
      /** The body was larger than `maxBodyBytes` (and was not kept). */
      oversized?: boolean;
      /** Where the answer came from, after redirects. */
      url: URL;
    }
  | {
      ok: false;
      /** A few words, safe to show: no URL, no secret. */
      problem: string;
      /** The failure was a deadline (this attempt's or the caller's). */
      timeout: boolean;
      /** The caller's signal ended it. */
      aborted: boolean;
    };

/** Merges `extra` over `base`, one spelling per name (case-insensitive), leaving out connection headers. */
export function mergeRequestHeaders(base: Record<string, string>, extra: Record<string, string> | undefined): Record<string, string> {
  const out = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(base)) out.set(name.toLowerCase(), [name, value]);
  for (const [name, value] of Object.entries(extra ?? {})) {
    const lower = name.toLowerCase();
    if (CONNECTION_HEADERS.has(lower)) continue;
    out.set(lower, [name, value]);
  }
  return Object.fromEntries(out.values());
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function discard(body: { dump(opts?: { limit: number }): Promise<void> }): Promise<void> {
  await body.dump({ limit: 64 * 1024 }).catch(() => undefined);
}

/** Sends one request to `start` and follows same-origin redirects; never throws. */
export async function exchange(start: URL, o: ExchangeOptions): Promise<ExchangeResult> {
  const attempt = budget(o.signal, o.timeoutMs);
  const maxBytes = o.maxBodyBytes ?? MAX_METADATA_BYTES;
  let url = start;
  let method = o.method ?? 'GET';
  try {
    for (let redirects = 0; ; redirects++) {
      // Credentials written into a URL are never sent: discovery sends only the headers it is given.
      const target = new URL(url.href);
      target.username = '';
      target.password = '';
      const res = await request(target, {
        dispatcher: o.dispatcher,
        method,
        headers: o.headersFor(url),
        body: method === 'POST' ? '' : undefined,
        signal: attempt.signal,
      });
      const location = REDIRECT_STATUSES.has(res.statusCode) ? firstHeader(res.headers.location) : undefined;
      if (location !== undefined) {
        await discard(res.body);
        if (redirects >= MAX_REDIRECTS) return { ok: false, problem: `stopped after ${MAX_REDIRECTS} redirects`, timeout: false, aborted: false };
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          return { ok: false, problem: `HTTP ${res.statusCode} redirect with an invalid Location`, timeout: false, aborted: false };
        }
        // Discovery stays within the origin it was sent to: a redirect must not widen where it reaches (or where headers go).
        if (!sameOrigin(next, start)) {
          return { ok: false, problem: `HTTP ${res.statusCode} redirect to another origin, refused (discovery follows same-origin redirects only)`, timeout: false, aborted: false };
        }
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) method = 'GET';
        url = next;
        continue;
      }
      if (!o.readBody?.(res.statusCode)) {
        await discard(res.body);
        return { ok: true, status: res.statusCode, headers: res.headers, url };
      }
      const declared = Number(firstHeader(res.headers['content-length']));
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.body.destroy();
        return { ok: true, status: res.statusCode, headers: res.headers, oversized: true, url };
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > maxBytes) {
          res.body.destroy();
          return { ok: true, status: res.statusCode, headers: res.headers, oversized: true, url };
        }
        chunks.push(buf);
      }
      return { ok: true, status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), url };
    }
  } catch (err) {
    if (attempt.signal.aborted) {
      const reason: unknown = attempt.signal.reason;
      return { ok: false, problem: abortPhrase(reason), timeout: isTimeoutReason(reason), aborted: o.signal.aborted };
    }
    const { phrase, timeout } = networkPhrase(err);
    return { ok: false, problem: phrase, timeout, aborted: false };
  } finally {
    attempt.dispose();
  }
}

/** Attempts of the retry pass: each waits twice as long as the one before. */
export const RETRY_ATTEMPTS = 3;

/**
 * The retry pass of a request that so far only timed out: up to three
 * attempts with deadlines of base, 2×base and 4×base (2, 4, 8 s by default);
 * any answer or non-timeout failure ends it.
 */
export async function exchangeWithTimeoutRetries(start: URL, o: ExchangeOptions, baseTimeoutMs: number): Promise<ExchangeResult> {
  let result: ExchangeResult | undefined;
  for (let i = 0; i < RETRY_ATTEMPTS; i++) {
    result = await exchange(start, { ...o, timeoutMs: baseTimeoutMs * 2 ** i });
    if (result.ok || !result.timeout || result.aborted) return result;
  }
  return result!;
}
