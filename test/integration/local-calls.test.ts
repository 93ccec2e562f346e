/**
 * Calls made by hand from the dashboard: a JSON-RPC message run on the MCP
 * server directly (TunnelEngine.callLocal), in-process and through a real
 * worker over IPC, with the dashboard's MCP client on top.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { LocalMcpClient } from '../../src/host/mcpClient';
import { WorkerHost } from '../../src/host/workerHost';
import type { TraceEntry } from '../../src/engine/trace';
import { everythingStdioTarget, ROOT, startEverythingHttp, type RunningServer } from '../helpers/everything';
import { startTestTunnel, type TestTunnel } from '../helpers/tunnel';

const CLIENT_INFO = { name: 'dashboard-test', version: '1' };

function textOf(result: unknown): string {
  return ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');
}

describe('calls from the dashboard, straight to the MCP server', function () {
  this.timeout(60_000);
  let t: TestTunnel | undefined;

  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('lists and calls tools on a stdio server, traced as local with payloads, outside the tunnel metrics', async () => {
    t = await startTestTunnel({ target: everythingStdioTarget() });
    const engine = t.engine;
    const traced: TraceEntry[] = [];
    engine.on('trace', (e) => traced.push(e));
    const client = new LocalMcpClient((message, headers) => engine.callLocal(message, headers), CLIENT_INFO);
    const { items } = await client.list('tools/list', 'tools');
    assert.ok(items.some((tool) => (tool as { name: string }).name === 'echo'));
    const { result, traceSeq } = await client.request('tools/call', { name: 'echo', arguments: { message: 'by hand' } });
    assert.equal(textOf(result), 'Echo: by hand');

    const call = traced.find((e) => e.seq === traceSeq)!;
    assert.equal(call.origin, 'local');
    assert.equal(call.method, 'tools/call');
    assert.equal(call.toolName, 'echo');
    assert.equal(call.outcome, 'ok');
    assert.deepEqual((call.request as { params: unknown }).params, { name: 'echo', arguments: { message: 'by hand' } });
    assert.match(JSON.stringify(call.response), /Echo: by hand/);
    assert.deepEqual(
      traced.map((e) => e.method),
      ['initialize', 'notifications/initialized', 'tools/list', 'tools/call'],
    );
    assert.deepEqual(engine.snapshot().commands, {}, 'local calls are not tunnel commands');
  });

  it('leaves payloads out of the trace when capture is off', async () => {
    t = await startTestTunnel({ target: everythingStdioTarget(), config: (c) => (c.trace.capturePayloads = false) });
    const engine = t.engine;
    const client = new LocalMcpClient((message, headers) => engine.callLocal(message, headers), CLIENT_INFO);
    await client.request('tools/call', { name: 'echo', arguments: { message: 'secret-ish' } });
    const entry = engine.trace.list().at(-1)!;
    assert.equal(entry.toolName, 'echo');
    assert.equal(entry.request, undefined);
    assert.equal(entry.response, undefined);
  });

  describe('on a Streamable HTTP server', () => {
    let server: RunningServer;
    before(async () => {
      server = await startEverythingHttp();
    });
    after(async () => {
      await server?.stop();
    });

    it('keeps the session the server gave at initialize', async () => {
      t = await startTestTunnel({ target: { kind: 'http', channel: 'main', url: server.url, headers: {}, tls: {} } });
      const engine = t.engine;
      const client = new LocalMcpClient((message, headers) => engine.callLocal(message, headers), CLIENT_INFO);
      const { result } = await client.request('tools/call', { name: 'echo', arguments: { message: 'over http' } });
      assert.equal(textOf(result), 'Echo: over http');
      const sessions = new Set(engine.trace.list().map((e) => e.sessionId));
      sessions.delete(undefined);
      assert.equal(sessions.size, 1, 'every call after initialize carried the one Mcp-Session-Id');
    });

    it('answers a server that cannot be reached with the tunnel failure the control plane would see', async () => {
      t = await startTestTunnel({ target: { kind: 'http', channel: 'main', url: 'http://127.0.0.1:9/mcp', headers: {}, tls: {} }, waitReady: false });
      const { outcome } = await t.engine.callLocal({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
      assert.equal(outcome.kind, 'response');
      const json = (outcome as unknown as { json: { error: { data: { tunnel_failure: { source: string } } } } }).json;
      assert.equal(json.error.data.tunnel_failure.source, 'connect');
      const entry = t.engine.trace.list().at(-1)!;
      assert.equal(entry.outcome, 'failure');
      assert.equal(entry.failure?.source, 'connect');
    });
  });

  it('runs through a real tunnel worker over IPC (call → callResult) and reports the trace', async () => {
    const tunnel = await startTestTunnel({ target: everythingStdioTarget() });
    t = tunnel;
    const config = { ...tunnel.engine.config, health: undefined };
    const host = new WorkerHost({ workerPath: join(ROOT, 'dist', 'worker.js'), config });
    try {
      const traced: TraceEntry[] = [];
      host.on('trace', (e) => traced.push(e));
      await host.start();
      const client = new LocalMcpClient((message, headers) => host.call(message, headers), CLIENT_INFO);
      const { result, traceSeq } = await client.request('tools/call', { name: 'echo', arguments: { message: 'via ipc' } });
      assert.equal(textOf(result), 'Echo: via ipc');
      const entry = traced.find((e) => e.seq === traceSeq);
      assert.equal(entry?.origin, 'local');
    } finally {
      await host.stop();
    }
    await assert.rejects(host.call({ jsonrpc: '2.0', id: 1, method: 'ping' }), /not running/);
  });
});
