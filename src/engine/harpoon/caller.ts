/**
 * Harpoon's HTTP caller: one constrained request to an allowlisted target.
 * Every check happens before a byte is sent, and again on every redirect
 * hop: the method, the headers (no hop-by-hop or identity headers, nothing
 * carrying the control-plane key), the URL (inside the target's prefix),
 * plaintext, and the address the host resolves to (pinned for the whole
 * call, and refused when it is not one the target was registered at).
 * Responses are read up to the byte limit and cut there.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { checkWithinTarget, resolveTargetPath } from './prefix';
import type { HarpoonTarget } from './registry';

export const ALLOWED_METHODS = ['GET', 'POST', 'PUT'] as const;

/**
 * Refused outright: hop-by-hop headers, headers the client owns (Host,
 * Content-Length, User-Agent, Accept-Encoding, Cookie) and headers that
 * claim an identity or a forwarding path.
 */
export const BLOCKED_HEADERS: ReadonlySet<string> = new Set([
  'accept-encoding',
  'cf-connecting-ip',
  'connection',
  'content-length',
  'cookie',
  'expect',
  'forwarded',
  'host',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'true-client-ip',
  'upgrade',
  'user-agent',
  'via',
  'x-client-ip',
  'x-cluster-client-ip',
  'x-custom-cf-witness-actor',
  'x-custom-cf-witness-authorization',
  'x-envoy-external-address',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-openai-actor-authorization',
  'x-openai-authorization',
  'x-openai-authorization-error',
  'x-openai-internal-caller',
  'x-openai-skip-auth',
  'x-original-forwarded-for',
  'x-real-ip',
  'x-tunnel-traffic-source',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** A call refused or failed for a reason the agent is told (the tool error text, without the label). */
export class HarpoonRefusal extends Error {
  constructor(
    message: string,
    /** Metrics outcome: invalid_input, request_error, response_too_large. */
    readonly outcome: 'invalid_input' | 'request_error' | 'response_too_large' = 'invalid_input',
    readonly status = 0,
    readonly bytes = 0,
  ) {
    super(message);
  }
}

export interface HarpoonCallInput {
  method: string;
  /** Path (and query) below the target URL; empty: the target URL itself. */
  path?: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxResponseBytes: number;
  followRedirects: boolean;
  maxRedirects: number;
}

export interface HarpoonCallResult {
  status: number;
  headers: Record<string, string[]>;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
}

export type Lookup = (hostname: string) => Promise<string[]>;

export const systemLookup: Lookup = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) => (err ? reject(err) : resolve(addresses.map((a) => a.address))));
  });

export interface CallerOptions {
  allowPlaintextHttp: boolean;
  httpProxy?: string;
  /** Values no outbound header may contain (the control-plane key). */
  secrets: () => readonly string[];
  lookup?: Lookup;
  userAgent: string;
}

/** Lower-cased names of the headers a call may not send; the Connection header's nominees too. */
export function refusedHeaders(headers: Record<string, string>, secrets: readonly string[]): string[] {
  const refused = new Set<string>();
  const nominated = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (name.trim().toLowerCase() === 'connection') for (const n of value.split(',')) nominated.add(n.trim().toLowerCase());
  }
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.trim().toLowerCase();
    if (!HEADER_NAME.test(name) || BLOCKED_HEADERS.has(name) || nominated.has(name) || name.startsWith('proxy-')) refused.add(name || '(empty)');
    else if (/[\r\n\0]/.test(value)) refused.add(name);
    else if (secrets.some((s) => s.length >= 8 && value.includes(s))) refused.add(name);
  }
  return [...refused].sort();
}

export class HarpoonCaller {
  private readonly lookup: Lookup;

  constructor(private readonly options: CallerOptions) {
    this.lookup = options.lookup ?? systemLookup;
  }

