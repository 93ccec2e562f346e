/**
 * The dashboard as an MCP client of the profile's server, over the worker's
 * direct path (TunnelEngine.callLocal): it initializes once, keeps the
 * server's Mcp-Session-Id for HTTP servers, and sends requests with its own
 * ids. No `vscode` import: the call function is passed in.
 */
import type { McpOutcome } from '../engine/mcp/channel';
import { hasValidError, isRequest, type JsonRpcMessage } from '../protocol/jsonrpc';
import { headerValue, type Headers } from '../protocol/wire';

export const DASHBOARD_PROTOCOL_VERSION = '2025-06-18';

export type LocalCall = (message: JsonRpcMessage, headers: Headers) => Promise<{ outcome: McpOutcome; traceSeq: number }>;

export interface ClientAnswer {
  /** The JSON-RPC response (result or error) as the server sent it. */
  response: Record<string, unknown> | undefined;
  traceSeq: number;
}

/** A JSON-RPC error answer, kept whole so the caller can show its data. */
export class McpRequestError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly traceSeq: number | undefined,
  ) {
    super(message);
    this.name = 'McpRequestError';
  }
}

export class LocalMcpClient {
  private session: Promise<void> | undefined;
  private sessionId: string | undefined;
  private protocolVersion = DASHBOARD_PROTOCOL_VERSION;
  private nextId = 1;

  constructor(
    private readonly call: LocalCall,
    private readonly clientInfo: { name: string; version: string },
  ) {}

  /** Forgets the session (the tunnel restarted): the next request initializes again. */
  reset(): void {
    this.session = undefined;
    this.sessionId = undefined;
  }

  /** The headers a request of this client's session carries. */
  headers(): Headers {
    const headers: Headers = { 'Mcp-Protocol-Version': [this.protocolVersion] };
    if (this.sessionId) headers['Mcp-Session-Id'] = [this.sessionId];
    return headers;
  }

  /** Sends a request and returns its result; a JSON-RPC error is thrown as McpRequestError. */
  async request(method: string, params: Record<string, unknown> = {}): Promise<{ result: unknown; traceSeq: number }> {
    const answer = await this.send({ jsonrpc: '2.0', id: this.id(), method, params });
    const response = answer.response;
    if (hasValidError(response)) throw new McpRequestError(response.error.message, response.error.code, answer.traceSeq);
    return { result: response?.result, traceSeq: answer.traceSeq };
  }

  /** Sends a captured message again under a fresh id (a notification as it is); the answer comes back whole. */
  async replay(message: JsonRpcMessage): Promise<ClientAnswer> {
    const copy = isRequest(message) ? { ...message, id: this.id() } : message;
    return this.send(copy);
  }

  /** Every page of a list method (tools/list, resources/list, prompts/list). */
  async list(method: string, key: string): Promise<{ items: unknown[]; traceSeq: number }> {
    const items: unknown[] = [];
    let cursor: string | undefined;
    let traceSeq = 0;
    for (let page = 0; page < 50; page++) {
      const { result, traceSeq: seq } = await this.request(method, cursor ? { cursor } : {});
      traceSeq = seq;
      const r = (result ?? {}) as Record<string, unknown>;
      if (Array.isArray(r[key])) items.push(...(r[key] as unknown[]));
      cursor = typeof r.nextCursor === 'string' && r.nextCursor ? r.nextCursor : undefined;
      if (!cursor) break;
    }
    return { items, traceSeq };
  }

  private async send(message: JsonRpcMessage, retried = false): Promise<ClientAnswer> {
    if (!(isRequest(message) && message.method === 'initialize')) await this.initialize();
    const { outcome, traceSeq } = await this.call(message, this.headers());
    // An HTTP server that forgot our session answers 404: start a new one, once.
    if (outcome.status === 404 && this.sessionId && !retried) {
      this.reset();
      return this.send(isRequest(message) ? { ...message, id: this.id() } : message, true);
    }
    return { response: outcome.kind === 'response' ? outcome.json : undefined, traceSeq };
  }

  private initialize(): Promise<void> {
    this.session ??= this.handshake().catch((err: unknown) => {
      this.session = undefined;
      throw err;
    });
    return this.session;
  }

  private async handshake(): Promise<void> {
    const { outcome, traceSeq } = await this.call(
      { jsonrpc: '2.0', id: this.id(), method: 'initialize', params: { protocolVersion: DASHBOARD_PROTOCOL_VERSION, capabilities: {}, clientInfo: this.clientInfo } },
      { 'Mcp-Protocol-Version': [DASHBOARD_PROTOCOL_VERSION] },
    );
    const json = outcome.kind === 'response' ? outcome.json : undefined;
    if (hasValidError(json)) throw new McpRequestError(`the MCP server refused to initialize: ${json.error.message}`, json.error.code, traceSeq);
    const result = json?.result as { protocolVersion?: unknown } | undefined;
    if (typeof result?.protocolVersion === 'string') this.protocolVersion = result.protocolVersion;
    this.sessionId = headerValue(outcome.headers, 'Mcp-Session-Id');
    await this.call({ jsonrpc: '2.0', method: 'notifications/initialized' }, this.headers());
  }

  private id(): string {
    return `dashboard-${this.nextId++}`;
  }
}
