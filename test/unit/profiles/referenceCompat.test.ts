import { strict as assert } from 'node:assert';
import { parseDuration } from '../../../src/profiles/duration';
import { loadProfile } from '../../../src/profiles/load';
import { resolveProfile } from '../../../src/profiles/resolve';
import { selectConfigSource } from '../../../src/profiles/configSource';
import { profileFlagsFrom } from '../../../src/cli/profileFlags';
import { parseCli } from '../../../src/cli/options';
import { initSampleFor, renderProfileYaml } from '../../../src/cli/init';
import { parseYamlProfile } from '../../../src/profiles/yaml';
import { API_KEY, failure, tempDirPerTest, thrown, TUNNEL_ID, writeFile } from './support';

const BASE = `control_plane:\n  tunnel_id: ${TUNNEL_ID}\n  api_key: env:CONTROL_PLANE_API_KEY\nmcp:\n  commands:\n    - command: node server.js\n`;

describe('reference tunnel-client configuration', () => {
  let dir: string;
  tempDirPerTest((d) => (dir = d));
  const load = async (yaml: string, env: Record<string, string> = {}) => loadProfile({ profileFile: await writeFile(dir, 'p.yaml', yaml), env: { CONTROL_PLANE_API_KEY: API_KEY, ...env } });

  it('reads Go durations for configuration, compound and fractional', async () => {
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('300ms'), 300);
    assert.equal(parseDuration('0'), 0);
    for (const bad of ['-1s', '30', '1x', '']) assert.equal(parseDuration(bad), undefined, bad);
    const loaded = await load(BASE.replace('  api_key:', '  poll_timeout: 1m30s\n  api_key:') + '  startup_wait_timeout: 1.5s\n  connection_max_ttl: 2h30m\n');
    const config = await resolveProfile(loaded.profile, { env: { CONTROL_PLANE_API_KEY: API_KEY } });
    assert.deepEqual([config.controlPlane.pollTimeoutMs, config.mcp.startupWaitMs, config.mcp.connectionMaxTtlMs], [90_000, 1500, 9_000_000]);
  });

  it('loads without config_version, reads WARN and struct-text, and has no 1000 cap on max_concurrent_requests', async () => {
    const loaded = await load(`log:\n  level: WARN\n  format: struct-text\n${BASE}  max_concurrent_requests: 5000\n`);
    assert.deepEqual([loaded.profile.log.level, loaded.profile.log.format, loaded.profile.mcp.maxConcurrentRequests], ['warn', 'struct-text', 5000]);
  });

  it('warns once for each key of a missing feature, and refuses the unsafe ones saying what to do', async () => {
    const loaded = await load(`${BASE}admin_ui:\n  open_browser: false\ncloudflared:\n  managed: false\n  path: /opt/cf\nproxy:\n  check_interval: 60s\nlog:\n  http_raw_unsafe: true\n`);
    assert.deepEqual(
      loaded.warnings.map((w) => w.split(' (in ')[0]),
      ['cloudflared.managed', 'cloudflared.path', 'proxy.check_interval', 'log.http_raw_unsafe'],
    );
    assert.equal(loaded.profile.adminUi.openBrowser, false, 'admin_ui is read, not ignored');
    assert.ok(loaded.warnings.every((w) => / is ignored: /.test(w)));
    const managed = await failure(load(`${BASE}cloudflared:\n  managed: true\n`));
    assert.equal(managed.field, 'cloudflared.managed');
    assert.match(managed.fix, /set it to false/);
    const harpoon = await load(`${BASE}harpoon:\n  targets:\n    - label: auth\n      url: https://auth.example.com\n  additional_transports: [http-streamable]\n`);
    assert.deepEqual(harpoon.profile.harpoon.targets, [{ label: 'auth', url: 'https://auth.example.com' }]);
    assert.deepEqual(harpoon.warnings.map((w) => w.split(' (in ')[0]), ['harpoon.additional_transports']);
    const socket = await failure(load(`control_plane:\n  tunnel_id: ${TUNNEL_ID}\nmcp:\n  server_urls:\n    - url: http://x/mcp\n      unix_socket: /tmp/s\n`));
    assert.equal(socket.field, 'mcp.server_urls[0].unix_socket');
    const env = await failure(load(BASE, { CLOUDFLARED_MANAGED: 'true' }));
    assert.equal(env.field, 'CLOUDFLARED_MANAGED');
    assert.match((await load(BASE, { LOG_HTTP_RAW_UNSAFE: 'true' })).warnings.join('\n'), /^LOG_HTTP_RAW_UNSAFE is ignored/m);
  });

  it('web UI settings: admin_ui in YAML, ALLOW_REMOTE_UI / OPEN_WEB_UI / ADMIN_UI_LOG_BUFFER_EVENTS, and their flags, flags winning', async () => {
    const fromYaml = await load(`${BASE}admin_ui:\n  allow_remote: true\n  log_buffer_events: 500\n`);
    assert.deepEqual(fromYaml.profile.adminUi, { allowRemote: true, openBrowser: false, logBufferEvents: 500 });
    assert.deepEqual(fromYaml.warnings, []);
    const fromEnv = await load(BASE, { OPEN_WEB_UI: 'TRUE', ALLOW_REMOTE_UI: '0', ADMIN_UI_LOG_BUFFER_EVENTS: '100' });
    assert.deepEqual(fromEnv.profile.adminUi, { allowRemote: false, openBrowser: true, logBufferEvents: 100 });
    const parsed = profileFlagsFrom(parseCli(['run', '--mcp.command', 'node a.js', '--tunnel-id', TUNNEL_ID, '--allow-remote-ui', '--open-web-ui', '--admin-ui.log-buffer-events', '300']).values);
    const flagged = await loadProfile({ flags: parsed.flags, flagSpellings: parsed.spellings, env: { CONTROL_PLANE_API_KEY: API_KEY, ALLOW_REMOTE_UI: 'false' } });
    assert.deepEqual(flagged.profile.adminUi, { allowRemote: true, openBrowser: true, logBufferEvents: 300 });
    const badEnv = await failure(load(BASE, { ALLOW_REMOTE_UI: 'maybe' }));
    assert.equal(badEnv.field, 'ALLOW_REMOTE_UI');
    assert.match(badEnv.fix, /true or false/);
    const tooBig = await failure(load(`${BASE}admin_ui:\n  log_buffer_events: 100001\n`));
    assert.equal(tooBig.field, 'admin_ui.log_buffer_events');
    const badFlag = profileFlagsFrom(parseCli(['run', '--mcp.command', 'node a.js', '--tunnel-id', TUNNEL_ID, '--admin-ui.log-buffer-events', 'lots']).values);
    assert.equal((await failure(loadProfile({ flags: badFlag.flags, flagSpellings: badFlag.spellings, env: { CONTROL_PLANE_API_KEY: API_KEY } }))).field, '--admin-ui.log-buffer-events');
  });

  it('requires a main channel unless poll_channels leaves it out', async () => {
    const tools = `control_plane:\n  tunnel_id: ${TUNNEL_ID}\nmcp:\n  commands:\n    - channel: tools\n      command: node t.js\n`;
    const missing = await failure(load(tools));
    assert.match(missing.message, /has no server for the main channel/);
    const allowed = await load(tools.replace(`  tunnel_id: ${TUNNEL_ID}\n`, `  tunnel_id: ${TUNNEL_ID}\n  poll_channels: [tools]\n`));
    assert.deepEqual(allowed.profile.controlPlane.pollChannels, ['tools']);
  });

  it('resolves env: and file: on URLs, the command, the health address and certificate paths', async () => {
    const loaded = await load(`control_plane:\n  tunnel_id: ${TUNNEL_ID}\n  base_url: env:CP_BASE\nhealth:\n  listen_addr: env:HEALTH\nmcp:\n  server_urls:\n    - url: env:MCP_URL\n`, {
      CP_BASE: 'https://gw.example.com',
      HEALTH: '127.0.0.1:0',
      MCP_URL: 'https://mcp.internal/mcp',
    });
    assert.deepEqual([loaded.profile.controlPlane.baseUrl, loaded.profile.health.listenAddr, loaded.profile.mcp.servers[0]!.url], ['https://gw.example.com', '127.0.0.1:0', 'https://mcp.internal/mcp']);
    const unset = await failure(load(BASE.replace('  api_key:', '  base_url: env:NOPE\n  api_key:')));
    assert.equal(unset.field, 'control_plane.base_url');
    assert.match(unset.problem, /NOPE, which is not set/);
  });

  it('environment: multi-channel servers, extra headers, organization, proxies, log and pid files, poll settings', async () => {
    const env = {
      CONTROL_PLANE_API_KEY: API_KEY,
      CONTROL_PLANE_TUNNEL_ID: TUNNEL_ID,
      MCP_SERVER_URL: 'channel=main,url=https://a.internal/mcp,http-proxy=http://hop:1\nchannel=docs,url=https://b.internal/mcp',
      MCP_COMMAND: 'channel=tools,command=node t.js --x=1,2',
      CONTROL_PLANE_EXTRA_HEADERS: 'X-One: 1; X-Two: env:TWO',
      MCP_EXTRA_HEADERS: 'X-Mcp: m',
      TWO: 'two',
      CONTROL_PLANE_ORGANIZATION_ID: 'org-123',
      TUNNEL_CLIENT_HTTP_PROXY: 'http://global:3128',
      CONTROL_PLANE_HTTP_PROXY: 'http://cp:3128',
      LOG_FORMAT: 'json',
      LOG_FILE: '/tmp/t.log',
      PID_FILE: '/tmp/t.pid',
      CONTROL_PLANE_POLL_DEADLINE_GUARDRAIL: '2s',
      CONTROL_PLANE_POLL_CHANNELS: 'main,docs,tools',
    };
    const loaded = await loadProfile({ env });
    assert.deepEqual(loaded.profile.mcp.servers.map((s) => [s.channel, s.url ?? s.command]), [
      ['tools', 'node t.js --x=1,2'],
      ['main', 'https://a.internal/mcp'],
      ['docs', 'https://b.internal/mcp'],
    ]);
    assert.deepEqual([loaded.profile.log.format, loaded.profile.log.file, loaded.profile.process.pidFile], ['json', '/tmp/t.log', '/tmp/t.pid']);
    const config = await resolveProfile(loaded.profile, { env });
    assert.equal(config.controlPlane.organizationId, 'org-123');
    assert.deepEqual(config.controlPlane.extraHeaders, { 'X-One': '1', 'X-Two': 'two' });
    assert.equal(config.controlPlane.proxy, 'http://cp:3128');
    const proxies = config.mcp.targets.map((t) => (t.kind === 'http' ? t.proxy : 'stdio'));
    assert.deepEqual(proxies, ['stdio', 'http://hop:1', 'http://global:3128']);
    assert.deepEqual(config.mcp.targets[1]!.kind === 'http' && config.mcp.targets[1]!.headers, { 'X-Mcp': 'm' });
  });

  it('selects the profile like the reference: flags, else TUNNEL_CLIENT_* variables, mutually exclusive', () => {
    assert.deepEqual(selectConfigSource({}, { TUNNEL_CLIENT_PROFILE: 'prod', TUNNEL_CLIENT_PROFILE_DIR: '/p' }), { profileName: 'prod', via: 'TUNNEL_CLIENT_PROFILE', profileDir: '/p' });
    assert.deepEqual(selectConfigSource({ config: '/c.yaml' }, { TUNNEL_CLIENT_PROFILE: 'prod' }), { profileFile: '/c.yaml', via: '--config' });
    assert.deepEqual(selectConfigSource({}, { TUNNEL_CLIENT_CONFIG: '/c.yaml' }).profileFile, '/c.yaml');
    assert.match(thrown(() => selectConfigSource({ config: '/c', profile: 'p' }, {})).message, /--config: and --profile are mutually exclusive/);
    assert.match(thrown(() => selectConfigSource({}, { TUNNEL_CLIENT_PROFILE: 'p', TUNNEL_CLIENT_PROFILE_FILE: '/f' })).message, /mutually exclusive/);
  });

  it('command line: the reference spellings and dash aliases, repeatable entries, errors naming the flag as written', async () => {
    const { values } = parseCli([
      'run',
      '--control-plane.tunnel-id', TUNNEL_ID,
      '--mcp.command', 'node a.js',
      '--mcp.command', 'channel=tools,command=node t.js',
      '--health-listen-addr', '127.0.0.1:0',
      '--log.level', 'DEBUG',
      '--mcp.connection-max-ttl', '1m30s',
      '--control-plane.extra-headers', 'X-A: 1',
      '--log.http-raw-unsafe',
    ]);
    const parsed = profileFlagsFrom(values);
    assert.match(parsed.warnings.join('\n'), /^--log.http-raw-unsafe is ignored/);
    const loaded = await loadProfile({ flags: parsed.flags, flagSpellings: parsed.spellings, env: { CONTROL_PLANE_API_KEY: API_KEY } });
    assert.deepEqual(loaded.profile.mcp.servers.map((s) => s.channel), ['main', 'tools']);
    assert.deepEqual([loaded.profile.log.level, loaded.profile.health.listenAddr, loaded.profile.mcp.connectionMaxTtl], ['debug', '127.0.0.1:0', '1m30s']);
    assert.deepEqual(loaded.profile.controlPlane.extraHeaders, { 'X-A': '1' });

    const bad = profileFlagsFrom(parseCli(['run', '--control-plane-tunnel-id', 'nope', '--mcp.command', 'node a.js']).values);
    const error = await failure(loadProfile({ flags: bad.flags, flagSpellings: bad.spellings, env: {} }));
    assert.equal(error.all.find((e) => /tunnel/.test(e.field))?.field, '--control-plane-tunnel-id');
    assert.throws(() => profileFlagsFrom(parseCli(['run', '--control-plane.api-key', 'sk-live-visible']).values), /takes a reference/);
    assert.throws(() => profileFlagsFrom(parseCli(['run', '--cloudflared.managed']).values), /does not run/);
    assert.throws(() => profileFlagsFrom(parseCli(['run', '--tunnel-id', TUNNEL_ID, '--control-plane.tunnel-id', TUNNEL_ID]).values), /give only one/);
  });

  it('init takes the reference sample names and writes struct-text, which the reference reads', () => {
    assert.equal(initSampleFor('sample_mcp_stdio_local'), 'stdio-local');
    assert.equal(initSampleFor('sample_mcp_with_dcr', { mcpCommand: 'node s.js' }), 'stdio-local');
    assert.equal(initSampleFor('sample_mcp_with_dcr'), 'oauth-http');
    assert.equal(initSampleFor('sample_mcp_enterprise_proxy'), 'enterprise-proxy');
    for (const sample of ['stdio-local', 'remote-http', 'oauth-http'] as const) {
      const text = renderProfileYaml({ sample, profile: 'p' });
      assert.doesNotMatch(text, /format: text\b/);
      assert.equal((parseYamlProfile(text, 'p.yaml').data.log as { format: string }).format, 'struct-text');
    }
  });
});