  async call(target: HarpoonTarget, input: HarpoonCallInput, signal: AbortSignal): Promise<HarpoonCallResult> {
    const method = input.method.trim().toUpperCase();
    if (!(ALLOWED_METHODS as readonly string[]).includes(method)) throw new HarpoonRefusal('invalid method');
    const refused = refusedHeaders(input.headers, this.options.secrets());
    if (refused.length > 0) throw new HarpoonRefusal(`header not allowed: ${refused.join(', ')} (hop-by-hop, client-managed, identity headers and any carrying the tunnel's key are refused; nothing was sent)`);
    const first = resolveTargetPath(target.url, input.path);
    if (!first.ok) throw new HarpoonRefusal(`path outside the target: ${first.reason}; nothing was sent`);
    this.checkPlaintext(first.url);

    const timeout = AbortSignal.timeout(input.timeoutMs);
    const callSignal = AbortSignal.any([signal, timeout]);
    const dispatcher = await this.dispatcherFor(target, first.url);
    try {
      let url = first.url;
      let currentMethod = method;
      let body: string | undefined = input.body;
      for (let hops = 0; ; hops++) {
        const res = await this.send(dispatcher, url, currentMethod, input.headers, body, callSignal, timeout);
        const location = res.headers.location;
        if (!input.followRedirects || !REDIRECT_STATUSES.has(res.statusCode) || location === undefined) {
          const bytes = await readLimited(res.body, input.maxResponseBytes, res.statusCode, callSignal, timeout);
          return { status: res.statusCode, headers: headerLists(res.headers), body: bytes, url: url.href };
        }
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        if (hops + 1 > input.maxRedirects) throw new HarpoonRefusal('redirect limit exceeded', 'request_error', res.statusCode);
        const next = checkWithinTarget(target.url, Array.isArray(location) ? location[0] : location, url.href);
        if (!next.ok) throw new HarpoonRefusal(`redirect blocked: ${next.reason}; the redirect was not followed`, 'request_error', res.statusCode);
        this.checkPlaintext(next.url);
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && currentMethod !== 'GET')) {
          currentMethod = 'GET';
          body = undefined;
        }
        url = next.url;
      }
    } finally {
      void dispatcher.close().catch(() => undefined);
    }
  }

  private checkPlaintext(url: URL): void {
    if (url.protocol === 'http:' && !this.options.allowPlaintextHttp) {
      throw new HarpoonRefusal('plaintext http:// is not allowed (set harpoon.allow_plaintext_http to allow it); nothing was sent');
    }
  }

  /**
   * A dispatcher for this call only, whose connections go to one address the
   * target allows, resolved once: a name that resolves elsewhere now than when
   * the target was registered is refused before anything is sent.
   */
  private async dispatcherFor(target: HarpoonTarget, url: URL): Promise<Dispatcher> {
    const common = { keepAliveTimeout: 1000, connections: 1 };
    if (target.unixSocket) return new Agent({ ...common, connect: { socketPath: target.unixSocket } });
    if (this.options.httpProxy) return new ProxyAgent({ uri: this.options.httpProxy, ...common });
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const address = isIP(host) ? host : await this.pinnedAddress(target, host);
    const family = isIP(address);
    return new Agent({
      ...common,
      connect: {
        lookup: (_hostname: string, options: { all?: boolean }, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
          if (options?.all) cb(null, [{ address, family }]);
          else cb(null, address, family);
        },
      },
    });
  }

  /**
   * Resolves a target's host name when it is registered, fixing the addresses
   * later calls may connect to. A name that cannot be resolved yet is pinned
   * by the first call that resolves it.
   */
  async pin(target: HarpoonTarget): Promise<void> {
    if (target.pinned !== undefined || target.unixSocket || this.options.httpProxy) return;
    const host = new URL(target.url).hostname.replace(/^\[|\]$/g, '');
    try {
      const addresses = await this.lookup(host);
      if (addresses.length > 0 && target.pinned === undefined) target.pinned = new Set(addresses);
    } catch {
      // Left to the first call.
    }
  }

  private async pinnedAddress(target: HarpoonTarget, host: string): Promise<string> {
    let addresses: string[];
    try {
      addresses = await this.lookup(host);
    } catch (err) {
      throw new HarpoonRefusal(`request failed: cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`, 'request_error');
    }
    if (addresses.length === 0) throw new HarpoonRefusal(`request failed: ${host} has no address`, 'request_error');
    if (target.pinned === undefined) target.pinned = new Set(addresses);
    const allowed = addresses.find((a) => target.pinned?.has(a));
    if (allowed === undefined) {
      throw new HarpoonRefusal(`request refused: ${host} now resolves to an address it did not have when the target was registered (possible DNS rebinding); nothing was sent`, 'request_error');
    }
    return allowed;
  }

  private async send(dispatcher: Dispatcher, url: URL, method: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal, timeout: AbortSignal) {
    const outgoing: Record<string, string> = { ...headers, 'user-agent': this.options.userAgent };
    try {
      return await request(url, { dispatcher, method: method as Dispatcher.HttpMethod, headers: outgoing, body: method === 'GET' ? undefined : (body ?? ''), signal });
    } catch (err) {
      if (timeout.aborted) throw new HarpoonRefusal('request failed: timed out', 'request_error');
      if (signal.aborted) throw err;
      throw new HarpoonRefusal(`request failed: ${describe(err)}`, 'request_error');
    }
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  return e.code ?? e.cause?.code ?? e.message ?? 'error';
}

function headerLists(headers: Record<string, string | string[] | undefined>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  return out;
}

/** Reads at most `limit` bytes; a longer body is cut (the connection closed) and refused. */
async function readLimited(body: Dispatcher.ResponseData['body'], limit: number, status: number, signal: AbortSignal, timeout: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > limit) {
        body.destroy();
        throw new HarpoonRefusal('response exceeds size limit', 'response_too_large', status, limit);
      }
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof HarpoonRefusal) throw err;
    if (timeout.aborted) throw new HarpoonRefusal('request failed: timed out', 'request_error', status, size);
    if (signal.aborted) throw err;
    throw new HarpoonRefusal('response read failed', 'request_error', status, size);
  }
  return Buffer.concat(chunks);
}
