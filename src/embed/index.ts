/**
 * The tunnel inside a Node MCP server's own process: `startTunnel(options,
 * transport)` polls the control plane and runs each command against the MCP
 * server on the other end of `transport` (any MCP SDK `Transport`, usually
 * one end of `InMemoryTransport.createLinkedPair()`). No child process, no
 * port, no health server: the host process owns its lifecycle and
 * observability, and gets the tunnel's status and log lines as events.
 *
 * Bundled as `dist/embed.js`, exported as `mcp-tunnel/embed`.
 */
import { EventEmitter } from 'node:events';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { DEFAULT_CHANNEL, PROTOCOL_HEADERS, TUNNEL_ID_PATTERN } from '../protocol/wire';
import { DEFAULTS, type EngineConfig, type TransportTarget } from '../engine/config';
import { TunnelEngine } from '../engine/engine';
import type { EngineState, EngineStatus, LogLevel, LogRecord } from '../engine/events';
import { LOG_LEVELS } from '../engine/events';
import { formatLogLine, Logger } from '../engine/log';
import { TransportChannel } from '../engine/mcp/transportChannel';
import { isLoopbackHost } from '../engine/net';

export type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
export type { EngineState as TunnelState, EngineStatus as TunnelStatus, LogLevel, LogRecord } from '../engine/events';

export interface TunnelOptions {
  /** The tunnel to serve: `tunnel_` and 32 lowercase letters or digits. */
  tunnelId: string;
  /** The tunnel's runtime API key. It never appears in a log line or an event. */
  apiKey: string;
  /** Control-plane host root (default https://api.openai.com); plain http only for a relay on this machine. */
  controlPlaneUrl?: string;
  /** Sent as OpenAI-Organization on control-plane requests. */
  organizationId?: string;
  /** Extra headers on control-plane requests; they cannot replace authentication or client metadata. */
  extraHeaders?: Record<string, string>;
  /** How long one empty poll may wait, in ms (default 30000). */
  pollTimeoutMs?: number;
  /** Polled commands that may wait for a worker (default 20, at most 10000). */
  maxInflightRequests?: number;
  /** MCP requests run at once (default 10). */
  maxConcurrentRequests?: number;
  /** Lowest level logged (default info). */
  logLevel?: LogLevel;
  /**
   * Where log lines go. Default: one text line each on stderr (stdout stays
   * free for a stdio MCP server). `false` keeps them only as `log` events.
   */
  log?: ((record: LogRecord) => void) | false;
}

export interface TunnelEvents {
  /** The tunnel's state changed (starting, ready, degraded, auth_error, restarting, stopped), with why. */
  status: (status: EngineStatus) => void;
  /** One log line, already redacted. */
  log: (record: LogRecord) => void;
}

export interface TunnelHandle {
  readonly tunnelId: string;
  /**
   * Resolves the first time the tunnel is ready: the control plane answered
   * a poll and the MCP server answered `initialize`. Rejects with a
   * `TunnelError` when it stops first, when the control plane refuses the
   * API key (code `auth`; the tunnel keeps retrying until `stop()`), or when
   * the MCP server cannot be reached (code `mcp_unreachable`).
   */
  readonly ready: Promise<void>;
  /** `ready`, or a `TunnelError` (code `timeout`, with the current reason) after `timeoutMs`. */
  waitReady(timeoutMs?: number): Promise<void>;
  status(): EngineStatus;
  on<E extends keyof TunnelEvents>(event: E, listener: TunnelEvents[E]): this;
  off<E extends keyof TunnelEvents>(event: E, listener: TunnelEvents[E]): this;
  /** Stops polling, answers what is in flight, and closes the transport. Safe to call more than once. */
  stop(): Promise<void>;
}

export type TunnelErrorCode = 'invalid_options' | 'stopped' | 'auth' | 'mcp_unreachable' | 'timeout';

export class TunnelError extends Error {
  constructor(
    readonly code: TunnelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TunnelError';
  }
}

const OPTION_KEYS = new Set<string>(['tunnelId', 'apiKey', 'controlPlaneUrl', 'organizationId', 'extraHeaders', 'pollTimeoutMs', 'maxInflightRequests', 'maxConcurrentRequests', 'logLevel', 'log']);
/** Headers the tunnel sets itself: an extra header may not replace them. */
const RESERVED_HEADERS = new Set([...PROTOCOL_HEADERS, 'User-Agent', 'Accept'].map((h) => h.toLowerCase()));

