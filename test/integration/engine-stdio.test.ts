import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { CommandDroppedError } from '../../src/relay/commandQueue';
import { alive } from '../helpers/processes';
import { waitFor } from '../helpers/wait';
import { validateResponsePayload } from '../helpers/openapi';
import { textOf, tunnelHooks, type TestTunnel } from '../helpers/tunnel';

const INIT = (id: number | string) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const ECHO = (id: number | string, message: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message } } });
const SLOW = (id: number | string, seconds: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'trigger-long-running-operation', arguments: { duration: seconds, steps: 2 } },
});

describe('tunnel to a stdio MCP server (server-everything)', function () {
  this.timeout(60_000);
  let t: TestTunnel;
  tunnelHooks('each', (started) => (t = started));

  function childPid(): number {
    const pid = t.engine.status().channels[0]!.pid;
    assert.ok(pid, 'stdio child has a pid');
    return pid;
  }

  it('lets an SDK client list tools and call echo with 1 KiB through the relay front door', async () => {
    const { client } = await t.client();
    const tools = await client.listTools();
    assert.ok(tools.tools.some((tool) => tool.name === 'echo'));
    const message = 'x'.repeat(1024);
    const result = await client.callTool({ name: 'echo', arguments: { message } });
    assert.equal(textOf(result), `Echo: ${message}`);
    assert.equal(t.engine.status().state, 'ready');
    const entry = t.engine.trace.list().find((e) => e.toolName === 'echo')!;
    assert.ok(entry.bytesIn > 1024 && entry.bytesIn < 1400, `request bytes ${entry.bytesIn}`);
    assert.ok(entry.bytesOut > 1024 && entry.bytesOut < 1400, `answer bytes ${entry.bytesOut}`);
  });

  it('round-trips a 5 MiB tool call', async () => {
    const { client } = await t.client();
    const message = 'y'.repeat(5 * 1024 * 1024);
    const result = await client.callTool({ name: 'echo', arguments: { message } });
    assert.equal(textOf(result)?.length, message.length + 'Echo: '.length);
  });

  // That later sessions never re-initialize the child is proven against a scripted server in stdio-channel.test.ts.
  it('serves several remote sessions, each initialized with the server’s identity, from one child process', async () => {
    const pid = childPid();
    const sessions = await Promise.all([t.client('a'), t.client('b'), t.client('c')]);
    for (const { client } of sessions) {
      assert.match(client.getServerVersion()?.name ?? '', /everything/i);
      assert.ok((await client.listTools()).tools.length > 0);
    }
    assert.equal(childPid(), pid);
    assert.equal(t.engine.status().channels[0]!.restarts, 0);
  });

  it('delivers progress notifications to the client before the result', async () => {
    const { client } = await t.client();
    const progress: number[] = [];
    let resultAt = 0;
    const result = await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    resultAt = progress.length;
    assert.match(textOf(result) ?? '', /Long running operation completed/);
    assert.deepEqual(progress, [1, 2, 3]);
    assert.equal(resultAt, 3);
    const entry = t.engine.trace.list().find((e) => e.toolName === 'trigger-long-running-operation');
    assert.equal(entry?.notifications, 3);
  });

  it('runs 16 slow calls on one child concurrently, in about the time of one', async () => {
    const { client } = await t.client();
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 16 }, () => client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 1 } })),
    );
    const elapsed = performance.now() - started;
    assert.equal(results.length, 16);
    // Serially this takes 16 s; one at a time per child would too.
    assert.ok(elapsed < 4_000, `16 concurrent 1 s calls took ${Math.round(elapsed)} ms`);
  });

  it('answers colliding JSON-RPC ids from different sessions each with its own result', async () => {
    t.relay.enqueue({ jsonrpc: INIT(0), headers: { 'Mcp-Session-Id': ['s1'] } });
    const a = t.relay.enqueue({ jsonrpc: ECHO(1, 'from session one'), headers: { 'Mcp-Session-Id': ['s1'] } });
    const b = t.relay.enqueue({ jsonrpc: ECHO(1, 'from session two'), headers: { 'Mcp-Session-Id': ['s2'] } });
    const [ra, rb] = await Promise.all([a.terminal, b.terminal]);
    assert.equal((ra.resp_json as any).id, 1);
    assert.equal((rb.resp_json as any).id, 1);
    assert.equal(textOf((ra.resp_json as any).result), 'Echo: from session one');
    assert.equal(textOf((rb.resp_json as any).result), 'Echo: from session two');
  });

  it('drops a command with response_timeout 0s without touching MCP or posting anything', async () => {
    const before = t.relay.responseLog().length;
    const handle = t.relay.enqueue({ jsonrpc: ECHO(5, 'never'), response_timeout: '0s' }, { timeoutMs: 1500 });
    await assert.rejects(handle.terminal, (err: unknown) => err instanceof CommandDroppedError && err.delivered);
    assert.equal(t.relay.responseLog().length, before);
    const entry = t.engine.trace.list().find((e) => e.requestId === handle.requestId);
    assert.equal(entry?.outcome, 'expired');
    assert.equal(entry?.phases.mcpMs, 0);
  });

  it('runs a command whose response_timeout is malformed, as if it had none', async () => {
    const handle = t.relay.enqueue({ jsonrpc: ECHO(6, 'fail open'), response_timeout: 'soon' });
    const terminal = await handle.terminal;
    assert.equal(textOf((terminal.resp_json as any).result), 'Echo: fail open');
  });

  it('retires a call whose deadline passes mid-call, so a later request reusing its id gets its own answer', async () => {
    const slow = t.relay.enqueue({ jsonrpc: SLOW(7, 1.2), response_timeout: '300ms' }, { timeoutMs: 3000 });
    await new Promise((r) => setTimeout(r, 400));
    const reuse = t.relay.enqueue({ jsonrpc: ECHO(7, 'second use of id 7') });
    const answer = await reuse.terminal;
    assert.equal((answer.resp_json as any).id, 7);
    assert.equal(textOf((answer.resp_json as any).result), 'Echo: second use of id 7');
    await assert.rejects(slow.terminal, CommandDroppedError);
    // The late answer of the retired call (due at ~1.2 s) is never posted for anyone.
    await new Promise((r) => setTimeout(r, 1200));
    assert.ok(!t.relay.responseLog().some((r) => r.requestId === slow.requestId), 'nothing posted for the expired command');
    assert.ok(!t.relay.responseLog().some((r) => r.requestId === reuse.requestId && r.body.toString().includes('Long running')));
    const entry = t.engine.trace.list().find((e) => e.requestId === slow.requestId);
    assert.equal(entry?.outcome, 'expired');
  });

  it('logs and skips a command of an unknown type, then keeps serving', async () => {
    const odd = t.relay.enqueue({ command_type: 'telepathy', jsonrpc: ECHO(8, 'x') }, { timeoutMs: 800 });
    const next = t.relay.enqueue({ jsonrpc: ECHO(9, 'still here') });
    assert.equal(textOf(((await next.terminal).resp_json as any).result), 'Echo: still here');
    await assert.rejects(odd.terminal, CommandDroppedError);
    const warning = t.logs.find((r) => r.msg.includes('unknown type'));
    assert.equal(warning?.fields?.request_id, odd.requestId);
  });

  it('answers session termination on a stdio channel and keeps serving', async () => {
    const end = t.relay.enqueue({ command_type: 'session_termination', headers: { 'Mcp-Session-Id': ['s1'] } });
    const terminal = await end.terminal;
    assert.equal(terminal.resp_type, 'session_termination_response');
    assert.ok(terminal.resp_code >= 200 && terminal.resp_code < 300);
    const next = t.relay.enqueue({ jsonrpc: ECHO(10, 'after termination') });
    assert.equal(textOf(((await next.terminal).resp_json as any).result), 'Echo: after termination');
  });

  it('answers an in-flight call with transport_closed when the child dies, then restarts the child', async () => {
    const pid = childPid();
    const slow = t.relay.enqueue({ jsonrpc: SLOW(11, 5) });
    await waitFor(() => t.engine.status().channels[0]!.inFlight > 0, 5000, 'call in flight');
    process.kill(pid, 'SIGKILL');
    const terminal = await slow.terminal;
    assert.equal(terminal.resp_code, 502);
    const failure = (terminal.resp_json as any).error.data.tunnel_failure;
    assert.equal(failure.source, 'transport_closed');
    assert.equal(failure.upstream_response_received, false);
    await waitFor(() => t.engine.status().state === 'ready' && childPid() !== pid, 15_000, 'restarted child');
    assert.equal(t.engine.status().channels[0]!.restarts, 1);
    const after = t.relay.enqueue({ jsonrpc: INIT(12) });
    assert.ok((await after.terminal).resp_json);
    const echo = t.relay.enqueue({ jsonrpc: ECHO(13, 'back') });
    assert.equal(textOf(((await echo.terminal).resp_json as any).result), 'Echo: back');
    const metrics = await t.engine.metrics.registry.getSingleMetricAsString('mcp_tunnel_mcp_restarts_total');
    assert.match(metrics, /mcp_tunnel_mcp_restarts_total\{channel="main"\} 1/);
  });

  it('keeps the control-plane key out of the MCP child environment and out of every log line', async () => {
    const { client } = await t.client();
    const result = await client.callTool({ name: 'get-env', arguments: {} });
    const env = textOf(result) ?? '';
    assert.ok(env.includes('PATH'), 'get-env printed the environment');
    assert.ok(!env.includes(t.info.apiKey), 'API key must not reach the child');
    assert.ok(!env.includes('CONTROL_PLANE_API_KEY'));
    assert.ok(!JSON.stringify(t.logs).includes(t.info.apiKey), 'API key must not be logged');
  });

  it('sends the protocol headers on every control-plane request and declares the stdio channel process-affine', async () => {
    const { client } = await t.client();
    await client.listTools();
    const requests = t.relay.requestLog();
    assert.ok(requests.some((r) => r.endpoint === 'metadata') && requests.some((r) => r.endpoint === 'poll') && requests.some((r) => r.endpoint === 'response'));
    for (const r of requests) {
      assert.equal(r.clientName, 'mcp-tunnel-vscode');
      assert.match(r.clientVersion ?? '', /^\d+\.\d+\.\d+/);
      assert.equal(r.instanceId, requests[0]!.instanceId);
      assert.equal(r.serverInfo, '{"version":1,"channels":[{"name":"main","proc_affinity":true}]}');
    }
    assert.deepEqual(t.relay.violations(), []);
  });

  it('posts only payloads that satisfy the OpenAPI TunnelResponsePayload schema', async () => {
    const { client } = await t.client();
    await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 } }, undefined, { onprogress: () => undefined });
    await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    const bodies = t.relay.responseLog().map((r) => JSON.parse(r.body.toString()));
    assert.ok(bodies.some((b) => b.resp_type === 'jsonrpc_notify') && bodies.some((b) => b.resp_type === 'notify_ack'));
    for (const body of bodies) assert.deepEqual(validateResponsePayload(body), [], JSON.stringify(body).slice(0, 200));
    assert.ok(!t.relay.responseLog().some((r) => r.body.toString().includes('shard_token')));
  });

  it('stops with every MCP process gone', async () => {
    const pid = childPid();
    await t.engine.stop();
    assert.equal(alive(pid), false);
  });
});
