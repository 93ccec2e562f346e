import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { buildCurl, shellQuote } from '../../../src/extension/dashboard/curl';
import { LocalMcpClient, McpRequestError, type LocalCall } from '../../../src/host/mcpClient';
import { TraceKeys, toRow } from '../../../src/host/traceRows';
import type { JsonRpcMessage } from '../../../src/protocol/jsonrpc';
import type { Headers } from '../../../src/protocol/wire';
import { traceEntry } from './fixtures';

describe('dashboard host: trace rows', () => {
  it('leaves payloads out of a row and keeps a short preview of the params', () => {
    const row = toRow(traceEntry(1), 7);
    assert.equal(row.key, 7);
    assert.equal(row.captured, true);
    assert.equal(row.preview, '{"name":"echo","arguments":{"message":"hello"}}');
    assert.ok(!('request' in row) && !('response' in row) && !('notificationPayloads' in row));
    const bare = toRow(traceEntry(2, { request: undefined, response: undefined, notificationPayloads: undefined }), 8);
    assert.equal(bare.captured, false);
    assert.equal(bare.preview, undefined);
  });

  it('keys entries in arrival order, finds them, and hides those cleared', () => {
    const keys = new TraceKeys();
    const entries = [traceEntry(1), traceEntry(2), traceEntry(3)];
    assert.deepEqual(entries.map((e) => keys.keyOf(e)), [1, 2, 3]);
    assert.equal(keys.keyOf(entries[1]!), 2);
    assert.equal(keys.find(entries, 3), entries[2]);
    assert.equal(keys.find(entries, 9), undefined);
    keys.clear();
    const later = traceEntry(4);
    assert.deepEqual([...entries, later].filter((e) => keys.visible(e)), [later]);
    assert.equal(keys.rowOf(later), keys.rowOf(later));
  });
});

describe('dashboard host: Copy as curl', () => {
  it('quotes everything for the shell, so the command runs as copied', () => {
    const text = buildCurl({
      url: 'http://127.0.0.1:5000/v1/mcp/tunnel_abc',
      token: 'tok',
      sessionId: 'sess-1',
      message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: "it's $HOME `x`" } } },
    });
    assert.match(text, /^curl -sS -N -X POST 'http:\/\/127\.0\.0\.1:5000\/v1\/mcp\/tunnel_abc'/);
    assert.match(text, /-H 'Authorization: Bearer tok'/);
    assert.match(text, /-H 'Mcp-Session-Id: sess-1'/);
    // The shell hands curl exactly the JSON.
    const data = execFileSync('sh', ['-c', `printf %s ${shellQuote(JSON.stringify({ m: "it's $HOME `x`" }))}`]).toString();
    assert.equal(data, JSON.stringify({ m: "it's $HOME `x`" }));
  });

  it('has no Authorization header without a token', () => {
    assert.doesNotMatch(buildCurl({ url: 'http://127.0.0.1:1/', message: {} }), /Authorization/);
  });
});

