import { strict as assert } from 'node:assert';
import { readEnvProfile } from '../../../src/profiles/env';
import { loadProfile } from '../../../src/profiles/load';
import { API_KEY, TUNNEL_ID, thrown } from './support';

describe('env contract', () => {
  it('reads every documented variable into the profile shape', () => {
    const { data } = readEnvProfile({
      CONTROL_PLANE_BASE_URL: 'https://gw.example.com',
      CONTROL_PLANE_URL_PATH: '/tunnels',
      CONTROL_PLANE_TUNNEL_ID: TUNNEL_ID,
      CONTROL_PLANE_API_KEY: API_KEY,
      CONTROL_PLANE_CLIENT_CERT: '/c.pem',
      CONTROL_PLANE_CLIENT_KEY: '/k.pem',
      CONTROL_PLANE_MAX_INFLIGHT_REQUESTS: '50',
      CONTROL_PLANE_POLL_TIMEOUT: '10s',
      MCP_SERVER_URL: 'https://mcp.internal/mcp',
      MCP_CLIENT_CERT: '/mc.pem',
      MCP_CLIENT_KEY: '/mk.pem',
      MCP_MAX_CONCURRENT_REQUESTS: '4',
      CA_BUNDLE: '/ca.pem',
      HEALTH_LISTEN_ADDR: '0.0.0.0:9090',
      HEALTH_URL_FILE: '/run/h.url',
      LOG_LEVEL: 'DEBUG',
    });
    assert.deepEqual(data, {
      controlPlane: {
        baseUrl: 'https://gw.example.com',
        urlPath: '/tunnels',
        tunnelId: TUNNEL_ID,
        apiKey: 'env:CONTROL_PLANE_API_KEY',
        clientCert: '/c.pem',
        clientKey: '/k.pem',
        maxInflightRequests: 50,
        pollTimeout: '10s',
      },
      mcp: {
        // MCP_CLIENT_CERT / _KEY are the default certificate of every HTTP server, as in the reference daemon
        clientCert: '/mc.pem',
        clientKey: '/mk.pem',
        servers: [{ channel: 'main', url: 'https://mcp.internal/mcp' }],
        maxConcurrentRequests: 4,
      },
      caBundle: '/ca.pem',
      health: { listenAddr: '0.0.0.0:9090', urlFile: '/run/h.url' },
      log: { level: 'debug' },
    });
  });

  it('stores a reference to the API key variable, never its value', () => {
    const layer = readEnvProfile({ CONTROL_PLANE_API_KEY: API_KEY, OPENAI_API_KEY: 'sk-other-0123456789' });
    assert.equal((layer.data.controlPlane as Record<string, unknown>).apiKey, 'env:CONTROL_PLANE_API_KEY');
    assert.deepEqual(layer.fallback, {});
    assert.doesNotMatch(JSON.stringify(layer), /sk-/);
  });

  it('keeps a reference that the variable itself holds', () => {
    const layer = readEnvProfile({ CONTROL_PLANE_API_KEY: 'file:/run/secrets/tunnel-key' });
    assert.equal((layer.data.controlPlane as Record<string, unknown>).apiKey, 'file:/run/secrets/tunnel-key');
  });

  it('offers OPENAI_API_KEY only as a lowest-precedence fallback', () => {
    const layer = readEnvProfile({ OPENAI_API_KEY: API_KEY });
    assert.equal(layer.data.controlPlane, undefined);
    assert.deepEqual(layer.fallback, { controlPlane: { apiKey: 'env:OPENAI_API_KEY' } });
    assert.equal(layer.name(['controlPlane', 'apiKey']), 'OPENAI_API_KEY');
  });

  it('treats empty variables as unset', () => {
    assert.deepEqual(readEnvProfile({ CONTROL_PLANE_TUNNEL_ID: '', MCP_COMMAND: '', LOG_LEVEL: '' }).data, {});
  });

  it('names the variable holding a bad number', () => {
    const error = thrown(() => readEnvProfile({ CONTROL_PLANE_MAX_INFLIGHT_REQUESTS: 'lots' }));
    assert.equal(error.field, 'CONTROL_PLANE_MAX_INFLIGHT_REQUESTS');
    assert.match(error.fix, /between 1 and 10000/);
    assert.equal(thrown(() => readEnvProfile({ MCP_MAX_CONCURRENT_REQUESTS: '2.5' })).field, 'MCP_MAX_CONCURRENT_REQUESTS');
  });

  it('takes MCP_COMMAND together with MCP_SERVER_URL on different channels, and names a clash by its variable', async () => {
    const layer = readEnvProfile({ MCP_COMMAND: 'channel=tools,command=node s.js', MCP_SERVER_URL: 'https://x/mcp' });
    assert.deepEqual((layer.data.mcp as { servers: unknown[] }).servers, [
      { channel: 'tools', command: 'node s.js' },
      { channel: 'main', url: 'https://x/mcp' },
    ]);
    const clash = await loadProfile({ env: { CONTROL_PLANE_TUNNEL_ID: TUNNEL_ID, MCP_COMMAND: 'node s.js', MCP_SERVER_URL: 'https://x/mcp' } }).then(
      () => assert.fail('expected a ConfigError'),
      (err: Error) => err,
    );
    assert.match(clash.message, /MCP_SERVER_URL: is already the channel of server 1/);
  });

  it('names profile paths as the variables that set them', () => {
    const layer = readEnvProfile({ MCP_COMMAND: 'node s.js' });
    assert.equal(layer.name(['mcp', 'servers', 0, 'command']), 'MCP_COMMAND');
    assert.equal(layer.name(['mcp', 'servers', 0]), 'MCP_COMMAND');
    assert.equal(layer.name(['controlPlane', 'pollTimeout']), 'CONTROL_PLANE_POLL_TIMEOUT');
  });
});
