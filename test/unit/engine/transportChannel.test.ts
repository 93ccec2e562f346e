import { strict as assert } from 'node:assert';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { JsonRpcMessage } from '../../../src/protocol/jsonrpc';
import type { Headers } from '../../../src/protocol/wire';
import { TunnelFailureError } from '../../../src/engine/failure';
import { Logger } from '../../../src/engine/log';
import type { McpOutcome } from '../../../src/engine/mcp/channel';
import { probeChannel } from '../../../src/engine/mcp/probe';
import { TransportChannel } from '../../../src/engine/mcp/transportChannel';

const INIT = (id: number) => ({ jsonrpc: '2.0' as const, id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'remote', version: '1' } } });
const session = (id: string): Headers => ({ 'Mcp-Session-Id': [id] });

describe('TransportChannel: an in-process MCP server behind an SDK transport', () => {
  let server: McpServer;
  let channel: TransportChannel;
  /** Methods of the messages the server received, in order. */
  let received: string[];

  beforeEach(async () => {
    server = new McpServer({ name: 'in-process', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: { message: z.string() } }, async ({ message }) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { content: [{ type: 'text', text: message }] };
    });
    const [tunnelSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const deliver = serverSide.onmessage!;
    received = [];
    serverSide.onmessage = (message, extra) => {
      received.push('method' in message ? message.method : 'response');
      deliver(message, extra);
    };
    channel = new TransportChannel({ kind: 'transport', channel: 'main' }, tunnelSide, Logger.create('error'));
    await channel.start();
  });

  afterEach(async () => {
    await channel.close();
    await server.close();
  });

  function call(message: Record<string, unknown>, headers: Headers = {}): Promise<McpOutcome> {
    return channel.call({ message: message as unknown as JsonRpcMessage, headers, signal: AbortSignal.timeout(5000), onNotify: () => undefined });
  }

  it('initializes the server once: the startup probe does it, remote sessions get its answer', async () => {
    assert.deepEqual(await probeChannel(channel, new AbortController().signal), { ok: true });
    const [a, b] = await Promise.all([call(INIT(1), session('a')), call(INIT(1), session('b'))]);
    for (const answer of [a, b]) {
      assert.equal(answer.kind, 'response');
      if (answer.kind === 'response') assert.equal((answer.json.result as { serverInfo: { name: string } }).serverInfo.name, 'in-process');
    }
    await call({ jsonrpc: '2.0', method: 'notifications/initialized' }, session('a'));
    assert.deepEqual(received, ['initialize', 'notifications/initialized'], 'one initialize and one initialized reached the server');
  });

  it('keeps concurrent calls of two sessions that use the same id apart', async () => {
    await probeChannel(channel, new AbortController().signal);
    const echo = (text: string, s: string) => call({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { message: text } } }, session(s));
    const [a, b] = await Promise.all([echo('from a', 'a'), echo('from b', 'b')]);
    const text = (o: McpOutcome) => (o.kind === 'response' ? { id: o.json.id, text: (o.json.result as { content: { text: string }[] }).content[0]!.text } : undefined);
    assert.deepEqual([text(a), text(b)], [
      { id: 7, text: 'from a' },
      { id: 7, text: 'from b' },
    ]);
  });

  it('refuses a message that is not JSON-RPC with 400, without sending it', async () => {
    const answer = await call({ hello: 'world' });
    assert.equal(answer.kind === 'response' && answer.status, 400);
    assert.deepEqual(received, []);
  });

  it('fails a call in flight, and reports the channel crashed with why, when the server closes the transport', async () => {
    await probeChannel(channel, new AbortController().signal);
    server.registerTool('hang', {}, () => new Promise(() => undefined));
    const pending = call({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'hang', arguments: {} } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    await assert.rejects(pending, (err: TunnelFailureError) => err instanceof TunnelFailureError && err.failure.source === 'transport_closed');
    assert.equal(channel.status().state, 'crashed');
    assert.match(channel.status().reason ?? '', /closed its transport/);
    await assert.rejects(call({ jsonrpc: '2.0', id: 10, method: 'tools/list' }), /closed its transport/);
  });
});
