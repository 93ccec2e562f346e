import { strict as assert } from 'node:assert';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { HttpTarget } from '../../src/engine/config';
import { DeadlineExceededError, TunnelFailureError } from '../../src/engine/failure';
import { Logger } from '../../src/engine/log';
import type { McpCall, McpOutcome } from '../../src/engine/mcp/channel';
import { HttpChannel, type HttpChannelOptions } from '../../src/engine/mcp/http';
import type { JsonRpcMessage } from '../../src/protocol/jsonrpc';
import type { Headers } from '../../src/protocol/wire';
import { makeTestPki, type TestPki } from '../helpers/certs';
import { startEverythingHttp, type RunningServer } from '../helpers/everything';
import { freePort, listenLoopback } from '../helpers/net';

const PROTOCOL_VERSION = '2025-11-25';

function target(url: string, extra: Partial<HttpTarget> = {}): HttpTarget {
  return { kind: 'http', channel: 'main', url, headers: {}, tls: {}, ...extra };
}

function channelFor(url: string, extra: Partial<HttpTarget> = {}, options?: HttpChannelOptions): HttpChannel {
  return new HttpChannel(target(url, extra), Logger.create('error'), options);
}

interface CallResult {
  outcome: McpOutcome;
  notes: JsonRpcMessage[];
}

async function call(
  channel: HttpChannel,
  message: Record<string, unknown>,
  headers: Headers = {},
  signal: AbortSignal = new AbortController().signal,
): Promise<CallResult> {
  const notes: JsonRpcMessage[] = [];
  const mcpCall: McpCall = { message: message as unknown as JsonRpcMessage, headers, signal, onNotify: (m) => notes.push(m) };
  return { outcome: await channel.call(mcpCall), notes };
}

