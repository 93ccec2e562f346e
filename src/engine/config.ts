/**
 * What the engine needs to run, fully resolved: secrets already read, paths
 * already loaded, durations already parsed. Built from a profile by
 * `src/profiles/resolve.ts`; the engine never reads env vars or files itself.
 */
import type { LogLevel } from './log';
import type { HarpoonConfig } from './harpoon/config';

export interface TlsMaterial {
  /** PEM client certificate and key for mTLS on this hop. */
  cert?: string;
  key?: string;
  /** Extra PEM CA certificates added to the system trust for this hop. */
  ca?: string;
}

/**
 * The standard proxy variables (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), read by
 * the profile resolver for a hop with no proxy of its own; the engine applies
 * them per request origin and never reads the environment itself.
 */
export interface EnvProxy {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

export interface StdioTarget {
  kind: 'stdio';
  channel: string;
  /** argv[0] and arguments, already split; never run through a shell. */
  argv: string[];
  cwd?: string;
  /** Configured variables added to the minimal inherited environment. */
  env: Record<string, string>;
  /** Largest JSON-RPC message sent to or read from the server (default 10 MiB). */
  maxMessageBytes?: number;
  /**
   * How remote sessions share the server: `per_session` runs a child per
   * session (a bounded pool), `shared` one child for all. Unset: shared, the
   * default (see the README, "Many sessions, one child").
   */
  sessions?: StdioSessions;
}

export interface StdioSessions {
  mode: 'per_session' | 'shared';
  /** per_session: children for remote sessions at most; a new session beyond closes the least recently used. */
  maxSessions: number;
  /** per_session: a session's child idle this long is closed (0: never). */
  idleTimeoutMs: number;
}

export interface HttpTarget {
  kind: 'http';
  channel: string;
  url: string;
  /** Extra headers sent only to this MCP origin (values already resolved). */
  headers: Record<string, string>;
  /** Added after `headers` to OAuth discovery requests to this origin only (`mcp.discovery_extra_headers`). */
  discoveryHeaders?: Record<string, string>;
  tls: TlsMaterial;
  proxy?: string;
  /** With no `proxy`: the standard proxy variables to apply. */
  envProxy?: EnvProxy;
}

export type McpTarget = StdioTarget | HttpTarget;

export interface EngineConfig {
  controlPlane: {
    /** Host root, optionally with a path prefix before /v1 already joined. */
    baseUrl: string;
    tunnelId: string;
    apiKey: string;
    /** Sent as the OpenAI-Organization header on control-plane requests, when set. */
    organizationId?: string;
    extraHeaders: Record<string, string>;
    tls: TlsMaterial;
    proxy?: string;
    /** With no `proxy`: the standard proxy variables to apply. */
    envProxy?: EnvProxy;
    /** Long-poll wait requested as timeout_ms. */
    pollTimeoutMs: number;
    /** How much longer than the wait one poll request may take (default 15 s). */
    pollDeadlineGuardrailMs?: number;
    /** Channels to ask for (`channel=` on each poll); unset asks for every channel of the tunnel. */
    pollChannels?: string[];
    /** Local queue capacity: polled commands waiting for a worker, not those running (1..10000). */
    maxInflightRequests: number;
  };
  mcp: {
    targets: McpTarget[];
    /** Worker pool size: MCP requests running at once. */
    maxConcurrentRequests: number;
    /**
     * Before the first poll, wait up to this long for the main channel's HTTP
     * server to accept a connection (0 or unset: poll at once). Only for a
     * Streamable HTTP `main` channel.
     */
    startupWaitMs?: number;
    /** Longest one MCP request (and its streamed answer) may hold its connection (default 10 min). */
    connectionMaxTtlMs?: number;
  };
  health?: {
    /** host:port; port 0 picks a free port. */
    listenAddr: string;
    urlFile?: string;
    /** How the user named the address (`HEALTH_LISTEN_ADDR`, `--health-listen`), for messages. */
    setting?: string;
  };
  log: { level: LogLevel };
  trace: { capturePayloads: boolean; maxEntries: number };
  /** The embedded Harpoon server (channel `harpoon`); served once it has a target. */
  harpoon?: HarpoonConfig;
}

export const DEFAULTS = {
  baseUrl: 'https://api.openai.com',
  mtlsBaseUrl: 'https://mtls.api.openai.com',
  pollTimeoutMs: 30_000,
  maxInflightRequests: 20,
  maxInflightRequestsLimit: 10_000,
  maxConcurrentRequests: 10,
  /** Largest message a stdio MCP server is sent or may answer with. */
  maxMessageBytes: 10 * 1024 * 1024,
  /** Longest one MCP request may take, as the reference daemon's `mcp.connection_max_ttl`. */
  connectionMaxTtlMs: 10 * 60_000,
  healthListenAddr: '127.0.0.1:8080',
  traceMaxEntries: 1000,
  /** How a profile's stdio server shares its child: one for every session, as the reference daemon (see the README, "Many sessions, one child"). */
  sessionMode: 'shared',
  maxSessions: 8,
  /** Matches the profile schema's documented `10m`. */
  sessionIdleTimeoutMs: 10 * 60_000,
} as const;
