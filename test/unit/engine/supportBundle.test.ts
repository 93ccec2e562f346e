import { strict as assert } from 'node:assert';
import { strFromU8, unzipSync } from 'fflate';
import { buildSupportBundle, ExportWindowError, parseExportMinutes, redactArgv, relevantEnvironment } from '../../../src/engine/supportBundle';
import { REDACTED } from '../../../src/engine/redact';

const API_KEY = 'tk-live-0123456789abcdef';
const NOW = new Date('2026-12-02T12:00:00Z');

function minutesAgo(n: number): string {
  return new Date(NOW.getTime() - n * 60_000).toISOString();
}

const logs: { time: string; level: string; msg: string; fields?: object }[] = [
      { time: minutesAgo(30), level: 'info', msg: 'too old to export' },
      { time: minutesAgo(5), level: 'info', msg: `poll with key ${API_KEY}`, fields: { shard_token: 'shard-secret-1' } },
      { time: minutesAgo(1), level: 'warn', msg: 'control plane https://bob:pw-xyz@cp.local/poll?token=q-secret-9' },
    ];
function build() {
  return buildSupportBundle({
    host: 'daemon',
    minutes: 10,
    now: NOW,
    logs,
    metricsText: '# HELP tunnel_up Up\n# TYPE tunnel_up gauge\ntunnel_up 1\n',
    status: { phase: 'connected', tunnelId: 'tun_1', headers: { Authorization: 'Bearer front-door-token-1' } },
    config: {
      argv: ['node', 'cli.js', 'run', '--api-key', API_KEY, '--header=X-Auth: hdr-secret', '--tunnel-id', 'tun_1'],
      env: { MCP_TUNNEL_API_KEY: API_KEY, LOG_LEVEL: 'debug', HTTPS_PROXY: 'http://u:proxy-pw@proxy:3128', HOME: '/home/me', PATH: '/bin' },
      profile: { name: 'p', tunnelId: 'tun_1', apiKey: API_KEY, mcp: { url: 'http://localhost:3000/mcp?secret=s-123' } },
    },
    secrets: [API_KEY],
  });
}

describe('diagnostics bundle', () => {
  it('holds the manifest, recent logs as NDJSON, metrics, status, system and config', () => {
    const bundle = build();
    const files = unzipSync(bundle.bytes);
    assert.deepEqual(Object.keys(files).sort(), ['config.json', 'logs.ndjson', 'manifest.json', 'metrics.prom', 'status.json', 'system.json']);
    assert.match(bundle.fileName, /^mcp-tunnel-diagnostics-20261202T120000Z\.zip$/);
    const lines = strFromU8(files['logs.ndjson']).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2, 'the record older than the window is left out');
    assert.equal(lines[1].level, 'warn');
    assert.match(strFromU8(files['metrics.prom']), /^tunnel_up 1$/m);
    const system = JSON.parse(strFromU8(files['system.json']));
    assert.equal(system.pid, process.pid);
    assert.equal(system.node, process.versions.node);
    assert.ok(system.cpus >= 1 && system.memory.totalBytes > 0);
    const manifest = JSON.parse(strFromU8(files['manifest.json']));
    assert.equal(manifest.logRecords, 2);
    assert.equal(manifest.windowMinutes, 10);
    const config = JSON.parse(strFromU8(files['config.json']));
    assert.deepEqual(Object.keys(config.environment).sort(), ['HTTPS_PROXY', 'LOG_LEVEL', 'MCP_TUNNEL_API_KEY'], 'only variables that shape the tunnel');
    assert.equal(config.environment.LOG_LEVEL, 'debug');
    assert.equal(config.profile.tunnelId, 'tun_1');
  });

  it('lets no secret of the run through in any file', () => {
    const files = unzipSync(build().bytes);
    for (const [name, data] of Object.entries(files)) {
      const text = strFromU8(data);
      for (const secret of [API_KEY, 'shard-secret-1', 'pw-xyz', 'q-secret-9', 'front-door-token-1', 'hdr-secret', 'proxy-pw', 's-123']) {
        assert.ok(!text.includes(secret), `${name} contains ${secret}`);
      }
    }
    assert.match(strFromU8(files['config.json']), /\[REDACTED\]/);
  });

  it('redacts secret flags in argv whether the value is separate or joined', () => {
    assert.deepEqual(redactArgv(['run', '--api-key', 'abcd1234', '--token=xyz12345', '--tunnel-id', 't1', '-H', 'x']), ['run', '--api-key', REDACTED, `--token=${REDACTED}`, '--tunnel-id', 't1', '-H', 'x']);
    assert.deepEqual(relevantEnvironment({ CONTROL_PLANE_URL: 'https://a:b@cp', OPENAI_API_KEY: 'sk-abcdefghijk', EDITOR: 'vi' }), { CONTROL_PLANE_URL: `https://${REDACTED}@cp`, OPENAI_API_KEY: REDACTED });
  });

  it('accepts an export window of 1 to 1440 minutes and says what to send otherwise', () => {
    assert.equal(parseExportMinutes(undefined), 30);
    assert.equal(parseExportMinutes('1'), 1);
    assert.equal(parseExportMinutes('1440'), 1440);
    for (const bad of ['0', '1441', '-5', '2.5', 'ten', '1e3']) {
      assert.throws(() => parseExportMinutes(bad), (e: unknown) => e instanceof ExportWindowError && /1 to 1440/.test((e as Error).message), bad);
    }
  });

  it('adds the profile file as profile.yaml when one was loaded, redacted like every file', () => {
    const files = unzipSync(
      buildSupportBundle({
        host: 'daemon',
        minutes: 5,
        now: NOW,
        logs: [],
        status: {},
        config: { argv: [], env: {}, profileYaml: `control_plane:\n  api_key: env:KEY\n  # old key: ${API_KEY}\n` },
        secrets: [API_KEY],
      }).bytes,
    );
    const yaml = strFromU8(files['profile.yaml']!);
    assert.match(yaml, /api_key: env:KEY/);
    assert.ok(!yaml.includes(API_KEY));
    assert.equal(files['metrics.prom'], undefined, 'no metrics file without metrics text');
  });
});
