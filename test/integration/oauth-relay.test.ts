import { strict as assert } from 'node:assert';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { authorizationCode, MemoryOAuthProvider } from '../helpers/oauthClient';
import { startOAuthMcpServer, type OAuthMcpServer } from '../helpers/oauthServer';
import { httpTarget, startTestTunnel, textOf, type TestTunnel } from '../helpers/tunnel';

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

/**
 * The SDK's own OAuth client, through a real relay and a real engine, to an
 * MCP server protected by the SDK's own server auth pieces: the client only
 * ever talks to the front door and to the authorization server.
 */
describe('OAuth-protected MCP server through the loopback relay', function () {
  this.timeout(60_000);
  let server: OAuthMcpServer;
  let t: TestTunnel;
  const clients: Client[] = [];

  beforeEach(async () => {
    server = await startOAuthMcpServer();
    t = await startTestTunnel({ target: httpTarget(server.mcpUrl), relay: { commandTimeoutMs: 15_000 } });
  });

  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.close()));
    await t?.stop();
    await server?.stop();
  });

  /** The front door's metadata URL for the printed mcp_url (RFC 9728: the well-known suffix before the path). */
  const frontDoorMetadataUrl = (): string => `${t.info.url}/.well-known/oauth-protected-resource${new URL(t.info.mcpUrl).pathname}`;

  /** The whole flow as an MCP client app runs it: connect, authorize when told to, finish, connect again. */
  async function connectWithOAuth(provider: MemoryOAuthProvider): Promise<Client> {
    const first = new Client({ name: 'oauth-relay-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(t.info.mcpUrl), { authProvider: provider });
    await assert.rejects(first.connect(transport), UnauthorizedError);
    assert.equal(provider.authorizationUrls.length, 1, 'the client was sent to the authorization server');
    await transport.finishAuth(await authorizationCode(provider.authorizationUrls[0]));
    const client = new Client({ name: 'oauth-relay-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(t.info.mcpUrl), { authProvider: provider }));
    clients.push(client);
    return client;
  }

  it('completes the SDK client OAuth flow (DCR, PKCE) and calls tools with the token', async () => {
    const provider = new MemoryOAuthProvider();
    const client = await connectWithOAuth(provider);

    const authorizationUrl = provider.authorizationUrls[0];
    assert.equal(authorizationUrl.origin, new URL(server.issuerUrl).origin, 'the client went to the authorization server directly');
    assert.equal(authorizationUrl.searchParams.get('resource'), t.info.mcpUrl, 'the resource is the front-door URL');
    assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(provider.client?.client_id, 'registered dynamically');
    assert.ok(provider.savedTokens?.access_token);

    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['echo', 'whoami']);
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'through the tunnel' } })), 'echo: through the tunnel');
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });
    assert.equal(textOf(whoami), provider.client.client_id);
    assert.deepEqual((whoami.structuredContent as { scopes: string[] }).scopes, ['mcp:tools']);

    // The token reached the MCP server, on every MCP request it let in.
    const bearer = `Bearer ${provider.savedTokens.access_token}`;
    const authorizedPosts = server.requests.filter((r) => r.method === 'POST' && r.path === '/mcp' && r.headers.authorization === bearer);
    assert.ok(authorizedPosts.length >= 3, `initialize, tools/list and tools/call carried the token (${authorizedPosts.length})`);
    assert.ok(server.authorized.every((a) => a.clientId === provider.client!.client_id));
    assert.deepEqual(t.relay.violations(), [], 'the engine kept the contract, oauth_discovery_response included');
  });

  it('answers a call without a token with the server 401 and a challenge pointing at the front door', async () => {
    const res = await fetch(t.info.mcpUrl, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(INITIALIZE) });
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer error="invalid_token", error_description="Missing Authorization header"/, 'the server challenge, kept');
    assert.ok(challenge.endsWith(`resource_metadata="${frontDoorMetadataUrl()}"`), challenge);
    assert.doesNotMatch(challenge, new RegExp(new URL(server.mcpUrl).host), 'the private server is not named');
  });

  it('serves the server protected-resource metadata with the front-door URL as resource', async () => {
    const res = await fetch(frontDoorMetadataUrl());
    assert.equal(res.status, 200);
    const direct = (await (await fetch(server.metadataUrl)).json()) as Record<string, unknown>;
    assert.deepEqual(await res.json(), { ...direct, resource: t.info.mcpUrl });
    assert.deepEqual(direct.authorization_servers, [server.issuerUrl]);
  });

  it('never forwards the front-door token to the MCP server, in the path or as a header', async () => {
    const provider = new MemoryOAuthProvider();
    const client = await connectWithOAuth(provider);
    await client.listTools();
    // A client that also sends the front-door token as its Authorization: consumed at the front door.
    const legacy = await fetch(t.info.mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, Authorization: `Bearer ${t.info.frontDoorToken}` }, body: JSON.stringify(INITIALIZE) });
    assert.equal(legacy.status, 401, 'no token reached the server, which asks for one');
    assert.ok(server.requests.length > 0);
    const token = t.info.frontDoorToken!;
    for (const r of server.requests) assert.ok(!JSON.stringify(r).includes(token), `${r.method} ${r.path} carries no front-door token`);
    for (const r of t.relay.responseLog()) assert.ok(!r.body.toString().includes(token), 'no answer mentions it either');
  });

  it('refuses a wrong or missing front-door token on the MCP URL and the metadata URLs, queueing nothing', async () => {
    const queued = t.relay.stats().commandsQueued;
    const bare = new URL(t.info.mcpUrlWithoutToken).pathname;
    const refused = [
      fetch(`${t.info.mcpUrlWithoutToken}/not-the-token`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(INITIALIZE) }),
      fetch(t.info.mcpUrlWithoutToken, { method: 'POST', headers: { ...JSON_HEADERS, Authorization: 'Bearer some-oauth-token' }, body: JSON.stringify(INITIALIZE) }),
      fetch(`${t.info.url}/.well-known/oauth-protected-resource${bare}/not-the-token`),
      fetch(`${t.info.url}/.well-known/oauth-protected-resource${bare}`),
      fetch(`${t.info.url}/.well-known/oauth-protected-resource`),
    ];
    for (const res of await Promise.all(refused)) {
      assert.equal(res.status, 401, res.url);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_front_door_token');
    }
    assert.equal(t.relay.stats().commandsQueued, queued);
  });

  it('works the same with front-door auth none, the client Authorization header going to the server', async () => {
    await t.stop();
    t = await startTestTunnel({ target: httpTarget(server.mcpUrl), relay: { frontDoorAuth: 'none', commandTimeoutMs: 15_000 } });
    assert.equal(t.info.mcpUrl, t.info.mcpUrlWithoutToken);
    const provider = new MemoryOAuthProvider();
    const client = await connectWithOAuth(provider);
    assert.equal(textOf(await client.callTool({ name: 'whoami', arguments: {} })), provider.client!.client_id);
  });
});
