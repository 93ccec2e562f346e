import { defaultHarpoonConfig } from '../../../src/engine/harpoon/config';
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { loadProfile } from '../../../src/profiles/load';
import { controlPlaneUrl, resolveProfile } from '../../../src/profiles/resolve';
import type { HttpTarget, StdioTarget } from '../../../src/engine/config';
import { TunnelProfileSchema, type TunnelProfileInput } from '../../../src/profiles/schema';
import { API_KEY, referenceYaml, TEST_CERT_PEM, TEST_KEY_PEM, TUNNEL_ID, writeFile, failure, tempDirPerTest } from './support';

type ProfileOverrides = Omit<Partial<TunnelProfileInput>, 'controlPlane'> & { controlPlane?: Partial<TunnelProfileInput['controlPlane']> };

function profileOf(input: ProfileOverrides) {
  return TunnelProfileSchema.parse({
    name: 'dev',
    mcp: { servers: [{ command: 'node server.js' }] },
    ...input,
    controlPlane: { tunnelId: TUNNEL_ID, apiKey: 'env:KEY', ...input.controlPlane },
  });
}

describe('resolving a profile into the engine config', () => {
  let dir: string;
  tempDirPerTest((d) => (dir = d));

  it('resolves the reference profile: key, PEM files, duration, proxies and targets', async () => {
    const files = {
      cert: await writeFile(dir, 'cert.pem', TEST_CERT_PEM),
      key: await writeFile(dir, 'key.pem', TEST_KEY_PEM),
      ca: await writeFile(dir, 'ca.pem', TEST_CERT_PEM),
      mcpCert: await writeFile(dir, 'mcp-cert.pem', TEST_CERT_PEM),
      mcpKey: await writeFile(dir, 'mcp-key.pem', TEST_KEY_PEM),
      urlFile: path.join(dir, 'health.url'),
    };
    const env = { CONTROL_PLANE_API_KEY: API_KEY, HTTPS_PROXY: 'http://proxy.corp:3128' };
    const loaded = await loadProfile({ profileFile: await writeFile(dir, 'prod.yaml', referenceYaml(files)), env });
    const warnings: string[] = [];
    const config = await resolveProfile(loaded.profile, { env, warnings, describeField: loaded.describeField });
    assert.deepEqual(warnings, []);
    assert.deepEqual(config, {
      controlPlane: {
        // a client certificate moves the hosted default to the mTLS host
        baseUrl: 'https://mtls.api.openai.com',
        tunnelId: TUNNEL_ID,
        apiKey: API_KEY,
        extraHeaders: {},
        tls: { cert: TEST_CERT_PEM, key: TEST_KEY_PEM, ca: TEST_CERT_PEM },
        proxy: 'http://proxy.corp:3128',
        pollTimeoutMs: 30_000,
        maxInflightRequests: 20,
      },
      mcp: {
        targets: [
          {
            kind: 'stdio',
            channel: 'local',
            argv: ['python', '/srv/server.py'],
            env: {},
            maxMessageBytes: 10 * 1024 * 1024,
            // one child for every session unless the profile says per_session
            sessions: { mode: 'shared', maxSessions: 8, idleTimeoutMs: 600_000 },
          },
          {
            kind: 'http',
            channel: 'main',
            url: 'https://mcp.internal/mcp',
            headers: {},
            // the top-level CA bundle also applies to the MCP hop
            tls: { cert: TEST_CERT_PEM, key: TEST_KEY_PEM, ca: TEST_CERT_PEM },
            // so does the top-level http_proxy, as in the reference daemon
            proxy: 'http://proxy.corp:3128',
          },
        ],
        maxConcurrentRequests: 10,
        startupWaitMs: 0,
        connectionMaxTtlMs: 600_000,
      },
      health: { listenAddr: '127.0.0.1:8080', urlFile: files.urlFile, setting: 'health.listen_addr' },
      log: { level: 'info' },
      trace: { capturePayloads: false, maxEntries: 1000 },
      harpoon: defaultHarpoonConfig(),
    });
  });

  it('reads the startup wait and the connection TTL from the reference daemon’s YAML keys, with its env vars winning', async () => {
    const yaml = `config_version: 1
control_plane:
  tunnel_id: ${TUNNEL_ID}
mcp:
  startup_wait_timeout: 60s
  connection_max_ttl: 2m
  server_urls:
    - channel: main
      url: http://127.0.0.1:3001/mcp
`;
    const file = await writeFile(dir, 'sidecar.yaml', yaml);
    const fromYaml = await loadProfile({ profileFile: file, env: { CONTROL_PLANE_API_KEY: API_KEY } });
    const config = await resolveProfile(fromYaml.profile, { env: { CONTROL_PLANE_API_KEY: API_KEY } });
    assert.equal(config.mcp.startupWaitMs, 60_000);
    assert.equal(config.mcp.connectionMaxTtlMs, 120_000);
    const env = { CONTROL_PLANE_API_KEY: API_KEY, MCP_STARTUP_WAIT_TIMEOUT: '1500ms', MCP_CONNECTION_MAX_TTL: '30s' };
    const fromEnv = await loadProfile({ profileFile: file, env });
    const overridden = await resolveProfile(fromEnv.profile, { env });
    assert.equal(overridden.mcp.startupWaitMs, 1500);
    assert.equal(overridden.mcp.connectionMaxTtlMs, 30_000);
  });

  it('refuses a zero connection TTL and a startup wait that is not a duration, naming the variable', async () => {
    const ttl = await failure(loadProfile({ env: { CONTROL_PLANE_API_KEY: API_KEY, CONTROL_PLANE_TUNNEL_ID: TUNNEL_ID, MCP_COMMAND: 'node s.js', MCP_CONNECTION_MAX_TTL: '0s' } }));
    assert.equal(ttl.field, 'MCP_CONNECTION_MAX_TTL');
    assert.match(ttl.problem, /must be longer than 0/);
    const wait = await failure(loadProfile({ env: { CONTROL_PLANE_API_KEY: API_KEY, CONTROL_PLANE_TUNNEL_ID: TUNNEL_ID, MCP_COMMAND: 'node s.js', MCP_STARTUP_WAIT_TIMEOUT: 'soon' } }));
    assert.equal(wait.field, 'MCP_STARTUP_WAIT_TIMEOUT');
    assert.match(wait.problem, /must be a duration such as 30s, 1m30s or 1.5s/);
  });

  it('routes a hop with no proxy of its own through HTTPS_PROXY / HTTP_PROXY, never a loopback host, and a configured proxy wins', async () => {
    const env = { KEY: API_KEY, HTTPS_PROXY: 'http://proxy.corp:3128', http_proxy: 'http://plain.corp:3128', NO_PROXY: '.internal' };
    const hosted = await resolveProfile(profileOf({ mcp: { servers: [{ url: 'https://mcp.partner.example/mcp' }, { channel: 'local', url: 'http://127.0.0.1:3000/mcp' }] } }), { env });
    const expected = { httpProxy: 'http://plain.corp:3128', httpsProxy: 'http://proxy.corp:3128', noProxy: '.internal' };
    assert.deepEqual(hosted.controlPlane.envProxy, expected);
    const [remote, local] = hosted.mcp.targets as HttpTarget[];
    assert.deepEqual(remote!.envProxy, expected);
    assert.equal(local!.envProxy, undefined, 'a loopback MCP server is reached directly');
    const relay = await resolveProfile(profileOf({ controlPlane: { baseUrl: 'http://127.0.0.1:4000' } }), { env });
    assert.equal(relay.controlPlane.envProxy, undefined, 'a relay on this machine is reached directly');
    const configured = await resolveProfile(profileOf({ httpProxy: 'http://explicit.corp:8080' }), { env });
    assert.equal(configured.controlPlane.proxy, 'http://explicit.corp:8080');
    assert.equal(configured.controlPlane.envProxy, undefined);
    const none = await resolveProfile(profileOf({}), { env: { KEY: API_KEY, NO_PROXY: '*' } });
    assert.equal(none.controlPlane.envProxy, undefined);
  });

  it('passes poll_channels and the poll deadline guardrail (a Go duration) to the engine', async () => {
    const config = await resolveProfile(profileOf({ controlPlane: { pollDeadlineGuardrail: '2.5s', pollChannels: ['main'] } }), { env: { KEY: API_KEY } });
    assert.equal(config.controlPlane.pollDeadlineGuardrailMs, 2500);
    assert.deepEqual(config.controlPlane.pollChannels, ['main']);
    const plain = await resolveProfile(profileOf({}), { env: { KEY: API_KEY } });
    assert.equal(plain.controlPlane.pollDeadlineGuardrailMs, undefined);
    assert.equal(plain.controlPlane.pollChannels, undefined);
  });

  it('joins the host root and path prefix, and keeps a custom base URL under mTLS', () => {
    const cp = profileOf({ controlPlane: { baseUrl: 'https://gw.example.com/', urlPath: '/openai/' } }).controlPlane;
    assert.equal(controlPlaneUrl(cp), 'https://gw.example.com/openai');
    assert.equal(controlPlaneUrl({ ...cp, urlPath: '' }), 'https://gw.example.com');
    assert.equal(controlPlaneUrl({ ...cp, clientCert: '/c.pem' }), 'https://gw.example.com/openai');
    assert.equal(controlPlaneUrl({ ...cp, baseUrl: 'https://api.openai.com', urlPath: undefined }), 'https://api.openai.com');
  });

  it('splits the command without a shell and appends args', async () => {
    const profile = profileOf({ mcp: { servers: [{ command: `python "/srv/my server.py" --flag 'a b'`, args: ['--x', '$HOME; rm -rf /'], cwd: '~/srv', env: { PORT: '1' } }] } });
    const config = await resolveProfile(profile, { env: { KEY: API_KEY }, homedir: '/home/dev' });
    assert.deepEqual(config.mcp.targets[0], {
      kind: 'stdio',
      maxMessageBytes: 10 * 1024 * 1024,
      channel: 'main',
      argv: ['python', '/srv/my server.py', '--flag', 'a b', '--x', '$HOME; rm -rf /'],
      cwd: '/home/dev/srv',
      env: { PORT: '1' },
      sessions: { mode: 'shared', maxSessions: 8, idleTimeoutMs: 600_000 },
    });
  });

  it('reads how sessions share a stdio server, and refuses session keys on a url server', async () => {
    const servers = [
      { command: 'node a.js' },
      { channel: 'b', command: 'node b.js', sessionMode: 'per_session' as const, maxSessions: 3, sessionIdleTimeout: '90s' },
    ];
    const config = await resolveProfile(profileOf({ mcp: { servers } }), { env: { KEY: API_KEY } });
    const [a, b] = config.mcp.targets as StdioTarget[];
    assert.deepEqual(a!.sessions, { mode: 'shared', maxSessions: 8, idleTimeoutMs: 600_000 });
    assert.deepEqual(b!.sessions, { mode: 'per_session', maxSessions: 3, idleTimeoutMs: 90_000 });
    assert.throws(() => profileOf({ mcp: { servers: [{ url: 'https://mcp.internal/mcp', sessionMode: 'per_session' }] } }), /only applies to a command server/);
    assert.throws(() => profileOf({ mcp: { servers: [{ command: 'node a.js', sessionMode: 'each' as 'shared' }] } }), /sessionMode/);
  });

  it('names the command field when its quoting is broken', async () => {
    const error = await failure(resolveProfile(profileOf({ mcp: { servers: [{ command: `node 'unterminated` }] } }), { env: { KEY: API_KEY } }));
    assert.equal(error.field, 'mcp.servers[0].command');
    assert.match(error.problem, /unterminated single quote/);
  });

  it('resolves references in header values and merges MCP-wide headers under per-server ones', async () => {
    const profile = profileOf({
      controlPlane: { extraHeaders: { 'X-Team': 'env:TEAM' } },
      mcp: {
        servers: [{ url: 'https://mcp.internal/mcp', headers: { Authorization: 'env:MCP_TOKEN' } }],
        extraHeaders: { 'X-Env': 'staging', authorization: 'overridden' },
        proxy: 'env:MCP_PROXY',
      },
    });
    const warnings: string[] = [];
    const config = await resolveProfile(profile, { env: { KEY: API_KEY, TEAM: 'blue', MCP_TOKEN: 'Bearer t0k3n' }, warnings });
    assert.deepEqual(config.controlPlane.extraHeaders, { 'X-Team': 'blue' });
    const target = config.mcp.targets[0];
    assert.equal(target.kind, 'http');
    assert.deepEqual(target.kind === 'http' && target.headers, { 'X-Env': 'staging', Authorization: 'Bearer t0k3n' });
    assert.equal(target.kind === 'http' && target.proxy, undefined);
    assert.match(warnings.join('\n'), /MCP_PROXY is not set, so this hop connects directly/);
  });

  it('turns the health server off for an empty address and converts durations to ms', async () => {
    const config = await resolveProfile(profileOf({ health: { listenAddr: '' }, controlPlane: { pollTimeout: '4500ms' } }), { env: { KEY: API_KEY } });
    assert.equal(config.health, undefined);
    assert.equal(config.controlPlane.pollTimeoutMs, 4500);
  });

  it('polls with a given key (a loopback relay) without reading the profile key or the secret store', async () => {
    const read: string[] = [];
    const config = await resolveProfile(profileOf({ controlPlane: { apiKey: undefined } }), {
      env: {},
      secretStore: { get: (key) => (read.push(key), undefined) },
      apiKey: 'relay-generated-key-0123456789',
    });
    assert.equal(config.controlPlane.apiKey, 'relay-generated-key-0123456789');
    assert.deepEqual(read, []);
  });

  it('refuses an admin key without showing it', async () => {
    const admin = 'sk-admin-0123456789abcdefghijkl';
    const error = await failure(resolveProfile(profileOf({}), { env: { KEY: admin } }));
    assert.equal(error.field, 'controlPlane.apiKey');
    assert.match(error.problem, /admin key/);
    assert.match(error.fix, /Tunnels Read \+ Use/);
    assert.doesNotMatch(error.message, /sk-admin-0123/);
  });

  it('says how to provide a missing key', async () => {
    const unset = await failure(resolveProfile(profileOf({}), { env: {} }));
    assert.equal(unset.fix, "Export KEY, or run 'MCP Tunnel: Set API Key…' in VS Code");
    const none = await failure(resolveProfile(profileOf({ controlPlane: { apiKey: undefined } }), { env: {} }));
    assert.match(none.fix, /CONTROL_PLANE_API_KEY/);
  });

  it('reports unreadable and non-PEM TLS files by field', async () => {
    const notPem = await writeFile(dir, 'cert.txt', 'hello');
    const error = await failure(
      resolveProfile(profileOf({ controlPlane: { clientCert: notPem, clientKey: path.join(dir, 'absent.pem') } }), { env: { KEY: API_KEY } }),
    );
    assert.equal(error.field, 'controlPlane.clientCert');
    assert.match(error.problem, /is not a PEM file/);
    const missing = await failure(
      resolveProfile(profileOf({ controlPlane: { clientCert: await writeFile(dir, 'c.pem', TEST_CERT_PEM), clientKey: path.join(dir, 'absent.pem') } }), {
        env: { KEY: API_KEY },
      }),
    );
    assert.equal(missing.field, 'controlPlane.clientKey');
    assert.match(missing.problem, /ENOENT/);
  });

  it('warns when a private key file can be read by others', async function () {
    if (process.platform === 'win32') this.skip();
    const profile = profileOf({
      controlPlane: { clientCert: await writeFile(dir, 'c.pem', TEST_CERT_PEM), clientKey: await writeFile(dir, 'k.pem', TEST_KEY_PEM, 0o640) },
    });
    const warnings: string[] = [];
    await resolveProfile(profile, { env: { KEY: API_KEY }, warnings });
    assert.match(warnings.join('\n'), /controlPlane\.clientKey: .*k\.pem can be read by other users \(mode 640\)/);
  });
});
