/**
 * SDK clients for the session tests: the same client opened through the
 * tunnel's front door and DIRECTLY against server-everything (stdio), so a
 * test can compare what a session sees either way.
 */
import { strict as assert } from 'node:assert';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { StdioSessions, StdioTarget } from '../../src/engine/config';
import type { McpChannel } from '../../src/engine/mcp/channel';
import type { StdioSessionPool } from '../../src/engine/mcp/stdio';
import { EVERYTHING, everythingStdioTarget } from './everything';
import type { TestTunnel } from './tunnel';

export const SAMPLING_AND_ELICITATION: ClientCapabilities = { sampling: {}, elicitation: {} };

export function perSession(sessions: Partial<StdioSessions> = {}): StdioTarget {
  return { ...everythingStdioTarget(), sessions: { mode: 'per_session', maxSessions: 8, idleTimeoutMs: 0, ...sessions } };
}

export interface Opened {
  client: Client;
  transport: Transport;
  /** The protocol version the server answered initialize with. */
  protocol(): string | undefined;
}

export interface ClientWish {
  name?: string;
  capabilities?: ClientCapabilities;
  /** Asked for in initialize instead of the SDK's latest. */
  protocolVersion?: string;
  roots?: { uri: string; name: string }[];
}

/** An SDK client over `transport`, initialized as `wish` says. */
export async function open(transport: Transport, wish: ClientWish = {}): Promise<Opened> {
  const capabilities = { ...wish.capabilities, ...(wish.roots ? { roots: {} } : {}) };
  const client = new Client({ name: wish.name ?? 'sessions-test', version: '1.0.0' }, { capabilities });
  if (capabilities.sampling) {
    client.setRequestHandler(CreateMessageRequestSchema, () => ({ model: 'test', role: 'assistant', content: { type: 'text', text: 'sampled' } }));
  }
  if (capabilities.elicitation) client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'decline' }));
  if (wish.roots) {
    const roots = wish.roots;
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots }));
  }
  let protocol: string | undefined;
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const m = message as { method?: string; params?: { protocolVersion?: string } };
    if (wish.protocolVersion && m.method === 'initialize' && m.params) m.params = { ...m.params, protocolVersion: wish.protocolVersion };
    return send(message, options);
  };
  const set = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (version: string) => {
    protocol = version;
    set?.(version);
  };
  await client.connect(transport);
  return { client, transport, protocol: () => protocol };
}

export function tunnelled(t: TestTunnel, wish: ClientWish = {}): Promise<Opened & { transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(t.info.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${t.info.frontDoorToken}` } } });
  return open(transport, wish) as Promise<Opened & { transport: StreamableHTTPClientTransport }>;
}

export function direct(wish: ClientWish = {}): Promise<Opened> {
  return open(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }), wish);
}

export function poolOf(t: TestTunnel): StdioSessionPool {
  return (t.engine as unknown as { channels: Map<string, McpChannel> }).channels.get('main') as unknown as StdioSessionPool;
}

export function pidOf(t: TestTunnel, sessionId: string | undefined): number | undefined {
  assert.ok(sessionId, 'the session has an Mcp-Session-Id');
  return poolOf(t).sessions.get(sessionId)?.channel.status().pid;
}

export async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name).sort();
}

/** A raw POST to the front door: every message of its SSE answer (or its one JSON body), in order. */
export async function postAll(t: TestTunnel, body: unknown, sessionId?: string): Promise<{ status: number; messages: Record<string, unknown>[]; sessionId: string | null }> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${t.info.frontDoorToken}`,
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
  };
  if (sessionId) headers['Mcp-Session-Id'] = sessionId;
  const res = await fetch(t.info.mcpUrl, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  const messages = text.startsWith('{') ? [JSON.parse(text)] : text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
  return { status: res.status, messages, sessionId: res.headers.get('mcp-session-id') };
}

/** A raw POST to the front door, for what the SDK client would not send: its answer (an SSE answer ends with it; server messages may come first). */
export async function post(t: TestTunnel, body: unknown, sessionId?: string): Promise<{ status: number; json: { result?: unknown; error?: { code: number; message: string } }; sessionId: string | null }> {
  const { status, messages, sessionId: id } = await postAll(t, body, sessionId);
  return { status, json: messages.at(-1) ?? {}, sessionId: id };
}
