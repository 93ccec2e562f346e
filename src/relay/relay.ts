/**
 * The relay: a Secure MCP Tunnel control plane in miniature plus an MCP
 * Streamable HTTP front door, on one loopback HTTP server. This class only
 * composes them over one command queue and keeps the API tests, benches and
 * the `relay` / `loopback` commands use:
 *   - /v1/tunnels/{id}…  the control plane a tunnel client long-polls (controlPlane.ts)
 *   - /v1/tunnels, and POST/DELETE /v1/tunnels/{id}  tunnel management with the admin key (admin.ts)
 *   - /v1/mcp/{id}[/{front-door token}]  the front door MCP clients call (frontDoor.ts)
 *   - /.well-known/oauth-protected-resource/v1/mcp/{id}[/{token}]  its OAuth
 *     protected-resource metadata, fetched through the tunnel (oauthMetadata.ts)
 *   - what it saw: stats, request and response logs, violations (ledger.ts)
 *   - listening and closing (server.ts)
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { EngineConfig } from '../engine/config';
import { Logger } from '../engine/log';
import type { CommandQueue, CommandHandle, EnqueueInput, EnqueueOptions } from './commandQueue';
import { AdminApi, TUNNELS_COLLECTION, TunnelRegistry } from './admin';
import { CONTROL_PLANE_PREFIX, ControlPlane } from './controlPlane';
import { FaultInjector, type FaultHandle, type FaultSpec } from './faults';
import { frontDoorPath } from './admission';
import { FrontDoor } from './frontDoor';
import { PROTECTED_RESOURCE_WELL_KNOWN } from './oauthMetadata';
import { randomAlnum, randomSecret, safeDecode, sendApiError } from './http';
import { RelayLedger, type ControlPlaneEndpoint, type ControlPlaneRequestRecord, type ProtocolViolation, type RelayStats, type ResponseLogEntry } from './ledger';
import { closeRelayServer, listenRelay } from './server';
import { HarpoonShim } from './harpoonShim';

export type { ControlPlaneEndpoint, ControlPlaneRequestRecord, ProtocolViolation, RelayStats, ResponseLogEntry } from './ledger';

export interface RelayOptions {
  /** Default: `tunnel_` + 32 random [a-z0-9]. */
  tunnelId?: string;
  /** Bearer the tunnel client must present. Default: a random key. */
  apiKey?: string;
  /**
   * Whether MCP clients must present the front-door token ('bearer'): as the
   * last path segment of `mcpUrl`, or as `Authorization: Bearer <frontDoorToken>`.
   */
  frontDoorAuth: 'bearer' | 'none';
  /** Default: a random token (only used with frontDoorAuth 'bearer'). */
  frontDoorToken?: string;
  /** `host:port`; default `127.0.0.1:0` (loopback, any free port). */
  listen?: string;
  /** How the user named `listen` (`--listen`), for messages. */
  listenSetting?: string;
  tunnelName?: string;
  tunnelDescription?: string;
  /**
   * Bearer for tunnel management (create, list, update, delete); refused on
   * poll and response, as the runtime `apiKey` is refused on management.
   * Default: a random `sk-admin-` key.
   */
  adminKey?: string;
  /** The organization both keys belong to. Default `org_local_relay`. */
  organizationId?: string;
  /** The workspace of the runtime key and of the relay's own tunnel. Default `ws_local_relay`. */
  workspaceId?: string;
  /** How long a front-door request waits for its terminal answer. Default 60000. */
  commandTimeoutMs?: number;
  /** `response_timeout` put on commands (null sends JSON null). Default '60s'. */
  responseTimeout?: string | null;
  logger?: Logger;
  /** Upper bound on a poll's wait, whatever timeout_ms asks for. Default 30000. */
  maxPollWaitMs?: number;
  /** Largest response POST or front-door body accepted. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Extra `host:port` values the front door accepts in the Host header. */
  allowedHosts?: string[];
  /**
   * Keep each response POST's raw body in `responseLog()` (default true, for
   * tests and debugging). A long-running relay turns it off so large answers
   * are not held in memory.
   */
  keepResponseBodies?: boolean;
}

export interface RelayStartInfo {
  /** Base URL of the control plane, e.g. http://127.0.0.1:PORT. */
  url: string;
  /**
   * The URL MCP clients use, nothing else to send: `${url}/v1/mcp/${tunnelId}`,
   * with front-door auth 'bearer' followed by `/${frontDoorToken}`.
   */
  mcpUrl: string;
  /**
   * `${url}/v1/mcp/${tunnelId}`: the same endpoint without the token in its
   * path; with front-door auth a client sends `Authorization: Bearer <frontDoorToken>`
   * to it (and so cannot send an OAuth token of its own).
   */
  mcpUrlWithoutToken: string;
  tunnelId: string;
  apiKey: string;
  /** The key for tunnel management (admin endpoints only). */
  adminKey: string;
  organizationId: string;
  workspaceId: string;
  frontDoorAuth: 'bearer' | 'none';
  /** Present when frontDoorAuth is 'bearer'. */
  frontDoorToken?: string;
}

