/**
 * HTTP client for the control plane: one pooled undici dispatcher, the
 * protocol headers on every request, and typed outcomes the poller and the
 * response poster act on. It never retries by itself.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';
import { CLIENT_NAME, CLIENT_VERSION, USER_AGENT } from '../version';
import {
  HEADER_AUTHORIZATION,
  HEADER_CLIENT_NAME,
  HEADER_CLIENT_VERSION,
  HEADER_INSTANCE_ID,
  HEADER_SERVER_INFO,
  HEADER_SHARD_TOKEN,
  POLL_LIMIT_MAX,
  PROTOCOL_HEADERS,
  HEADER_CLIENT_FEATURES,
  FEATURE_SESSION_STREAM,
  type TunnelMetadata,
} from '../protocol/wire';
import type { EngineConfig, EnvProxy, TlsMaterial } from './config';
import { parseRetryAfter } from './backoff';

import type { FailureKind } from './events';
import { errorCode } from './failure';
import { tlsConnectOptions } from './tls';
import { isLoopbackHost } from './net';

export type { FailureKind } from './events';

export class ControlPlaneError extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
    message: string,
    /** For network failures: true when the request surely never reached the server. */
    readonly notSent = false,
    /** For network failures: a connect, headers or body timeout ended it. */
    readonly timedOut = false,
    /** The control plane is a relay on this machine: hints speak of its key and tunnel id, not of organizations. */
    readonly local = false,
  ) {
    super(message);
    this.name = 'ControlPlaneError';
  }
}

export type PollResult = { receivedAt: number; commands: unknown[] };

export interface ChannelDeclaration {
  name: string;
  procAffinity: boolean;
}

/** Compact X-Tunnel-MCP-Server-Info value: proc_affinity only when true, never false. */
export function serverInfoHeader(channels: readonly ChannelDeclaration[]): string {
  const value = JSON.stringify({
    version: 1,
    channels: channels.slice(0, 32).map((c) => (c.procAffinity ? { name: c.name, proc_affinity: true } : { name: c.name })),
  });
  if (Buffer.byteLength(value) > 4096) throw new Error('X-Tunnel-MCP-Server-Info would exceed 4096 bytes: use fewer or shorter channel names');
  return value;
}