function invalid(message: string): TunnelError {
  return new TunnelError('invalid_options', `startTunnel: ${message}`);
}

function positiveInt(options: TunnelOptions, key: 'pollTimeoutMs' | 'maxInflightRequests' | 'maxConcurrentRequests', fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw invalid(`${key} must be a whole number from 1 to ${max === Number.MAX_SAFE_INTEGER ? 'any size' : max}; leave it out for the default (${fallback})`);
  return value;
}

function controlPlaneUrl(value: unknown): string {
  if (value === undefined) return DEFAULTS.baseUrl;
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalid('controlPlaneUrl is not a URL: write the host root, e.g. https://api.openai.com, or http://127.0.0.1:PORT for a relay on this machine');
  }
  if (url.username || url.password) throw invalid('controlPlaneUrl must not contain credentials: remove user:password@ and pass the key as apiKey');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) throw invalid('controlPlaneUrl must use https (plain http is only for a relay on this machine, http://127.0.0.1:PORT)');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('controlPlaneUrl must be an https:// URL, e.g. https://api.openai.com');
  if (url.search || url.hash) throw invalid('controlPlaneUrl must not have a query or fragment: keep the scheme, host and an optional path prefix');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function extraHeaders(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('extraHeaders must be an object of header names to string values');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw invalid(`extraHeaders has a name that is not an HTTP header name (${JSON.stringify(name.slice(0, 40))}); use letters, digits and dashes`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw invalid(`extraHeaders cannot set ${name}: the tunnel sets it itself (the API key goes in apiKey)`);
    if (typeof v !== 'string' || /[\r\n\0]/.test(v)) throw invalid(`extraHeaders.${name} must be a string on one line`);
    out[name] = v;
  }
  return out;
}

function checkTransport(transport: unknown): Transport {
  const t = transport as Partial<Transport> | undefined;
  if (typeof t !== 'object' || t === null || typeof t.start !== 'function' || typeof t.send !== 'function' || typeof t.close !== 'function') {
    throw invalid('the second argument must be an MCP SDK Transport (start, send, close): pass one end of InMemoryTransport.createLinkedPair() and connect your McpServer to the other');
  }
  if (t.onmessage) throw invalid('this transport is already connected to something (its onmessage is set): pass the other end of the pair, the one your McpServer is not connected to');
  return t as Transport;
}

