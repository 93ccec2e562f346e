import { strict as assert } from 'node:assert';
import { request as httpRequest } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { Relay, type RelayStartInfo } from '../../src/relay/relay';
import { postResponse, type Polled } from '../helpers/handTunnel';

const SESSION_ID = 'sess-relay-test';

/**
 * A canned tunnel client speaking plain fetch to the relay's control plane:
 * it answers initialize, tools/list and tools/call like a tiny MCP server would.
 * `echo` sends a progress notify before its result; `ask` sends the MCP client
 * a sampling request and answers with the sampled text once it comes back.
 */
class CannedTunnelClient {
  readonly commands: Polled[] = [];
  private readonly abort = new AbortController();
  private readonly sampled = new Map<string | number, (text: string) => void>();
  private loop: Promise<void> | undefined;
  errors: unknown[] = [];

  constructor(private readonly info: RelayStartInfo) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      let res: Response;
      try {
        res = await fetch(`${this.info.url}/v1/tunnels/${this.info.tunnelId}/poll?limit=25&timeout_ms=1000`, {
          headers: this.headers(),
          signal: this.abort.signal,
        });
      } catch {
        continue;
      }
      if (res.status === 204) continue;
      const { commands } = (await res.json()) as { commands: Polled[] };
      for (const cmd of commands) {
        this.commands.push(cmd);
        this.handle(cmd).catch((err: unknown) => this.errors.push(err));
      }
    }
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      Authorization: `Bearer ${this.info.apiKey}`,
      'X-Tunnel-Client-Name': 'canned-test-client',
      'X-Tunnel-Client-Version': '0.0.0',
      'X-Tunnel-Client-Instance-Id': 'canned-1',
      'X-Tunnel-MCP-Server-Info': '{"version":1,"channels":[{"name":"main","proc_affinity":true}]}',
      ...extra,
    };
  }

  private async post(cmd: Polled, payload: Record<string, unknown>): Promise<void> {
    const status = await postResponse(this.info, cmd, payload, this.headers());
    assert.equal(status, 200, `response POST for ${cmd.jsonrpc?.method ?? cmd.command_type}`);
  }

  private result(cmd: Polled, result: unknown, headers: Record<string, string[]> = { 'Content-Type': ['application/json'] }): Promise<void> {
    return this.post(cmd, { resp_json: { jsonrpc: '2.0', id: cmd.jsonrpc!.id, result }, resp_headers: headers, resp_code: 200, resp_type: 'jsonrpc_response' });
  }

  private notify(cmd: Polled, message: Record<string, unknown>): Promise<void> {
    return this.post(cmd, { resp_json: { jsonrpc: '2.0', ...message }, resp_headers: { 'Content-Type': ['text/event-stream'] }, resp_code: 200, resp_type: 'jsonrpc_notify' });
  }

  private async handle(cmd: Polled): Promise<void> {
    if (cmd.command_type === 'session_termination') {
      await this.post(cmd, { resp_code: 204, resp_type: 'session_termination_response' });
      return;
    }
    const msg = cmd.jsonrpc!;
    if (msg.id === undefined || msg.method === undefined) {
      // A notification, or the client's answer to one of our server requests.
      if (msg.method === undefined && msg.id !== undefined) this.sampled.get(msg.id)?.(msg.result.content.text);
      await this.post(cmd, { resp_code: 202, resp_type: 'notify_ack' });
      return;
    }
    switch (msg.method) {
      case 'initialize':
        await this.result(
          cmd,
          { protocolVersion: msg.params!.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'canned', version: '1.0.0' } },
          { 'Content-Type': ['application/json'], 'Mcp-Session-Id': [SESSION_ID] },
        );
        return;
      case 'tools/list':
        await this.result(cmd, {
          tools: [
            { name: 'echo', description: 'Echoes text', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
            { name: 'ask', description: 'Asks the client model', inputSchema: { type: 'object' } },
          ],
        });
        return;
      case 'tools/call': {
        const params = msg.params!;
        if (params.name === 'echo') {
          const token = params._meta?.progressToken;
          if (token !== undefined) await this.notify(cmd, { method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2 } });
          await this.result(cmd, { content: [{ type: 'text', text: `echo: ${params.arguments.text}` }] });
        } else {
          const id = `srv-${cmd.request_id}`;
          const text = new Promise<string>((resolve) => this.sampled.set(id, resolve));
          await this.notify(cmd, {
            id,
            method: 'sampling/createMessage',
            params: { messages: [{ role: 'user', content: { type: 'text', text: 'say hi' } }], maxTokens: 10 },
          });
          await this.result(cmd, { content: [{ type: 'text', text: `model said: ${await text}` }] });
        }
        return;
      }
      default:
        await this.post(cmd, { resp_json: { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } }, resp_code: 200 });
    }
  }
}

