import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ConfigError } from '../../../src/profiles/errors';
import { loadProfile, mergeProfileSources } from '../../../src/profiles/load';
import { API_KEY, removeDir, tempDir, TUNNEL_ID, writeFile } from './support';

const PROFILE = `config_version: 1
control_plane:
  base_url: https://yaml.example.com
  tunnel_id: ${TUNNEL_ID}
  poll_timeout: 20s
  max_inflight_requests: 30
log:
  level: warn
mcp:
  commands:
    - channel: main
      command: python /srv/server.py
      cwd: /srv
    - channel: docs
      command: docs-server --stdio
`;

async function loadError(promise: Promise<unknown>): Promise<ConfigError> {
  const err = await promise.then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, String(err));
  return err;
}

describe('loading a profile from flags, env, YAML and defaults', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await tempDir();
    file = await writeFile(dir, 'prod.yaml', PROFILE);
  });
  afterEach(async () => removeDir(dir));

  it('takes each field from the highest source that sets it: flags > env > YAML > defaults', async () => {
    const { profile, sources } = await loadProfile({
      profileFile: file,
      env: { CONTROL_PLANE_BASE_URL: 'https://env.example.com', CONTROL_PLANE_POLL_TIMEOUT: '10s', CONTROL_PLANE_API_KEY: API_KEY },
      flags: { baseUrl: 'https://flag.example.com' },
    });
    // flag beats env and YAML
    assert.equal(profile.controlPlane.baseUrl, 'https://flag.example.com');
    assert.deepEqual(sources['controlPlane.baseUrl'], { kind: 'flag', name: '--base-url' });
    // env beats YAML
    assert.equal(profile.controlPlane.pollTimeout, '10s');
    assert.deepEqual(sources['controlPlane.pollTimeout'], { kind: 'env', name: 'CONTROL_PLANE_POLL_TIMEOUT' });
    // YAML beats defaults
    assert.equal(profile.controlPlane.maxInflightRequests, 30);
    assert.deepEqual(sources['controlPlane.maxInflightRequests'], { kind: 'file', name: 'control_plane.max_inflight_requests', file });
    // defaults fill the rest
    assert.equal(profile.mcp.maxConcurrentRequests, 10);
    assert.deepEqual(sources['mcp.maxConcurrentRequests'], { kind: 'default', name: 'mcp.maxConcurrentRequests' });
  });

  it('lets MCP_COMMAND replace the main server of the YAML file, keeping the other channels', async () => {
    const { profile, sources } = await loadProfile({ profileFile: file, env: { MCP_SERVER_URL: 'https://mcp.internal/mcp' } });
    assert.deepEqual(profile.mcp.servers, [
      { channel: 'main', url: 'https://mcp.internal/mcp' },
      { channel: 'docs', command: 'docs-server --stdio' },
    ]);
    assert.equal(sources['mcp.servers[0].url'].name, 'MCP_SERVER_URL');
    assert.equal(sources['mcp.servers[0].cwd'], undefined);

    const flagged = await loadProfile({ profileFile: file, env: { MCP_SERVER_URL: 'https://mcp.internal/mcp' }, flags: { mcpCommand: 'node local.js' } });
    assert.deepEqual(flagged.profile.mcp.servers[0], { channel: 'main', command: 'node local.js' });
  });

  it('adds the main channel from env when the YAML file has none', async () => {
    const noMain = await writeFile(dir, 'docs.yaml', PROFILE.replace('channel: main', 'channel: search'));
    const { profile } = await loadProfile({ profileFile: noMain, env: { MCP_COMMAND: 'node main.js' } });
    assert.deepEqual(profile.mcp.servers.map((s) => s.channel), ['search', 'docs', 'main']);
  });

  it('works from env vars alone, as the reference daemon does', async () => {
    const { profile } = await loadProfile({ env: { CONTROL_PLANE_TUNNEL_ID: TUNNEL_ID, CONTROL_PLANE_API_KEY: API_KEY, MCP_COMMAND: 'node s.js' } });
    assert.equal(profile.name, 'default');
    assert.equal(profile.controlPlane.apiKey, 'env:CONTROL_PLANE_API_KEY');
    assert.deepEqual(profile.mcp.servers, [{ channel: 'main', command: 'node s.js' }]);
  });

  it('keeps the key value out of the loaded profile and its sources', async () => {
    const loaded = await loadProfile({ profileFile: file, env: { CONTROL_PLANE_API_KEY: API_KEY, OPENAI_API_KEY: 'sk-openai-0123456789abcdef' } });
    assert.equal(loaded.profile.controlPlane.apiKey, 'env:CONTROL_PLANE_API_KEY');
    assert.doesNotMatch(JSON.stringify(loaded), /sk-/);
  });

  it('uses OPENAI_API_KEY only when no other source names a key', async () => {
    const fallback = await loadProfile({ profileFile: file, env: { OPENAI_API_KEY: API_KEY } });
    assert.equal(fallback.profile.controlPlane.apiKey, 'env:OPENAI_API_KEY');
    const withFile = await writeFile(dir, 'keyed.yaml', PROFILE.replace('  poll_timeout', '  api_key: file:/run/secrets/key\n  poll_timeout'));
    const named = await loadProfile({ profileFile: withFile, env: { OPENAI_API_KEY: API_KEY } });
    assert.equal(named.profile.controlPlane.apiKey, 'file:/run/secrets/key');
  });

  it('refuses an API key given as a flag value, without echoing it', async () => {
    const error = await loadError(loadProfile({ profileFile: file, env: {}, flags: { apiKey: API_KEY } }));
    assert.equal(error.field, '--api-key');
    assert.doesNotMatch(error.message, /sk-/);
    const ok = await loadProfile({ profileFile: file, env: {}, flags: { apiKey: 'env:MY_KEY' } });
    assert.equal(ok.profile.controlPlane.apiKey, 'env:MY_KEY');
  });

  it('names an invalid field the way its source wrote it', async () => {
    const fromEnv = await loadError(loadProfile({ profileFile: file, env: { CONTROL_PLANE_MAX_INFLIGHT_REQUESTS: '20000' } }));
    assert.equal(fromEnv.field, 'CONTROL_PLANE_MAX_INFLIGHT_REQUESTS');
    assert.match(fromEnv.problem, /between 1 and 10000/);
    assert.equal(fromEnv.source, undefined);

    const fromFlag = await loadError(loadProfile({ profileFile: file, env: {}, flags: { pollTimeout: 'soon' } }));
    assert.equal(fromFlag.field, '--poll-timeout');

    const fromYaml = await loadError(loadProfile({ profileFile: await writeFile(dir, 'bad.yaml', PROFILE.replace('level: warn', 'level: loud')), env: {} }));
    assert.equal(fromYaml.field, 'log.level');
    assert.match(fromYaml.problem, /debug, info, warn, error/);
    assert.equal(fromYaml.source, `${dir}/bad.yaml`);

    const flagNumber = await loadError(loadProfile({ profileFile: file, env: {}, flags: { maxInflightRequests: 'many' } }));
    assert.equal(flagNumber.field, '--max-inflight-requests');
  });

  it('says every way to set a missing tunnel id or server', async () => {
    const error = await loadError(loadProfile({ env: {} }));
    const byField = new Map(error.all.map((e) => [e.field, e]));
    assert.equal(byField.get('CONTROL_PLANE_TUNNEL_ID')?.fix, 'Export CONTROL_PLANE_TUNNEL_ID, pass --tunnel-id, or copy the id from the Platform tunnel settings');
    assert.match(byField.get('mcp.servers')!.fix, /export MCP_COMMAND or MCP_SERVER_URL/i);

    const noId = await writeFile(dir, 'noid.yaml', PROFILE.replace(`  tunnel_id: ${TUNNEL_ID}\n`, ''));
    const inYaml = await loadError(loadProfile({ profileFile: noId, env: {} }));
    assert.equal(inYaml.field, 'control_plane.tunnel_id');
    assert.match(inYaml.fix, /^Set control_plane\.tunnel_id in .*noid\.yaml, export CONTROL_PLANE_TUNNEL_ID, pass --tunnel-id/);
  });

  it('warns about a base URL that already ends in /v1', async () => {
    const { warnings } = await loadProfile({ profileFile: file, env: { CONTROL_PLANE_BASE_URL: 'https://api.openai.com/v1' } });
    assert.match(warnings.join('\n'), /CONTROL_PLANE_BASE_URL ends with \/v1/);
  });

  it('keeps duplicate channels of one file visible to validation', async () => {
    const dup = await writeFile(dir, 'dup.yaml', PROFILE.replace('channel: docs', 'channel: main'));
    const error = await loadError(loadProfile({ profileFile: dup, env: {} }));
    assert.equal(error.field, 'mcp.commands[1].channel');
  });

  it('never echoes an API key pasted into the wrong field', async () => {
    const keyArb = fc.stringMatching(/^sk-(proj-)?[A-Za-z0-9_-]{20,48}$/);
    const fields = [
      ['tunnel_id', (k: string) => PROFILE.replace(TUNNEL_ID, k)],
      ['base_url', (k: string) => PROFILE.replace('https://yaml.example.com', k)],
      ['poll_timeout', (k: string) => PROFILE.replace('20s', k)],
      ['max_inflight_requests', (k: string) => PROFILE.replace('30', JSON.stringify(k))],
      ['channel', (k: string) => PROFILE.replace('channel: docs', `channel: ${JSON.stringify(k.toLowerCase())}`)],
      ['level', (k: string) => PROFILE.replace('level: warn', `level: ${JSON.stringify(k)}`)],
      ['unknown key value', (k: string) => `${PROFILE}health:\n  listen_addr: ${JSON.stringify(k)}\n`],
    ] as const;
    await fc.assert(
      fc.asyncProperty(keyArb, fc.constantFrom(...fields), async (key, [, place]) => {
        const bad = await writeFile(dir, 'leak.yaml', place(key));
        const error = await loadProfile({ profileFile: bad, env: { CONTROL_PLANE_TUNNEL_ID: key } }).then(
          () => undefined,
          (e: ConfigError) => e,
        );
        const text = JSON.stringify(error?.all.map((e) => [e.message, e.field, e.problem, e.fix, e.source]) ?? []);
        return !text.includes(key) && !text.includes(key.toLowerCase());
      }),
      { numRuns: 60 },
    );
  });

  it('reads ENV: and File: references in any case, as the reference daemon does', async () => {
    const keyFile = await writeFile(dir, 'key', API_KEY);
    const upper = await writeFile(dir, 'upper.yaml', PROFILE.replace('  poll_timeout: 20s\n', `  poll_timeout: 20s\n  api_key: File:${keyFile}\n`));
    const { profile } = await loadProfile({ profileFile: upper, env: {} });
    assert.equal(profile.controlPlane.apiKey, `file:${keyFile}`);
    const fromEnv = await loadProfile({ profileFile: file, env: { CONTROL_PLANE_API_KEY: 'ENV:MY_KEY', MY_KEY: API_KEY } });
    assert.equal(fromEnv.profile.controlPlane.apiKey, 'env:MY_KEY');
  });

  it('merges without validating, for doctor', async () => {
    const merged = await mergeProfileSources({ env: { CONTROL_PLANE_TUNNEL_ID: 'nope' } });
    assert.equal((merged.raw.controlPlane as Record<string, unknown>).tunnelId, 'nope');
    assert.equal(merged.describeField(['controlPlane', 'tunnelId']), 'CONTROL_PLANE_TUNNEL_ID');
  });
});