async function failureOf(promise: Promise<unknown>): Promise<TunnelFailureError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof TunnelFailureError, `expected a TunnelFailureError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

function response(outcome: McpOutcome): Extract<McpOutcome, { kind: 'response' }> {
  assert.equal(outcome.kind, 'response');
  return outcome as Extract<McpOutcome, { kind: 'response' }>;
}

const initialize = (id: number | string = 'init-1') => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'http-channel-test', version: '0.0.0' } },
});

describe('HttpChannel against server-everything (Streamable HTTP)', function () {
  this.timeout(30_000);
  let server: RunningServer;
  let url: string;
  let channel: HttpChannel;

  before(async () => {
    server = await startEverythingHttp();
    url = server.url;
    channel = channelFor(url);
    await channel.start();
  });

  after(async () => {
    await channel?.close();
    await server?.stop();
  });

  /** A fresh initialized session: its headers, as the control plane would relay them. */
  async function openSession(): Promise<Headers> {
    const { outcome } = await call(channel, initialize());
    const sessionId = response(outcome).headers['Mcp-Session-Id'];
    assert.ok(sessionId?.[0]);
    const headers = { 'Mcp-Session-Id': sessionId, 'Mcp-Protocol-Version': [PROTOCOL_VERSION] };
    const ack = await call(channel, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
    assert.equal(ack.outcome.kind, 'ack');
    return headers;
  }

  it('initialize answers with the server capabilities and an Mcp-Session-Id header', async () => {
    const { outcome } = await call(channel, initialize(1));
    const answer = response(outcome);
    assert.equal(answer.status, 200);
    assert.equal(answer.json.id, 1);
    const result = answer.json.result as { protocolVersion: string; serverInfo: { name: string } };
    assert.equal(result.protocolVersion, PROTOCOL_VERSION);
    assert.ok(result.serverInfo.name);
    assert.match(answer.headers['Mcp-Session-Id']?.[0] ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(answer.headers['Content-Type'], ['text/event-stream']);
  });

  it('notifications/initialized is acknowledged with 202 and no body', async () => {
    const { outcome } = await call(channel, initialize());
    const sessionId = response(outcome).headers['Mcp-Session-Id']!;
    const ack = await call(channel, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'Mcp-Session-Id': sessionId });
    assert.equal(ack.outcome.kind, 'ack');
    assert.equal(ack.outcome.status, 202);
  });

  it('tools/list returns the tools of the session', async () => {
    const headers = await openSession();
    const { outcome } = await call(channel, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers);
    const answer = response(outcome);
    const names = (answer.json.result as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
    assert.ok(names.includes('echo'));
    assert.ok(names.includes('trigger-long-running-operation'));
  });

  it('tools/call echo returns a 1 KiB message intact', async () => {
    const headers = await openSession();
    const message = 'é'.repeat(512);
    const { outcome } = await call(
      channel,
      { jsonrpc: '2.0', id: 'echo-1k', method: 'tools/call', params: { name: 'echo', arguments: { message } } },
      headers,
    );
    const answer = response(outcome);
    assert.equal(answer.json.id, 'echo-1k');
    assert.deepEqual(answer.json.result, { content: [{ type: 'text', text: `Echo: ${message}` }] });
  });

  it('tools/call echo of 3.5 MiB streams back intact through one SSE event', async () => {
    const headers = await openSession();
    const message = 'x'.repeat(3.5 * 1024 * 1024);
    const { outcome } = await call(
      channel,
      { jsonrpc: '2.0', id: 'echo-big', method: 'tools/call', params: { name: 'echo', arguments: { message } } },
      headers,
    );
    const text = (response(outcome).json.result as { content: Array<{ text: string }> }).content[0]!.text;
    assert.equal(text.length, message.length + 'Echo: '.length);
  });

  it('tools/call echo of 5 MiB gets the server’s own 413 error (its request body limit is 4 MiB), passed through', async () => {
    const headers = await openSession();
    const { outcome } = await call(
      channel,
      { jsonrpc: '2.0', id: 'echo-5m', method: 'tools/call', params: { name: 'echo', arguments: { message: 'y'.repeat(5 * 1024 * 1024) } } },
      headers,
    );
    const answer = response(outcome);
    assert.equal(answer.status, 413);
    const error = answer.json.error as { code: number; message: string };
    assert.equal(error.code, -32000);
    assert.match(error.message, /Payload Too Large/);
    assert.equal(answer.json.id, null);
  });

  it('progress notifications arrive through onNotify, in order, before the terminal response', async () => {
    const headers = await openSession();
    const order: string[] = [];
    const mcpCall: McpCall = {
      message: {
        jsonrpc: '2.0',
        id: 'long-1',
        method: 'tools/call',
        params: { name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 }, _meta: { progressToken: 'tok-1' } },
      },
      headers,
      signal: new AbortController().signal,
      onNotify: (m) => order.push(`${(m as { method: string }).method}:${JSON.stringify((m as { params: unknown }).params)}`),
    };
    const promise = channel.call(mcpCall).then((o) => {
      order.push('terminal');
      return o;
    });
    const answer = response(await promise);
    assert.deepEqual(order, [
      'notifications/progress:{"progress":1,"total":3,"progressToken":"tok-1"}',
      'notifications/progress:{"progress":2,"total":3,"progressToken":"tok-1"}',
      'notifications/progress:{"progress":3,"total":3,"progressToken":"tok-1"}',
      'terminal',
    ]);
    assert.equal(answer.status, 200);
    assert.equal(answer.json.id, 'long-1');
    assert.match(JSON.stringify(answer.json.result), /Long running operation completed/);
  });

  it('a request in an unknown session gets the server’s real error with its real status', async () => {
    const { outcome } = await call(
      channel,
      { jsonrpc: '2.0', id: 9, method: 'tools/list' },
      { 'Mcp-Session-Id': ['00000000-0000-0000-0000-000000000000'], 'Mcp-Protocol-Version': [PROTOCOL_VERSION] },
    );
    const answer = response(outcome);
    assert.equal(answer.status, 400);
    // server-everything answers this from its Express handler, without an id: passed through untouched.
    assert.deepEqual(answer.json, { jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: No valid session ID provided' } });
  });

  it('DELETE ends the session; a later call in it gets the server’s real error', async () => {
    const headers = await openSession();
    const ended = await channel.terminateSession(headers, new AbortController().signal);
    assert.equal(ended.status, 200);
    const { outcome } = await call(channel, { jsonrpc: '2.0', id: 10, method: 'tools/list' }, headers);
    const answer = response(outcome);
    assert.equal(answer.status, 400);
    assert.equal((answer.json.error as { code: number }).code, -32000);
    const again = await channel.terminateSession(headers, new AbortController().signal);
    assert.equal(again.status, 400);
  });

  it('an abort mid-call rejects promptly with DeadlineExceededError', async () => {
    const headers = await openSession();
    const controller = new AbortController();
    const started = Date.now();
    const promise = call(
      channel,
      { jsonrpc: '2.0', id: 'slow', method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 10, steps: 10 } } },
      headers,
      controller.signal,
    );
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(promise, DeadlineExceededError);
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    assert.equal(channel.status().inFlight, 0);
  });

  it('reports a ready http status with the origin only, and counts bytes both ways', async () => {
    const other = channelFor(url.replace('127.0.0.1', 'user:pw@127.0.0.1') + '?q=1');
    const bytes = { in: 0, out: 0 };
    other.on('bytes', (direction, count) => (bytes[direction] += count));
    const states: string[] = [];
    other.on('status', (s) => states.push(s.state));
    await other.start();
    const status = other.status();
    assert.equal(status.kind, 'http');
    assert.equal(status.state, 'ready');
    assert.equal(status.origin, new URL(url).origin);
    assert.equal(status.restarts, 0);
    assert.equal(status.inFlight, 0);
    assert.equal(other.procAffinity, false);
    assert.equal(other.name, 'main');
    const message = initialize();
    await call(other, message);
    assert.equal(bytes.out, Buffer.byteLength(JSON.stringify(message)));
    assert.ok(bytes.in > 100);
    await other.close();
    assert.deepEqual(states, ['ready', 'stopped']);
  });
});

describe('HttpChannel connection failures', () => {
  it('a refused connection is a connect failure that names no URL', async () => {
    const port = await freePort();
    const channel = channelFor(`http://127.0.0.1:${port}/secret-path`);
    await channel.start();
    const err = await failureOf(call(channel, initialize()));
    assert.deepEqual(err.failure, { version: 1, source: 'connect', transport_error_kind: 'connection_refused', upstream_response_received: false });
    assert.doesNotMatch(JSON.stringify(err.failure), /127\.0\.0\.1|secret-path|\d{4,5}/);
    await channel.close();
  });
});

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** A tiny server for faults a real MCP server does not produce on demand. */
describe('HttpChannel against a faulty server', () => {
  let server: http.Server;
  let handler: Handler;
  let url: string;
  let requests = 0;
  const sockets = new Set<string>();
  let channel: HttpChannel;

  before(async () => {
    server = http.createServer((req, res) => {
      requests++;
      sockets.add(`${req.socket.remotePort}`);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/mcp`;
  });

  beforeEach(async () => {
    requests = 0;
    sockets.clear();
    channel = channelFor(url);
    await channel.start();
  });

  afterEach(async () => {
    await channel.close();
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  function json(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  }

  function sse(res: http.ServerResponse, events: unknown[], end = true): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    for (const e of events) res.write(`event: message\ndata: ${JSON.stringify(e)}\n\n`);
    if (end) res.end();
  }

  const request = { jsonrpc: '2.0', id: 7, method: 'tools/list' };

  it('a JSON answer is returned once parsed, with the real status and filtered headers', async () => {
    handler = (_req, res) => json(res, 200, { jsonrpc: '2.0', id: 7, result: { tools: [] } }, { 'Mcp-Session-Id': 's1', 'X-Internal': 'no' });
    const answer = response((await call(channel, request)).outcome);
    assert.deepEqual(answer, {
      kind: 'response',
      json: { jsonrpc: '2.0', id: 7, result: { tools: [] } },
      status: 200,
      headers: { 'Content-Type': ['application/json'], 'Mcp-Session-Id': ['s1'] },
    });
  });

  it('a 503 with an HTML body is a target_http failure carrying the status', async () => {
    handler = (_req, res) => {
      res.writeHead(503, { 'Content-Type': 'text/html' });
      res.end('<html><body>upstream down at http://internal.example/</body></html>');
    };
    const err = await failureOf(call(channel, request));
    assert.deepEqual(err.failure, {
      version: 1,
      source: 'target_http',
      transport_error_kind: 'http_status',
      upstream_response_received: true,
      upstream_status: 503,
    });
  });

  it('a 4xx JSON body that is not a JSON-RPC error is a target_http failure', async () => {
    handler = (_req, res) => json(res, 401, { detail: 'missing token' }, { 'WWW-Authenticate': 'Bearer' });
    const err = await failureOf(call(channel, request));
    assert.equal(err.failure.source, 'target_http');
    assert.equal(err.failure.upstream_status, 401);
  });

  it('a real JSON-RPC error is passed through untouched with its HTTP status, -32003 and -32004 included', async () => {
    const forbidden = { jsonrpc: '2.0', id: 7, error: { code: -32003, message: 'Forbidden', data: { reason: 'policy' } } };
    handler = (_req, res) => json(res, 403, forbidden, { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' });
    const first = response((await call(channel, request)).outcome);
    assert.deepEqual(first.json, forbidden);
    assert.equal(first.status, 403);
    assert.deepEqual(first.headers['WWW-Authenticate'], ['Bearer error="insufficient_scope"']);

    const unsupported = { jsonrpc: '2.0', id: 7, error: { code: -32004, message: 'Not supported' } };
    handler = (_req, res) => json(res, 200, unsupported);
    const second = response((await call(channel, request)).outcome);
    assert.deepEqual(second.json, unsupported);
    assert.equal(second.status, 200);
  });

  it('malformed JSON on a 200 is a protocol failure after an upstream response', async () => {
    handler = (_req, res) => json(res, 200, '{"jsonrpc":"2.0","id":7,"result":');
    const err = await failureOf(call(channel, request));
    assert.deepEqual(err.failure, { version: 1, source: 'protocol', transport_error_kind: 'malformed_json', upstream_response_received: true });
  });

  it('a 200 that is neither JSON nor SSE is a non-protocol response', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('hello');
    };
    const err = await failureOf(call(channel, request));
    assert.equal(err.failure.source, 'protocol');
    assert.equal(err.failure.transport_error_kind, 'non_protocol_response');
  });

  it('a JSON answer to some other request id is an invalid protocol response', async () => {
    handler = (_req, res) => json(res, 200, { jsonrpc: '2.0', id: 8, result: {} });
    const err = await failureOf(call(channel, request));
    assert.equal(err.failure.transport_error_kind, 'invalid_protocol_response');
  });

  it('202 to a request is a protocol failure; 202 to a notification is an ack', async () => {
    handler = (_req, res) => {
      res.writeHead(202);
      res.end();
    };
    const err = await failureOf(call(channel, request));
    assert.equal(err.failure.source, 'protocol');
    assert.equal(err.failure.transport_error_kind, 'response_body_missing');
    const ack = await call(channel, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } });
    assert.deepEqual(ack.outcome, { kind: 'ack', status: 202, headers: {} });
    const clientResponse = await call(channel, { jsonrpc: '2.0', id: 'srv-1', result: {} });
    assert.equal(clientResponse.outcome.kind, 'ack');
  });

  it('an empty 200 JSON body to a request is a protocol failure', async () => {
    handler = (_req, res) => json(res, 200, '');
    const err = await failureOf(call(channel, request));
    assert.equal(err.failure.transport_error_kind, 'response_body_missing');
  });

  it('a JSON body over the size cap is refused as too large', async () => {
    const small = channelFor(url, {}, { maxResponseBytes: 1024 });
    handler = (_req, res) => json(res, 200, { jsonrpc: '2.0', id: 7, result: { pad: 'x'.repeat(4096) } });
    const err = await failureOf(call(small, request));
    assert.equal(err.failure.transport_error_kind, 'response_body_too_large');
    handler = (_req, res) => {
      // No Content-Length: the cap must hold while streaming too.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"jsonrpc":"2.0","id":7,"result":{"pad":"');
      res.end('x'.repeat(4096) + '"}}');
    };
    assert.equal((await failureOf(call(small, request))).failure.transport_error_kind, 'response_body_too_large');
    handler = (_req, res) => sse(res, [{ jsonrpc: '2.0', id: 7, result: { pad: 'x'.repeat(4096) } }]);
    assert.equal((await failureOf(call(small, request))).failure.transport_error_kind, 'response_body_too_large');
    await small.close();
  });

  it('an SSE stream that ends before the response is transport_closed, after delivering what came', async () => {
    handler = (_req, res) =>
      sse(res, [{ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'working' } }]);
    const notes: JsonRpcMessage[] = [];
    const err = await failureOf(
      channel.call({ message: request as JsonRpcMessage, headers: {}, signal: new AbortController().signal, onNotify: (m) => notes.push(m) }),
    );
    assert.deepEqual(err.failure, { version: 1, source: 'transport_closed', transport_error_kind: 'unexpected_eof', upstream_response_received: false });
    assert.equal(notes.length, 1);
  });

  it('server requests and notifications in the stream go to onNotify; the matching response ends the call', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Mcp-Session-Id': 'abc' });
      res.write(': keepalive\r\n\r\n');
      res.write('id: p\r\ndata: \r\n\r\n'); // priming event
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: {} })}\r\n\r\n`);
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id: 7, result: { ok: true } })}\r\n\r\n`);
      // Anything after the answer belongs to no one: it must not be delivered.
      res.end(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/late' })}\r\n\r\n`);
    };
    const { outcome, notes } = await call(channel, request);
    assert.deepEqual(response(outcome).json, { jsonrpc: '2.0', id: 7, result: { ok: true } });
    assert.deepEqual(response(outcome).headers['Mcp-Session-Id'], ['abc']);
    assert.deepEqual(notes, [{ jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: {} }]);
  });

  it('returns the response without waiting for a stream the server leaves open', async () => {
    handler = (_req, res) => sse(res, [{ jsonrpc: '2.0', id: 7, result: {} }], false);
    const started = Date.now();
    const { outcome } = await call(channel, request);
    assert.equal(outcome.kind, 'response');
    assert.ok(Date.now() - started < 500);
  });

  it('malformed JSON inside an SSE event is a protocol failure', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.end('data: {not json\n\n');
    };
    const err = await failureOf(call(channel, request));
    assert.deepEqual(err.failure, { version: 1, source: 'protocol', transport_error_kind: 'malformed_json', upstream_response_received: true });
  });

  it('drops a header the response names in Connection, and the Connection header itself', async () => {
    handler = (_req, res) => {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        Connection: 'keep-alive, Mcp-Session-Id',
        'Mcp-Session-Id': 'hop-only',
        'Mcp-Protocol-Version': PROTOCOL_VERSION,
      });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 7, result: {} }));
    };
    const answer = response((await call(channel, request)).outcome);
    assert.deepEqual(answer.headers, { 'Content-Type': ['application/json'], 'Mcp-Protocol-Version': [PROTOCOL_VERSION] });
  });

  it('sends command headers without hop-by-hop ones, with our Content-Type and Accept, the connector’s headers winning over configured ones', async () => {
    let seen: http.IncomingHttpHeaders = {};
    let raw: string[] = [];
    handler = (req, res) => {
      seen = req.headers;
      raw = req.rawHeaders;
      json(res, 200, { jsonrpc: '2.0', id: 7, result: {} });
    };
    const configured = channelFor(url, { headers: { Authorization: 'Bearer operator', 'X-Env': 'prod' } });
    await call(configured, request, {
      'Mcp-Session-Id': ['s-1'],
      'Mcp-Protocol-Version': [PROTOCOL_VERSION],
      'Last-Event-ID': ['e-9'],
      authorization: ['Bearer remote-client'],
      'Content-Type': ['text/plain'],
      Accept: ['text/html'],
      Connection: ['close, X-Hop'],
      'X-Hop': ['1'],
      'Keep-Alive': ['timeout=5'],
      'Transfer-Encoding': ['chunked'],
      TE: ['trailers'],
      Upgrade: ['websocket'],
      Host: ['evil.example'],
      'Content-Length': ['1'],
      'Proxy-Authorization': ['Basic x'],
      'X-Multi': ['a', 'b'],
      Cookie: ['a=1', 'b=2'],
      'Bad Name': ['x'],
      'X-Injected': ['ok\r\nX-Evil: 1'],
    });
    assert.equal(seen['mcp-session-id'], 's-1');
    assert.equal(seen['mcp-protocol-version'], PROTOCOL_VERSION);
    assert.equal(seen['last-event-id'], 'e-9');
    assert.equal(seen.authorization, 'Bearer remote-client');
    assert.equal(seen['x-env'], 'prod');
    assert.equal(seen['content-type'], 'application/json');
    assert.equal(seen.accept, 'application/json, text/event-stream');
    assert.equal(seen.host, new URL(url).host);
    assert.equal(seen['content-length'], String(Buffer.byteLength(JSON.stringify(request))));
    assert.equal(seen.cookie, 'a=1; b=2');
    for (const name of ['x-hop', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'proxy-authorization', 'x-injected', 'x-evil']) {
      assert.equal(seen[name], undefined, name);
    }
    assert.notEqual(seen.connection, 'close');
    const multi = raw.filter((_, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'x-multi');
    assert.deepEqual(multi, ['a', 'b']);
    await configured.close();
  });

  it('forwards the remote client’s Authorization when the operator configured none', async () => {
    let auth: string | undefined;
    handler = (req, res) => {
      auth = req.headers.authorization;
      json(res, 200, { jsonrpc: '2.0', id: 7, result: {} });
    };
    await call(channel, request, { Authorization: ['Bearer remote-client'] });
    assert.equal(auth, 'Bearer remote-client');
  });

  it('keeps connections alive across calls, JSON and SSE alike', async () => {
    // undici hands a just-finished connection back a tick after the body ends,
    // so strictly sequential calls alternate between two pooled connections.
    handler = (_req, res) => json(res, 200, { jsonrpc: '2.0', id: 7, result: {} });
    for (let i = 0; i < 3; i++) await call(channel, request);
    handler = (_req, res) => sse(res, [{ jsonrpc: '2.0', method: 'notifications/progress', params: {} }, { jsonrpc: '2.0', id: 7, result: {} }]);
    for (let i = 0; i < 3; i++) await call(channel, request);
    assert.equal(requests, 6);
    assert.ok(sockets.size <= 2, `${sockets.size} connections for 6 calls`);
  });

  /** A CONNECT proxy on loopback that records the tunnels it opened. */
  async function connectProxy(): Promise<{ url: string; tunnels: string[]; close(): Promise<void> }> {
    const tunnels: string[] = [];
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    const port = await listenLoopback(proxy);
    return {
      url: `http://127.0.0.1:${port}`,
      tunnels,
      close: async () => {
        proxy.closeAllConnections();
        await new Promise((r) => proxy.close(r));
      },
    };
  }

  it('goes through the configured HTTP proxy with CONNECT', async () => {
    const proxy = await connectProxy();
    const proxied = channelFor(url, { proxy: proxy.url });
    handler = (_req, res) => json(res, 200, { jsonrpc: '2.0', id: 7, result: { via: 'proxy' } });
    const answer = response((await call(proxied, request)).outcome);
    assert.deepEqual(answer.json.result, { via: 'proxy' });
    assert.deepEqual(proxy.tunnels, [new URL(url).host]);
    await proxied.close();
    await proxy.close();
  });

  it('goes through the standard proxy variables when no proxy is configured, and around it for a NO_PROXY host', async () => {
    const proxy = await connectProxy();
    handler = (_req, res) => json(res, 200, { jsonrpc: '2.0', id: 7, result: {} });
    const viaEnv = channelFor(url, { envProxy: { httpProxy: proxy.url, httpsProxy: '', noProxy: '' } });
    await call(viaEnv, request);
    assert.deepEqual(proxy.tunnels, [new URL(url).host]);
    const bypass = channelFor(url, { envProxy: { httpProxy: proxy.url, httpsProxy: '', noProxy: new URL(url).hostname } });
    await call(bypass, request);
    assert.equal(proxy.tunnels.length, 1, 'the NO_PROXY host is reached directly');
    await viaEnv.close();
    await bypass.close();
    await proxy.close();
  });

  it('DELETE sends the session id and returns whatever status the server gives, 405 included', async () => {
    let seen: { method?: string; session?: string | string[] } = {};
    handler = (req, res) => {
      seen = { method: req.method, session: req.headers['mcp-session-id'] };
      json(res, 405, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Method not allowed.' } }, { Allow: 'GET, POST' });
    };
    const result = await channel.terminateSession({ 'Mcp-Session-Id': ['s-9'] }, new AbortController().signal);
    assert.deepEqual(seen, { method: 'DELETE', session: 's-9' });
    assert.deepEqual(result, { status: 405, headers: { 'Content-Type': ['application/json'] } });
  });

  it('session termination without a session id answers 400 without contacting the server', async () => {
    handler = (_req, res) => json(res, 200, {});
    const result = await channel.terminateSession({ 'Mcp-Protocol-Version': [PROTOCOL_VERSION] }, new AbortController().signal);
    assert.deepEqual(result, { status: 400, headers: {} });
    assert.equal(requests, 0);
  });

  it('an abort while waiting for the response headers rejects with DeadlineExceededError', async () => {
    handler = () => undefined; // never answers
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(call(channel, request, {}, controller.signal), DeadlineExceededError);
    assert.equal(channel.status().inFlight, 0);
  });

  it('an already aborted signal rejects without a request', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(call(channel, request, {}, controller.signal), DeadlineExceededError);
    assert.equal(requests, 0);
  });
});

