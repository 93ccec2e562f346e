/** How an answer is classified: a tool that reports a failure is a tool error, not an "ok". */
import { strict as assert } from 'node:assert';
import { TunnelEngine } from '../../src/engine/engine';
import { everythingStdioTarget } from '../helpers/everything';
import { freePort } from '../helpers/net';
import { waitFor } from '../helpers/wait';
import { tunnelHooks, type TestTunnel } from '../helpers/tunnel';

describe('answer outcomes', function () {
  this.timeout(60_000);
  let t: TestTunnel;
  tunnelHooks('all', (started) => (t = started));

  it('a tool result with isError: true is a tool_error in the trace, the metrics and the counters, apart from JSON-RPC errors', async () => {
    const bad = await t.relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get-sum', arguments: { a: 'not a number' } } } }).terminal;
    assert.equal((bad.resp_json as { result?: { isError?: boolean } }).result?.isError, true, JSON.stringify(bad.resp_json));
    const unknown = await t.relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 2, method: 'no/such/method' } }).terminal;
    assert.ok((unknown.resp_json as { error?: unknown }).error);
    const good = await t.relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get-sum', arguments: { a: 1, b: 2 } } } }).terminal;
    assert.ok((good.resp_json as { result?: { isError?: boolean } }).result?.isError !== true);

    await waitFor(() => t.engine.trace.list().length >= 3, 5000, 'three trace entries');
    const byId = new Map(t.engine.trace.list().map((e) => [e.jsonrpcId, e.outcome]));
    assert.equal(byId.get(1), 'tool_error');
    assert.equal(byId.get(2), 'error');
    assert.equal(byId.get(3), 'ok');
    assert.equal(t.engine.snapshot().commands.tool_error, 1);
    const metrics = await (await fetch(`${t.engine.healthUrl}/metrics`)).text();
    assert.match(metrics, /mcp_tunnel_commands_total\{type="jsonrpc",outcome="tool_error"\} 1/);
  });

  it('the time of the last successful poll stays current in the metrics snapshot while calls flow', async () => {
    const first = t.engine.snapshot().lastPollAt!;
    assert.ok(first > 0);
    await new Promise((r) => setTimeout(r, 300));
    await t.relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 10, method: 'ping' } }).terminal;
    await waitFor(() => (t.engine.snapshot().lastPollAt ?? 0) > first, 5000, 'a later poll time');
    assert.ok(Date.now() - t.engine.snapshot().lastPollAt! < 2000);
  });
});

describe('state reasons', function () {
  this.timeout(30_000);

  it('a control plane that cannot be reached is said once, with the cause', async () => {
    const port = await freePort();
    const engine = new TunnelEngine(
      {
        controlPlane: { baseUrl: `http://127.0.0.1:${port}`, tunnelId: `tunnel_${'a'.repeat(32)}`, apiKey: 'relay-key-123456', extraHeaders: {}, tls: {}, pollTimeoutMs: 1000, maxInflightRequests: 4 },
        mcp: { targets: [everythingStdioTarget()], maxConcurrentRequests: 2 },
        log: { level: 'error' },
        trace: { capturePayloads: false, maxEntries: 10 },
      },
      { poller: { backoff: { initialMs: 20, maxMs: 100 } } },
    );
    await engine.start();
    try {
      await waitFor(() => engine.status().consecutivePollErrors > 0, 10_000, 'a failed poll');
      assert.equal(engine.status().reason, 'control plane unreachable (ECONNREFUSED)');
    } finally {
      await engine.stop();
    }
  });
});