describe('relay front door with the official MCP SDK client', function () {
  this.timeout(20_000);
  let relay: Relay;
  let info: RelayStartInfo;
  let tunnel: CannedTunnelClient;

  beforeEach(async () => {
    relay = new Relay({ frontDoorAuth: 'bearer', commandTimeoutMs: 10_000 });
    info = await relay.start();
    tunnel = new CannedTunnelClient(info);
    tunnel.start();
  });

  afterEach(async () => {
    await tunnel.stop();
    await relay.close();
  });

  /** A client of the URL without the token in its path, sending `token` as its Bearer header. */
  function sdkClient(token = info.frontDoorToken): { client: Client; transport: StreamableHTTPClientTransport } {
    const transport = new StreamableHTTPClientTransport(new URL(info.mcpUrlWithoutToken), {
      requestInit: token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } },
    });
    const client = new Client({ name: 'relay-integration', version: '1.0.0' }, { capabilities: { sampling: {} } });
    return { client, transport };
  }

  it('initializes, lists tools, calls a tool with progress, and terminates the session', async () => {
    const { client, transport } = sdkClient();
    await client.connect(transport);
    assert.equal(transport.sessionId, SESSION_ID);
    assert.equal(client.getServerVersion()?.name, 'canned');

    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['echo', 'ask']);

    const progress: Progress[] = [];
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hello' } }, undefined, { onprogress: (p) => progress.push(p) });
    assert.deepEqual(result.content, [{ type: 'text', text: 'echo: hello' }]);
    assert.deepEqual(progress, [{ progress: 1, total: 2 }]);

    await transport.terminateSession();
    assert.equal(transport.sessionId, undefined);
    await client.close();

    const methods = tunnel.commands.map((c) => (c.command_type === 'jsonrpc' ? c.jsonrpc!.method : c.command_type));
    assert.deepEqual(methods, ['initialize', 'notifications/initialized', 'tools/list', 'tools/call', 'session_termination']);
    for (const cmd of tunnel.commands.slice(1)) {
      assert.deepEqual(cmd.headers['Mcp-Session-Id'], [SESSION_ID], `${cmd.jsonrpc?.method ?? cmd.command_type} carries the session`);
      assert.equal(cmd.headers.Authorization, undefined, 'the front-door token stays at the front door');
    }
    assert.ok(tunnel.commands[2].headers['Mcp-Protocol-Version'], 'the negotiated protocol version is forwarded');
    assert.deepEqual(tunnel.errors, []);
    assert.deepEqual(relay.violations(), []);
    assert.equal(relay.stats().pendingCommands, 0);
  });

  it('delivers a server sampling request on the call stream and carries the client answer back', async () => {
    const { client, transport } = sdkClient();
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: 'hi there' },
    }));
    await client.connect(transport);
    const result = await client.callTool({ name: 'ask', arguments: {} });
    assert.deepEqual(result.content, [{ type: 'text', text: 'model said: hi there' }]);
    const answer = tunnel.commands.find((c) => c.jsonrpc && c.jsonrpc.method === undefined);
    assert.ok(answer, 'the sampling answer travelled as a command');
    assert.equal(answer.jsonrpc!.result.model, 'test-model');
    await client.close();
    assert.deepEqual(tunnel.errors, []);
  });

  it('serves a client of the printed mcp_url alone: the token in its path, no header, nothing forwarded', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(info.mcpUrl));
    const client = new Client({ name: 'relay-integration', version: '1.0.0' });
    await client.connect(transport);
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name), ['echo', 'ask']);
    await client.close();
    for (const cmd of tunnel.commands) assert.ok(!JSON.stringify(cmd).includes(info.frontDoorToken!), 'the token stays at the front door');
    assert.deepEqual(tunnel.errors, []);
  });

  it('refuses a client without the front-door token with 401', async () => {
    const { client, transport } = sdkClient('not-the-token');
    await assert.rejects(client.connect(transport), (err: Error & { code?: number }) => {
      assert.equal(err.code, 401);
      assert.match(err.message, /front-door token/);
      return true;
    });
    assert.equal(relay.stats().commandsQueued, 0);
  });

  it('refuses a request whose Host is evil.example with 403', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        info.mcpUrl,
        {
          method: 'POST',
          headers: { Host: 'evil.example', Authorization: `Bearer ${info.frontDoorToken}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    });
    assert.equal(status, 403);
    assert.equal(relay.stats().commandsQueued, 0);
  });
});
