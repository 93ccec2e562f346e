/**
 * The connection TTL (`mcp.connection_max_ttl` / `MCP_CONNECTION_MAX_TTL`,
 * default 10m): one MCP request, with its streamed answer, may not hold its
 * connection longer. A request that runs past it gets one terminal answer, a
 * `timeout` tunnel failure, and the tunnel keeps serving.
 */
import { strict as assert } from 'node:assert';
import { everythingStdioTarget, startEverythingHttp, type RunningServer } from '../helpers/everything';
import { httpTarget, startTestTunnel, textOf, type TestTunnel } from '../helpers/tunnel';

const SLOW = (id: number, seconds: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'trigger-long-running-operation', arguments: { duration: seconds, steps: seconds * 2 }, _meta: { progressToken: `p${id}` } },
});
const ECHO = (id: number, message: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message } } });

type Failure = { error: { code: number; message: string; data: { tunnel_failure: { source: string; transport_error_kind?: string } } } };

describe('the MCP connection TTL', function () {
  this.timeout(60_000);
  let t: TestTunnel | undefined;
  let server: RunningServer | undefined;
  afterEach(async () => {
    await t?.stop();
    await server?.stop();
    t = server = undefined;
  });

  it('ends a stdio request that runs past it with a timeout failure, after the progress so far, and keeps serving', async () => {
    t = await startTestTunnel({ target: everythingStdioTarget(), config: (c) => (c.mcp.connectionMaxTtlMs = 1200) });
    const slow = t.relay.enqueue({ jsonrpc: SLOW(1, 20) });
    const answer = await slow.terminal;
    assert.equal(answer.resp_code, 502);
    const failure = (answer.resp_json as Failure).error;
    assert.equal(failure.code, -32603);
    assert.deepEqual(failure.data.tunnel_failure, { version: 1, source: 'timeout', transport_error_kind: 'timeout', upstream_response_received: false });
    assert.ok(slow.notifies.length >= 1, 'progress sent before the TTL was delivered');
    const posts = t.relay.responseLog().filter((r) => r.requestId === slow.requestId);
    assert.equal(posts.filter((p) => p.respType === 'jsonrpc_response').length, 1, 'exactly one terminal answer');
    assert.ok(t.logs.some((l) => /ran past mcp\.connectionMaxTtl \(1\.2 s\)/.test(l.msg)));

    const echo = await t.relay.enqueue({ jsonrpc: ECHO(2, 'still here') }).terminal;
    assert.equal(textOf((echo.resp_json as { result: unknown }).result), 'Echo: still here');
  });

  it('ends a Streamable HTTP request whose SSE answer runs past it; the session keeps working', async () => {
    server = await startEverythingHttp();
    t = await startTestTunnel({ target: httpTarget(server.url), config: (c) => (c.mcp.connectionMaxTtlMs = 1200) });
    const { client } = await t.client();
    const error = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 20, steps: 40 } }, undefined, { timeout: 30_000 }).then(
      () => assert.fail('the call should have been ended by the TTL'),
      (e: unknown) => e,
    );
    // The front door answers with the terminal 502 and its JSON-RPC error, as the hosted side would.
    assert.match(String(error), /Tunnel failure: MCP server did not answer in time.*"source":"timeout"/);
    const echo = await client.callTool({ name: 'echo', arguments: { message: 'same session' } });
    assert.equal(textOf(echo), 'Echo: same session');
  });

  it('leaves a request that finishes inside it alone', async () => {
    t = await startTestTunnel({ target: everythingStdioTarget(), config: (c) => (c.mcp.connectionMaxTtlMs = 5000) });
    const answer = await t.relay.enqueue({ jsonrpc: SLOW(3, 1) }).terminal;
    assert.equal(answer.resp_code, 200);
    assert.match(textOf((answer.resp_json as { result: unknown }).result) ?? '', /completed/);
  });
});
