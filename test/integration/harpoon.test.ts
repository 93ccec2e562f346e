import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { HarpoonChannel } from '../../src/engine/harpoon/channel';
import { defaultHarpoonConfig, type HarpoonConfig } from '../../src/engine/harpoon/config';
import type { Lookup } from '../../src/engine/harpoon/caller';
import { Logger } from '../../src/engine/log';
import { everythingStdioTarget } from '../helpers/everything';
import { withTestTunnel } from '../helpers/tunnel';

/** A loopback HTTP server that counts what reaches it, by path. */
interface CountingServer {
  url: string;
  port: number;
  hits: string[];
  lastHeaders?: http.IncomingHttpHeaders;
  close(): Promise<void>;
}

async function countingServer(host: string, handler: (req: http.IncomingMessage, res: http.ServerResponse, base: string) => void, socketPath?: string, port = 0): Promise<CountingServer> {
  const hits: string[] = [];
  const s: CountingServer = { url: '', port: 0, hits, close: async () => undefined };
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    s.lastHeaders = req.headers;
    handler(req, res, s.url);
  });
  await new Promise<void>((resolve) => (socketPath ? server.listen(socketPath, resolve) : server.listen(port, host, resolve)));
  if (!socketPath) {
    s.port = (server.address() as AddressInfo).port;
    s.url = `http://${host}:${s.port}`;
  }
  s.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return s;
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

interface ToolAnswer {
  isError?: boolean;
  text: string;
  structured?: Record<string, unknown>;
}

let seq = 0;
async function callTool(channel: HarpoonChannel, name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
  const outcome = await channel.call({
    message: { jsonrpc: '2.0', id: ++seq, method: 'tools/call', params: { name, arguments: args } },
    headers: {},
    signal: AbortSignal.timeout(20_000),
    onNotify: () => undefined,
  });
  assert.equal(outcome.kind, 'response');
  const result = (outcome as unknown as { json: { result: { isError?: boolean; content: { text: string }[]; structuredContent?: Record<string, unknown> } } }).json.result;
  return { isError: result.isError, text: result.content[0].text, structured: result.structuredContent };
}

const API_KEY = 'sk-test-runtime-key-0123456789';