describe('dashboard host: the MCP client over the direct path', () => {
  function fakeServer(options: { sessionId?: string; forgetAfter?: number } = {}) {
    const seen: { message: JsonRpcMessage; headers: Headers }[] = [];
    let sessions = 0;
    const call: LocalCall = async (message, headers) => {
      seen.push({ message, headers });
      const m = message as { id?: string; method?: string; params?: { name?: string } };
      const sid = headers['Mcp-Session-Id']?.[0];
      if (m.method === 'initialize') {
        sessions++;
        const headers: Headers = options.sessionId ? { 'Mcp-Session-Id': [`${options.sessionId}-${sessions}`] } : {};
        return { outcome: { kind: 'response', status: 200, json: { jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2025-03-26' } }, headers }, traceSeq: seen.length };
      }
      if (m.id === undefined) return { outcome: { kind: 'ack', status: 202, headers: {} }, traceSeq: seen.length };
      if (options.forgetAfter !== undefined && seen.length > options.forgetAfter && sid?.endsWith('-1')) return { outcome: { kind: 'response', status: 404, json: { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }, headers: {} }, traceSeq: seen.length };
      if (m.method === 'tools/call' && m.params?.name === 'nope') return { outcome: { kind: 'response', status: 200, json: { jsonrpc: '2.0', id: m.id, error: { code: -32602, message: 'Unknown tool: nope' } }, headers: {} }, traceSeq: seen.length };
      if (m.method === 'tools/list') {
        const cursor = (m.params as { cursor?: string } | undefined)?.cursor;
        return { outcome: { kind: 'response', status: 200, json: { jsonrpc: '2.0', id: m.id, result: cursor ? { tools: [{ name: 'b' }] } : { tools: [{ name: 'a' }], nextCursor: 'p2' } }, headers: {} }, traceSeq: seen.length };
      }
      return { outcome: { kind: 'response', status: 200, json: { jsonrpc: '2.0', id: m.id, result: { ok: true } }, headers: {} }, traceSeq: seen.length };
    };
    return { call, seen };
  }

  it('initializes once with protocol 2025-06-18, then sends requests with the negotiated version and the session id', async () => {
    const server = fakeServer({ sessionId: 'abc' });
    const client = new LocalMcpClient(server.call, { name: 'test', version: '1' });
    await client.request('ping');
    await client.request('ping');
    const methods = server.seen.map((s) => (s.message as { method?: string }).method);
    assert.deepEqual(methods, ['initialize', 'notifications/initialized', 'ping', 'ping']);
    assert.equal((server.seen[0]!.message as unknown as { params: { protocolVersion: string } }).params.protocolVersion, '2025-06-18');
    assert.deepEqual(server.seen[2]!.headers, { 'Mcp-Protocol-Version': ['2025-03-26'], 'Mcp-Session-Id': ['abc-1'] });
  });

  it('reads every page of a list', async () => {
    const client = new LocalMcpClient(fakeServer().call, { name: 'test', version: '1' });
    const { items } = await client.list('tools/list', 'tools');
    assert.deepEqual(items, [{ name: 'a' }, { name: 'b' }]);
  });

  it('throws a JSON-RPC error with its code and the trace entry that recorded it', async () => {
    const client = new LocalMcpClient(fakeServer().call, { name: 'test', version: '1' });
    await assert.rejects(client.request('tools/call', { name: 'nope' }), (err: unknown) => err instanceof McpRequestError && err.code === -32602 && err.traceSeq === 3);
  });

  it('starts a new session once when an HTTP server forgot the old one', async () => {
    const server = fakeServer({ sessionId: 's', forgetAfter: 2 });
    const client = new LocalMcpClient(server.call, { name: 'test', version: '1' });
    const { result } = await client.request('ping');
    assert.deepEqual(result, { ok: true });
    assert.equal(server.seen.filter((s) => (s.message as { method?: string }).method === 'initialize').length, 2);
    assert.deepEqual(server.seen.at(-1)!.headers['Mcp-Session-Id'], ['s-2']);
  });

  it('replays a captured request under a fresh id and returns the whole answer', async () => {
    const server = fakeServer();
    const client = new LocalMcpClient(server.call, { name: 'test', version: '1' });
    const { response } = await client.replay({ jsonrpc: '2.0', id: 41, method: 'tools/call', params: { name: 'echo' } });
    assert.notEqual((server.seen.at(-1)!.message as { id: unknown }).id, 41);
    assert.deepEqual((response as { result: unknown }).result, { ok: true });
  });

  it('initializes again after reset (the tunnel restarted)', async () => {
    const server = fakeServer();
    const client = new LocalMcpClient(server.call, { name: 'test', version: '1' });
    await client.request('ping');
    client.reset();
    await client.request('ping');
    assert.equal(server.seen.filter((s) => (s.message as { method?: string }).method === 'initialize').length, 2);
  });
});