export function createDispatcher(tls: TlsMaterial, proxy: string | undefined, connections?: number, envProxy?: EnvProxy): Dispatcher {
  const connect = { ...tlsConnectOptions(tls), noDelay: true };
  const common = { keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000, ...(connections ? { connections } : {}) };
  if (proxy) return new ProxyAgent({ uri: proxy, requestTls: connect, ...common });
  // Explicit values (empty for unset), so undici does not read the environment itself.
  if (envProxy) return new EnvHttpProxyAgent({ ...envProxy, connect, requestTls: connect, ...common });
  return new Agent({ connect, ...common });
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const HEADER_USER_AGENT = 'User-Agent';
const HEADER_ORGANIZATION = 'OpenAI-Organization';

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** How much longer than its wait a poll request may take before it is given up. */
const DEFAULT_POLL_GUARDRAIL_MS = 15_000;

export class ControlPlaneClient {
  readonly instanceId = randomUUID();
  private readonly dispatcher: Dispatcher;
  private readonly headers: Record<string, string>;
  private readonly origin: string;
  /** Path of the tunnel's endpoints, below any prefix the base URL carries. */
  private readonly base: string;
  private readonly postHeaders: Record<string, string>;
  private readonly pollTimeoutMs: number;
  private readonly pollGuardrailMs: number;
  /** `&channel=…` for each configured poll channel, built once. */
  private readonly channelQuery: string;
  /** A relay on this machine (loopback), not a hosted control plane. */
  private readonly local: boolean;

  constructor(config: EngineConfig['controlPlane'], serverInfo: string) {
    // Extra headers first, ours last: callers may add, never override. A
    // configured organization wins over an extra header of that name.
    const organization: Record<string, string> = config.organizationId ? { [HEADER_ORGANIZATION]: config.organizationId } : {};
    const ours = new Set([...PROTOCOL_HEADERS, HEADER_USER_AGENT, ...Object.keys(organization)].map((h) => h.toLowerCase()));
    const extra = Object.fromEntries(Object.entries(config.extraHeaders).filter(([k]) => !ours.has(k.toLowerCase())));
    this.headers = {
      ...extra,
      [HEADER_AUTHORIZATION]: `Bearer ${config.apiKey}`,
      [HEADER_USER_AGENT]: USER_AGENT,
      [HEADER_CLIENT_NAME]: CLIENT_NAME,
      [HEADER_CLIENT_VERSION]: CLIENT_VERSION,
      [HEADER_INSTANCE_ID]: this.instanceId,
      [HEADER_SERVER_INFO]: serverInfo,
      [HEADER_CLIENT_FEATURES]: FEATURE_SESSION_STREAM,
      ...organization,
    };
    const base = new URL(config.baseUrl);
    this.origin = base.origin;
    this.local = isLoopbackHost(base.hostname);
    this.base = `${base.pathname.replace(/\/+$/, '')}/v1/tunnels/${encodeURIComponent(config.tunnelId)}`;
    this.postHeaders = { ...this.headers, 'Content-Type': 'application/json' };
    this.pollTimeoutMs = config.pollTimeoutMs;
    this.pollGuardrailMs = config.pollDeadlineGuardrailMs ?? DEFAULT_POLL_GUARDRAIL_MS;
    this.channelQuery = (config.pollChannels ?? []).map((c) => `&channel=${encodeURIComponent(c)}`).join('');
    // Room for the long poll plus concurrent response POSTs of a full worker pool.
    this.dispatcher = createDispatcher(config.tls, config.proxy, undefined, config.envProxy);
  }

  /** The served channels changed (Harpoon got its first target): later requests declare the new set. */
  setServerInfo(serverInfo: string): void {
    this.headers[HEADER_SERVER_INFO] = serverInfo;
    this.postHeaders[HEADER_SERVER_INFO] = serverInfo;
  }

  async getMetadata(signal: AbortSignal): Promise<TunnelMetadata> {
    const res = await this.send('GET', this.base, undefined, signal, this.headers, 15_000);
    if (res.statusCode !== 200) throw await this.failure(res, 'metadata');
    try {
      const body = (await res.body.json()) as TunnelMetadata;
      return body;
    } catch {
      throw new ControlPlaneError('decode', 200, undefined, 'tunnel metadata was not valid JSON');
    }
  }

  /** One long-poll (waiting up to `waitMs` for work). Resolves with no commands on 204. */
  async poll(limit: number, signal: AbortSignal, waitMs = this.pollTimeoutMs): Promise<PollResult> {
    const n = Math.max(1, Math.min(POLL_LIMIT_MAX, Math.floor(limit)));
    const wait = Math.max(1, Math.round(waitMs));
    const url = `${this.base}/poll?limit=${n}&timeout_ms=${wait}${this.channelQuery}`;
    const res = await this.send('GET', url, undefined, signal, this.headers, wait + this.pollGuardrailMs);
    // The batch's deadlines are anchored here, before the body is decoded.
    const receivedAt = performance.now();
    if (res.statusCode === 204) {
      await res.body.dump();
      return { receivedAt, commands: [] };
    }
    if (res.statusCode !== 200) throw await this.failure(res, 'poll');
    let body: unknown;
    try {
      body = await res.body.json();
    } catch (err) {
      if (signal.aborted) throw err;
      throw new ControlPlaneError('decode', 200, undefined, 'poll response was not valid JSON');
    }
    const commands = (body as { commands?: unknown } | null)?.commands;
    if (!Array.isArray(commands)) throw new ControlPlaneError('decode', 200, undefined, 'poll response has no "commands" list');
    return { receivedAt, commands };
  }

  /** POSTs one pre-serialized response body; resolves on 200, throws ControlPlaneError otherwise. */
  async postResponse(body: string, shardToken: string, signal: AbortSignal): Promise<void> {
    // A fresh object per POST: a pool may queue the request and read its headers later.
    const res = await this.send('POST', `${this.base}/response`, body, signal, { ...this.postHeaders, [HEADER_SHARD_TOKEN]: shardToken }, 30_000);
    if (res.statusCode >= 200 && res.statusCode < 300) {
      await res.body.dump();
      return;
    }
    throw await this.failure(res, 'response');
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy().catch(() => undefined);
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    signal: AbortSignal,
    headers: Record<string, string>,
    headersTimeout: number,
  ): Promise<Dispatcher.ResponseData> {
    try {
      // Straight to the pooled dispatcher: origin and path are known, so no URL is parsed per request.
      return await this.dispatcher.request({ origin: this.origin, path, method, headers, body, signal, headersTimeout, bodyTimeout: headersTimeout });
    } catch (err) {
      if (signal.aborted) throw err;
      const code = errorCode(err);
      const message = `control plane unreachable (${code ?? 'network error'})`;
      throw new ControlPlaneError('network', undefined, undefined, message, code !== undefined && NOT_SENT_CODES.has(code), code !== undefined && TIMEOUT_CODES.has(code));
    }
  }

  private async failure(res: Dispatcher.ResponseData, what: string): Promise<ControlPlaneError> {
    const status = res.statusCode;
    let code: string | undefined;
    try {
      const text = await res.body.text();
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? undefined;
    } catch {
      // Error bodies are diagnostic only.
    }
    const retryAfter = status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after']) : undefined;
    const suffix = code ? ` (${code})` : '';
    if (status === 403 && this.local && (code === 'tunnel_use_forbidden' || code === 'admin_key_not_allowed')) {
      const why =
        code === 'admin_key_not_allowed'
          ? 'this is its admin key, which manages tunnels but never polls: use the runtime key the relay printed (api_key)'
          : 'the relay has no tunnel with this id that the key may use (never created, deleted, or attached to another workspace): check control_plane.tunnel_id';
      return new ControlPlaneError('auth', status, undefined, `the relay on this machine refused the ${what} request with ${status}${suffix}: ${why}`, false, false, true);
    }
    if ((status === 401 || status === 403) && this.local) {
      return new ControlPlaneError(
        'auth',
        status,
        undefined,
        `the relay on this machine refused the ${what} request with ${status}${suffix}: the tunnel's API key must be the key the relay was started with (its --api-key)`,
        false,
        false,
        true,
      );
    }
    if (status === 404 && this.local) {
      return new ControlPlaneError('not_found', status, undefined, `the relay on this machine answered 404 to the ${what} request${suffix}`, false, false, true);
    }
    if (status === 401 || status === 403) {
      return new ControlPlaneError(
        'auth',
        status,
        undefined,
        `control plane refused the ${what} request with ${status}${suffix}: check that the runtime API key has the Tunnels Use permission, ` +
          'and that the tunnel id belongs to the same organization and workspace as the key',
      );
    }
    if (status === 404) return new ControlPlaneError('not_found', status, undefined, `control plane answered 404 to the ${what} request${suffix}`);
    if (status === 429) return new ControlPlaneError('rate_limited', status, retryAfter, `control plane rate-limited the ${what} request${suffix}`);
    if (status >= 500) return new ControlPlaneError('server', status, retryAfter, `control plane answered ${status} to the ${what} request${suffix}`);
    return new ControlPlaneError('client', status, undefined, `control plane rejected the ${what} request with ${status}${suffix}`);
  }
}
