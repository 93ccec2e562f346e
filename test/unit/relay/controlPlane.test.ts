import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openApiValidators, REFERENCE } from '../../helpers/openapi';
import { Relay, type RelayOptions, type RelayStartInfo } from '../../../src/relay/relay';

const SERVER_INFO = '{"version":1,"channels":[{"name":"main","proc_affinity":true}]}';

interface Polled {
  request_id: string;
  shard_token: string;
  command_type: string;
  channel: string;
  jsonrpc?: { id?: unknown; method?: string };
  headers: Record<string, string[]>;
  [k: string]: unknown;
}

class TestClient {
  constructor(
    readonly info: RelayStartInfo,
    readonly key = info.apiKey,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      Authorization: `Bearer ${this.key}`,
      'X-Tunnel-Client-Name': 'relay-test',
      'X-Tunnel-Client-Version': '0.0.1',
      'X-Tunnel-Client-Instance-Id': 'instance-1',
      'X-Tunnel-MCP-Server-Info': SERVER_INFO,
      ...extra,
    };
  }

  poll(query = 'timeout_ms=2000', init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.info.url}/v1/tunnels/${this.info.tunnelId}/poll?${query}`, { headers: this.headers(), ...init });
  }

  async pollCommands(query = 'timeout_ms=2000'): Promise<Polled[]> {
    const res = await this.poll(query);
    if (res.status === 204) return [];
    assert.equal(res.status, 200);
    return ((await res.json()) as { commands: Polled[] }).commands;
  }

  post(body: unknown, shardToken?: string, extraHeaders: Record<string, string> = {}): Promise<Response> {
    const headers = this.headers({ 'Content-Type': 'application/json', ...extraHeaders });
    if (shardToken !== undefined) headers['X-Tunnel-Shard-Token'] = shardToken;
    return fetch(`${this.info.url}/v1/tunnels/${this.info.tunnelId}/response`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }
}

function terminalFor(cmd: Polled, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    request_id: cmd.request_id,
    channel: cmd.channel,
    resp_json: { jsonrpc: '2.0', id: cmd.jsonrpc?.id ?? null, result: {} },
    resp_headers: { 'Content-Type': ['application/json'] },
    resp_code: 200,
    resp_type: 'jsonrpc_response',
    ...extra,
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const rpc = (id: number, method = 'tools/list') => ({ jsonrpc: '2.0', id, method, params: {} });

describe('relay control plane', () => {
  let relay: Relay;
  let info: RelayStartInfo;
  let client: TestClient;
  const schemas = openApiValidators();

  async function startRelay(options: Partial<RelayOptions> = {}): Promise<void> {
    relay = new Relay({ frontDoorAuth: 'none', ...options });
    info = await relay.start();
    client = new TestClient(info);
  }

  afterEach(async () => {
    await relay?.close();
  });

  describe('start', () => {
    it('listens on loopback with a generated tunnel id, API key and MCP URL', async () => {
      await startRelay();
      assert.match(info.tunnelId, /^tunnel_[a-z0-9]{32}$/);
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.mcpUrl, `${info.url}/v1/mcp/${info.tunnelId}`);
      assert.ok(info.apiKey.length >= 24);
      assert.equal(info.frontDoorToken, undefined);
    });

    it('returns a front-door token only with bearer front-door auth', async () => {
      await startRelay({ frontDoorAuth: 'bearer' });
      assert.ok(info.frontDoorToken && info.frontDoorToken.length >= 24);
    });
  });

  describe('authentication and tunnel id', () => {
    it('answers 401 with an APIErrorResponse without the bearer API key', async () => {
      await startRelay();
      for (const headers of [{}, { Authorization: 'Bearer wrong' }, { Authorization: info.apiKey }] as Record<string, string>[]) {
        const res = await fetch(`${info.url}/v1/tunnels/${info.tunnelId}/poll?timeout_ms=1`, { headers });
        assert.equal(res.status, 401);
        const body = await res.json();
        assert.ok(schemas.APIErrorResponse(body), JSON.stringify(schemas.APIErrorResponse.errors));
        assert.match((body as { error: { message: string } }).error.message, /API key/);
      }
      const meta = await new TestClient(info, 'nope').poll('timeout_ms=1');
      assert.equal(meta.status, 401);
      assert.equal(relay.stats().unauthorized, 4);
    });

    it('refuses a response POST without the API key and does not accept it', async () => {
      await startRelay();
      const handle = relay.enqueue({ jsonrpc: rpc(1) });
      const [cmd] = await client.pollCommands();
      const res = await new TestClient(info, 'wrong').post(terminalFor(cmd), cmd.shard_token);
      assert.equal(res.status, 401);
      assert.equal(handle.state, 'delivered');
      assert.equal(relay.stats().responsesRejected.unauthorized, 1);
    });

    it('answers 403 tunnel_use_forbidden for another well-formed tunnel id and 400 for a malformed one', async () => {
      await startRelay();
      const other = `tunnel_${'a'.repeat(32)}`;
      const res403 = await fetch(`${info.url}/v1/tunnels/${other}/poll?timeout_ms=1`, { headers: client.headers() });
      assert.equal(res403.status, 403);
      assert.equal(((await res403.json()) as { error: { code: string } }).error.code, 'tunnel_use_forbidden');
      const res400 = await fetch(`${info.url}/v1/tunnels/not-a-tunnel`, { headers: client.headers() });
      assert.equal(res400.status, 400);
      assert.equal(((await res400.json()) as { error: { code: string } }).error.code, 'invalid_tunnel_id_format');
    });
  });

  describe('metadata', () => {
    it('returns id, name, description and an extra field clients must ignore', async () => {
      await startRelay({ tunnelName: 'Dev tunnel' });
      const res = await fetch(`${info.url}/v1/tunnels/${info.tunnelId}`, { headers: client.headers() });
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.ok(schemas.TunnelClientMetadata(body));
      assert.equal(body.id, info.tunnelId);
      assert.equal(body.name, 'Dev tunnel');
      assert.equal(typeof body.description, 'string');
      assert.ok(Object.keys(body).some((k) => !['id', 'name', 'description'].includes(k)));
    });
  });

  describe('protocol headers', () => {
    it('records the client headers of each request', async () => {
      await startRelay();
      await client.poll('timeout_ms=1');
      const seen = relay.lastClientHeaders('poll')!;
      assert.equal(seen.clientName, 'relay-test');
      assert.equal(seen.clientVersion, '0.0.1');
      assert.equal(seen.instanceId, 'instance-1');
      assert.equal(seen.serverInfo, SERVER_INFO);
      assert.equal(relay.stats().protocolViolations, 0);
    });

    it('counts an invalid X-Tunnel-MCP-Server-Info as a violation without refusing the request', async () => {
      await startRelay();
      const bad = [
        '{"version":1,"channels":[{"name":"main","proc_affinity":false}]}',
        '{"version":2,"channels":[]}',
        '{"version":1,"channels":[{"name":"main"},{"name":"main"}]}',
        '{"version":1,"channels":[{"name":"main","url":"http://x"}]}',
        'not json',
      ];
      for (const value of bad) {
        const res = await fetch(`${info.url}/v1/tunnels/${info.tunnelId}/poll?timeout_ms=1`, {
          headers: client.headers({ 'X-Tunnel-MCP-Server-Info': value }),
        });
        assert.equal(res.status, 204);
      }
      const kinds = relay.violations().map((v) => v.kind);
      assert.deepEqual(kinds, Array(bad.length).fill('invalid_server_info'));
    });

    it('counts missing client headers as violations', async () => {
      await startRelay();
      const res = await fetch(`${info.url}/v1/tunnels/${info.tunnelId}/poll?timeout_ms=1`, { headers: { Authorization: `Bearer ${info.apiKey}` } });
      assert.equal(res.status, 204);
      assert.deepEqual(
        relay.violations().map((v) => v.detail),
        ['X-Tunnel-Client-Name', 'X-Tunnel-Client-Version', 'X-Tunnel-Client-Instance-Id', 'X-Tunnel-MCP-Server-Info'],
      );
    });
  });

  describe('poll', () => {
    it('answers 204 once timeout_ms passes without work', async () => {
      await startRelay();
      const started = Date.now();
      const res = await client.poll('limit=5&timeout_ms=200');
      const elapsed = Date.now() - started;
      assert.equal(res.status, 204);
      assert.ok(elapsed >= 180 && elapsed < 1500, `waited ${elapsed} ms`);
      assert.equal(relay.stats().pollsEmpty, 1);
    });

    it('bounds the wait by its cap whatever timeout_ms asks for', async () => {
      await startRelay({ maxPollWaitMs: 150 });
      const started = Date.now();
      const res = await client.poll('timeout_ms=60000');
      assert.equal(res.status, 204);
      assert.ok(Date.now() - started < 1500);
    });

    it('answers a waiting poll as soon as a command is enqueued', async () => {
      await startRelay();
      const pending = client.poll('timeout_ms=10000');
      await until(() => relay.stats().waitingPolls === 1, 'the poll to wait');
      const started = Date.now();
      const handle = relay.enqueue({ jsonrpc: rpc(7) });
      const res = await pending;
      assert.ok(Date.now() - started < 500);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { commands: Polled[] };
      assert.deepEqual(body.commands.map((c) => c.request_id), [handle.requestId]);
    });

    it('delivers commands that validate against the OpenAPI PolledCommandList', async () => {
      await startRelay();
      relay.enqueue({ jsonrpc: rpc(1), headers: { 'Mcp-Session-Id': ['s1'] } });
      relay.enqueue({ command_type: 'session_termination', headers: { 'Mcp-Session-Id': ['s1'] } });
      const res = await client.poll();
      const body = (await res.json()) as { commands: Polled[] };
      assert.ok(schemas.PolledCommandList(body), JSON.stringify(schemas.PolledCommandList.errors));
      const [call, end] = body.commands;
      assert.match(call.request_id, /^req_/);
      assert.equal(call.command_type, 'jsonrpc');
      assert.equal(call.channel, 'main');
      assert.equal(call.response_timeout, '60s');
      assert.ok(!Number.isNaN(Date.parse(call.created_at as string)));
      assert.deepEqual(call.headers, { 'Mcp-Session-Id': ['s1'] });
      assert.deepEqual(call.jsonrpc, rpc(1));
      assert.equal(end.command_type, 'session_termination');
      assert.equal('jsonrpc' in end, false);
      assert.notEqual(call.shard_token, end.shard_token);
    });

    it('sends response_timeout null when configured so, still schema-valid', async () => {
      await startRelay({ responseTimeout: null });
      relay.enqueue({ jsonrpc: rpc(1) });
      const body = await (await client.poll()).json();
      assert.ok(schemas.PolledCommandList(body));
      assert.equal((body as { commands: Polled[] }).commands[0].response_timeout, null);
    });

    it('returns at most `limit` commands per poll, oldest first', async () => {
      await startRelay();
      const handles = [1, 2, 3, 4, 5].map((id) => relay.enqueue({ jsonrpc: rpc(id) }));
      const batches = [await client.pollCommands('limit=2'), await client.pollCommands('limit=2'), await client.pollCommands('limit=2&timeout_ms=50')];
      assert.deepEqual(batches.map((b) => b.length), [2, 2, 1]);
      assert.deepEqual(batches.flat().map((c) => c.request_id), handles.map((h) => h.requestId));
    });

    for (const query of ['limit=26', 'limit=0', 'limit=-1', 'limit=abc', 'limit=2.5', 'limit=', 'timeout_ms=0', 'timeout_ms=abc']) {
      it(`answers 400 with an APIErrorResponse for ${query}`, async () => {
        await startRelay();
        const res = await client.poll(query);
        assert.equal(res.status, 400);
        const body = (await res.json()) as { error: { param: string } };
        assert.ok(schemas.APIErrorResponse(body));
        assert.equal(body.error.param, query.split('=')[0]);
      });
    }

    it('gives each command to exactly one of several waiting polls', async () => {
      await startRelay();
      const polls = [0, 1, 2].map(() => client.pollCommands('limit=1&timeout_ms=3000'));
      await until(() => relay.stats().waitingPolls === 3, 'three waiting polls');
      const handles = [1, 2, 3].map((id) => relay.enqueue({ jsonrpc: rpc(id) }));
      const batches = await Promise.all(polls);
      assert.deepEqual(batches.map((b) => b.length), [1, 1, 1]);
      const got = batches.flat().map((c) => c.request_id).sort();
      assert.deepEqual(got, handles.map((h) => h.requestId).sort());
      assert.equal(relay.stats().commandsDelivered, 3);
    });

    it('does not lose a command when a waiting poll is aborted by the client', async () => {
      await startRelay();
      const abort = new AbortController();
      const aborted = client.poll('timeout_ms=5000', { signal: abort.signal }).catch((e: unknown) => e);
      await until(() => relay.stats().waitingPolls === 1, 'the poll to wait');
      abort.abort();
      assert.ok((await aborted) instanceof Error);
      await until(() => relay.stats().waitingPolls === 0, 'the relay to notice the abort');
      const handle = relay.enqueue({ jsonrpc: rpc(1) });
      const commands = await client.pollCommands();
      assert.deepEqual(commands.map((c) => c.request_id), [handle.requestId]);
    });

    it('drops a command after its timeout so that a later poll never sees it', async () => {
      await startRelay();
      const handle = relay.enqueue({ jsonrpc: rpc(1) }, { timeoutMs: 20 });
      await assert.rejects(handle.terminal, /never polled/);
      assert.deepEqual(await client.pollCommands('timeout_ms=50'), []);
    });
  });

  describe('response', () => {
    it('accepts one terminal response and answers {"status":"ok"}', async () => {
      await startRelay();
      const handle = relay.enqueue({ jsonrpc: rpc(9) });
      const [cmd] = await client.pollCommands();
      const payload = terminalFor(cmd);
      assert.ok(schemas.TunnelResponsePayload(payload));
      const res = await client.post(payload, cmd.shard_token);
      assert.equal(res.status, 200);
      const ack = await res.json();
      assert.deepEqual(ack, { status: 'ok' });
      assert.ok(schemas.TunnelResponseAck(ack));
      assert.deepEqual(await handle.terminal, payload);
      assert.equal(relay.stats().terminalsAccepted, 1);
      assert.equal(relay.stats().pendingCommands, 0);
      assert.deepEqual(relay.violations(), []);
    });

    it('treats a body without resp_type as a terminal jsonrpc_response', async () => {
      await startRelay();
      const handle = relay.enqueue({ jsonrpc: rpc(1) });
      const [cmd] = await client.pollCommands();
      const { resp_type: _omitted, ...payload } = terminalFor(cmd);
      assert.equal((await client.post(payload, cmd.shard_token)).status, 200);
      assert.equal((await handle.terminal).resp_type, 'jsonrpc_response');
    });

    it('answers 404 to a second terminal response for the same command', async () => {
      await startRelay();
      relay.enqueue({ jsonrpc: rpc(1) });
      const [cmd] = await client.pollCommands();
      assert.equal((await client.post(terminalFor(cmd), cmd.shard_token)).status, 200);
      const again = await client.post(terminalFor(cmd), cmd.shard_token);
      assert.equal(again.status, 404);
      assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'pending_request_not_found');
      assert.equal(relay.stats().responsesRejected.already_finished, 1);
    });

    it('passes notifies before the terminal and answers 404 to a notify after it', async () => {
      await startRelay();
      const seen: unknown[] = [];
      const handle = relay.enqueue({ jsonrpc: rpc(1) }, { onNotify: (p) => seen.push(p.resp_json) });
      const [cmd] = await client.pollCommands();
      const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 0.5 } };
      const notify = { request_id: cmd.request_id, channel: 'main', resp_json: progress, resp_code: 200, resp_type: 'jsonrpc_notify' };
      assert.equal((await client.post(notify, cmd.shard_token)).status, 200);
      assert.deepEqual(seen, [progress]);
      assert.equal(handle.state, 'delivered');
      assert.equal((await client.post(terminalFor(cmd), cmd.shard_token)).status, 200);
      assert.equal(handle.notifies.length, 1);
      const late = await client.post(notify, cmd.shard_token);
      assert.equal(late.status, 404);
      assert.equal(relay.stats().responsesRejected.notify_after_terminal, 1);
      assert.equal(relay.stats().notifiesAccepted, 1);
    });

    it('answers 404 for an unknown request_id', async () => {
      await startRelay();
      const res = await client.post({ request_id: 'req_unknown', resp_code: 200 }, 'whatever');
      assert.equal(res.status, 404);
      assert.equal(relay.stats().responsesRejected.unknown_request, 1);
    });

    it('requires the X-Tunnel-Shard-Token header and refuses a wrong one', async () => {
      await startRelay();
      const handle = relay.enqueue({ jsonrpc: rpc(1) });
      const [cmd] = await client.pollCommands();
      const missing = await client.post(terminalFor(cmd));
      assert.equal(missing.status, 400);
      assert.ok(schemas.APIErrorResponse(await missing.json()));
      const wrong = await client.post(terminalFor(cmd), `${cmd.shard_token}x`);
      assert.equal(wrong.status, 400);
      assert.equal(handle.state, 'delivered');
      assert.equal((await client.post(terminalFor(cmd), cmd.shard_token)).status, 200);
      assert.deepEqual(relay.stats().responsesRejected, { missing_shard_token: 1, wrong_shard_token: 1 });
    });

    it('refuses a body that carries shard_token, even with the right header', async () => {
      await startRelay();
      const handle = relay.enqueue({ jsonrpc: rpc(1) });
      const [cmd] = await client.pollCommands();
      const res = await client.post(terminalFor(cmd, { shard_token: cmd.shard_token }), cmd.shard_token);
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /header/);
      assert.equal(handle.state, 'delivered');
      assert.equal(relay.stats().responsesRejected.shard_token_in_body, 1);
    });

    const invalidBodies: [string, (cmd: Polled) => unknown][] = [
      ['an unknown field', (cmd) => terminalFor(cmd, { extra: true })],
      ['no resp_code', (cmd) => ({ request_id: cmd.request_id })],
      ['no request_id', () => ({ resp_code: 200 })],
      ['a non-integer resp_code', (cmd) => terminalFor(cmd, { resp_code: '200' })],
      ['an unknown resp_type', (cmd) => terminalFor(cmd, { resp_type: 'final' })],
      ['a null resp_type', (cmd) => terminalFor(cmd, { resp_type: null })],
      ['single-valued resp_headers', (cmd) => terminalFor(cmd, { resp_headers: { 'Content-Type': 'application/json' } })],
      ['an array resp_json', (cmd) => terminalFor(cmd, { resp_json: [] })],
      ['a JSON array body', (cmd) => [terminalFor(cmd)]],
      ['a body that is not JSON', () => '{"request_id":'],
    ];
    for (const [what, make] of invalidBodies) {
      it(`answers 400 to a body with ${what}`, async () => {
        await startRelay();
        const handle = relay.enqueue({ jsonrpc: rpc(1) });
        const [cmd] = await client.pollCommands();
        const body = make(cmd);
        if (typeof body !== 'string') assert.equal(schemas.TunnelResponsePayload(body), false);
        const res = await client.post(body, cmd.shard_token);
        assert.equal(res.status, 400);
        assert.ok(schemas.APIErrorResponse(await res.json()));
        assert.equal(handle.state, 'delivered');
      });
    }

    it('answers 404 to a response for a command that timed out', async () => {
      await startRelay();
      const handle = relay.enqueue({ jsonrpc: rpc(1) }, { timeoutMs: 100 });
      const [cmd] = await client.pollCommands();
      await assert.rejects(handle.terminal, /delivered to a tunnel client/);
      const res = await client.post(terminalFor(cmd), cmd.shard_token);
      assert.equal(res.status, 404);
      assert.equal(relay.stats().responsesRejected.expired, 1);
    });

    it('logs each response POST with its request_id, type, shard header and bytes', async () => {
      await startRelay();
      relay.enqueue({ jsonrpc: rpc(1) });
      const [cmd] = await client.pollCommands();
      const text = JSON.stringify(terminalFor(cmd));
      await client.post(text, cmd.shard_token);
      const [entry] = relay.responseLog();
      assert.equal(entry.requestId, cmd.request_id);
      assert.equal(entry.respType, 'jsonrpc_response');
      assert.equal(entry.shardToken, cmd.shard_token);
      assert.equal(entry.bytes, Buffer.byteLength(text));
      assert.equal(entry.body.toString(), text);
      assert.equal(entry.status, 200);
      assert.equal(entry.faulted, false);
    });

    it('records contract breaches the schema allows as violations', async () => {
      await startRelay();
      relay.enqueue({ jsonrpc: rpc(1) });
      relay.enqueue({ jsonrpc: { jsonrpc: '2.0', method: 'notifications/initialized' } });
      const [request, notification] = await client.pollCommands();
      await client.post(terminalFor(request, { channel: undefined, resp_json: { jsonrpc: '2.0', id: 99, result: {} }, resp_headers: { Connection: ['close'] } }), request.shard_token);
      await client.post({ request_id: notification.request_id, channel: 'main', resp_json: { x: 1 }, resp_code: 202, resp_type: 'jsonrpc_response' }, notification.shard_token);
      assert.deepEqual(
        relay.violations().map((v) => v.kind),
        ['channel_not_echoed', 'resp_header_not_allowed', 'resp_json_id_mismatch', 'unexpected_resp_type'],
      );
    });
  });

  describe('close', () => {
    it('answers waiting polls, rejects pending commands and closes keep-alive connections', async () => {
      await startRelay();
      const handle = relay.enqueue({ jsonrpc: rpc(1) });
      await client.pollCommands();
      const waiting = client.poll('timeout_ms=10000');
      await until(() => relay.stats().waitingPolls === 1, 'the poll to wait');
      const started = Date.now();
      await relay.close();
      assert.ok(Date.now() - started < 1000);
      assert.equal((await waiting).status, 204);
      await assert.rejects(handle.terminal, /closing/);
      await assert.rejects(fetch(`${info.url}/v1/tunnels/${info.tunnelId}`, { headers: client.headers() }));
    });
  });
});

describe('reference wire fixtures', () => {
  const schemas = openApiValidators();

  it('poll_command_envelope.json is a valid PolledCommandList', () => {
    const fixture = JSON.parse(readFileSync(path.join(REFERENCE, 'wire/poll_command_envelope.json'), 'utf8'));
    assert.ok(schemas.PolledCommandList(fixture), JSON.stringify(schemas.PolledCommandList.errors));
  });

  it('the validators are not vacuous: they refuse broken commands and payloads', () => {
    assert.equal(schemas.PolledCommandList({ commands: [{ shard_token: 's', created_at: 'x', jsonrpc: {} }] }), false);
    assert.equal(schemas.PolledCommandList({ commands: [{ request_id: 'r', shard_token: 's', created_at: 'x', command_type: 'jsonrpc', response_timeout: '5 s', jsonrpc: {} }] }), false);
    assert.equal(schemas.TunnelResponsePayload({ request_id: 'r', resp_code: 200, shard_token: 's' }), false);
  });

  it('jsonrpc_notify_response.json is a valid TunnelResponsePayload', () => {
    const fixture = JSON.parse(readFileSync(path.join(REFERENCE, 'wire/jsonrpc_notify_response.json'), 'utf8'));
    assert.ok(schemas.TunnelResponsePayload(fixture), JSON.stringify(schemas.TunnelResponsePayload.errors));
  });

  it('the relay accepts the fixture notify and then a terminal for the fixture command', async () => {
    const relay = new Relay({ frontDoorAuth: 'none' });
    const info = await relay.start();
    try {
      const envelope = JSON.parse(readFileSync(path.join(REFERENCE, 'wire/poll_command_envelope.json'), 'utf8'));
      const notify = JSON.parse(readFileSync(path.join(REFERENCE, 'wire/jsonrpc_notify_response.json'), 'utf8'));
      const fixtureCommand = envelope.commands[0];
      const handle = relay.enqueue(fixtureCommand);
      const client = new TestClient(info);
      const [cmd] = await client.pollCommands();
      assert.equal(cmd.request_id, fixtureCommand.request_id);
      assert.equal(cmd.channel, 'harpoon');
      assert.equal((await client.post(notify, fixtureCommand.shard_token)).status, 200);
      assert.equal((await client.post(terminalFor(cmd), fixtureCommand.shard_token)).status, 200);
      assert.equal(handle.notifies.length, 1);
      assert.equal((await handle.terminal).resp_code, 200);
    } finally {
      await relay.close();
    }
  });
});
