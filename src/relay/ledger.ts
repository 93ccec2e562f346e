/**
 * What the relay saw, for tests, benches and `mcp-tunnel relay`'s stats: the
 * counters, the last control-plane requests and response POSTs, and every
 * contract rule a tunnel client broke while the relay tolerated it. Kept
 * apart from the routes so a route only says what happened, once.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../engine/log';
import { HEADER_CLIENT_FEATURES, HEADER_CLIENT_NAME, HEADER_CLIENT_VERSION, HEADER_INSTANCE_ID, HEADER_SERVER_INFO } from '../protocol/wire';
import type { CommandQueue } from './commandQueue';
import type { FrontDoorStats } from './frontDoor';
import { serverInfoProblem } from './serverInfo';

export type ControlPlaneEndpoint = 'metadata' | 'poll' | 'response';

/** Protocol headers seen on one control-plane request. */
export interface ControlPlaneRequestRecord {
  endpoint: ControlPlaneEndpoint;
  method: string;
  at: number;
  clientName?: string;
  clientVersion?: string;
  instanceId?: string;
  serverInfo?: string;
  userAgent?: string;
  /** OpenAI-Organization, sent when the client has an organization id configured. */
  organization?: string;
  /** The `channel` query parameters of a poll (none: every channel). */
  channels?: string[];
}

/** One response POST as received, whatever the relay answered. */
export interface ResponseLogEntry {
  requestId?: string;
  respType?: string;
  /** X-Tunnel-Shard-Token header value. */
  shardToken?: string;
  bytes: number;
  /** The raw body, so tests can check that a retry sent identical bytes. */
  body: Buffer;
  /** HTTP status the relay answered (0 when a fault reset the connection). */
  status: number;
  /** Why it was refused, when it was. */
  reason?: string;
  faulted: boolean;
  at: number;
}

/** Something a tunnel client did that the contract forbids but the relay tolerated. */
export interface ProtocolViolation {
  kind: string;
  detail: string;
  requestId?: string;
  at: number;
}

export interface RelayStats {
  polls: number;
  /** Polls answered 204. */
  pollsEmpty: number;
  metadataRequests: number;
  commandsQueued: number;
  commandsDelivered: number;
  /** Commands put back because their poll could not be written. */
  commandsRequeued: number;
  /** Commands dropped by timeout, cancel or close. */
  commandsDropped: number;
  /** Response POSTs answered 200 (notifies and terminals). */
  responsesAccepted: number;
  terminalsAccepted: number;
  notifiesAccepted: number;
  responsesRejected: Record<string, number>;
  /** Commands queued or delivered and still waiting for their terminal response. */
  pendingCommands: number;
  queuedCommands: number;
  waitingPolls: number;
  unauthorized: number;
  faultsApplied: number;
  protocolViolations: number;
  frontDoor: FrontDoorStats;
}

const REQUEST_LOG_LIMIT = 200;
const RESPONSE_LOG_LIMIT = 1000;
const VIOLATION_LOG_LIMIT = 500;
const H_CLIENT_NAME = HEADER_CLIENT_NAME.toLowerCase();
const H_CLIENT_VERSION = HEADER_CLIENT_VERSION.toLowerCase();
const H_INSTANCE_ID = HEADER_INSTANCE_ID.toLowerCase();
const H_SERVER_INFO = HEADER_SERVER_INFO.toLowerCase();
const H_FEATURES = HEADER_CLIENT_FEATURES.toLowerCase();

export class RelayLedger {
  readonly counters = {
    polls: 0,
    pollsEmpty: 0,
    metadataRequests: 0,
    responsesAccepted: 0,
    terminalsAccepted: 0,
    notifiesAccepted: 0,
    unauthorized: 0,
    faultsApplied: 0,
    protocolViolations: 0,
  };
  /** Refused response POSTs by reason. */
  readonly rejected: Record<string, number> = {};
  private readonly requests: ControlPlaneRequestRecord[] = [];
  private readonly responses: ResponseLogEntry[] = [];
  private readonly violationLog: ProtocolViolation[] = [];
  private readonly warnedViolations = new Set<string>();
  private lastServerInfo: { value: string; problem: string | undefined } | undefined;
  /** What the tunnel client's last poll declared in X-Mcp-Tunnel-Features. */
  private features: ReadonlySet<string> = new Set();

  constructor(private readonly logger: Logger) {}

  reject(reason: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }

