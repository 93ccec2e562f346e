import { strict as assert } from 'node:assert';
import { Relay, type RelayOptions, type RelayStartInfo } from '../../../src/relay/relay';
import { HandTunnel, rawRequest } from '../../helpers/handTunnel';

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

describe('relay MCP front door', () => {
  let relay: Relay;
  let info: RelayStartInfo;
  let tunnel: HandTunnel;

  async function startRelay(options: Partial<RelayOptions> = {}): Promise<void> {
    relay = new Relay({ frontDoorAuth: 'none', ...options });
    info = await relay.start();
    tunnel = new HandTunnel(info);
  }

  const mcp = (body: unknown, headers: Record<string, string> = {}, method = 'POST'): Promise<Response> =>
    fetch(info.mcpUrl, { method, headers: { ...JSON_HEADERS, ...headers }, body: method === 'POST' ? JSON.stringify(body) : undefined });

  afterEach(async () => {
    await relay?.close();
  });

  it('answers a request with the terminal response as JSON, its status and its session header', async () => {
    await startRelay();
    const pending = mcp(initialize, { 'Mcp-Protocol-Version': '2025-06-18' });
    const cmd = await tunnel.next();
    assert.equal(cmd.command_type, 'jsonrpc');
    assert.deepEqual(cmd.jsonrpc, initialize);
    assert.deepEqual(cmd.headers, { 'Mcp-Protocol-Version': ['2025-06-18'] });
    assert.equal(await tunnel.result(cmd, { protocolVersion: '2025-06-18' }, { resp_headers: { 'Mcp-Session-Id': ['sess-1'], 'Content-Type': ['application/json'] } }), 200);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('mcp-session-id'), 'sess-1');
    assert.deepEqual(await res.json(), { jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18' } });
  });

  it('switches to an SSE stream when a notify arrives first and ends it with the terminal response', async () => {
    await startRelay();
    const pending = mcp({ jsonrpc: '2.0', id: 'c1', method: 'tools/call', params: { name: 'slow', _meta: { progressToken: 7 } } });
    const cmd = await tunnel.next();
    const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 7, progress: 1, total: 2 } };
    assert.equal(await tunnel.post(cmd, { resp_json: progress, resp_code: 200, resp_type: 'jsonrpc_notify' }), 200);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(await tunnel.result(cmd, { content: [] }), 200);
    const text = await res.text();
    assert.equal(text, `event: message\ndata: ${JSON.stringify(progress)}\n\nevent: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 'c1', result: { content: [] } })}\n\n`);
    assert.equal(relay.stats().frontDoor.sseStreams, 1);
  });

  it('answers a notification with 202 only once the tunnel client acknowledged it', async () => {
    await startRelay();
    let answered = false;
    const pending = mcp({ jsonrpc: '2.0', method: 'notifications/initialized' }).then((r) => {
      answered = true;
      return r;
    });
    const cmd = await tunnel.next();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(answered, false);
    assert.equal(await tunnel.post(cmd, { resp_code: 202, resp_type: 'notify_ack' }), 200);
    const res = await pending;
    assert.equal(res.status, 202);
    assert.equal(await res.text(), '');
  });

  it('carries a client JSON-RPC response (answer to a server request) as a command', async () => {
    await startRelay();
    const answer = { jsonrpc: '2.0', id: 'srv-1', result: { role: 'assistant', content: { type: 'text', text: 'hi' } } };
    const pending = mcp(answer, { 'Mcp-Session-Id': 'sess-1' });
    const cmd = await tunnel.next();
    assert.deepEqual(cmd.jsonrpc, answer);
    assert.deepEqual(cmd.headers, { 'Mcp-Session-Id': ['sess-1'] });
    await tunnel.post(cmd, { resp_code: 202, resp_type: 'notify_ack' });
    assert.equal((await pending).status, 202);
  });

  it('passes a tunnel failure status and its JSON-RPC error body through', async () => {
    await startRelay();
    const pending = mcp({ jsonrpc: '2.0', id: 5, method: 'tools/list' });
    const cmd = await tunnel.next();
    const error = { jsonrpc: '2.0', id: 5, error: { code: -32603, message: 'Tunnel failure: could not connect to the MCP server', data: { tunnel_failure: { version: 1, source: 'connect', upstream_response_received: false } } } };
    await tunnel.post(cmd, { resp_json: error, resp_code: 502, resp_type: 'jsonrpc_response' });
    const res = await pending;
    assert.equal(res.status, 502);
    assert.deepEqual(await res.json(), error);
  });

  it('answers 504 with advice when the tunnel client does not answer in time, then drops the command', async () => {
    await startRelay({ commandTimeoutMs: 200 });
    const unpolled = await mcp({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(unpolled.status, 504);
    const body = (await unpolled.json()) as { id: number; error: { code: number; message: string } };
    assert.equal(body.id, 1);
    assert.equal(body.error.code, -32001);
    assert.match(body.error.message, /did not answer within 0\.2s/);
    assert.match(body.error.message, /mcp-tunnel run/);
    assert.equal(relay.stats().pendingCommands, 0);

    const pending = mcp({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const cmd = await tunnel.next();
    const late = await pending;
    assert.equal(late.status, 504);
    assert.match(((await late.json()) as { error: { message: string } }).error.message, /took the command/);
    assert.equal(await tunnel.result(cmd, {}), 404);
    assert.equal(relay.stats().frontDoor.timeouts, 2);
  });

  it('turns DELETE with Mcp-Session-Id into a session_termination command and answers its status', async () => {
    await startRelay();
    const pending = mcp(undefined, { 'Mcp-Session-Id': 'sess-9' }, 'DELETE');
    const cmd = await tunnel.next();
    assert.equal(cmd.command_type, 'session_termination');
    assert.equal('jsonrpc' in cmd, false);
    assert.deepEqual(cmd.headers, { 'Mcp-Session-Id': ['sess-9'] });
    await tunnel.post(cmd, { resp_code: 204, resp_type: 'session_termination_response' });
    assert.equal((await pending).status, 204);
  });

  it('answers DELETE without Mcp-Session-Id with 400 missing_mcp_session_id', async () => {
    await startRelay();
    const res = await mcp(undefined, {}, 'DELETE');
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'missing_mcp_session_id');
    assert.equal(relay.stats().commandsQueued, 0);
  });

  it('answers GET (standalone SSE stream) with 405', async () => {
    await startRelay();
    const res = await fetch(info.mcpUrl, { headers: { Accept: 'text/event-stream' } });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST, DELETE, OPTIONS');
  });

  it('refuses batches, invalid JSON, non-JSON-RPC bodies and other media types', async () => {
    await startRelay();
    const batch = await mcp([initialize]);
    assert.equal(batch.status, 400);
    assert.equal(((await batch.json()) as { error: { code: number } }).error.code, -32600);
    const parse = await fetch(info.mcpUrl, { method: 'POST', headers: JSON_HEADERS, body: '{' });
    assert.equal(parse.status, 400);
    assert.equal(((await parse.json()) as { error: { code: number } }).error.code, -32700);
    const notRpc = await mcp({ hello: 1 });
    assert.equal(notRpc.status, 400);
    const text = await fetch(info.mcpUrl, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    assert.equal(text.status, 415);
    assert.equal(relay.stats().commandsQueued, 0);
  });

  describe('auth', () => {
    it('answers 401 with WWW-Authenticate and advice without the front-door token', async () => {
      await startRelay({ frontDoorAuth: 'bearer' });
      assert.equal(info.mcpUrl, `${info.mcpUrlWithoutToken}/${info.frontDoorToken}`);
      for (const headers of [{}, { Authorization: 'Bearer nope' }, { Authorization: `Bearer ${info.apiKey}` }] as Record<string, string>[]) {
        const res = await fetch(info.mcpUrlWithoutToken, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(initialize) });
        assert.equal(res.status, 401);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
        assert.match(((await res.json()) as { error: { message: string } }).error.message, /print when they start \(the token is its last path segment\)/);
      }
      assert.equal(relay.stats().commandsQueued, 0);
    });

    it('accepts the front-door token as a Bearer header and does not forward it to the tunnel', async () => {
      await startRelay({ frontDoorAuth: 'bearer' });
      for (const url of [info.mcpUrlWithoutToken, info.mcpUrl]) {
        const pending = fetch(url, { method: 'POST', headers: { ...JSON_HEADERS, Authorization: `Bearer ${info.frontDoorToken}`, 'Mcp-Session-Id': 's' }, body: JSON.stringify(initialize) });
        const cmd = await tunnel.next();
        assert.deepEqual(Object.keys(cmd.headers), ['Mcp-Session-Id'], url);
        await tunnel.result(cmd, {});
        assert.equal((await pending).status, 200);
      }
    });

    it('forwards the client Authorization header when front-door auth is none', async () => {
      await startRelay();
      const pending = mcp(initialize, { Authorization: 'Bearer for-the-mcp-server' });
      const cmd = await tunnel.next();
      assert.deepEqual(cmd.headers.Authorization, ['Bearer for-the-mcp-server']);
      await tunnel.result(cmd, {});
      await pending;
    });
  });

  describe('Host and Origin', () => {
    it('answers 403 to a Host that is not the loopback address (DNS rebinding)', async () => {
      await startRelay();
      const port = new URL(info.url).port;
      for (const host of ['evil.example', `evil.example:${port}`, 'localhost:1']) {
        const res = await rawRequest(info.mcpUrl, { headers: { ...JSON_HEADERS, Host: host }, body: JSON.stringify(initialize) });
        assert.equal(res.status, 403, host);
      }
      assert.equal(relay.stats().commandsQueued, 0);
    });

    it('accepts localhost, 127.0.0.1 and [::1] with the bound port as Host', async () => {
      await startRelay();
      const port = new URL(info.url).port;
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
        const res = await rawRequest(info.mcpUrl, { method: 'GET', headers: { Host: host } });
        assert.equal(res.status, 405, host);
      }
    });

    it('answers 403 to a foreign Origin and allows a loopback one with CORS headers', async () => {
      await startRelay();
      const evil = await mcp(initialize, { Origin: 'https://evil.example' });
      assert.equal(evil.status, 403);
      const ok = await fetch(info.mcpUrl, { headers: { Origin: 'http://localhost:6274' } });
      assert.equal(ok.status, 405);
      assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:6274');
      assert.match(ok.headers.get('access-control-expose-headers') ?? '', /Mcp-Session-Id/);
    });

    it('answers a CORS preflight from a loopback origin without auth', async () => {
      await startRelay({ frontDoorAuth: 'bearer' });
      const res = await fetch(info.mcpUrl, {
        method: 'OPTIONS',
        headers: { Origin: 'http://127.0.0.1:6274', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, mcp-session-id' },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), 'http://127.0.0.1:6274');
      assert.match(res.headers.get('access-control-allow-methods') ?? '', /DELETE/);
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /Mcp-Session-Id/);
    });
  });

  it('cancels a command its client gave up on before any poll took it', async () => {
    await startRelay();
    const abort = new AbortController();
    const pending = fetch(info.mcpUrl, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(initialize), signal: abort.signal }).catch((e: unknown) => e);
    while (relay.stats().queuedCommands === 0) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    await pending;
    while (relay.stats().queuedCommands > 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(relay.stats().pendingCommands, 0);
    assert.equal(relay.stats().commandsDropped, 1);
  });

  it('answers a waiting request with a clear error when the relay closes', async () => {
    await startRelay();
    const pending = mcp({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    while (relay.stats().queuedCommands === 0) await new Promise((r) => setTimeout(r, 5));
    await relay.close();
    const res = await pending;
    assert.equal(res.status, 503);
    const body = (await res.json()) as { id: number; error: { message: string } };
    assert.equal(body.id, 3);
    assert.match(body.error.message, /shutting down/);
  });
});