/** Checks the options and builds the engine's configuration; every mistake is a `TunnelError` that says what to do. */
function configFrom(options: TunnelOptions): EngineConfig {
  if (typeof options !== 'object' || options === null) throw invalid('pass an options object: startTunnel({ tunnelId, apiKey, controlPlaneUrl }, transport)');
  const unknown = Object.keys(options).filter((key) => !OPTION_KEYS.has(key));
  if (unknown.length > 0) throw invalid(`unknown option ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; the options are ${[...OPTION_KEYS].join(', ')}`);
  const { tunnelId, apiKey } = options;
  if (typeof tunnelId !== 'string' || tunnelId.trim() === '') throw invalid('tunnelId is missing: pass the id of the tunnel to serve (tunnel_…), e.g. process.env.CONTROL_PLANE_TUNNEL_ID');
  if (!TUNNEL_ID_PATTERN.test(tunnelId.trim())) throw invalid(`tunnelId ${JSON.stringify(tunnelId.slice(0, 60))} is not a tunnel id: it is "tunnel_" and 32 lowercase letters or digits, as the tunnel settings (or the relay) show it`);
  // The key is never echoed, not even in part.
  if (typeof apiKey !== 'string' || apiKey.trim() === '') throw invalid('apiKey is missing: pass the tunnel\'s runtime API key, e.g. process.env.CONTROL_PLANE_API_KEY');
  if (/[\r\n\0]/.test(apiKey)) throw invalid('apiKey contains a line break: pass the key alone, without the newline a file or a shell may add (apiKey.trim())');
  if (options.logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(options.logLevel)) throw invalid(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  if (options.log !== undefined && options.log !== false && typeof options.log !== 'function') throw invalid('log must be a function that takes a log record, or false');
  if (options.organizationId !== undefined && (typeof options.organizationId !== 'string' || /[\r\n\0]/.test(options.organizationId))) throw invalid('organizationId must be a string on one line (org_…)');
  const target: TransportTarget = { kind: 'transport', channel: DEFAULT_CHANNEL };
  return {
    controlPlane: {
      baseUrl: controlPlaneUrl(options.controlPlaneUrl),
      tunnelId: tunnelId.trim(),
      apiKey: apiKey.trim(),
      ...(options.organizationId ? { organizationId: options.organizationId } : {}),
      extraHeaders: extraHeaders(options.extraHeaders),
      tls: {},
      pollTimeoutMs: positiveInt(options, 'pollTimeoutMs', DEFAULTS.pollTimeoutMs),
      maxInflightRequests: positiveInt(options, 'maxInflightRequests', DEFAULTS.maxInflightRequests, DEFAULTS.maxInflightRequestsLimit),
    },
    mcp: { targets: [target], maxConcurrentRequests: positiveInt(options, 'maxConcurrentRequests', DEFAULTS.maxConcurrentRequests) },
    log: { level: options.logLevel ?? 'info' },
    trace: { capturePayloads: false, maxEntries: DEFAULTS.traceMaxEntries },
  };
}

class Tunnel extends EventEmitter implements TunnelHandle {
  readonly tunnelId: string;
  readonly ready: Promise<void>;
  private readonly engine: TunnelEngine;
  private settle!: { resolve: () => void; reject: (err: TunnelError) => void };
  private settled = false;
  private stopping: Promise<void> | undefined;

  constructor(config: EngineConfig, transport: Transport, log: TunnelOptions['log']) {
    super();
    this.tunnelId = config.controlPlane.tunnelId;
    const logger = Logger.create(config.log.level, 'tunnel');
    logger.addSink((record) => this.emit('log', record));
    if (log === undefined) logger.addSink((record) => process.stderr.write(`${formatLogLine(record)}\n`));
    else if (log) logger.addSink(log);
    this.engine = new TunnelEngine(config, {
      logger,
      channelFactory: (target, channelLogger) => {
        if (target.kind !== 'transport') throw new Error(`an embedded tunnel serves its transport only, not a ${target.kind} server`);
        return new TransportChannel(target, transport, channelLogger.child(`mcp:${target.channel}`));
      },
    });
    this.ready = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // Nobody has to await `ready`: a rejection nobody listens to must not end the host process.
    this.ready.catch(() => undefined);
    this.engine.on('state', (status) => this.onState(status));
  }

  begin(): void {
    if (this.stopping) return;
    this.engine.start().catch((err: Error) => {
      this.finish(new TunnelError('stopped', `the tunnel could not start: ${err.message}`));
      void this.stop();
    });
  }

  status(): EngineStatus {
    return this.engine.status();
  }

  waitReady(timeoutMs?: number): Promise<void> {
    if (timeoutMs === undefined) return this.ready;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) return Promise.reject(new TunnelError('invalid_options', 'waitReady: timeoutMs must be a number of milliseconds, 0 or more'));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const { state, reason } = this.engine.status();
        reject(new TunnelError('timeout', `the tunnel was not ready within ${timeoutMs} ms: ${state}, ${reason}`));
      }, timeoutMs);
      this.ready.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  stop(): Promise<void> {
    this.stopping ??= this.engine.stop().finally(() => this.finish(new TunnelError('stopped', 'the tunnel was stopped before it was ready')));
    return this.stopping;
  }

  private onState(status: EngineStatus): void {
    this.emit('status', status);
    const state: EngineState = status.state;
    if (state === 'ready') this.finish();
    else if (state === 'auth_error') this.finish(new TunnelError('auth', `the control plane refused the API key: ${status.reason}; check apiKey and tunnelId (the tunnel keeps retrying until stop())`));
    else if (status.channels.some((c) => c.state === 'crashed')) this.finish(new TunnelError('mcp_unreachable', `${status.reason}; connect your McpServer to the other end of the transport before startTunnel, and keep it open`));
  }

  private finish(error?: TunnelError): void {
    if (this.settled) return;
    this.settled = true;
    if (error) this.settle.reject(error);
    else this.settle.resolve();
  }
}

/**
 * Starts a tunnel that serves the MCP server on the other end of `transport`.
 * Throws a `TunnelError` (code `invalid_options`) at once for bad options;
 * everything after that is reported by the handle's `status` events and its
 * `ready` promise. The tunnel starts once the caller's current code has run,
 * so listeners attached right away see every state from `starting` on.
 */
export function startTunnel(options: TunnelOptions, transport: Transport): TunnelHandle {
  const config = configFrom(options);
  const tunnel = new Tunnel(config, checkTransport(transport), options.log);
  process.nextTick(() => tunnel.begin());
  return tunnel;
}