/** How an engine reaches this relay: its URL, tunnel id and key, no TLS, no extra headers. */
export function relayControlPlane(started: Pick<RelayStartInfo, 'url' | 'tunnelId' | 'apiKey'>, tuning: Pick<EngineConfig['controlPlane'], 'pollTimeoutMs' | 'maxInflightRequests'>): EngineConfig['controlPlane'] {
  return { baseUrl: started.url, tunnelId: started.tunnelId, apiKey: started.apiKey, extraHeaders: {}, tls: {}, ...tuning };
}

const DEFAULT_MAX_POLL_WAIT_MS = 30_000;
const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const FRONT_DOOR_PREFIX = '/v1/mcp/';

export class Relay {
  readonly tunnelId: string;
  readonly apiKey: string;
  readonly adminKey: string;
  readonly frontDoorToken: string | undefined;
  private readonly options: RelayOptions;
  private readonly logger: Logger;
  private readonly queue: CommandQueue;
  private readonly faults = new FaultInjector();
  private readonly ledger: RelayLedger;
  private readonly controlPlane: ControlPlane;
  private readonly tunnels: TunnelRegistry;
  private readonly admin: AdminApi;
  private readonly maxBodyBytes: number;
  private server: Server | undefined;
  private frontDoor: FrontDoor | undefined;
  private harpoonShim: HarpoonShim | undefined;
  private allowedHosts: ReadonlySet<string> = new Set();
  private startInfo: RelayStartInfo | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: RelayOptions) {
    this.options = options;
    this.tunnelId = options.tunnelId ?? `tunnel_${randomAlnum(32)}`;
    this.apiKey = options.apiKey ?? randomSecret('relay-key-');
    this.adminKey = options.adminKey ?? randomSecret('sk-admin-relay-');
    this.frontDoorToken = options.frontDoorAuth === 'bearer' ? (options.frontDoorToken ?? randomSecret('relay-mcp-')) : undefined;
    this.logger = (options.logger ?? Logger.create('info', 'relay')).child('relay');
    this.logger.addSecret(this.apiKey);
    this.logger.addSecret(this.adminKey);
    this.logger.addSecret(this.frontDoorToken);
    const organizationId = options.organizationId ?? 'org_local_relay';
    const workspaceId = options.workspaceId ?? 'ws_local_relay';
    this.tunnels = new TunnelRegistry({
      primary: {
        id: this.tunnelId,
        name: options.tunnelName ?? 'MCP Tunnel relay',
        description: options.tunnelDescription ?? 'Local relay',
        tenant_ids: [],
        workspace_ids: [workspaceId],
        organization_ids: [organizationId],
      },
      runtimeKey: this.apiKey,
      adminKey: this.adminKey,
      organizationId,
      workspaceId,
      responseTimeout: options.responseTimeout === undefined ? '60s' : options.responseTimeout,
    });
    this.queue = (this.tunnels.get(this.tunnelId) as { queue: CommandQueue }).queue;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.ledger = new RelayLedger(this.logger);
    this.admin = new AdminApi(this.tunnels, this.logger.child('relay.admin'));
    this.controlPlane = new ControlPlane({
      tunnels: this.tunnels,
      faults: this.faults,
      ledger: this.ledger,
      logger: this.logger,
      maxPollWaitMs: options.maxPollWaitMs ?? DEFAULT_MAX_POLL_WAIT_MS,
      maxBodyBytes: this.maxBodyBytes,
      keepResponseBodies: options.keepResponseBodies !== false,
    });
  }

  async start(): Promise<RelayStartInfo> {
    if (this.startInfo) return this.startInfo;
    const { server, bound } = await listenRelay((req, res) => this.route(req, res), this.logger, this.options.listen ?? '127.0.0.1:0', this.options.listenSetting ?? 'relay listen address');
    this.server = server;
    const url = bound.url;
    const own = this.tunnels.get(this.tunnelId);
    if (own && this.options.tunnelDescription === undefined) own.record.description = `Local relay at ${url}`;
    const allowedHosts = new Set([...bound.hosts, ...(this.options.allowedHosts ?? []).map((h) => h.toLowerCase())]);
    this.allowedHosts = allowedHosts;
    this.harpoonShim = new HarpoonShim({ tunnelId: this.tunnelId, enqueue: (input, options) => this.queue.enqueue(input, options), commandTimeoutMs: this.options.commandTimeoutMs ?? 60_000 });
    this.frontDoor = new FrontDoor({
      queue: this.queue,
      logger: this.logger.child('relay.frontdoor'),
      auth: this.options.frontDoorAuth,
      token: this.frontDoorToken,
      commandTimeoutMs: this.options.commandTimeoutMs ?? 60_000,
      maxBodyBytes: this.maxBodyBytes,
      tunnelId: this.tunnelId,
      allowedHosts,
      controlPlaneUrl: url,
      clientSpeaks: (feature) => this.ledger.clientSpeaks(feature),
      rewriteMetadata: (document, origin) => (this.harpoonShim ? (this.harpoonShim.rewrite(document, origin) as Record<string, unknown>) : document),
    });
    const mcpUrlWithoutToken = `${url}${frontDoorPath(this.tunnelId)}`;
    this.startInfo = {
      url,
      mcpUrl: `${url}${frontDoorPath(this.tunnelId, this.frontDoorToken)}`,
      mcpUrlWithoutToken,
      tunnelId: this.tunnelId,
      apiKey: this.apiKey,
      adminKey: this.adminKey,
      organizationId: this.tunnels.organizationId,
      workspaceId: this.tunnels.workspaceId,
      frontDoorAuth: this.options.frontDoorAuth,
    };
    if (this.frontDoorToken !== undefined) this.startInfo.frontDoorToken = this.frontDoorToken;
    // The token in mcp_url is a registered secret: the log line shows it redacted.
    this.logger.info('relay listening', { url, mcp_url: this.startInfo.mcpUrl, tunnel_id: this.tunnelId, front_door_auth: this.options.frontDoorAuth });
    if (bound.wide) this.logger.warn(`relay bound to every interface (${bound.address}); it answers only requests whose Host is one of ${[...allowedHosts].join(', ')}`);
    return this.startInfo;
  }

  /** What `start()` returned, once started. */
  get info(): RelayStartInfo | undefined {
    return this.startInfo;
  }

  /** Answers waiting polls and front-door requests, then closes every connection. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.frontDoor?.beginClose();
    this.faults.clear();
    this.tunnels.closeAll();
    if (!this.server) return;
    await closeRelayServer(this.server, this.frontDoor?.open);
    this.logger.info('relay closed');
  }

  /**
   * Puts a command on the queue as if a front-door client had sent it and
   * returns its handle at once: `handle.terminal` resolves with the accepted
   * terminal payload, `handle.notifies` / `handle.onNotify` show the
   * `jsonrpc_notify` payloads before it. Without `options.timeoutMs` the command
   * stays pending until answered, cancelled or the relay closes.
   */
  enqueue(input: EnqueueInput, options?: EnqueueOptions): CommandHandle {
    return this.queue.enqueue(input, options);
  }

  /** Makes the control plane misbehave on demand; faults apply before normal handling. */
  injectFault(spec: FaultSpec): FaultHandle {
    return this.faults.add(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  stats(): RelayStats {
    return this.ledger.stats(this.queue, this.frontDoor?.stats);
  }

  /** The last response POSTs received (up to 1000), oldest first. */
  responseLog(): ResponseLogEntry[] {
    return this.ledger.responseLog();
  }

  /** Protocol headers of the last control-plane requests (up to 200), oldest first. */
  requestLog(): ControlPlaneRequestRecord[] {
    return this.ledger.requestLog();
  }

  /** Protocol headers of the latest control-plane request (of one endpoint, if given). */
  lastClientHeaders(endpoint?: ControlPlaneEndpoint): ControlPlaneRequestRecord | undefined {
    return this.ledger.lastClientHeaders(endpoint);
  }

  violations(): ProtocolViolation[] {
    return this.ledger.violations();
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    if (path === TUNNELS_COLLECTION || path === CONTROL_PLANE_PREFIX) return this.admin.collection(req, res, q < 0 ? '' : rawUrl.slice(q + 1));
    const item = path.startsWith(CONTROL_PLANE_PREFIX) && req.method !== 'GET' ? path.slice(CONTROL_PLANE_PREFIX.length) : undefined;
    if (item !== undefined && item !== '' && !item.includes('/')) return this.admin.item(req, res, safeDecode(item) ?? item);
    if (path.startsWith(CONTROL_PLANE_PREFIX)) return this.controlPlane.handle(req, res, path, q < 0 ? '' : rawUrl.slice(q + 1));
    if (path.startsWith(FRONT_DOOR_PREFIX) && this.frontDoor) return this.frontDoor.handle(req, res, path.slice(FRONT_DOOR_PREFIX.length));
    if ((path === PROTECTED_RESOURCE_WELL_KNOWN || path.startsWith(`${PROTECTED_RESOURCE_WELL_KNOWN}/`)) && this.frontDoor) {
      return this.frontDoor.handleProtectedResourceMetadata(req, res, path.slice(PROTECTED_RESOURCE_WELL_KNOWN.length));
    }
    if (this.harpoonShim?.handles(path)) {
      const host = (req.headers.host ?? '').toLowerCase();
      if (!this.allowedHosts.has(host)) {
        req.resume();
        sendApiError(res, 421, `This relay does not answer for host ${host.slice(0, 100)}.`, 'misdirected_request');
        return;
      }
      return this.harpoonShim.handle(req, res, path, `http://${host}`);
    }
    req.resume();
    sendApiError(res, 404, `Nothing at ${path}: the control plane is under /v1/tunnels/${this.tunnelId} and the MCP endpoint is /v1/mcp/${this.tunnelId}.`, null);
  }
}
