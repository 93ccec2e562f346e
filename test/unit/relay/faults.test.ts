import { strict as assert } from 'node:assert';
import { Relay, type RelayStartInfo } from '../../../src/relay/relay';

interface Polled {
  request_id: string;
  shard_token: string;
  channel: string;
  jsonrpc: { id: number };
}

const rpc = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: {} });

describe('relay fault injection', () => {
  let relay: Relay;
  let info: RelayStartInfo;

  const auth = (): Record<string, string> => ({ Authorization: `Bearer ${info.apiKey}` });
  const poll = (query = 'timeout_ms=2000'): Promise<Response> => fetch(`${info.url}/v1/tunnels/${info.tunnelId}/poll?${query}`, { headers: auth() });
  const pollCommands = async (query?: string): Promise<Polled[]> => {
    const res = await poll(query);
    assert.equal(res.status, 200);
    return ((await res.json()) as { commands: Polled[] }).commands;
  };
  const terminal = (cmd: Polled): string =>
    JSON.stringify({ request_id: cmd.request_id, channel: cmd.channel, resp_json: { jsonrpc: '2.0', id: cmd.jsonrpc.id, result: {} }, resp_code: 200, resp_type: 'jsonrpc_response' });
  const post = (cmd: Polled, body = terminal(cmd)): Promise<Response> =>
    fetch(`${info.url}/v1/tunnels/${info.tunnelId}/response`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json', 'X-Tunnel-Shard-Token': cmd.shard_token },
      body,
    });

  beforeEach(async () => {
    relay = new Relay({ frontDoorAuth: 'none' });
    info = await relay.start();
  });

  afterEach(async () => {
    await relay.close();
  });

  it('answers a poll with 503 and Retry-After, then serves the next poll normally', async () => {
    relay.injectFault({ on: 'poll', status: 503, retryAfter: '1' });
    const faulted = await poll();
    assert.equal(faulted.status, 503);
    assert.equal(faulted.headers.get('retry-after'), '1');
    assert.equal(((await faulted.json()) as { error: { code: string } }).error.code, 'tunnel_transport_unavailable');
    const handle = relay.enqueue({ jsonrpc: rpc(1) });
    assert.deepEqual((await pollCommands()).map((c) => c.request_id), [handle.requestId]);
    assert.equal(relay.stats().faultsApplied, 1);
  });

  it('answers a poll with 401 even with the right key', async () => {
    relay.injectFault({ on: 'poll', status: 401 });
    assert.equal((await poll()).status, 401);
    assert.equal((await poll('timeout_ms=1')).status, 204);
  });

  it('applies a fault `times` times and reports hits and remaining uses', async () => {
    const fault = relay.injectFault({ on: 'poll', status: 429, retryAfter: '2', times: 2 });
    assert.equal((await poll()).status, 429);
    assert.equal(fault.remaining, 1);
    assert.equal((await poll()).status, 429);
    assert.equal((await poll('timeout_ms=1')).status, 204);
    assert.equal(fault.hits, 2);
    assert.equal(fault.remaining, 0);
  });

  it('stops applying a cancelled fault', async () => {
    const fault = relay.injectFault({ on: 'poll', status: 500, times: Infinity });
    assert.equal((await poll()).status, 500);
    fault.cancel();
    assert.equal((await poll('timeout_ms=1')).status, 204);
  });

  it('sends a custom poll body with 200 when only a body is given', async () => {
    relay.injectFault({ on: 'poll', body: '{"commands":[{"request_id":"req_x","command_type":"future"}]}' });
    const res = await poll();
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { commands: [{ request_id: 'req_x', command_type: 'future' }] });
  });

  it('resets the connection of a poll after it has waited a moment, without losing commands', async () => {
    relay.injectFault({ on: 'poll', resetConnection: true });
    const started = Date.now();
    const outcome = await poll('timeout_ms=5000').then(
      () => 'answered',
      (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? err.message,
    );
    assert.ok(Date.now() - started >= 90, 'the reset came after a short wait');
    assert.match(String(outcome), /ECONNRESET|UND_ERR_SOCKET|other side closed/);
    const handle = relay.enqueue({ jsonrpc: rpc(1) });
    assert.deepEqual((await pollCommands()).map((c) => c.request_id), [handle.requestId]);
  });

  it('delays a poll without changing its answer when only delayMs is given', async () => {
    relay.injectFault({ on: 'poll', delayMs: 150 });
    const handle = relay.enqueue({ jsonrpc: rpc(1) });
    const started = Date.now();
    assert.deepEqual((await pollCommands()).map((c) => c.request_id), [handle.requestId]);
    assert.ok(Date.now() - started >= 140);
  });

  it('answers a response POST with 404 without accepting it, so that a retry succeeds', async () => {
    const handle = relay.enqueue({ jsonrpc: rpc(1) });
    const [cmd] = await pollCommands();
    relay.injectFault({ on: 'response', status: 404 });
    assert.equal((await post(cmd)).status, 404);
    assert.equal(handle.state, 'delivered');
    assert.equal((await post(cmd)).status, 200);
    assert.equal((await handle.terminal).resp_code, 200);
    const [faulted, accepted] = relay.responseLog();
    assert.equal(faulted.faulted, true);
    assert.equal(faulted.status, 404);
    assert.equal(accepted.faulted, false);
    assert.equal(accepted.status, 200);
    assert.ok(faulted.body.equals(accepted.body), 'the retry carried the identical body');
    assert.equal(relay.stats().responsesRejected.injected_fault, 1);
    assert.equal(relay.stats().responsesAccepted, 1);
  });

  it('resets the connection of a response POST without accepting it', async () => {
    const handle = relay.enqueue({ jsonrpc: rpc(1) });
    const [cmd] = await pollCommands();
    relay.injectFault({ on: 'response', resetConnection: true });
    await assert.rejects(post(cmd));
    assert.equal(handle.state, 'delivered');
    assert.equal((await post(cmd)).status, 200);
    assert.equal(relay.responseLog()[0].status, 0);
  });

  it('faults only the response POSTs whose request_id matches', async () => {
    const first = relay.enqueue({ jsonrpc: rpc(1) });
    const second = relay.enqueue({ jsonrpc: rpc(2) });
    const [a, b] = await pollCommands();
    relay.injectFault({ on: 'response', status: 503, retryAfter: '1', match: (id) => id === second.requestId });
    assert.equal((await post(a)).status, 200);
    const faulted = await post(b);
    assert.equal(faulted.status, 503);
    assert.equal(faulted.headers.get('retry-after'), '1');
    assert.equal((await post(b)).status, 200);
    await Promise.all([first.terminal, second.terminal]);
  });

  it('answers the metadata request with an injected status or reset', async () => {
    relay.injectFault({ on: 'metadata', status: 500 });
    relay.injectFault({ on: 'metadata', resetConnection: true });
    const url = `${info.url}/v1/tunnels/${info.tunnelId}`;
    assert.equal((await fetch(url, { headers: auth() })).status, 500);
    await assert.rejects(fetch(url, { headers: auth() }));
    assert.equal((await fetch(url, { headers: auth() })).status, 200);
  });

  it('refuses a fault with an unknown target or status', () => {
    assert.throws(() => relay.injectFault({ on: 'polls' as 'poll', status: 503 }), /target/);
    assert.throws(() => relay.injectFault({ on: 'poll', status: 42 }), /status/);
    assert.throws(() => relay.injectFault({ on: 'poll', status: 503, times: 0 }), /times/);
  });
});