describe('HttpChannel with mutual TLS', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let server: https.Server;
  let url: string;
  let pem: Record<string, string>;

  before(async () => {
    pki = makeTestPki();
    pem = pki.pem;
    server = https.createServer(
      { cert: pem['server.crt'], key: pem['server.key'], ca: pem['ca.crt'], requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        req.resume();
        req.on('end', () => {
          const cn = (req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN;
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { clientCn: cn } }));
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://localhost:${(server.address() as net.AddressInfo).port}/mcp`;
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    pki.remove();
  });

  const request = { jsonrpc: '2.0', id: 1, method: 'ping' };

  it('connects with the client certificate and a CA added to the system trust', async () => {
    const channel = channelFor(url, { tls: { cert: pem['client.crt'], key: pem['client.key'], ca: pem['ca.crt'] } });
    const answer = response((await call(channel, request)).outcome);
    assert.deepEqual(answer.json.result, { clientCn: 'mcp-tunnel-client' });
    await channel.close();
  });

  it('fails with source tls when no client certificate is offered', async () => {
    const channel = channelFor(url, { tls: { ca: pem['ca.crt'] } });
    const err = await failureOf(call(channel, request));
    assert.equal(err.failure.source, 'tls');
    assert.equal(err.failure.upstream_response_received, false);
    await channel.close();
  });

  it('fails with source tls when the server certificate is not trusted', async () => {
    const channel = channelFor(url, { tls: { cert: pem['client.crt'], key: pem['client.key'] } });
    const err = await failureOf(call(channel, request));
    assert.equal(err.failure.source, 'tls');
    await channel.close();
  });
});