describe('Harpoon (channel harpoon, real HTTP on loopback)', function () {
  this.timeout(30_000);
  let allowed: CountingServer;
  let forbidden: CountingServer;
  let rebound: CountingServer;
  let channel: HarpoonChannel;
  let registry: Registry;
  let lookupAnswer: string;
  const lookup: Lookup = async () => [lookupAnswer];

  function makeChannel(overrides: Partial<HarpoonConfig> = {}): HarpoonChannel {
    registry = new Registry();
    const config: HarpoonConfig = {
      ...defaultHarpoonConfig(),
      allowPlaintextHttp: true,
      targets: [
        { label: 'api', url: `${allowed.url}/api`, description: 'The private API' },
        { label: 'named', url: `http://api.internal.test:${allowed.port}/api` },
      ],
      ...overrides,
    };
    const ch = new HarpoonChannel(config, Logger.create('error', 'test'), { secrets: () => [API_KEY], metricsRegistry: registry, lookup });
    return ch;
  }

  before(async () => {
    forbidden = await countingServer('127.0.0.1', (_req, res) => json(res, 200, { leaked: true }));
    allowed = await countingServer('127.0.0.1', (req, res, base) => {
      const url = req.url ?? '';
      if (url.startsWith('/api/echo')) {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => json(res, 200, { method: req.method, url, body, headers: req.headers }));
      } else if (url === '/api/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.alloc(300 * 1024, 0x61));
      } else if (url === '/api/redirect-out') {
        res.writeHead(302, { location: `${forbidden.url}/stolen` }).end();
      } else if (url === '/api/redirect-up') {
        res.writeHead(302, { location: '/secret' }).end();
      } else if (url === '/api/redirect-encoded') {
        res.writeHead(302, { location: '/api/%2e%2e/secret' }).end();
      } else if (url === '/api/redirect-in') {
        res.writeHead(307, { location: `${base}/api/echo/landed` }).end();
      } else if (url.startsWith('/api/chain/')) {
        const n = Number(url.split('/').pop());
        if (n === 0) json(res, 200, { done: true });
        else res.writeHead(302, { location: `/api/chain/${n - 1}` }).end();
      } else if (url === '/api/slow') {
        setTimeout(() => json(res, 200, { slow: true }), 3000).unref();
      } else {
        json(res, 404, { error: 'not found' });
      }
    });
    // Where a rebound name would lead: the same port on another loopback address.
    rebound = await countingServer('127.0.0.2', (_req, res) => json(res, 200, { rebound: true }), undefined, allowed.port);
  });

  after(async () => {
    await Promise.all([allowed.close(), forbidden.close(), rebound.close()]);
  });

  beforeEach(async () => {
    lookupAnswer = '127.0.0.1';
    allowed.hits.length = 0;
    forbidden.hits.length = 0;
    rebound.hits.length = 0;
    channel = makeChannel();
    await channel.start();
  });

  afterEach(async () => {
    await channel.close();
  });

  it('answers initialize and lists its three tools with their schemas', async () => {
    const init = await channel.call({
      message: { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } },
      headers: {},
      signal: AbortSignal.timeout(5000),
      onNotify: () => undefined,
    });
    const result = (init as unknown as { json: { id: number; result: { serverInfo: { name: string }; instructions: string } } }).json;
    assert.equal(result.id, 1);
    assert.equal(result.result.serverInfo.name, 'harpoon');
    assert.match(result.result.instructions, /constrained outbound HTTP client/);
    const list = await channel.call({ message: { jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers: {}, signal: AbortSignal.timeout(5000), onNotify: () => undefined });
    const tools = (list as unknown as { json: { result: { tools: { name: string; inputSchema: { required: string[]; properties: Record<string, { enum?: string[]; maximum?: number }> } }[] } } }).json.result.tools;
    assert.deepEqual(tools.map((t) => t.name), ['list_targets', 'call_target', 'get_oauth_target_audience']);
    const call = tools[1].inputSchema;
    assert.deepEqual(call.required, ['label', 'method']);
    assert.deepEqual(call.properties.method.enum, ['GET', 'POST', 'PUT']);
    assert.equal(call.properties.max_response_bytes.maximum, 102400);
    assert.equal(call.properties.max_redirects.maximum, 5);
  });

  it('lists targets without their URLs, filtered by category, source and tags', async () => {
    const all = await callTool(channel, 'list_targets', {});
    assert.deepEqual(all.structured, {
      targets: [
        { label: 'api', description: 'The private API', category: 'config', source: 'config', allowed_methods: ['GET', 'POST', 'PUT'] },
        { label: 'named', category: 'config', source: 'config', allowed_methods: ['GET', 'POST', 'PUT'] },
      ],
    });
    assert.ok(!all.text.includes(allowed.url));
    assert.deepEqual((await callTool(channel, 'list_targets', { sources: ['oauth'] })).structured, { targets: [] });
  });

  it('calls a target within its prefix and returns status, headers and the body in base64', async () => {
    const answer = await callTool(channel, 'call_target', { label: 'api', method: 'POST', path: 'echo/x?y=1', body: 'hello', headers: { 'X-Trace': 'abc' } });
    assert.equal(answer.isError, undefined);
    assert.equal(answer.structured?.status_code, 200);
    const echoed = JSON.parse(Buffer.from(answer.structured?.body_base64 as string, 'base64').toString());
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.url, '/api/echo/x?y=1');
    assert.equal(echoed.body, 'hello');
    assert.equal(echoed.headers['x-trace'], 'abc');
    assert.match(echoed.headers['user-agent'], /^mcp-tunnel\//);
  });

  it('follows a redirect that stays inside the target', async () => {
    const answer = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'redirect-in' });
    assert.equal(answer.structured?.status_code, 200);
    assert.deepEqual(allowed.hits, ['GET /api/redirect-in', 'GET /api/echo/landed']);
  });

  it('calls a Unix-socket target over its socket', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'harpoon-'));
    const socket = path.join(dir, 'api.sock');
    const unix = await countingServer('', (_req, res) => json(res, 200, { via: 'unix' }), socket);
    const ch = makeChannel({ targets: [{ label: 'sock', url: 'http://localhost/v1', unixSocket: socket }] });
    await ch.start();
    try {
      const answer = await callTool(ch, 'call_target', { label: 'sock', method: 'GET', path: 'status' });
      assert.equal(answer.structured?.status_code, 200);
      assert.deepEqual(unix.hits, ['GET /v1/status']);
    } finally {
      await ch.close();
      await unix.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('sends calls through harpoon.http_proxy, which resolves the name itself', async () => {
    const tunnels: string[] = [];
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      // The proxy's own name resolution: the test host name lives on loopback.
      const upstream = net.connect(allowed.port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const ch = makeChannel({ httpProxy: proxyUrl, targets: [{ label: 'named', url: `http://api.internal.test:${allowed.port}/api` }] });
    await ch.start();
    try {
      const answer = await callTool(ch, 'call_target', { label: 'named', method: 'GET', path: 'echo/proxied' });
      assert.equal(answer.structured?.status_code, 200, answer.text);
      assert.deepEqual(tunnels, [`api.internal.test:${allowed.port}`]);
      assert.deepEqual(allowed.hits, ['GET /api/echo/proxied']);
    } finally {
      await ch.close();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  describe('refusals: a clear error, and nothing sent where it must not go', () => {
    it('refuses a label that is not registered (a host outside the allowlist)', async () => {
      const answer = await callTool(channel, 'call_target', { label: 'elsewhere', method: 'GET' });
      assert.equal(answer.isError, true);
      assert.equal(answer.text, 'label elsewhere: unknown target');
      assert.equal(allowed.hits.length + forbidden.hits.length, 0);
    });

    it('refuses a path outside the target prefix', async () => {
      const answer = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: `${forbidden.url}/x` });
      assert.equal(answer.isError, true);
      assert.match(answer.text, /^label api: path outside the target: path must be relative/);
      assert.equal(allowed.hits.length + forbidden.hits.length, 0);
    });

    for (const [trick, p] of [
      ['..', '../secret'],
      ['%2e%2e', '%2e%2e/secret'],
      ['%2f', 'x%2f..%2fsecret'],
      ['%5c', '..%5csecret'],
      ['double encoding', '%252e%252e/secret'],
      ['a backslash', '..\\secret'],
    ] as const) {
      it(`refuses ${trick} in the path`, async () => {
        const answer = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: p });
        assert.equal(answer.isError, true);
        assert.match(answer.text, /^label api: path outside the target: /);
        assert.deepEqual(allowed.hits, []);
      });
    }

    it('refuses a redirect that leaves the target origin, and does not follow it', async () => {
      const answer = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'redirect-out' });
      assert.equal(answer.isError, true);
      assert.match(answer.text, /^label api: redirect blocked: the URL leaves the target's host and port/);
      assert.deepEqual(allowed.hits, ['GET /api/redirect-out']);
      assert.deepEqual(forbidden.hits, []);
    });

    it('refuses a redirect that leaves the target prefix on the same origin', async () => {
      const answer = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'redirect-up' });
      assert.match(answer.text, /^label api: redirect blocked: the URL leaves the target's path \/api/);
      assert.deepEqual(allowed.hits, ['GET /api/redirect-up']);
    });

    it('refuses a redirect whose Location hides a traversal in encoding', async () => {
      const answer = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'redirect-encoded' });
      assert.match(answer.text, /^label api: redirect blocked: /);
      assert.deepEqual(allowed.hits, ['GET /api/redirect-encoded']);
    });

    it('refuses more redirects than allowed, after sending only the allowed hops', async () => {
      const answer = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'chain/5', max_redirects: 2 });
      assert.equal(answer.text, 'label api: redirect limit exceeded');
      assert.deepEqual(allowed.hits, ['GET /api/chain/5', 'GET /api/chain/4', 'GET /api/chain/3']);
      const within = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'chain/2', max_redirects: 2 });
      assert.equal(within.structured?.status_code, 200);
      assert.match((await callTool(channel, 'call_target', { label: 'api', method: 'GET', max_redirects: 6 })).text, /max_redirects must be less than or equal to 5/);
    });

    it('refuses a target name that resolves to another address at call time (DNS rebinding), sending nothing', async () => {
      const first = await callTool(channel, 'call_target', { label: 'named', method: 'POST', path: 'echo/first', body: 'x' });
      assert.equal(first.structured?.status_code, 200);
      assert.deepEqual(allowed.hits, ['POST /api/echo/first']);
      lookupAnswer = '127.0.0.2';
      // The rebound address has a server on the same port: it must see nothing.
      const answer = await callTool(channel, 'call_target', { label: 'named', method: 'GET', path: 'echo/second' });
      assert.equal(answer.isError, true);
      assert.match(answer.text, /^label named: request refused: api\.internal\.test now resolves to an address it did not have when the target was registered \(possible DNS rebinding\); nothing was sent$/);
      assert.deepEqual(allowed.hits, ['POST /api/echo/first']);
      assert.deepEqual(rebound.hits, []);
    });

    it('connects to the address it resolved, not to whatever the name resolves to later in the call', async () => {
      // The resolver answers once per call: redirects inside the call reuse the pinned address.
      let calls = 0;
      const counting: Lookup = async () => {
        calls++;
        return [calls <= 2 ? '127.0.0.1' : '127.0.0.2'];
      };
      const ch = new HarpoonChannel({ ...defaultHarpoonConfig(), allowPlaintextHttp: true, targets: [{ label: 'named', url: `http://api.internal.test:${allowed.port}/api` }] }, Logger.create('error', 'test'), { secrets: () => [], metricsRegistry: new Registry(), lookup: counting });
      await ch.start();
      assert.equal(calls, 1, 'resolved when registered');
      try {
        const answer = await callTool(ch, 'call_target', { label: 'named', method: 'GET', path: 'chain/2' });
        assert.equal(answer.structured?.status_code, 200, answer.text);
        assert.equal(calls, 2, 'and once for the call, not per redirect');
        assert.deepEqual(allowed.hits, ['GET /api/chain/2', 'GET /api/chain/1', 'GET /api/chain/0']);
      } finally {
        await ch.close();
      }
    });

    it('refuses plaintext http:// unless allow_plaintext_http is set', async () => {
      assert.throws(() => makeChannel({ allowPlaintextHttp: false }), /harpoon target "api": url uses plaintext http:\/\/, which needs allow_plaintext_http: true/);
      assert.deepEqual(allowed.hits, []);
    });

    it('cuts a response over the byte limit and reports it', async () => {
      const answer = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'big' });
      assert.equal(answer.isError, true);
      assert.equal(answer.text, 'label api: response exceeds size limit');
      const small = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'echo', max_response_bytes: 10 });
      assert.equal(small.text, 'label api: response exceeds size limit');
    });

    it('gives up a call that takes longer than its time limit', async () => {
      const started = Date.now();
      const answer = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'slow', timeout_ms: 300 });
      assert.equal(answer.text, 'label api: request failed: timed out');
      assert.ok(Date.now() - started < 2500);
    });

    it('refuses a header carrying the control-plane key, sending nothing', async () => {
      for (const headers of [{ Authorization: `Bearer ${API_KEY}` }, { 'X-Anything': `prefix-${API_KEY}` }]) {
        const answer = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'echo', headers });
        assert.equal(answer.isError, true);
        assert.match(answer.text, /^label api: header not allowed: (authorization|x-anything) /);
      }
      assert.deepEqual(allowed.hits, []);
    });

    it('refuses hop-by-hop and client-managed headers, and fields nominated by Connection', async () => {
      for (const headers of [{ Connection: 'close' }, { 'Transfer-Encoding': 'chunked' }, { Host: 'evil.example' }, { 'X-Forwarded-For': '1.2.3.4' }, { 'Proxy-Authorization': 'Basic eA==' }, { 'X-Custom': 'a', Connection: 'x-custom' }]) {
        const answer = await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'echo', headers });
        assert.equal(answer.isError, true, JSON.stringify(headers));
        assert.match(answer.text, /^label api: header not allowed: /);
      }
      assert.deepEqual(allowed.hits, []);
    });

    it('refuses methods other than GET, POST and PUT', async () => {
      for (const method of ['DELETE', 'PATCH', 'CONNECT', 'TRACE', 'HEAD', 'OPTIONS']) {
        const answer = await callTool(channel, 'call_target', { label: 'api', method, path: 'echo' });
        assert.equal(answer.text, 'label api: invalid method');
      }
      assert.deepEqual(allowed.hits, []);
    });
  });

  it('counts calls in harpoon_call_total, with latency and response size', async () => {
    await callTool(channel, 'call_target', { label: 'api', method: 'GET', path: 'echo' });
    await callTool(channel, 'call_target', { label: 'api', method: 'DELETE' });
    const text = await registry.metrics();
    assert.match(text, /harpoon_call_total\{label="api",status_class="2xx",outcome="success"\} 1/);
    assert.match(text, /harpoon_call_total\{label="api",status_class="none",outcome="invalid_input"\} 1/);
    assert.match(text, /harpoon_call_latency_milliseconds_count\{label="api",status_class="2xx",outcome="success"\} 1/);
    assert.match(text, /harpoon_response_size_bytes_sum\{label="api",status_class="2xx",outcome="success"\} [1-9]/);
  });

  it('keeps recent calls for the dashboard, with bodies only when capture_payloads is on, redacted', async () => {
    await callTool(channel, 'call_target', { label: 'api', method: 'POST', path: 'echo', body: `{"client_secret":"s3cret","note":"${API_KEY}"}` });
    assert.deepEqual(Object.keys(channel.history.recent()[0]!).includes('requestBody'), false);
    const capturing = makeChannel({ capturePayloads: true });
    await capturing.start();
    try {
      await callTool(capturing, 'call_target', { label: 'api', method: 'POST', path: 'echo', body: `{"client_secret":"s3cret","note":"${API_KEY}"}` });
      const [call] = capturing.history.recent();
      assert.equal(call!.url, `${allowed.url}/api/echo`);
      assert.ok(call!.requestBody && call!.responseBody);
      assert.ok(!call!.requestBody.includes('s3cret'), call!.requestBody);
      for (const body of [call!.requestBody, call!.responseBody]) assert.ok(!body.includes(API_KEY), body);
      assert.match(call!.requestBody, /"client_secret":"\[REDACTED\]"/);
    } finally {
      await capturing.close();
    }
  });

  describe('in a tunnel', () => {
    it('serves channel harpoon through the relay and declares it with proc_affinity while it has a target', async () => {
      await withTestTunnel(
        {
          target: everythingStdioTarget(),
          config: (c) => {
            c.harpoon = { ...defaultHarpoonConfig(), allowPlaintextHttp: true, targets: [{ label: 'api', url: `${allowed.url}/api` }] };
          },
        },
        async (t) => {
          const command = t.relay.enqueue({ channel: 'harpoon', jsonrpc: { jsonrpc: '2.0', id: 'h1', method: 'tools/call', params: { name: 'call_target', arguments: { label: 'api', method: 'GET', path: 'echo/relayed' } } } });
          const payload = await command.terminal;
          const result = (payload.resp_json as unknown as { result: { structuredContent: { status_code: number } } }).result;
          assert.equal(result.structuredContent.status_code, 200);
          assert.deepEqual(allowed.hits, ['GET /api/echo/relayed']);
          const info = JSON.parse(t.relay.requestLog().at(-1)?.serverInfo ?? '{}');
          assert.deepEqual(info.channels, [{ name: 'main', proc_affinity: true }, { name: 'harpoon', proc_affinity: true }]);
        },
      );
    });

    it('runs a Harpoon-only client: no MCP server, polling channel harpoon only', async () => {
      await withTestTunnel(
        {
          target: everythingStdioTarget(),
          config: (c) => {
            c.mcp.targets = [];
            c.controlPlane.pollChannels = ['harpoon'];
            c.harpoon = { ...defaultHarpoonConfig(), allowPlaintextHttp: true, targets: [{ label: 'api', url: `${allowed.url}/api` }] };
          },
        },
        async (t) => {
          const listed = await t.relay.enqueue({ channel: 'harpoon', jsonrpc: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_targets', arguments: {} } } }).terminal;
          assert.deepEqual((listed.resp_json as unknown as { result: { structuredContent: { targets: { label: string }[] } } }).result.structuredContent.targets.map((x) => x.label), ['api']);
          const last = t.relay.requestLog().at(-1);
          assert.deepEqual(JSON.parse(last?.serverInfo ?? '{}').channels, [{ name: 'harpoon', proc_affinity: true }]);
          assert.deepEqual(t.relay.requestLog().filter((r) => r.endpoint === 'poll').at(-1)?.channels, ['harpoon']);
        },
      );
    });

    it('answers unsupported channel for harpoon while no target is registered, and does not declare it', async () => {
      await withTestTunnel(
        {
          target: everythingStdioTarget(),
          config: (c) => {
            c.harpoon = defaultHarpoonConfig();
          },
        },
        async (t) => {
          const command = t.relay.enqueue({ channel: 'harpoon', jsonrpc: { jsonrpc: '2.0', id: 'h1', method: 'tools/list' } });
          const payload = await command.terminal;
          assert.equal(payload.resp_code, 400);
          assert.match(JSON.stringify(payload.resp_json), /unsupported channel \\"harpoon\\"/);
          const info = JSON.parse(t.relay.requestLog().at(-1)?.serverInfo ?? '{}');
          assert.deepEqual(info.channels, [{ name: 'main', proc_affinity: true }]);
        },
      );
    });
  });
});