  /** Keeps a response POST's entry; the route fills it in as it answers. */
  logResponse(entry: ResponseLogEntry): void {
    this.responses.push(entry);
    if (this.responses.length > RESPONSE_LOG_LIMIT) this.responses.shift();
  }

  /** Keeps a control-plane request's protocol headers and notes the ones missing or malformed. */
  recordRequest(endpoint: ControlPlaneEndpoint, req: IncomingMessage): void {
    const h = req.headers;
    const record: ControlPlaneRequestRecord = {
      endpoint,
      method: req.method ?? '',
      at: Date.now(),
      clientName: h[H_CLIENT_NAME] as string | undefined,
      clientVersion: h[H_CLIENT_VERSION] as string | undefined,
      instanceId: h[H_INSTANCE_ID] as string | undefined,
      serverInfo: h[H_SERVER_INFO] as string | undefined,
      userAgent: h['user-agent'],
      organization: h['openai-organization'] as string | undefined,
    };
    if (endpoint === 'poll') {
      const declared = h[H_FEATURES];
      this.features = new Set(typeof declared === 'string' ? declared.split(',').map((f) => f.trim()).filter(Boolean) : []);
      const channels = new URL(req.url ?? '/', 'http://relay').searchParams.getAll('channel');
      if (channels.length > 0) record.channels = channels;
    }
    this.requests.push(record);
    if (this.requests.length > REQUEST_LOG_LIMIT) this.requests.shift();
    if (record.clientName === undefined) this.violation('missing_client_header', HEADER_CLIENT_NAME);
    if (record.clientVersion === undefined) this.violation('missing_client_header', HEADER_CLIENT_VERSION);
    if (record.instanceId === undefined) this.violation('missing_client_header', HEADER_INSTANCE_ID);
    if (record.serverInfo === undefined) {
      this.violation('missing_client_header', HEADER_SERVER_INFO);
    } else {
      if (this.lastServerInfo?.value !== record.serverInfo) {
        this.lastServerInfo = { value: record.serverInfo, problem: serverInfoProblem(record.serverInfo) };
      }
      if (this.lastServerInfo.problem) this.violation('invalid_server_info', this.lastServerInfo.problem);
    }
  }

  /** Whether the tunnel client's last poll declared `feature` (X-Mcp-Tunnel-Features). */
  clientSpeaks(feature: string): boolean {
    return this.features.has(feature);
  }

  /** Records a broken contract rule; the first of each kind and detail is logged as a warning, repeats at debug. */
  violation(kind: string, detail: string, requestId?: string): void {
    this.counters.protocolViolations++;
    const entry: ProtocolViolation = { kind, detail, at: Date.now() };
    if (requestId !== undefined) entry.requestId = requestId;
    this.violationLog.push(entry);
    if (this.violationLog.length > VIOLATION_LOG_LIMIT) this.violationLog.shift();
    const key = `${kind}:${detail}`;
    const fields: Record<string, unknown> = { kind, detail };
    if (requestId !== undefined) fields.request_id = requestId;
    if (this.warnedViolations.has(key)) {
      this.logger.debug('tunnel client protocol violation', fields);
    } else {
      this.warnedViolations.add(key);
      this.logger.warn('tunnel client protocol violation', fields);
    }
  }

  stats(queue: CommandQueue, frontDoor: FrontDoorStats | undefined): RelayStats {
    return {
      ...this.counters,
      commandsQueued: queue.commandsQueued,
      commandsDelivered: queue.commandsDelivered,
      commandsRequeued: queue.commandsRequeued,
      commandsDropped: queue.commandsDropped,
      responsesRejected: { ...this.rejected },
      pendingCommands: queue.pendingCount,
      queuedCommands: queue.queuedCount,
      waitingPolls: queue.waitingPolls,
      frontDoor: { ...(frontDoor ?? { requests: 0, sseStreams: 0, timeouts: 0, refused: 0, oauthDiscoveries: 0, sessionStreams: 0, sessionStreamDropped: 0 }) },
    };
  }

  responseLog(): ResponseLogEntry[] {
    return [...this.responses];
  }

  requestLog(): ControlPlaneRequestRecord[] {
    return [...this.requests];
  }

  lastClientHeaders(endpoint?: ControlPlaneEndpoint): ControlPlaneRequestRecord | undefined {
    for (let i = this.requests.length - 1; i >= 0; i--) {
      if (endpoint === undefined || this.requests[i].endpoint === endpoint) return this.requests[i];
    }
    return undefined;
  }

  violations(): ProtocolViolation[] {
    return [...this.violationLog];
  }
}
