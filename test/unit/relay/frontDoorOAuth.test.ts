import { strict as assert } from 'node:assert';
import { Relay, type RelayOptions, type RelayStartInfo } from '../../../src/relay/relay';
import { HandTunnel, rawRequest, type Polled } from '../../helpers/handTunnel';

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const LIST = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
const PRIVATE_METADATA = {
  resource: 'http://mcp.internal:3000/mcp',
  authorization_servers: ['http://127.0.0.1:9999/'],
  scopes_supported: ['mcp:tools'],
  resource_name: 'private server',
};
const UPSTREAM_CHALLENGE = 'Bearer error="invalid_token", error_description="Missing Authorization header", scope="mcp:tools", resource_metadata="http://mcp.internal:3000/.well-known/oauth-protected-resource/mcp"';
const UNAUTHORIZED = { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Unauthorized' } };

describe('relay front door: OAuth-protected MCP servers', () => {
  let relay: Relay;
  let info: RelayStartInfo;
  let tunnel: HandTunnel;

  async function startRelay(options: Partial<RelayOptions> = {}): Promise<void> {
    relay = new Relay({ frontDoorAuth: 'bearer', commandTimeoutMs: 5000, ...options });
    info = await relay.start();
    tunnel = new HandTunnel(info);
  }

  const post = (url: string, headers: Record<string, string> = {}): Promise<Response> => fetch(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(LIST) });
  const wellKnown = (path: string): string => `${info.url}/.well-known/oauth-protected-resource${path}`;
  /** The front-door metadata URL of the printed mcp_url. */
  const metadataUrl = (): string => wellKnown(new URL(info.mcpUrl).pathname);

  async function answerDiscovery(cmd: Polled, status: number, json: unknown): Promise<void> {
    assert.equal(await tunnel.post(cmd, { resp_json: json, resp_headers: { 'Content-Type': ['application/json'] }, resp_code: status, resp_type: 'oauth_discovery_response' }), 200);
  }

  afterEach(async () => {
    await relay?.close();
  });

  describe('the front-door token in the path', () => {
    it('lets a request in by the token in mcp_url alone and forwards the client Authorization header to the MCP server', async () => {
      await startRelay();
      assert.match(info.mcpUrl, /\/v1\/mcp\/tunnel_[a-z0-9]{32}\/relay-mcp-[\w-]+$/);
      const pending = post(info.mcpUrl, { Authorization: 'Bearer oauth-access-token' });
      const cmd = await tunnel.next();
      assert.deepEqual(cmd.headers.Authorization, ['Bearer oauth-access-token']);
      assert.ok(!JSON.stringify(cmd).includes(info.frontDoorToken!), 'the front-door token is not on the command');
      await tunnel.result(cmd, { tools: [] });
      assert.equal((await pending).status, 200);

      const bare = post(info.mcpUrl);
      const second = await tunnel.next();
      assert.equal(second.headers.Authorization, undefined);
      await tunnel.result(second, { tools: [] });
      assert.equal((await bare).status, 200);
    });

    it('refuses a wrong or missing token in the path with 401, whatever the Authorization header says, and queues nothing', async () => {
      await startRelay();
      const right = `Bearer ${info.frontDoorToken}`;
      const cases: [string, Record<string, string>][] = [
        [`${info.mcpUrlWithoutToken}/wrong-token`, {}],
        [`${info.mcpUrlWithoutToken}/wrong-token`, { Authorization: right }],
        [`${info.mcpUrlWithoutToken}/${info.frontDoorToken}x`, {}],
        [`${info.mcpUrlWithoutToken}/`, {}],
        [info.mcpUrlWithoutToken, { Authorization: 'Bearer oauth-access-token' }],
      ];
      for (const [url, headers] of cases) {
        const res = await post(url, headers);
        assert.equal(res.status, 401, `${url} ${JSON.stringify(headers)}`);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_front_door_token');
      }
      assert.equal((await post(`${info.mcpUrl}/more`, { Authorization: right })).status, 404, 'no deeper paths');
      assert.equal(relay.stats().commandsQueued, 0);
    });

    it('has no path form without front-door auth: the URL is the bare one and a token segment is 404', async () => {
      await startRelay({ frontDoorAuth: 'none' });
      assert.equal(info.mcpUrl, info.mcpUrlWithoutToken);
      assert.equal((await post(`${info.mcpUrl}/anything`)).status, 404);
      assert.equal(relay.stats().commandsQueued, 0);
    });
  });

  describe('challenges from the MCP server', () => {
    it('relays a 401 with the challenge kept and resource_metadata pointing at the front door', async () => {
      await startRelay();
      const pending = post(info.mcpUrl);
      const cmd = await tunnel.next();
      await tunnel.post(cmd, { resp_json: UNAUTHORIZED, resp_headers: { 'Content-Type': ['application/json'], 'WWW-Authenticate': [UPSTREAM_CHALLENGE] }, resp_code: 401, resp_type: 'jsonrpc_response' });
      const res = await pending;
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), UNAUTHORIZED);
      assert.equal(
        res.headers.get('www-authenticate'),
        `Bearer error="invalid_token", error_description="Missing Authorization header", scope="mcp:tools", resource_metadata="${metadataUrl()}"`,
      );
      assert.match(metadataUrl(), new RegExp(`^${info.url}/\\.well-known/oauth-protected-resource/v1/mcp/${info.tunnelId}/${info.frontDoorToken}$`));
    });

    it('builds the metadata URL from the Host the client used, and rewrites a 403 insufficient_scope challenge too', async () => {
      await startRelay();
      const port = new URL(info.url).port;
      const pending = rawRequest(info.mcpUrl, { headers: { ...JSON_HEADERS, Host: `localhost:${port}` }, body: JSON.stringify(LIST) });
      const cmd = await tunnel.next();
      const challenge = 'Bearer error="insufficient_scope", scope="mcp:admin", resource_metadata=http://mcp.internal:3000/.well-known/oauth-protected-resource/mcp';
      await tunnel.post(cmd, { resp_json: UNAUTHORIZED, resp_headers: { 'WWW-Authenticate': [challenge] }, resp_code: 403, resp_type: 'jsonrpc_response' });
      const res = await pending;
      assert.equal(res.status, 403);
      const path = new URL(info.mcpUrl).pathname;
      assert.equal(res.headers['www-authenticate'], `Bearer error="insufficient_scope", scope="mcp:admin", resource_metadata="http://localhost:${port}/.well-known/oauth-protected-resource${path}"`);
    });

    it('relays a 401 to a notification (202 path) with the rewritten challenge', async () => {
      await startRelay();
      const pending = fetch(info.mcpUrl, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
      const cmd = await tunnel.next();
      await tunnel.post(cmd, { resp_headers: { 'WWW-Authenticate': [UPSTREAM_CHALLENGE] }, resp_code: 401, resp_type: 'notify_ack' });
      const res = await pending;
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', new RegExp(`resource_metadata="${metadataUrl().replace(/[.]/g, '\\.')}"$`));
    });
  });

  describe('protected-resource metadata', () => {
    it('serves the MCP server metadata through an oauth_discovery command, resource rewritten to the front-door URL', async () => {
      await startRelay();
      const pending = fetch(metadataUrl(), { headers: { 'MCP-Protocol-Version': '2025-06-18' } });
      const cmd = await tunnel.next();
      assert.equal(cmd.command_type, 'oauth_discovery');
      assert.equal(cmd.channel, 'main');
      assert.deepEqual(cmd.headers, {});
      assert.equal('jsonrpc' in cmd, false);
      await answerDiscovery(cmd, 200, PRIVATE_METADATA);
      const res = await pending;
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(await res.json(), { ...PRIVATE_METADATA, resource: info.mcpUrl });
      // The hand tunnel sends no client headers; the response itself keeps the contract.
      assert.deepEqual(relay.violations().filter((v) => v.kind !== 'missing_client_header'), []);
      assert.equal(relay.stats().frontDoor.oauthDiscoveries, 1);
    });

    it('passes the upstream status and error body through', async () => {
      await startRelay();
      const pending = fetch(metadataUrl());
      const cmd = await tunnel.next();
      const error = { error: { message: 'the MCP server has no protected-resource metadata (HTTP 404)', type: 'invalid_request_error', code: 'oauth_metadata_not_found' } };
      await answerDiscovery(cmd, 404, error);
      const res = await pending;
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), error);
    });

    it('refuses a wrong or missing front-door token on the metadata routes and queues nothing', async () => {
      await startRelay();
      const bare = new URL(info.mcpUrlWithoutToken).pathname;
      for (const url of [wellKnown(bare), wellKnown(`${bare}/wrong-token`), wellKnown(''), `${metadataUrl()}x`]) {
        const res = await fetch(url);
        assert.equal(res.status, 401, url);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_front_door_token');
      }
      const wrongHeader = await fetch(wellKnown(bare), { headers: { Authorization: 'Bearer nope' } });
      assert.equal(wrongHeader.status, 401);
      assert.equal((await fetch(wellKnown('/somewhere/else'), { headers: { Authorization: `Bearer ${info.frontDoorToken}` } })).status, 404);
      assert.equal(relay.stats().commandsQueued, 0);
    });

    it('serves the root and bare-path documents to a client with the Bearer front-door token, resource the bare URL', async () => {
      await startRelay();
      for (const url of [wellKnown(''), wellKnown(new URL(info.mcpUrlWithoutToken).pathname)]) {
        const pending = fetch(url, { headers: { Authorization: `Bearer ${info.frontDoorToken}` } });
        await answerDiscovery(await tunnel.next(), 200, PRIVATE_METADATA);
        const res = await pending;
        assert.equal(res.status, 200, url);
        assert.equal(((await res.json()) as { resource: string }).resource, info.mcpUrlWithoutToken);
      }
    });

    it('serves the documents without front-door auth, and 404 for a token path', async () => {
      await startRelay({ frontDoorAuth: 'none' });
      const pending = fetch(wellKnown(new URL(info.mcpUrl).pathname));
      await answerDiscovery(await tunnel.next(), 200, PRIVATE_METADATA);
      assert.equal(((await (await pending).json()) as { resource: string }).resource, info.mcpUrl);
      assert.equal((await fetch(wellKnown(`${new URL(info.mcpUrl).pathname}/token`))).status, 404);
    });

    it('checks Host and Origin, answers preflights, and allows only GET', async () => {
      await startRelay();
      const port = new URL(info.url).port;
      const evilHost = await rawRequest(metadataUrl(), { method: 'GET', headers: { Host: `evil.example:${port}` } });
      assert.equal(evilHost.status, 403);
      const evilOrigin = await fetch(metadataUrl(), { headers: { Origin: 'https://evil.example' } });
      assert.equal(evilOrigin.status, 403);
      const preflight = await fetch(metadataUrl(), { method: 'OPTIONS', headers: { Origin: 'http://localhost:6274', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'mcp-protocol-version' } });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:6274');
      assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, OPTIONS');
      const posted = await fetch(metadataUrl(), { method: 'POST', body: '{}' });
      assert.equal(posted.status, 405);
      assert.equal(posted.headers.get('allow'), 'GET, OPTIONS');
      assert.equal(relay.stats().commandsQueued, 0);
    });

    it('answers a loopback Origin with CORS headers', async () => {
      await startRelay();
      const pending = fetch(metadataUrl(), { headers: { Origin: 'http://127.0.0.1:6274' } });
      await answerDiscovery(await tunnel.next(), 200, PRIVATE_METADATA);
      const res = await pending;
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), 'http://127.0.0.1:6274');
    });

    it('times out like other front-door requests: 504 with advice, the command dropped', async () => {
      await startRelay({ commandTimeoutMs: 200 });
      const res = await fetch(metadataUrl());
      assert.equal(res.status, 504);
      const body = (await res.json()) as { error: { message: string; code: string } };
      assert.equal(body.error.code, 'tunnel_client_not_connected');
      assert.match(body.error.message, /did not answer within 0\.2s/);
      assert.equal(relay.stats().pendingCommands, 0);
    });

    it('answers 502 for a discovery answer without a document', async () => {
      await startRelay();
      const pending = fetch(metadataUrl());
      await answerDiscovery(await tunnel.next(), 200, null);
      assert.equal((await pending).status, 502);
    });
  });
});
