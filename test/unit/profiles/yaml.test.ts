import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { ConfigError } from '../../../src/profiles/errors';
import { loadProfile } from '../../../src/profiles/load';
import { findProfileFile, parseYamlProfile, profileDirectory, readYamlProfile } from '../../../src/profiles/yaml';
import { referenceYaml, thrown, TUNNEL_ID, writeFile, tempDirPerTest } from './support';

function rejects(text: string): ConfigError {
  return thrown(() => parseYamlProfile(text, '/etc/tunnel/prod.yaml'));
}

const MINIMAL = `config_version: 1
control_plane:
  tunnel_id: ${TUNNEL_ID}
mcp:
  commands:
    - command: node server.js
`;

describe('reference-daemon YAML profiles', () => {
  let dir: string;
  tempDirPerTest((d) => (dir = d));

  it('reads session_mode, max_sessions and session_idle_timeout of a command', async () => {
    const file = await writeFile(
      dir,
      'sessions.yaml',
      `${MINIMAL}      session_mode: shared\n    - command: node other.js\n      channel: other\n      max_sessions: 2\n      session_idle_timeout: 1m30s\n`,
    );
    const { profile } = await loadProfile({ profileFile: file, env: {} });
    const [main, other] = profile.mcp.servers;
    assert.equal(main!.sessionMode, 'shared');
    assert.equal(other!.maxSessions, 2);
    assert.equal(other!.sessionIdleTimeout, '1m30s');
    const bad = await writeFile(dir, 'bad.yaml', `${MINIMAL}      session_mode: sometimes\n`);
    await assert.rejects(loadProfile({ profileFile: bad, env: {} }), /mcp\.commands\[0\]\.session_mode/);
  });

  it('loads the documented reference profile into the profile schema', async () => {
    const files = {
      cert: '/etc/tunnel/cert.pem',
      key: '/etc/tunnel/key.pem',
      ca: '/etc/tunnel/ca.pem',
      mcpCert: '/etc/tunnel/mcp-cert.pem',
      mcpKey: '/etc/tunnel/mcp-key.pem',
      urlFile: '/run/tunnel/health.url',
    };
    const file = await writeFile(dir, 'prod.yaml', referenceYaml(files));
    const { profile, warnings } = await loadProfile({ profileFile: file, env: {} });
    assert.deepEqual(warnings, []);
    assert.equal(profile.name, 'prod');
    assert.deepEqual(profile.controlPlane, {
      baseUrl: 'https://api.openai.com',
      urlPath: '',
      tunnelId: TUNNEL_ID,
      apiKey: 'env:CONTROL_PLANE_API_KEY',
      clientCert: files.cert,
      clientKey: files.key,
      maxInflightRequests: 20,
      pollTimeout: '30s',
      extraHeaders: {},
    });
    assert.equal(profile.caBundle, files.ca);
    assert.equal(profile.httpProxy, 'env:HTTPS_PROXY');
    assert.deepEqual(profile.health, { listenAddr: '127.0.0.1:8080', urlFile: files.urlFile });
    assert.deepEqual(profile.log, { level: 'info', format: 'json' });
    assert.deepEqual(profile.mcp.servers, [
      { channel: 'local', command: 'python /srv/server.py' },
      { channel: 'main', url: 'https://mcp.internal/mcp', clientCert: files.mcpCert, clientKey: files.mcpKey },
    ]);
    assert.equal(profile.mcp.maxConcurrentRequests, 10);
  });

  it('rejects an unknown key, naming it, its path and the keys allowed there', () => {
    const error = rejects(MINIMAL.replace('  tunnel_id:', '  tunel_id: x\n  tunnel_id:'));
    assert.equal(error.field, 'control_plane.tunel_id');
    assert.match(error.problem, /not a known key/);
    assert.match(error.fix, /Did you mean tunnel_id\?/);
    assert.match(error.fix, /Allowed keys in control_plane: base_url, url_path, tunnel_id, api_key, client_cert, client_key, organization_id, http_proxy, max_inflight_requests, poll_timeout, poll_deadline_guardrail, poll_channels, extra_headers/);
    assert.equal(error.source, '/etc/tunnel/prod.yaml');
  });

  it('rejects unknown keys inside list entries and at the top level', () => {
    const inList = rejects(MINIMAL.replace('    - command: node server.js', '    - command: node server.js\n      shell: true'));
    assert.equal(inList.field, 'mcp.commands[0].shell');
    assert.match(inList.fix, /Allowed keys in mcp\.commands\[0\]: channel, command, args, cwd, env/);
    const top = rejects(`${MINIMAL}metrics: true\n`);
    assert.equal(top.field, 'metrics');
    assert.match(top.fix, /Allowed keys in the top level: config_version, control_plane/);
  });

  it('explains an unsupported config_version, and reads a file without one as the reference daemon does', () => {
    assert.equal(parseYamlProfile(MINIMAL.replace('config_version: 1\n', ''), '/etc/tunnel/prod.yaml').data.controlPlane !== undefined, true);
    const wrong = rejects(MINIMAL.replace('config_version: 1', 'config_version: 2'));
    assert.match(wrong.message, /config_version: is 2, but this client reads version 1 profiles/);
    assert.match(rejects('').problem, /is empty/);
    assert.match(rejects('- a\n- b\n').problem, /not a tunnel profile/);
  });

  it('reports YAML syntax errors with their line, without quoting the file', () => {
    const error = rejects(`config_version: 1\ncontrol_plane:\n  api_key: "sk-secret-value-123\n`);
    assert.match(error.field, /^line \d+, column \d+$/);
    assert.doesNotMatch(JSON.stringify(error.all.map((e) => e.message)), /sk-secret/);
    assert.match(rejects(`config_version: 1\nlog:\n  level: info\n  level: debug\n`).problem, /unique/);
  });

  it('names a wrong value by its YAML path', async () => {
    const file = await writeFile(dir, 'p.yaml', MINIMAL.replace('  tunnel_id:', '  poll_timeout: 30\n  max_inflight_requests: 0\n  tunnel_id:'));
    const error = await loadProfile({ profileFile: file, env: {} }).then(
      () => assert.fail('expected a ConfigError'),
      (err: ConfigError) => err,
    );
    const fields = error.all.map((e) => e.field).sort();
    assert.deepEqual(fields, ['control_plane.max_inflight_requests', 'control_plane.poll_timeout']);
    const poll = error.all.find((e) => e.field === 'control_plane.poll_timeout')!;
    assert.match(poll.problem, /must be text, not a number/);
    assert.match(poll.fix, /30s/);
    assert.equal(poll.source, file);
  });

  it('names a server field by its place in commands or server_urls', async () => {
    const file = await writeFile(
      dir,
      'p.yaml',
      MINIMAL + `  server_urls:\n    - channel: docs\n      url: ftp://docs.internal/mcp\n`,
    );
    const error = await loadProfile({ profileFile: file, env: {} }).catch((err: ConfigError) => err);
    assert.ok(error instanceof ConfigError);
    assert.equal(error.field, 'mcp.server_urls[0].url');
  });

  it('treats an empty value as unset and accepts our trace and MCP-hop additions', () => {
    const layer = parseYamlProfile(
      MINIMAL + `  ca_bundle: /etc/mcp-ca.pem\n  proxy: http://proxy:3128\ntrace:\n  capture_payloads: true\n  max_entries: 50\nhealth:\n  url_file:\n`,
      '/x.yaml',
    );
    assert.deepEqual(layer.data.trace, { capturePayloads: true, maxEntries: 50 });
    assert.deepEqual(layer.data.health, {});
    assert.equal((layer.data.mcp as Record<string, unknown>).caBundle, '/etc/mcp-ca.pem');
  });

  it('reads header and env values written as numbers as text', () => {
    const layer = parseYamlProfile(MINIMAL.replace('node server.js', 'node server.js\n      env:\n        PORT: 3000'), '/x.yaml');
    const servers = (layer.data.mcp as { servers: Array<{ env: Record<string, unknown> }> }).servers;
    assert.deepEqual(servers[0].env, { PORT: '3000' });
  });

  it('warns when the file holds the API key itself', async () => {
    const file = await writeFile(dir, 'p.yaml', MINIMAL.replace('  tunnel_id:', '  api_key: sk-proj-literal0123456789\n  tunnel_id:'));
    const { warnings, profile } = await loadProfile({ profileFile: file, env: {} });
    assert.equal(profile.controlPlane.apiKey, 'sk-proj-literal0123456789');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /control_plane\.api_key in .* holds the key itself/);
    assert.doesNotMatch(warnings[0], /sk-proj-literal/);
  });

  it('finds a profile by name in $XDG_CONFIG_HOME, then ~/.config, as .yaml or .yml', async () => {
    const home = path.join(dir, 'home');
    const xdg = path.join(dir, 'xdg');
    const inHome = await writeFile(home, '.config/tunnel-client/staging.yml', MINIMAL);
    const inXdg = await writeFile(xdg, 'tunnel-client/prod.yaml', MINIMAL);
    assert.equal(profileDirectory({ XDG_CONFIG_HOME: xdg }, home), path.join(xdg, 'tunnel-client'));
    assert.equal(profileDirectory({}, home), path.join(home, '.config', 'tunnel-client'));
    assert.equal(await findProfileFile('prod', { env: { XDG_CONFIG_HOME: xdg }, homedir: home }), inXdg);
    assert.equal(await findProfileFile('staging', { env: { XDG_CONFIG_HOME: xdg }, homedir: home }), inHome);
    const { profile } = await loadProfile({ profileName: 'staging', env: {}, homedir: home });
    assert.equal(profile.name, 'staging');

    const missing = await findProfileFile('nope', { env: {}, homedir: home }).catch((err: ConfigError) => err);
    assert.ok(missing instanceof ConfigError);
    assert.match(missing.fix, /mcp-tunnel init --profile nope/);
    const traversal = await findProfileFile('../etc/passwd', { env: {}, homedir: home }).catch((err: ConfigError) => err);
    assert.match((traversal as ConfigError).problem, /not a valid profile name/);
  });

  it('says which file could not be read', async () => {
    const error = await readYamlProfile(path.join(dir, 'absent.yaml')).catch((err: ConfigError) => err);
    assert.ok(error instanceof ConfigError);
    assert.match(error.problem, /cannot be read \(ENOENT\)/);
  });
});
