import { strict as assert } from 'node:assert';
import { startEverythingHttp, type RunningServer } from '../helpers/everything';
import { validateResponsePayload } from '../helpers/openapi';
import { startTestTunnel, textOf, type TestTunnel } from '../helpers/tunnel';

describe('tunnel to a Streamable HTTP MCP server (server-everything)', function () {
  this.timeout(60_000);
  let server: RunningServer;
  let t: TestTunnel;

  before(async () => {
    server = await startEverythingHttp();
  });
  after(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    t = await startTestTunnel({ target: { kind: 'http', channel: 'main', url: server.url, headers: {}, tls: {} } });
  });
  afterEach(async () => {
    await t?.stop();
  });

  it('initializes several sessions, each with its own Mcp-Session-Id from the server', async () => {
    const a = await t.client('a');
    const b = await t.client('b');
    assert.ok(a.transport.sessionId && b.transport.sessionId);
    assert.notEqual(a.transport.sessionId, b.transport.sessionId);
    assert.ok((await a.client.listTools()).tools.some((tool) => tool.name === 'echo'));
    assert.ok((await b.client.listTools()).tools.length > 0);
  });

  it('calls echo with 1 KiB and relays progress from an SSE answer before the result', async () => {
    const { client } = await t.client();
    const message = 'z'.repeat(1024);
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { message } })), `Echo: ${message}`);
    const entry = t.engine.trace.list().find((e) => e.toolName === 'echo')!;
    assert.ok(entry.bytesIn > 1024 && entry.bytesOut > 1024, `bytes ${entry.bytesIn} / ${entry.bytesOut}`);
    const progress: number[] = [];
    const result = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.4, steps: 2 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    assert.match(textOf(result) ?? '', /completed/);
    assert.deepEqual(progress, [1, 2]);
  });

  it('passes the server’s own 413 answer through for a body over its limit, not a tunnel failure', async () => {
    const { client } = await t.client();
    await assert.rejects(client.callTool({ name: 'echo', arguments: { message: 'q'.repeat(5 * 1024 * 1024) } }), (err: Error) => !/Tunnel failure/.test(err.message));
    const last = t.relay.responseLog().filter((r) => r.respType === 'jsonrpc_response').pop()!;
    const body = JSON.parse(last.body.toString());
    assert.equal(body.resp_code, 413);
    assert.equal(body.resp_json.error.data?.tunnel_failure, undefined);
  });

  it('closes the server session on session termination, after which that session is refused by the server', async () => {
    const { client, transport } = await t.client();
    const sessionId = transport.sessionId!;
    await client.listTools();
    await transport.terminateSession();
    const ended = t.relay.responseLog().find((r) => r.respType === 'session_termination_response');
    assert.ok(ended && ended.status === 200);
    const stale = t.relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 1, method: 'tools/list' }, headers: { 'Mcp-Session-Id': [sessionId] } });
    const answer = await stale.terminal;
    assert.ok(answer.resp_code >= 400 && answer.resp_code < 500, `status ${answer.resp_code}`);
    assert.equal((answer.resp_json as any).error.data?.tunnel_failure, undefined, 'the server’s real error, not a synthesized one');
  });

  it('declares the HTTP channel without proc_affinity and posts contract-valid payloads', async () => {
    const { client } = await t.client();
    await client.listTools();
    assert.equal(t.relay.lastClientHeaders('poll')?.serverInfo, '{"version":1,"channels":[{"name":"main"}]}');
    for (const r of t.relay.responseLog()) assert.deepEqual(validateResponsePayload(JSON.parse(r.body.toString())), []);
  });

  it('answers with a connect failure, without the URL, when the MCP server is down', async () => {
    await t.stop();
    t = await startTestTunnel({ target: { kind: 'http', channel: 'main', url: 'http://127.0.0.1:9/mcp', headers: {}, tls: {} }, waitReady: false });
    const handle = t.relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 'x', method: 'tools/list' } });
    const answer = await handle.terminal;
    assert.equal(answer.resp_code, 502);
    const failure = (answer.resp_json as any).error.data.tunnel_failure;
    assert.equal(failure.source, 'connect');
    assert.equal(failure.upstream_response_received, false);
    assert.ok(!JSON.stringify(answer).includes('127.0.0.1:9'));
    assert.deepEqual(validateResponsePayload(JSON.parse(t.relay.responseLog().pop()!.body.toString())), []);
  });
});
