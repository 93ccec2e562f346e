/**
 * The `harpoon` channel: an MCP server inside the engine (the MCP SDK's
 * server, over an in-memory transport) whose tools make constrained HTTP
 * calls to allowlisted targets. Commands on the channel are JSON-RPC
 * messages like any other; ids are renumbered on the way in, so calls of
 * different remote clients that reuse an id never meet.
 */
import { EventEmitter } from 'node:events';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Registry } from 'prom-client';
import { isRequest, type JsonRpcMessage } from '../../protocol/jsonrpc';
import type { Headers } from '../../protocol/wire';
import { CLIENT_VERSION, USER_AGENT } from '../../version';
import type { Logger } from '../log';
import type { ChannelEvents, ChannelState, ChannelStatus, McpCall, McpChannel, McpOutcome } from '../mcp/channel';
import { HARPOON_CHANNEL, type HarpoonConfig } from './config';
import { HarpoonCaller, type Lookup } from './caller';
import { HarpoonHistory } from './history';
import { HarpoonMetrics } from './metrics';
import { HarpoonRegistry } from './registry';
import { callTarget, harpoonTools, HARPOON_INSTRUCTIONS, listTargets, oauthTargetAudience, toolError } from './tools';

export interface HarpoonChannelOptions {
  /** Values no outbound header may carry (the control-plane key). */
  secrets: () => readonly string[];
  metricsRegistry: Registry;
  /** Name resolution for target hosts (tests stand in a resolver that changes its answer). */
  lookup?: Lookup;
}

interface Pending {
  resolve(message: JSONRPCMessage): void;
  originalId: string | number;
}

/** Calls shown with the channel's status (the dashboard's recent calls). */
const STATUS_CALLS = 20;
const JSON_HEADERS: Headers = { 'Content-Type': ['application/json'] };

export class HarpoonChannel implements McpChannel {
  readonly name = HARPOON_CHANNEL;
  readonly kind = 'harpoon' as const;
  readonly procAffinity = true;
  readonly registry: HarpoonRegistry;
  readonly history: HarpoonHistory;
  private readonly events = new EventEmitter();
  private readonly server: Server;
  private readonly client: InMemoryTransport;
  private readonly pending = new Map<string, Pending>();
  private readonly signals = new Map<string, AbortSignal>();
  private nextId = 0;
  private readonly caller: HarpoonCaller;
  private state: ChannelState = 'stopped';
  private inFlight = 0;
  private startedAt: number | undefined;

  constructor(
    readonly config: HarpoonConfig,
    private readonly logger: Logger,
    options: HarpoonChannelOptions,
  ) {
    this.registry = new HarpoonRegistry(config.allowPlaintextHttp);
    for (const target of config.targets) this.registry.register(target);
    this.history = new HarpoonHistory(config.capturePayloads, options.secrets);
    const metrics = new HarpoonMetrics(options.metricsRegistry);
    const caller = new HarpoonCaller({ allowPlaintextHttp: config.allowPlaintextHttp, httpProxy: config.httpProxy, secrets: options.secrets, lookup: options.lookup, userAgent: USER_AGENT });
    const ctx = { config, registry: this.registry, caller, metrics, history: this.history };
    this.caller = caller;
    this.registry.on('change', () => {
      if (this.state === 'ready') for (const t of this.registry.list()) void caller.pin(t);
    });

    this.server = new Server({ name: 'harpoon', title: 'Harpoon (Constrained HTTP Client)', version: CLIENT_VERSION }, { capabilities: { tools: { listChanged: false } }, instructions: HARPOON_INSTRUCTIONS });
    const tools = harpoonTools(config);
    this.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
    this.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const args = (request.params.arguments ?? {}) as Record<string, unknown>;
      const signal = this.signals.get(String(extra.requestId)) ?? extra.signal;
      switch (request.params.name) {
        case 'list_targets':
          return listTargets(this.registry, args);
        case 'call_target':
          return callTarget(ctx, args, signal);
        case 'get_oauth_target_audience':
          return oauthTargetAudience(this.registry, args);
        default:
          return toolError('', `unknown tool ${JSON.stringify(request.params.name).slice(0, 80)}`);
      }
    });
    const [client, server] = InMemoryTransport.createLinkedPair();
    this.client = client;
    client.onmessage = (message) => this.fromServer(message);
    void this.server.connect(server);
  }

  on<E extends keyof ChannelEvents>(event: E, listener: ChannelEvents[E]): void {
    this.events.on(event, listener as (...args: unknown[]) => void);
  }

  async start(): Promise<void> {
    if (this.state === 'ready') return;
    await this.client.start();
    await Promise.all(this.registry.list().map((t) => this.caller.pin(t)));
    this.startedAt = Date.now();
    this.state = 'ready';
    this.events.emit('status', this.status());
  }

  async call(call: McpCall): Promise<McpOutcome> {
    const message = call.message as unknown as Record<string, unknown>;
    this.inFlight++;
    try {
      if (!isRequest(call.message)) {
        // Notifications (initialized, cancelled) and client responses: nothing to wait for.
        await this.client.send(message as unknown as JSONRPCMessage);
        return { kind: 'ack', status: 202, headers: {} };
      }
      const id = `h${++this.nextId}`;
      const answer = new Promise<JSONRPCMessage>((resolve) => this.pending.set(id, { resolve, originalId: message.id as string | number }));
      this.signals.set(id, call.signal);
      const onAbort = () => void this.client.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'deadline' } } as JSONRPCMessage);
      call.signal.addEventListener('abort', onAbort, { once: true });
      try {
        await this.client.send({ ...message, id } as unknown as JSONRPCMessage);
        const aborted = new Promise<never>((_, reject) => {
          if (call.signal.aborted) reject(call.signal.reason);
          call.signal.addEventListener('abort', () => reject(call.signal.reason), { once: true });
        });
        const response = (await Promise.race([answer, aborted])) as unknown as Record<string, unknown>;
        return { kind: 'response', json: { ...response, id: message.id }, status: 200, headers: JSON_HEADERS };
      } finally {
        call.signal.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        this.signals.delete(id);
      }
    } finally {
      this.inFlight--;
    }
  }

  private fromServer(message: JSONRPCMessage): void {
    const m = message as unknown as Record<string, unknown>;
    if ('id' in m && ('result' in m || 'error' in m)) {
      this.pending.get(String(m.id))?.resolve(message);
      return;
    }
    this.logger.debug('harpoon server message outside a call dropped', { method: typeof m.method === 'string' ? m.method : undefined });
  }

  async terminateSession(): Promise<{ status: number; headers: Headers }> {
    // Harpoon keeps no per-session state: ending a session is always fine.
    return { status: 200, headers: {} };
  }

  status(): ChannelStatus {
    const status: ChannelStatus = {
      kind: 'harpoon',
      state: this.state,
      restarts: 0,
      inFlight: this.inFlight,
      targets: this.registry.size,
      harpoonTargets: this.registry.list().map((t) => ({ label: t.label, category: t.category, source: t.source, ...(t.description ? { description: t.description } : {}) })),
      harpoonCalls: this.history.recent().slice(-STATUS_CALLS),
    };
    if (this.startedAt !== undefined) status.startedAt = this.startedAt;
    return status;
  }

  async close(): Promise<void> {
    this.state = 'stopped';
    await this.server.close().catch(() => undefined);
  }
}

export type { JsonRpcMessage };
