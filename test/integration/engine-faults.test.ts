import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { everythingStdioTarget } from '../helpers/everything';
import { waitFor } from '../helpers/wait';
import { readyz, textOf, tunnelHooks, type TestTunnel } from '../helpers/tunnel';

const ECHO = (id: number, message: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message } } });

describe('control-plane faults', function () {
  this.timeout(60_000);
  let t: TestTunnel;
  tunnelHooks('each', (started) => (t = started));

  it('waits at least Retry-After after a 503 on poll, shows the tunnel degraded, then recovers', async () => {
    const fault = t.relay.injectFault({ on: 'poll', status: 503, retryAfter: '1' });
    await waitFor(() => fault.hits === 1, 10_000, 'fault applied');
    const faultedAt = performance.now();
    await waitFor(() => t.engine.status().state === 'degraded', 2000, 'degraded state');
    assert.match((await readyz(t)).text, /^control plane unavailable: answered 503 to the poll request/);
    assert.equal((await readyz(t)).status, 503);
    const handle = t.relay.enqueue({ jsonrpc: ECHO(1, 'after 503') });
    await handle.terminal;
    assert.ok(performance.now() - faultedAt >= 950, 'the next poll waited for Retry-After');
    await waitFor(() => t.engine.status().state === 'ready', 5000, 'ready again');
    assert.equal((await readyz(t)).status, 200);
    assert.equal(t.engine.status().pollErrors.server, 1);
  });

  it('retries a terminal POST answered 503 with the identical body and shard token until it is accepted', async () => {
    t.relay.injectFault({ on: 'response', status: 503, retryAfter: '1', times: 2 });
    const handle = t.relay.enqueue({ jsonrpc: ECHO(2, 'retry me') });
    const terminal = await handle.terminal;
    assert.equal(textOf((terminal.resp_json as any).result), 'Echo: retry me');
    const attempts = t.relay.responseLog().filter((r) => r.requestId === handle.requestId);
    assert.equal(attempts.length, 3);
    assert.ok(attempts.every((a) => a.body.equals(attempts[0]!.body) && a.shardToken === (handle.command.shard_token as string)));
    assert.ok(attempts[2]!.at - attempts[0]!.at >= 1900, 'each retry waited for Retry-After');
  });

  it('treats a 404 on the response POST as done and never replays the MCP call', async () => {
    t.relay.injectFault({ on: 'response', status: 404 });
    const handle = t.relay.enqueue({ jsonrpc: ECHO(3, 'gone') }, { timeoutMs: 1500 });
    await assert.rejects(handle.terminal);
    const entries = t.engine.trace.list().filter((e) => e.requestId === handle.requestId);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.outcome, 'gone');
    assert.equal(t.relay.responseLog().filter((r) => r.requestId === handle.requestId).length, 1);
  });

  it('survives a connection reset in the middle of a long poll', async () => {
    const fault = t.relay.injectFault({ on: 'poll', resetConnection: true });
    await waitFor(() => fault.hits === 1, 10_000, 'reset applied');
    const handle = t.relay.enqueue({ jsonrpc: ECHO(4, 'after reset') });
    assert.equal(textOf(((await handle.terminal).resp_json as any).result), 'Echo: after reset');
    assert.equal(t.engine.status().pollErrors.network, 1);
  });

  it('does not retry a notification answered 503, skips that command’s later notifications, and still delivers its result', async () => {
    const SLOW = { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 }, _meta: { progressToken: 'p5' } } };
    const handle = t.relay.enqueue({ jsonrpc: SLOW });
    t.relay.injectFault({ on: 'response', status: 503, match: (id) => id === handle.requestId });
    const terminal = await handle.terminal;
    assert.match(textOf((terminal.resp_json as any).result) ?? '', /completed/);
    const posts = t.relay.responseLog().filter((r) => r.requestId === handle.requestId);
    assert.deepEqual(
      posts.map((p) => `${p.respType}:${p.status}`),
      ['jsonrpc_notify:503', 'jsonrpc_response:200'],
    );
  });

  it('retries a notification answered 429, keeping notifications in order before the result', async () => {
    const SLOW = { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 0.4, steps: 2 }, _meta: { progressToken: 'p6' } } };
    const handle = t.relay.enqueue({ jsonrpc: SLOW });
    t.relay.injectFault({ on: 'response', status: 429, match: (id) => id === handle.requestId });
    await handle.terminal;
    assert.equal(handle.notifies.length, 2);
    assert.deepEqual(handle.notifies.map((n) => (n.resp_json as any).params.progress), [1, 2]);
    const posts = t.relay.responseLog().filter((r) => r.requestId === handle.requestId);
    assert.deepEqual(posts.map((p) => `${p.respType}:${p.status}`), ['jsonrpc_notify:429', 'jsonrpc_notify:200', 'jsonrpc_notify:200', 'jsonrpc_response:200']);
  });
});

describe('control-plane auth failures', function () {
  this.timeout(60_000);
  /** Far slower than the ordinary back-off (20 ms at first), so a retry that took the wrong one shows. */
  const AUTH_BACKOFF = { initialMs: 600, maxMs: 2400 };
  let t: TestTunnel;
  tunnelHooks('each', (started) => (t = started), () => ({
    target: everythingStdioTarget(),
    engine: { poller: { backoff: { initialMs: 20, maxMs: 200 }, authBackoff: AUTH_BACKOFF } },
  }));

  it('enters an auth error state on 401, says what to check for a relay on this machine (not organizations), retries on the auth back-off, then recovers', async () => {
    const pollsAt = () => t.relay.requestLog().filter((r) => r.endpoint === 'poll').map((r) => r.at);
    const earlier = pollsAt().length;
    const fault = t.relay.injectFault({ on: 'poll', status: 401, times: 2 });
    await waitFor(() => t.engine.status().state === 'auth_error', 10_000, 'auth error state');
    const status = t.engine.status();
    assert.match(status.reason, /relay on this machine refused/);
    assert.match(status.reason, /--api-key/);
    assert.doesNotMatch(status.reason, /organization|workspace/);
    const r = await readyz(t);
    assert.equal(r.status, 503);
    assert.match(r.text, /^auth error/);
    await waitFor(() => fault.remaining === 0, 10_000, 'second 401');
    await waitFor(() => t.engine.status().state === 'ready', 10_000, 'ready again');
    assert.equal(t.engine.status().pollErrors.auth, 2);

    // The relay saw the two polls it refused, then the one that got through.
    // Each delay of the back-off doubles and is drawn from the upper half of
    // its step, so the gaps are at least half of 600 ms, then of 1200 ms.
    const [refused, refusedAgain, accepted] = pollsAt().slice(earlier);
    assert.ok(accepted !== undefined, 'three polls since the fault');
    const gaps = [refusedAgain! - refused!, accepted - refusedAgain!];
    assert.ok(gaps[0]! >= AUTH_BACKOFF.initialMs / 2 - 1, `the retry after the first 401 came ${gaps[0]} ms later`);
    assert.ok(gaps[1]! >= AUTH_BACKOFF.initialMs - 1, `the retry after the second 401 came ${gaps[1]} ms later`);
  });
});
